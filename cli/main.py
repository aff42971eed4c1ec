"""The `docparse` command: the app and the commands that run the stack (`up`, `api`, `worker`);
`eval`, `extract`, `keys`, `review`, `doctor`, `synth` and `calibrate` come from their own modules."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from cli.calibrate import calibrate
from cli.data_dir import DataDir, settings_for
from cli.doctor import doctor
from cli.evaluate import eval_
from cli.extract import extract
from cli.keys import keys_app
from cli.review import review_app
from cli.synth import synth
from cli.temporal import temporal

app = typer.Typer(help="docparse: a self-hostable data extraction API.", no_args_is_help=True)


@app.command()
def up(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(help="API port.")] = 8000,
) -> None:
    """Start the whole local stack: Temporal (with its UI), S3, the API and a worker."""
    from devstack.up import run_up

    settings = settings_for(data_dir)
    raise typer.Exit(run_up(settings.data_dir, port))


@app.command()
def api(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Run the API alone against the configured servers."""
    import uvicorn

    from api.main import create_app
    from core.observability import logging_config

    settings = settings_for(data_dir)
    # uvicorn applies the logging config in every process it starts (DOCPARSE_LOG_FORMAT: text | json)
    options = dict(host=host, port=port, log_level="info", access_log=settings.access_log,
                   log_config=logging_config(settings.log_format))
    if settings.api_processes > 1:  # each process builds its app from the same environment
        uvicorn.run("api.main:create_app", factory=True, workers=settings.api_processes, **options)
    else:
        uvicorn.run(create_app(settings), **options)


@app.command()
def worker(data_dir: DataDir = None) -> None:
    """Run a worker alone against the configured servers."""
    import asyncio

    from core.observability import configure_logging
    from worker.main import run_worker
    from worker.preflight import ServerUnreachable

    settings = settings_for(data_dir)
    configure_logging(settings.log_format)  # DOCPARSE_LOG_FORMAT: text | json
    try:
        asyncio.run(run_worker(settings))
    except ServerUnreachable as e:
        typer.echo(str(e.code), err=True)
        sys.stderr.flush()
        # Nothing was started; after a failed connect the Temporal SDK's runtime threads may abort
        # the interpreter at exit (sdk-python#300: exit 134 and a dump under the one line).
        os._exit(1)


# Typer lists the commands first (in this order), then the groups.
app.command("eval")(eval_)
app.command("extract")(extract)
app.command("doctor")(doctor)
app.command("temporal", add_help_option=False,
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(temporal)
app.command("synth")(synth)
app.command("calibrate")(calibrate)
app.add_typer(keys_app, name="keys")
app.add_typer(review_app, name="review")

