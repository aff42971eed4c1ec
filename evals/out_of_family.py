"""Leave-one-family-out: each layout family scored while it was held out of the confidence fit.

For every family F of the corpus (evals.corpus): the confidence model is fitted on the other
families' values (evals.fit; the same features the worker computes, extraction.confidence), applied
to F's values, and F's files go through the same review decision the worker makes
(extraction.review, default threshold 0.8). The rule-based engine itself learns nothing from the
corpus, so its header accuracy and line-item scores per family are its scores out of family.

Reported per family and pooled per group (a shared set, the synthetic text set, its scans):
header accuracy, line-item P/R/F1, and confidence quality: precision of auto-accepted values at the
threshold, share of values accepted, share of files sent to review, expected calibration error
(10 equal-width bins), accuracy of values scored >= 0.95, and the wrong values that passed unseen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable, Literal

from core.schema import ExtractionSchema
from evals.calibration import field_records
from evals.corpus import CorpusDoc, list_docs, read_all
from evals.fit import fit_model
from evals.scoring import Aggregate, score_document
from extraction.confidence import WordIndex, assess
from extraction.confidence.model import ConfidenceModel
from extraction.review import DEFAULT_THRESHOLD, review_reasons

HIGH = 0.95
TARGETS = {"header_accuracy": 0.92, "line_items_f1": 0.88, "precision_at_threshold": 0.97,
           "review_files": 0.35, "ece": 0.05}


def assess_corpus(docs: list[CorpusDoc], schema: ExtractionSchema,
                  model: ConfidenceModel | None | Literal["shipped"] = None) -> list[dict[str, Any]]:
    """Per read document: its assessment with features, and its scored value records. The
    confidences are rule-based (``model=None``, to fit a model on) or, with ``model="shipped"``,
    those of the shipped calibration, as the worker gives them (evals/holdout/measure.py)."""
    out = []
    for d in docs:
        if d.raw is None or d.document is None:
            out.append({"doc": d, "records": [], "issues": [], "error": d.error or "not read"})
            continue
        a = assess(schema, d.raw.result, d.raw.confidence, d.document, engine_kind=d.raw.engine,
                   engine_citations=d.raw.citations, index=WordIndex(d.document), evidence=d.raw.evidence,
                   model=model, keep_features=True)
        recs = field_records(schema, d.truth, d.raw.result, a)
        for r in recs:
            r["features"] = a.features.get(r["path"], {})
        out.append({"doc": d, "records": recs, "issues": [f"{i.rule}: {i.message}" for i in a.issues],
                    "confidence": dict(a.confidence), "engine": d.raw.engine})
    return out


def _fit_records(rows: list[dict[str, Any]], engine: str) -> tuple[list[dict[str, float]], list[bool], list[str]]:
    feats, ys, groups = [], [], []
    for row in rows:
        if row.get("engine") != engine:
            continue
        for r in row["records"]:
            if r["correct"] is not None:
                feats.append(r["features"])
                ys.append(bool(r["correct"]))
                groups.append(row["doc"].family)
    return feats, ys, groups


def fit_on(rows: list[dict[str, Any]], engine: str = "offline") -> ConfidenceModel | None:
    feats, ys, groups = _fit_records(rows, engine)
    if len(set(ys)) < 2 or len(set(groups)) < 2:
        return None
    return fit_model(feats, ys, groups, engine)


def apply_model(rows: list[dict[str, Any]], model: ConfidenceModel | None) -> None:
    """Each record's confidence from the model (rule-based where there is none)."""
    for row in rows:
        for r in row["records"]:
            r["conf"] = model.predict(r["features"]) if model is not None and r["features"] else r["conf"]


def leave_one_family_out(rows: list[dict[str, Any]], engine: str = "offline",
                         progress: Callable[[str], None] | None = None) -> None:
    """Replaces every record's confidence by the prediction of a model fitted without its family."""
    fams = sorted({row["doc"].family for row in rows})
    for n, fam in enumerate(fams):
        held = [row for row in rows if row["doc"].family == fam]
        rest = [row for row in rows if row["doc"].family != fam]
        apply_model([r for r in held if r.get("engine") == engine], fit_on(rest, engine))
        if progress and (n % 10 == 9 or n == len(fams) - 1):
            progress(f"held out {n + 1}/{len(fams)} families")


def metrics(rows: list[dict[str, Any]], schema: ExtractionSchema, threshold: float = DEFAULT_THRESHOLD
            ) -> dict[str, Any]:
    """Scores and confidence quality of a set of assessed documents (confidences as they are now)."""
    agg = Aggregate()
    values: list[tuple[float, bool]] = []
    review = 0
    missed = 0
    reasons_count: dict[str, int] = {}
    for row in rows:
        d: CorpusDoc = row["doc"]
        pred = d.raw.result if d.raw is not None else {}
        agg.add(score_document(d.truth, pred))
        conf = dict(row.get("confidence") or {})
        conf.update({r["path"]: r["conf"] for r in row["records"]})
        reasons = review_reasons(schema, pred, conf, row["issues"], threshold) if d.raw is not None else ["error"]
        if reasons:
            review += 1
            for rs in reasons:
                kind = _reason_kind(rs)
                reasons_count[kind] = reasons_count.get(kind, 0) + 1
        for r in row["records"]:
            if r["correct"] is None:
                continue
            values.append((r["conf"], bool(r["correct"])))
            if not reasons and not r["correct"]:
                missed += 1
    s = agg.summary()
    out: dict[str, Any] = {
        "docs": len(rows), "families": len({row["doc"].family for row in rows}),
        "header_accuracy": s["header_accuracy"], "line_items": {k: s["line_items"][k] for k in ("precision", "recall", "f1")},
        "per_field_accuracy": s["per_field_accuracy"], "values": len(values),
        "value_accuracy": round(sum(c for _, c in values) / len(values), 4) if values else None,
        "review_files": round(review / len(rows), 4) if rows else None,
        "wrong_values_in_accepted_files": missed, "review_reasons": dict(sorted(reasons_count.items())),
        **({"absent_left_empty": s["absent_left_empty"]["share"]} if s.get("absent_left_empty") else {}),
    }
    acc = [c for p, c in values if p >= threshold]
    high = [c for p, c in values if p >= HIGH]
    out["precision_at_threshold"] = round(sum(acc) / len(acc), 4) if acc else None
    out["accepted_values"] = round(len(acc) / len(values), 4) if values else None
    out["high_confidence_accuracy"] = round(sum(high) / len(high), 4) if high else None
    out["high_confidence_values"] = len(high)
    out["ece"] = ece(values)
    return out


