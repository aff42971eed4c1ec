"""`docparse synth OUT --count N --seed S [--scans]`: a synthetic evaluation set (evals/synth)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[Path, typer.Argument(help="Directory to write the set to (docs/, truth/, manifest.json).")],
    count: Annotated[int, typer.Option("--count", min=1, help="Number of documents.")] = 240,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same documents.")] = 1,
    families: Annotated[int, typer.Option("--families", min=1, help="Number of layout families (templates).")] = 24,
    scans: Annotated[bool, typer.Option("--scans", help="Scanned-looking copies (150 dpi grey, rotated, noisy).")] = False,
) -> None:
    """Generate seeded synthetic invoices with exact truth, in many layout families."""
    from evals.synth import schema_invoice, write_set

    if out.exists() and any(out.iterdir()):
        typer.echo(f"error: {out} is not empty", err=True)
        raise typer.Exit(2)
    info = write_set(out, count=count, seed=seed, n_families=families, scans=scans, schema=schema_invoice())
    typer.echo(f"wrote {count} {'scanned ' if scans else ''}documents of {families} families "
               f"(generator {info['generator_version']}, seed {seed}) to {out} in {info['seconds']} s")
