"""`docparse calibrate`: measure the confidence out of family, then fit and ship the model.

1. The corpus: every set of ../shared/eval (text PDFs and images) and the frozen synthetic set
   (evals.synth.FROZEN: its text PDFs, and scanned copies of its first documents), generated into
   the cache directory when missing; read in-process as the worker reads them (evals.corpus).
2. Out of family: each layout family's values get confidences from a model fitted without that
   family (evals.out_of_family); the report gives, per group, header accuracy, line-item P/R/F1,
   precision of auto-accepted values, files sent to review, ECE, accuracy of values >= 0.95.
3. The model shipped: fitted on every family (evals.fit), written as JSON
   (extraction/confidence/calibration.json by default) and read by every worker.

The same inputs give the same file. Re-run it after the engine changes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from core.schema import ExtractionSchema
from evals.corpus import CorpusDoc, list_docs, read_all
from evals.out_of_family import apply_model, assess_corpus, fit_on, leave_one_family_out, metrics, report
from evals.synth import FROZEN, schema_invoice, write_set
from extraction.confidence.model import SHIPPED, CalibrationFile

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / "bench" / "results" / "cache"


def synth_sets(cache: Path, *, seed: int, count: int, families: int, scan_count: int) -> list[tuple[Path, str]]:
    """The synthetic text set and its scans, generated into the cache once per settings."""
    out = []
    for scans, n, group in ((False, count, "synth"), (True, scan_count, "synth-scans")):
        if n <= 0:
            continue
        d = cache / f"synth-v{FROZEN.generator_version}-s{seed}-n{n}-f{families}{'-scans' if scans else ''}"
        if not (d / "GENERATOR.json").exists():
            write_set(d, count=n, seed=seed, n_families=families, scans=scans, schema=schema_invoice())
        out.append((d, group))
    return out


def build_corpus(eval_dir: Path | None, synth: list[tuple[Path, str]], schema: ExtractionSchema, *,
                 cache: Path | None, progress: Callable[[str], None] | None = None) -> list[CorpusDoc]:
    docs: list[CorpusDoc] = []
    if eval_dir is not None and eval_dir.is_dir():
        for set_dir in sorted(p for p in eval_dir.iterdir() if (p / "docs").is_dir() and (p / "truth").is_dir()):
            docs += list_docs(set_dir, group=f"shared/{set_dir.name}")
    for set_dir, group in synth:
        docs += list_docs(set_dir, group=group)
    read_all(docs, schema, cache=cache / "pages" if cache else None, progress=progress)
    return docs


def load_schema(eval_dir: Path | None) -> ExtractionSchema:
    p = eval_dir / "schema-invoice.json" if eval_dir else None
    body = json.loads(p.read_text()) if p is not None and p.exists() else schema_invoice()
    return ExtractionSchema(fields=body["fields"], language=body.get("language", "auto"))


def calibrate(*, eval_dir: Path | None, out: Path | None = SHIPPED, cache: Path = DEFAULT_CACHE,
              seed: int = FROZEN.seed, count: int = FROZEN.count, families: int = FROZEN.families,
              scan_count: int = FROZEN.scan_count, progress: Callable[[str], None] | None = None
              ) -> dict[str, Any]:
    """Runs steps 1-3; ``out=None`` measures only. Returns the report (out of family and in sample)."""
    t0 = time.perf_counter()
    schema = load_schema(eval_dir)
    synth = synth_sets(cache, seed=seed, count=count, families=families, scan_count=scan_count)
    docs = build_corpus(eval_dir, synth, schema, cache=cache, progress=progress)
    t1 = time.perf_counter()
    rows = assess_corpus(docs, schema)
    rule_based = metrics(rows, schema)  # before any fit: the rule-based confidence
    leave_one_family_out(rows, progress=progress)
    rep = report(rows, schema)
    model = fit_on(rows)
    apply_model(rows, model)
    rep["in_sample"] = metrics(rows, schema)
    rep["rule_based"] = {k: rule_based[k] for k in ("precision_at_threshold", "review_files", "ece",
                                                     "high_confidence_accuracy", "accepted_values")}
    rep["corpus"] = {"eval_dir": str(eval_dir) if eval_dir else None, "synthetic": {
        "generator_version": FROZEN.generator_version, "seed": seed, "count": count, "families": families,
        "scan_count": scan_count}, "documents": len(docs), "families": len({d.family for d in docs}),
        "values": sum(len(r["records"]) for r in rows)}
    rep["seconds"] = {"read": round(t1 - t0, 1), "fit_and_measure": round(time.perf_counter() - t1, 1)}
    if out is not None and model is not None:
        f = CalibrationFile(produced_by="docparse calibrate (evals/calibrate.py)",
                            fitted_on=rep["corpus"], models={"offline": model})
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(f.model_dump(), indent=1, sort_keys=True) + "\n")
        rep["written"] = str(out)
    return rep