def _reason_kind(reason: str) -> str:
    """A review reason's kind, for counting: the rule, "mostly empty", "low <field>", "required"."""
    if reason.startswith("validation: "):
        return "rule " + reason[len("validation: "):].split(":")[0]
    if reason.startswith("most fields"):
        return "mostly empty"
    if reason.startswith("required"):
        return "required missing"
    if " value(s) in '" in reason:
        return "low " + reason.split("'")[1]
    return "low " + reason.split("'")[1] if "'" in reason else reason[:30]


def ece(values: list[tuple[float, bool]], bins: int = 10) -> float | None:
    """Expected calibration error: per equal-width confidence bin, |mean confidence - accuracy|,
    weighted by the bin's share of values."""
    if not values:
        return None
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        vs = [(p, c) for p, c in values if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if vs:
            total += len(vs) / len(values) * abs(sum(p for p, _ in vs) / len(vs) - sum(c for _, c in vs) / len(vs))
    return round(total, 4)


def report(rows: list[dict[str, Any]], schema: ExtractionSchema, threshold: float = DEFAULT_THRESHOLD
           ) -> dict[str, Any]:
    """Per group (pooled) and per family, after leave_one_family_out."""
    groups = sorted({row["doc"].group for row in rows})
    out: dict[str, Any] = {"threshold": threshold, "targets": TARGETS, "groups": {}, "families": {}}
    for g in groups:
        out["groups"][g] = metrics([r for r in rows if r["doc"].group == g], schema, threshold)
    for fam in sorted({row["doc"].family for row in rows}):
        fr = [r for r in rows if r["doc"].family == fam]
        m = metrics(fr, schema, threshold)
        out["families"][fam] = {"group": fr[0]["doc"].group, **{k: m[k] for k in (
            "docs", "header_accuracy", "line_items", "precision_at_threshold", "review_files", "ece",
            "high_confidence_accuracy")}}
    out["all"] = metrics(rows, schema, threshold)
    out["errors"] = [{"id": r["doc"].id, "error": r["error"]} for r in rows if r.get("error")]
    return out


def format_line(name: str, m: dict[str, Any]) -> str:
    """One row of a report table: docs, families, header, items P/R/F1, and the confidence figures."""
    li = m["line_items"]
    return (f"  {name:28s} {m['docs']:4d} {m.get('families', ''):>4} {m['header_accuracy'] or 0:7.3f} "
            f"{li['precision']:6.3f} {li['recall']:6.3f} {li['f1']:6.3f}  {m['precision_at_threshold'] or 0:7.3f} "
            f"{m['review_files'] or 0:7.3f} {m['ece'] or 0:6.3f} {m['high_confidence_accuracy'] or 0:7.3f}")


def format_head(threshold: float) -> str:
    return (f"  {'group / family':28s} docs fams  header  itemP  itemR itemF1  prec@{threshold:g} "
            f"review    ECE  acc>=.95")


def format_report(rep: dict[str, Any]) -> str:
    head = format_head(rep["threshold"])
    lines = ["out of family (each family held out of the confidence fit):", head]
    for g, m in rep["groups"].items():
        lines.append(format_line(g, m))
    lines.append(format_line("all", rep["all"]))
    t = rep["targets"]
    lines.append(f"  targets: header >= {t['header_accuracy']}, item F1 >= {t['line_items_f1']}, "
                 f"prec >= {t['precision_at_threshold']}, review <= {t['review_files']}, ECE <= {t['ece']}")
    lines += ["", "per family:", head]
    for fam, m in rep["families"].items():
        lines.append(format_line(fam[:28], m))
    return "\n".join(lines)


def run_sets(set_dirs: list[Path], schema: ExtractionSchema, *, scans: bool = False, cache: Path | None = None,
             engine: str = "offline", progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """`docparse eval SET... --by-family`: the sets read in-process (as scans: PDFs rasterised first),
    every family held out of the confidence fit in turn; each set is its own group."""
    from evals.evaluate import rasterize_pdf

    docs = [d for s in set_dirs for d in list_docs(Path(s))]
    with tempfile.TemporaryDirectory(prefix="docparse-lofo-") as tmp:
        if scans:
            for n, d in enumerate(docs):
                if d.path.suffix.lower() == ".pdf":
                    dst = Path(tmp) / f"{n:05d}.pdf"
                    rasterize_pdf(d.path, dst)
                    d.path = dst
        read_all(docs, schema, engine=engine, cache=cache, progress=progress)
    rows = assess_corpus(docs, schema)
    leave_one_family_out(rows, progress=progress)
    return report(rows, schema)
