"""The offline engine and its shipped confidence on the independent hold-out set (evals/holdout).

Usage: .venv/bin/python bench/holdout.py [--per-family 10] [--seed 13] [--no-scans] [--scan-profile harsh|office]
                                         [--cache bench/results/cache] [--out bench/results/holdout.json]

Generates the frozen set (evals.holdout.FROZEN: generator 1, seed 13, 10 documents per family, 14
families; text PDFs and scanned-looking copies of every one) into the cache once, reads it in
process as the worker reads it (OCR for scans; page words cached), runs the offline engine and
assesses its results with the SHIPPED calibration (extraction/confidence/calibration.json), which is
never refitted on this set. Prints, per group (A, B; text and scans apart) and per family: header
accuracy, line-item P/R/F1, precision of auto-accepted values at 0.8, share of files sent to review,
ECE, accuracy of values >= 0.95, and header accuracy per field. --scan-profile picks the scans' damage
(evals.synth.scan: harsh, the frozen set's, or office, issue 13's condition); each profile has its
own set directory in the cache. Writes the report as JSON; only
group A's documents are listed one by one (group B is sealed: nobody tunes against it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.schema import ExtractionSchema  # noqa: E402
from evals.evaluate import write_report  # noqa: E402
from evals.holdout import FAMILIES, FROZEN, GENERATOR_VERSION, write_set  # noqa: E402
from evals.holdout.measure import format_report, measure  # noqa: E402
from evals.synth import schema_invoice  # noqa: E402
from evals.synth.scan import DEFAULT_PROFILE, PROFILES  # noqa: E402


def frozen_sets(cache: Path, seed: int, per_family: int, scans: bool, scan_profile: str = DEFAULT_PROFILE
                ) -> list[tuple[Path, str]]:
    """The set's text PDFs (and scans, damaged the ``scan_profile`` way), generated into the cache
    when missing."""
    count = per_family * len(FAMILIES)
    out = []
    for kind in ("text", "scans") if scans else ("text",):
        d = cache / f"holdout-v{GENERATOR_VERSION}-s{seed}-n{count}{f'-scans-{scan_profile}' if kind == 'scans' else ''}"
        if not (d / "GENERATOR.json").exists():
            write_set(d, count=count, seed=seed, scans=kind == "scans", schema=schema_invoice(),
                      scan_profile=scan_profile)
        out.append((d, kind))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-family", type=int, default=FROZEN.per_family)
    ap.add_argument("--seed", type=int, default=FROZEN.seed)
    ap.add_argument("--no-scans", action="store_true")
    ap.add_argument("--scan-profile", choices=PROFILES, default=DEFAULT_PROFILE)
    ap.add_argument("--cache", default=str(ROOT / "bench" / "results" / "cache"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "holdout.json"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    cache = Path(args.cache)
    sets = frozen_sets(cache, args.seed, args.per_family, not args.no_scans, args.scan_profile)
    body = schema_invoice()
    schema = ExtractionSchema(fields=body["fields"], language=body.get("language", "auto"))
    rep = measure(sets, schema, cache=cache / "pages", progress=lambda m: print("  " + m, file=sys.stderr))
    frozen = ((args.seed, args.per_family, not args.no_scans) == (FROZEN.seed, FROZEN.per_family, FROZEN.scans)
              and args.scan_profile == DEFAULT_PROFILE)
    rep["set"] = {"generator": "holdout", "generator_version": GENERATOR_VERSION, "seed": args.seed,
                  "per_family": args.per_family, "families": len(FAMILIES), "scans": not args.no_scans,
                  "scan_profile": None if args.no_scans else args.scan_profile,
                  "frozen": frozen, "dirs": [str(d) for d, _ in sets]}
    rep["seconds"] = round(time.perf_counter() - t0, 1)
    print(format_report(rep))
    print(f"\n{'frozen set' if frozen else 'NOT the frozen set'}: generator {GENERATOR_VERSION}, seed {args.seed}, "
          f"{args.per_family} per family, scans {'none' if args.no_scans else args.scan_profile}; group B is sealed (figures only). {rep['seconds']} s")
    out = Path(args.out)
    write_report(rep, out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
