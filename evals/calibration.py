"""How far the confidences of extraction.confidence can be trusted, measured on ../shared/eval.

For each text-layer PDF of the evaluation set (images are skipped: no OCR here), the offline
engine extracts the schema, :func:`extraction.confidence.assess` scores every value, and every present
(non-empty) value whose key the truth provides is compared with the truth using evals.scoring's
rules (line items paired with ``match_items``; an extracted item without a partner is wrong).

Report, per threshold t:

* ``precision``: share of auto-accepted values (confidence >= t) that are correct;
* ``accepted``: share of the present, scored values that are auto-accepted;
* ``review_files``: share of files sent to review: any present value (a scalar field or a
  line-item leaf; keys the truth lacks included) below t, or any validation issue;
* ``review_files_confidence_only``: the same without the issue rule;
* ``missed_errors``: wrong values that were auto-accepted in files that were *not* sent to review
  (what would slip through unseen).

plus a reliability table (confidence bin -> count, mean confidence, accuracy) and the issues that
fired per rule.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterator

from core.schema import ExtractionSchema
from evals.scoring import leaf_matches, match_items, values_equal
from extraction.confidence import Assessment, WordIndex, assess
from extraction.engines.offline import OfflineEngine
from extraction.pages import DocumentText

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
BINS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


def load_schema(eval_dir: Path) -> ExtractionSchema:
    body = json.loads((eval_dir / "schema-invoice.json").read_text())
    return ExtractionSchema(fields=body["fields"], language=body.get("language", "auto"))


def eval_docs(eval_dir: Path) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(set/id, pdf path, truth) for every PDF with a truth file."""
    for set_dir in sorted(p for p in eval_dir.iterdir() if (p / "docs").is_dir() and (p / "truth").is_dir()):
        for doc_path in sorted((set_dir / "docs").iterdir()):
            tpath = set_dir / "truth" / (doc_path.stem + ".json")
            if tpath.exists() and doc_path.suffix.lower() == ".pdf":
                yield f"{set_dir.name}/{doc_path.stem}", doc_path, json.loads(tpath.read_text())


def read_pdf(path: Path) -> DocumentText:
    import pymupdf

    from documents.textlayer import page_text

    with pymupdf.open(path) as pdf:
        return DocumentText(file_name=path.name, pages=[page_text(p, i + 1) for i, p in enumerate(pdf)])


def extract_all(eval_dir: Path) -> list[dict[str, Any]]:
    """Run the offline engine once per document (kept so that assess() can be re-run cheaply)."""
    schema = load_schema(eval_dir)
    engine = OfflineEngine()
    out = []
    for doc_id, path, truth in eval_docs(eval_dir):
        document = read_pdf(path)
        res = engine.extract(schema, document)
        out.append({"id": doc_id, "document": document, "truth": truth, "engine": res,
                    "index": WordIndex(document)})
    return out


def field_records(schema: ExtractionSchema, truth: dict[str, Any], result: dict[str, Any],
                  a: Assessment) -> list[dict[str, Any]]:
    """One record per present value: path, confidence, correct (True/False, None = not scored)."""
    recs = []
    for f in schema.fields:
        pred = result.get(f.key)
        if f.type != "list<object>":
            if pred is None or pred == "":
                continue
            ok: bool | None = values_equal(f.key, truth[f.key], pred) if f.key in truth else None
            recs.append({"path": f.key, "key": f.key, "conf": a.confidence.get(f.key, 0.0), "correct": ok})
            continue
        items = pred or []
        t_items = truth.get(f.key)
        pairs = dict((j, i) for i, j in match_items(t_items, items)) if isinstance(t_items, list) else {}
        t_keys = {k for t in (t_items or []) for k in t if not k.startswith("_")}
        for j, item in enumerate(items):
            for s in f.fields or []:
                v = item.get(s.key)
                if v is None or v == "":
                    continue
                path = f"{f.key}[{j}].{s.key}"
                ok = None
                if t_items is not None and s.key in t_keys:
                    if j not in pairs:
                        ok = False
                    else:
                        tv = t_items[pairs[j]].get(s.key)
                        ok = None if tv is None else leaf_matches(s.key, tv, v)
                recs.append({"path": path, "key": f"{f.key}[].{s.key}",
                             "conf": a.confidence.get(path, 0.0), "correct": ok})
    return recs


def assess_all(runs: list[dict[str, Any]], schema: ExtractionSchema) -> list[dict[str, Any]]:
    docs = []
    for r in runs:
        res = r["engine"]
        a = assess(schema, res.result, res.confidence, r["document"], engine_kind="offline",
                   engine_citations=res.citations, index=r["index"])
        docs.append({"id": r["id"], "fields": field_records(schema, r["truth"], res.result, a),
                     "issues": [i.model_dump() for i in a.issues]})
    return docs


