"""`docparse synth OUT --count N --seed S [--scans [--scan-profile office]] [--generator synth|holdout]`: a synthetic
evaluation set (evals/synth, or the independent hold-out generator evals/holdout)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[Path, typer.Argument(help="Directory to write the set to (docs/, truth/, manifest.json).")],
    count: Annotated[int, typer.Option("--count", min=1, help="Number of documents.")] = 240,
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same documents.")] = 1,
    families: Annotated[int, typer.Option("--families", min=1, help="Number of layout families (templates; synth only).")] = 24,
    scans: Annotated[bool, typer.Option("--scans", help="Scanned-looking copies (150 dpi grey, rotated, noisy).")] = False,
    generator: Annotated[str, typer.Option("--generator", help="synth (the development generator) or holdout "
                                           "(the independent evaluation set: 14 fixed families, group B sealed).")] = "synth",
    scan_profile: Annotated[str, typer.Option("--scan-profile", help="With --scans: harsh (default: blur, JPEG 35-80; "
                                              "the frozen sets) or office (issue 13: no blur, light speckles, JPEG 90).")] = "harsh",
    groups: Annotated[str, typer.Option("--groups", help="holdout only: the family groups to write, A, B or AB.")] = "AB",
) -> None:
    """Generate seeded synthetic invoices with exact truth, in many layout families."""
    from evals.synth import schema_invoice

    if generator not in ("synth", "holdout"):
        typer.echo(f"error: --generator must be synth or holdout, not {generator!r}", err=True)
        raise typer.Exit(2)
    if generator == "holdout" and (not groups or set(groups) - {"A", "B"}):
        typer.echo(f"error: --groups must be A, B or AB, not {groups!r}", err=True)
        raise typer.Exit(2)
    from evals.synth.scan import PROFILES

    if scan_profile not in PROFILES:
        typer.echo(f"error: --scan-profile must be one of {', '.join(PROFILES)}, not {scan_profile!r}", err=True)
        raise typer.Exit(2)
    if out.exists() and any(out.iterdir()):
        typer.echo(f"error: {out} is not empty", err=True)
        raise typer.Exit(2)
    if generator == "holdout":
        from evals.holdout import families_of
        from evals.holdout import write_set as write_holdout

        info = write_holdout(out, count=count, seed=seed, groups=groups, scans=scans, schema=schema_invoice(),
                             scan_profile=scan_profile)
        n_fam = len(families_of(groups))
        typer.echo(f"wrote {count} {f'scanned ({scan_profile}) ' if scans else ''}hold-out documents of {n_fam} families "
                   f"(groups {groups}, generator {info['generator_version']}, seed {seed}) to {out} in {info['seconds']} s")
        return
    from evals.synth import write_set

    info = write_set(out, count=count, seed=seed, n_families=families, scans=scans, schema=schema_invoice(),
                     scan_profile=scan_profile)
    typer.echo(f"wrote {count} {f'scanned ({scan_profile}) ' if scans else ''}documents of {families} families "
               f"(generator {info['generator_version']}, seed {seed}) to {out} in {info['seconds']} s")
