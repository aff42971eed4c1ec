"""Scoring of extraction results against ground truth, for `docparse eval` (evals.evaluate),
evals.calibration, evals.out_of_family and bench/offline_eval.py.

Rules (following shared/eval/README.md "Scoring suggestions"):
* Only keys present in the truth are scored; keys starting with "_" never are. A key whose truth is
  null (a generated document that does not carry the field) is scored apart, as "absent": right
  when the prediction is empty too; it does not count in the header accuracy.
* Strings: case-insensitive after collapsing whitespace. Identifier-like keys (ending in
  ``_number``, ``_id``, ``_code``, ``_no``) also ignore spaces and a leading ``#``.
* Numbers: equal within 0.01. Dates: equal ISO strings. A missing prediction is wrong.
* Line items: predicted items are paired with truth items greedily by description similarity
  (falling back to document order); each scored leaf value of a pair is a true positive when it
  matches. Descriptions match when their normalised similarity (difflib ratio) is >= 0.8 or one
  contains the other. Precision = correct leaf values / predicted non-null leaf values (for the keys
  the truth provides), recall = correct / truth leaf values.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

DESC_THRESHOLD = 0.8


def _norm(s: Any) -> str:
    s = unicodedata.normalize("NFKC", str(s))
    return " ".join(s.split()).casefold()


def _is_id_key(key: str) -> bool:
    return key.endswith(("_number", "_id", "_code", "_no"))


def values_equal(key: str, truth: Any, pred: Any) -> bool:
    if pred is None:
        return truth is None
    if isinstance(truth, bool) or isinstance(pred, bool):
        return truth == pred
    if isinstance(truth, (int, float)):
        try:
            return abs(float(pred) - float(truth)) <= 0.01 + 1e-9
        except (TypeError, ValueError):
            return False
    t, p = _norm(truth), _norm(pred)
    if _is_id_key(key):
        t, p = t.replace(" ", "").lstrip("#"), p.replace(" ", "").lstrip("#")
    return t == p


def description_similarity(truth: Any, pred: Any) -> float:
    if truth is None or pred is None:
        return 0.0
    t, p = _norm(truth), _norm(pred)
    if not t or not p:
        return 0.0
    if t in p or p in t:
        return max(0.9, difflib.SequenceMatcher(None, t, p).ratio())
    return difflib.SequenceMatcher(None, t, p).ratio()


def score_header(truth: dict[str, Any], pred: dict[str, Any], list_keys: set[str] | None = None
                 ) -> dict[str, bool]:
    """Per scored header key: correct or not."""
    out = {}
    for k, v in truth.items():
        if k.startswith("_") or v is None or isinstance(v, list) or (list_keys and k in list_keys):
            continue
        out[k] = values_equal(k, v, pred.get(k))
    return out


def is_blank(v: Any) -> bool:
    return v is None or v == [] or (isinstance(v, str) and not v.strip())


def score_absent(truth: dict[str, Any], pred: dict[str, Any]) -> dict[str, bool]:
    """Per key whose truth is null (the document does not carry it): was it left empty?"""
    return {k: is_blank(pred.get(k)) for k, v in truth.items() if v is None and not k.startswith("_")}


def leaf_matches(key: str, truth: Any, pred: Any) -> bool:
    """One line-item value against the truth: descriptions (and long free-text strings) by
    similarity, everything else by `values_equal`."""
    if key == "description" or (isinstance(truth, str) and not _is_id_key(key)
                                and len(str(truth)) > 12):
        return description_similarity(truth, pred) >= DESC_THRESHOLD
    return values_equal(key, truth, pred)


def match_items(truth_items: list[dict], pred_items: list[dict]) -> list[tuple[int, int]]:
    """Pairs (truth index, predicted index): greedy by description similarity, then by order."""
    pairs: list[tuple[float, int, int]] = []
    for i, t in enumerate(truth_items):
        for j, p in enumerate(pred_items):
            sim = description_similarity(t.get("description"), p.get("description"))
            # numbers that agree also count towards a pairing (items without descriptions)
            agree = sum(1 for k, v in t.items() if not k.startswith("_") and k != "description"
                        and v is not None and values_equal(k, v, p.get(k)))
            pairs.append((sim + 0.15 * agree - 0.001 * abs(i - j), i, j))
    pairs.sort(reverse=True)
    used_t, used_p, out = set(), set(), []
    for s, i, j in pairs:
        if i in used_t or j in used_p or s < 0.3:
            continue
        used_t.add(i)
        used_p.add(j)
        out.append((i, j))
    return sorted(out)


def score_items(truth_items: list[dict], pred_items: list[dict]) -> dict[str, Any]:
    keys = sorted({k for t in truth_items for k in t if not k.startswith("_")})
    pairs = match_items(truth_items, pred_items)
    tp = 0
    per_key = {k: {"tp": 0, "truth": 0, "pred": 0} for k in keys}
    for t in truth_items:
        for k in keys:
            if t.get(k) is not None:
                per_key[k]["truth"] += 1
    for p in pred_items:
        for k in keys:
            if p.get(k) is not None:
                per_key[k]["pred"] += 1
    for i, j in pairs:
        t, p = truth_items[i], pred_items[j]
        for k in keys:
            if t.get(k) is None or p.get(k) is None:
                continue
            if leaf_matches(k, t[k], p[k]):
                tp += 1
                per_key[k]["tp"] += 1
    n_truth = sum(v["truth"] for v in per_key.values())
    n_pred = sum(v["pred"] for v in per_key.values())
    return {"tp": tp, "truth": n_truth, "pred": n_pred, "per_key": per_key,
            "items_truth": len(truth_items), "items_pred": len(pred_items), "pairs": len(pairs)}


def prf(tp: int, n_pred: int, n_truth: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else (1.0 if not n_truth else 0.0)
    r = tp / n_truth if n_truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score_document(truth: dict[str, Any], pred: dict[str, Any]) -> dict[str, Any]:
    list_keys = {k for k, v in truth.items() if isinstance(v, list)}
    header = score_header(truth, pred, list_keys)
    items = {k: score_items(truth[k], pred.get(k) or []) for k in list_keys}
    return {"header": header, "items": items, "absent": score_absent(truth, pred)}


class Aggregate:
    """Accumulates per-document scores into per-field accuracy and line-item P/R/F1."""

    def __init__(self) -> None:
        self.fields: dict[str, list[bool]] = {}
        self.tp = self.n_pred = self.n_truth = 0
        self.per_key: dict[str, dict[str, int]] = {}
        self.absent: dict[str, list[bool]] = {}
        self.docs = 0

    def add(self, doc_score: dict[str, Any]) -> None:
        self.docs += 1
        for k, ok in doc_score["header"].items():
            self.fields.setdefault(k, []).append(ok)
        for k, ok in doc_score.get("absent", {}).items():
            self.absent.setdefault(k, []).append(ok)
        for s in doc_score["items"].values():
            self.tp += s["tp"]
            self.n_pred += s["pred"]
            self.n_truth += s["truth"]
            for k, v in s["per_key"].items():
                acc = self.per_key.setdefault(k, {"tp": 0, "truth": 0, "pred": 0})
                for x in ("tp", "truth", "pred"):
                    acc[x] += v[x]

    def summary(self) -> dict[str, Any]:
        per_field = {k: round(sum(v) / len(v), 4) for k, v in sorted(self.fields.items())}
        counts = {k: len(v) for k, v in sorted(self.fields.items())}
        header = round(sum(per_field.values()) / len(per_field), 4) if per_field else None
        micro = sum(sum(v) for v in self.fields.values())
        n = sum(len(v) for v in self.fields.values())
        return {
            "docs": self.docs,
            "per_field_accuracy": per_field,
            "per_field_count": counts,
            "header_accuracy": header,  # mean over scored header fields
            "header_accuracy_micro": round(micro / n, 4) if n else None,
            "line_items": {**prf(self.tp, self.n_pred, self.n_truth), "tp": self.tp,
                           "pred": self.n_pred, "truth": self.n_truth,
                           "per_key": {k: prf(v["tp"], v["pred"], v["truth"])
                                       for k, v in sorted(self.per_key.items())}},
            **({"absent_left_empty": {
                "share": round(sum(sum(v) for v in self.absent.values())
                               / sum(len(v) for v in self.absent.values()), 4),
                "per_field": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(self.absent.items())}}}
               if self.absent else {}),
        }