def report(docs: list[dict[str, Any]], thresholds: tuple[float, ...] = THRESHOLDS) -> dict[str, Any]:
    scored = [f for d in docs for f in d["fields"] if f["correct"] is not None]
    out: dict[str, Any] = {"files": len(docs), "values_scored": len(scored),
                           "accuracy": round(sum(f["correct"] for f in scored) / len(scored), 4) if scored else None,
                           "thresholds": {}, "reliability": [], "issues_per_rule": {},
                           "files_with_issues": sum(1 for d in docs if d["issues"])}
    for t in thresholds:
        acc = [f for f in scored if f["conf"] >= t]
        review = [d for d in docs if d["issues"] or any(f["conf"] < t for f in d["fields"])]
        review_c = [d for d in docs if any(f["conf"] < t for f in d["fields"])]
        passed = {d["id"] for d in docs} - {d["id"] for d in review}
        missed = sum(1 for d in docs if d["id"] in passed for f in d["fields"] if f["correct"] is False)
        wrong = sum(1 for f in scored if not f["correct"])
        out["thresholds"][str(t)] = {
            "precision": round(sum(f["correct"] for f in acc) / len(acc), 4) if acc else None,
            "accepted": round(len(acc) / len(scored), 4) if scored else None,
            "review_files": round(len(review) / len(docs), 4) if docs else None,
            "review_files_confidence_only": round(len(review_c) / len(docs), 4) if docs else None,
            "wrong_accepted": sum(1 for f in acc if not f["correct"]),
            "wrong_total": wrong,
            "missed_errors": missed,
        }
    for lo, hi in zip(BINS, BINS[1:]):
        b = [f for f in scored if lo <= f["conf"] < hi]
        out["reliability"].append({
            "bin": f"[{lo:.2f}, {min(hi, 1.0):.2f}{']' if hi > 1 else ')'}", "count": len(b),
            "mean_confidence": round(sum(f["conf"] for f in b) / len(b), 3) if b else None,
            "accuracy": round(sum(f["correct"] for f in b) / len(b), 3) if b else None})
    n = len(scored)
    out["ece"] = round(sum(r["count"] / n * abs(r["mean_confidence"] - r["accuracy"])
                           for r in out["reliability"] if r["count"]), 4) if n else None
    for d in docs:
        for i in d["issues"]:
            out["issues_per_rule"][i["rule"]] = out["issues_per_rule"].get(i["rule"], 0) + 1
    per_key: dict[str, list[tuple[bool, float]]] = {}
    for f in scored:
        per_key.setdefault(f["key"], []).append((f["correct"], f["conf"]))
    out["per_key"] = {k: {"n": len(v), "accuracy": round(sum(c for c, _ in v) / len(v), 3),
                          "mean_confidence": round(sum(x for _, x in v) / len(v), 3)}
                      for k, v in sorted(per_key.items())}
    return out


def run(eval_dir: Path) -> dict[str, Any] | None:
    """The whole calibration report, or None when the evaluation set is absent."""
    if not (eval_dir / "schema-invoice.json").exists():
        return None
    schema = load_schema(eval_dir)
    t0 = time.perf_counter()
    runs = extract_all(eval_dir)
    t1 = time.perf_counter()
    docs = assess_all(runs, schema)
    t2 = time.perf_counter()
    rep = report(docs)
    rep["eval_dir"] = str(eval_dir)
    rep["engine"] = "offline"
    rep["seconds"] = {"extract": round(t1 - t0, 2), "assess": round(t2 - t1, 3)}
    rep["wrong_values"] = [{"file": d["id"], "path": f["path"], "confidence": f["conf"]}
                           for d in docs for f in d["fields"] if f["correct"] is False]
    rep["files_with_issues_list"] = {d["id"]: [f"{i['rule']}: {i['message']}" for i in d["issues"]]
                                     for d in docs if d["issues"]}
    return rep


def format_report(rep: dict[str, Any]) -> str:
    lines = [f"calibration on {rep['files']} files, {rep['values_scored']} scored values, "
             f"accuracy {rep['accuracy']}, ECE {rep['ece']}",
             "", "threshold  precision  accepted  review_files  (confidence only)  wrong accepted  missed",
             ]
    for t, r in rep["thresholds"].items():
        lines.append(f"  {float(t):.1f}      {r['precision']:.4f}     {r['accepted']:.4f}    "
                     f"{r['review_files']:.4f}        {r['review_files_confidence_only']:.4f}"
                     f"             {r['wrong_accepted']:3d}/{r['wrong_total']}        {r['missed_errors']}")
    lines += ["", "reliability: bin  count  mean_conf  accuracy"]
    for b in rep["reliability"]:
        lines.append(f"  {b['bin']:14s} {b['count']:5d}  {b['mean_confidence'] if b['count'] else '-':>6}"
                     f"  {b['accuracy'] if b['count'] else '-':>6}")
    lines += ["", f"issues per rule: {rep['issues_per_rule']} ({rep['files_with_issues']} files)"]
    return "\n".join(lines)
