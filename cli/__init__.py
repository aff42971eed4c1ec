"""The `docparse` console script (cli.main:app): one module per command group."""
