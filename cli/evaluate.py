"""`docparse eval`: an evaluation set scored through the API or in-process, and (--by-family) each
layout family scored while it was held out of the confidence fit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cli.data_dir import DataDir


def eval_(
    set_dirs: Annotated[list[Path], typer.Argument(help="Evaluation set(s): SET_DIR/docs and SET_DIR/truth (several with --by-family).")],
    schema: Annotated[Optional[Path], typer.Option("--schema", help="Extraction schema JSON (API format); default SET_DIR/schema-invoice.json or SET_DIR/../schema-invoice.json.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="Engine name (extraction/engines/registry.py) for --direct.")] = "offline",
    direct: Annotated[bool, typer.Option("--direct", help="Run page preparation and the engine in this process instead of through the API.")] = False,
    as_scans: Annotated[bool, typer.Option("--as-scans", help="Rasterise every PDF into an image-only PDF first (measures OCR).")] = False,
    scan_noise: Annotated[float, typer.Option("--scan-noise", help="With --as-scans: share of pixels speckled black or white (0.0025: an office scanner).")] = 0.0,
    scan_rotate: Annotated[float, typer.Option("--scan-rotate", help="With --as-scans: skew every page by this many degrees.")] = 0.0,
    scan_turn: Annotated[int, typer.Option("--scan-turn", help="With --as-scans: turn every page by 90, 180 or 270 degrees.")] = 0,
    by_family: Annotated[bool, typer.Option("--by-family", help="Leave-one-family-out: per layout family, with the confidence model fitted without it (in-process).")] = False,
    api_url: Annotated[Optional[str], typer.Option("--api", help="API URL (default DOCPARSE_API_URL or http://127.0.0.1:8000).")] = None,
    key: Annotated[Optional[str], typer.Option("--key", help="API key (its account pays). Default: a throwaway account in the local stack's database, else DOCPARSE_API_KEY or <data-dir>/dev-api-key.")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Through the API: keep the uploaded files (default: delete them afterwards).")] = False,
    data_dir: DataDir = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="JSON report (default bench/results/eval-<set>[-scans|-families].json).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Only the first N documents.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Run an evaluation set and score it: per-field accuracy, header accuracy, line-item P/R/F1."""
    from evals.evaluate import EvalError, ScanDamage, default_out, evaluate, format_summary, load_schema, write_report

    for d in set_dirs:
        if not d.is_dir():
            typer.echo(f"error: {d} is not a directory", err=True)
            raise typer.Exit(2)
    progress = None if quiet else (lambda m: typer.echo("  " + m, err=True))
    if by_family:
        from evals.evaluate import default_schema_path
        from evals.out_of_family import format_report, run_sets

        sp = schema or default_schema_path(set_dirs[0].resolve())
        if sp is None:
            typer.echo("error: no --schema given and none beside the set", err=True)
            raise typer.Exit(2)
        try:
            rep = run_sets([d.resolve() for d in set_dirs], load_schema(Path(sp))[1], scans=as_scans,
                           engine=engine, progress=progress)
        except (EvalError, ValueError) as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2) from None
        typer.echo(format_report(rep))
        path = out or default_out(set_dirs[0].resolve(), as_scans).with_name(
            f"eval-{'+'.join(d.resolve().name for d in set_dirs)}{'-scans' if as_scans else ''}-families.json")
        write_report(rep, path)
        typer.echo(f"wrote {path}")
        return
    if len(set_dirs) > 1:
        typer.echo("error: several sets only with --by-family", err=True)
        raise typer.Exit(2)
    set_dir = set_dirs[0]
    if data_dir is not None:
        data_dir = data_dir.expanduser().resolve()
    try:
        report = evaluate(
            set_dir, schema_path=schema, engine=engine, direct=direct, scans=as_scans,
            api_url=api_url, api_key=key, data_dir=data_dir, limit=limit, keep=keep, progress=progress,
            damage=ScanDamage(noise=scan_noise, rotate=scan_rotate, turn=scan_turn) if as_scans else None,
        )
    except (EvalError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    name = set_dir.resolve().name + (" (as scans)" if as_scans else "") + (" direct" if direct else " via API")
    typer.echo(format_summary(name, report))
    path = out or default_out(set_dir.resolve(), as_scans)
    write_report(report, path)
    typer.echo(f"wrote {path}")
