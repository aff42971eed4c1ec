"""Calibration of extraction.confidence on the shared evaluation set (offline engine, text-layer PDFs).

Usage: .venv/bin/python bench/calibrate.py [--eval-dir ../shared/eval] [--out bench/results/calibration.json]

Prints, per threshold (0.5 .. 0.9), the share of auto-accepted values that are correct, the share
of values auto-accepted and the share of files sent to review, plus a reliability table; writes the
full report (with every wrong value and every issue) as JSON. See evals/calibration.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.calibration import format_report, run  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "calibration.json"))
    args = ap.parse_args()
    rep = run(Path(args.eval_dir))
    if rep is None:
        print(f"no evaluation set at {args.eval_dir}: skipped")
        return 0
    print(format_report(rep))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rep, indent=1, ensure_ascii=False))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
