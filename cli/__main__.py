"""`python -m cli`: the `docparse` command (how the local stack and the tests start the API and worker)."""

from cli.main import app

app()
