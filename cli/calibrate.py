"""`docparse calibrate`: the confidence model measured out of family, fitted and shipped."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

ROOT = Path(__file__).resolve().parents[1]


def calibrate(
    eval_dir: Annotated[Path, typer.Option("--eval-dir", help="Shared evaluation sets (skipped when absent).")] = ROOT.parent / "shared" / "eval",
    out: Annotated[Optional[Path], typer.Option("--out", help="Model file (default: the shipped extraction/confidence/calibration.json).")] = None,
    report: Annotated[Path, typer.Option("--report", help="JSON report.")] = ROOT / "bench" / "results" / "calibration.json",
    cache: Annotated[Path, typer.Option("--cache", help="Generated sets and page words (OCR) are kept here.")] = ROOT / "bench" / "results" / "cache",
    measure_only: Annotated[bool, typer.Option("--measure-only", help="Report only; write no model.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
) -> None:
    """Fit the confidence model on the shared sets and the frozen synthetic set, after measuring it
    leave-one-family-out; prints the out-of-family figures."""
    from evals.calibrate import calibrate as run
    from evals.evaluate import write_report
    from evals.out_of_family import format_report
    from extraction.confidence.model import SHIPPED

    rep = run(eval_dir=eval_dir if eval_dir.is_dir() else None, out=None if measure_only else (out or SHIPPED),
              cache=cache, progress=None if quiet else (lambda m: typer.echo("  " + m, err=True)))
    typer.echo(format_report(rep))
    ins, rb = rep["in_sample"], rep["rule_based"]
    typer.echo(f"\nin sample (the shipped fit): prec {ins['precision_at_threshold']}, review {ins['review_files']}, "
               f"ECE {ins['ece']}; rule-based before the fit: prec {rb['precision_at_threshold']}, "
               f"review {rb['review_files']}, ECE {rb['ece']}")
    write_report(rep, report)
    typer.echo(f"wrote {report}" + (f" and {rep['written']}" if rep.get("written") else ""))
