"""The engine on the hold-out set, with the confidence as it ships (never refitted on this set).

Every document is read as the worker reads it (evals.corpus: text layer, or OCR for scans), the
offline engine extracts, and extraction.confidence assesses the result with the shipped
calibration (extraction/confidence/calibration.json): the confidences a user of the API would see.
Reported per group (A, B; text and scans apart) and per family: header accuracy, per-field
accuracy, line-item P/R/F1, and the confidence figures of evals.out_of_family.metrics (precision of
values auto-accepted at the review threshold, share of files sent to review, ECE, accuracy of
values >= 0.95). Per-document details are kept for group A only: group B is sealed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from core.schema import ExtractionSchema
from evals.corpus import CorpusDoc, list_docs, read_all
from evals.out_of_family import assess_corpus, format_head, format_line, metrics
from evals.scoring import score_document
from extraction.confidence.model import SHIPPED, load
from extraction.review import DEFAULT_THRESHOLD, review_reasons

OPEN_GROUP = "A"  # the only group whose documents may be looked at one by one


def corpus(sets: list[tuple[Path, str]]) -> list[CorpusDoc]:
    """The documents of hold-out sets, each (set dir, "text" | "scans"); a document's group is
    its family group and the kind ("A-text", "B-scans", ...)."""
    docs = []
    for set_dir, kind in sets:
        manifest = {d["id"]: d for d in json.loads((set_dir / "manifest.json").read_text())}
        for d in list_docs(set_dir):
            m = manifest[d.id.split("/", 1)[1]]
            d.group = f"{m['group']}-{kind}"
            d.meta.update(kind=kind, locale=m["locale"], pages=m["pages"])
            docs.append(d)
    return docs


def calibration_info() -> dict[str, Any]:
    if not SHIPPED.exists():
        return {"file": str(SHIPPED), "present": False}
    f = load(SHIPPED)
    return {"file": SHIPPED.name, "present": True, "produced_by": f.produced_by, "fitted_on": f.fitted_on,
            "engines": sorted(f.models)}


def _open_document(row: dict[str, Any], schema: ExtractionSchema, threshold: float) -> dict[str, Any]:
    d: CorpusDoc = row["doc"]
    out: dict[str, Any] = {"id": d.id, "family": d.family, "kind": d.meta.get("kind"), "error": row.get("error")}
    if d.raw is None:
        return out
    pred = d.raw.result
    sc = score_document(d.truth, pred)
    conf = dict(row.get("confidence") or {})
    out["wrong"] = {k: {"truth": d.truth.get(k), "pred": pred.get(k), "conf": conf.get(k)}
                    for k, ok in sc["header"].items() if not ok}
    out["absent_filled"] = {k: pred.get(k) for k, ok in sc["absent"].items() if not ok}
    items = sc["items"].get("line_items") or {}
    out["items"] = {k: items.get(k) for k in ("items_truth", "items_pred", "pairs", "tp", "truth", "pred")}
    out["items_per_key"] = items.get("per_key")
    out["review"] = review_reasons(schema, pred, conf, row["issues"], threshold)
    out["confident_wrong"] = sorted(r["path"] for r in row["records"] if r["correct"] is False and r["conf"] >= threshold)
    return out


def report(rows: list[dict[str, Any]], schema: ExtractionSchema, threshold: float = DEFAULT_THRESHOLD
           ) -> dict[str, Any]:
    out: dict[str, Any] = {"threshold": threshold, "confidence": "shipped calibration, not refitted",
                           "calibration": calibration_info(), "groups": {}, "families": {}}
    for g in sorted({r["doc"].group for r in rows}):
        out["groups"][g] = metrics([r for r in rows if r["doc"].group == g], schema, threshold)
    for fam, kind in sorted({(r["doc"].family, r["doc"].meta["kind"]) for r in rows}):
        fr = [r for r in rows if r["doc"].family == fam and r["doc"].meta["kind"] == kind]
        m = metrics(fr, schema, threshold)
        keep = ("docs", "header_accuracy", "per_field_accuracy", "line_items", "precision_at_threshold",
                "review_files", "ece", "high_confidence_accuracy", "absent_left_empty")
        out["families"][f"{fam} [{kind}]"] = {"group": fr[0]["doc"].group, **{k: m[k] for k in keep if k in m}}
    out["errors"] = {g: sum(1 for r in rows if r["doc"].group == g and r.get("error")) for g in out["groups"]}
    out["open_documents"] = [_open_document(r, schema, threshold) for r in rows
                             if r["doc"].group.startswith(OPEN_GROUP + "-")]
    return out


def measure(sets: list[tuple[Path, str]], schema: ExtractionSchema, *, cache: Path | None = None,
            engine: str = "offline", progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    docs = corpus(sets)
    read_all(docs, schema, engine=engine, cache=cache, progress=progress)
    rows = assess_corpus(docs, schema, model="shipped")
    return report(rows, schema)


def format_report(rep: dict[str, Any]) -> str:
    head = format_head(rep["threshold"])
    lines = ["hold-out set, shipped confidence (not refitted):", head]
    lines += [format_line(g, m) for g, m in rep["groups"].items()]
    lines += ["", "per family:", head]
    lines += [format_line(f[:28], {**m, "families": ""}) for f, m in rep["families"].items()]
    fields = sorted({k for m in rep["groups"].values() for k in m["per_field_accuracy"]})
    lines += ["", "per field (header accuracy):", "  " + " " * 22 + "".join(f"{g:>10s}" for g in rep["groups"])]
    for k in fields:
        vals = "".join(f"{rep['groups'][g]['per_field_accuracy'].get(k, float('nan')):10.3f}" for g in rep["groups"])
        lines.append(f"  {k:22s}{vals}")
    return "\n".join(lines)
