"""Scored value records of an assessed result: one per present value, with its confidence and
whether it is right (evals.scoring's rules; an extracted line item without a partner in the truth is
wrong; a value whose truth is null, i.e. the document does not carry the field, is wrong too).

Used by the out-of-family protocol (evals/out_of_family.py) and the confidence fit
(evals/calibrate.py, `docparse calibrate`).
"""

from __future__ import annotations

from typing import Any

from core.schema import ExtractionSchema
from evals.scoring import leaf_matches, match_items, values_equal
from extraction.confidence import Assessment


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
