"""The `docparse` command: the app, the commands that run the stack (`up`, `api`, `worker`) and
`eval`; `extract`, `keys`, `review` and `doctor` come from their own modules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.data_dir import DataDir, settings_for
from cli.doctor import doctor
from cli.extract import extract
from cli.keys import keys_app
from cli.review import review_app

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

    settings = settings_for(data_dir)
    configure_logging(settings.log_format)  # DOCPARSE_LOG_FORMAT: text | json
    asyncio.run(run_worker(settings))


@app.command("eval")
def eval_(
    set_dir: Annotated[Path, typer.Argument(help="Evaluation set: SET_DIR/docs and SET_DIR/truth.")],
    schema: Annotated[Optional[Path], typer.Option("--schema", help="Extraction schema JSON (API format); default SET_DIR/../schema-invoice.json.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="Engine name (extraction/engines/registry.py) for --direct.")] = "offline",
    direct: Annotated[bool, typer.Option("--direct", help="Run page preparation and the engine in this process instead of through the API.")] = False,
    as_scans: Annotated[bool, typer.Option("--as-scans", help="Rasterise every PDF into an image-only PDF first (measures OCR).")] = False,
    scan_noise: Annotated[float, typer.Option("--scan-noise", help="With --as-scans: share of pixels speckled black or white (0.0025: an office scanner).")] = 0.0,
    scan_rotate: Annotated[float, typer.Option("--scan-rotate", help="With --as-scans: skew every page by this many degrees.")] = 0.0,
    scan_turn: Annotated[int, typer.Option("--scan-turn", help="With --as-scans: turn every page by 90, 180 or 270 degrees.")] = 0,
    api_url: Annotated[Optional[str], typer.Option("--api", help="API URL (default DOCPARSE_API_URL or http://127.0.0.1:8000).")] = None,
    key: Annotated[Optional[str], typer.Option("--key", help="API key (default DOCPARSE_API_KEY or <data-dir>/dev-api-key).")] = None,
    data_dir: DataDir = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="JSON report (default bench/results/eval-<set>[-scans].json).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N documents.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Run an evaluation set and score it: per-field accuracy, header accuracy, line-item P/R/F1."""
    from evals.evaluate import EvalError, ScanDamage, default_out, evaluate, format_summary, write_report

    if not set_dir.is_dir():
        typer.echo(f"error: {set_dir} is not a directory", err=True)
        raise typer.Exit(2)
    if data_dir is not None:
        data_dir = data_dir.expanduser().resolve()
    try:
        report = evaluate(
            set_dir, schema_path=schema, engine=engine, direct=direct, scans=as_scans,
            api_url=api_url, api_key=key, data_dir=data_dir, limit=limit,
            damage=ScanDamage(noise=scan_noise, rotate=scan_rotate, turn=scan_turn) if as_scans else None,
            progress=None if quiet else (lambda m: typer.echo("  " + m, err=True)),
        )
    except (EvalError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    name = set_dir.resolve().name + (" (as scans)" if as_scans else "") + (" direct" if direct else " via API")
    typer.echo(format_summary(name, report))
    path = out or default_out(set_dir.resolve(), as_scans)
    write_report(report, path)
    typer.echo(f"wrote {path}")


# Typer lists the commands first (in this order), then the groups.
app.command("extract")(extract)
app.command("doctor")(doctor)
app.add_typer(keys_app, name="keys")
app.add_typer(review_app, name="review")

