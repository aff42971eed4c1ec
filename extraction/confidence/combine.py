"""assess(): the engine's score, grounding and rules combined into one confidence per path.

The steps and their constants (PARAMS per engine kind) are described in the package docstring.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from core.schema import ExtractionSchema
from extraction.confidence.grounding import ground_items, ground_scalar, is_empty, specificity
from extraction.confidence.index import Hit, WordIndex
from extraction.confidence.rules import Issue, RuleOutcomes, validate
from extraction.pages import DocumentText
from extraction.result import Citation

PARAMS: dict[str, dict[str, float]] = {
    # default: score of a path the engine did not score; shrink/prior: c = prior + shrink (e - prior)
    # raise: grounded raise towards 1 (times specificity); floor: factor of an ungrounded value
    # fail: factor per failed rule; passed: share of the remaining distance to 1 per passed check
    "offline": {"default": 0.5, "prior": 1.0, "shrink": 0.35, "raise": 0.6, "floor": 0.5,
                "fail": 0.6, "passed": 0.5},
    "gemini": {"default": 0.7, "prior": 0.7, "shrink": 0.5, "raise": 0.6, "floor": 0.35,
               "fail": 0.6, "passed": 0.5},
    "einvoice": {"default": 1.0, "prior": 1.0, "shrink": 1.0, "raise": 0.0, "floor": 1.0,
                 "fail": 0.9, "passed": 0.5},
}
GROUNDED = 0.95  # grounding quality that counts as found (an id glued to its label: 0.95)


class Assessment(BaseModel):
    confidence: dict[str, float]
    citations: dict[str, Citation] = {}
    issues: list[Issue] = []


def assess(schema: ExtractionSchema, result: dict[str, Any], engine_confidence: dict[str, float],
           document: DocumentText, *, engine_kind: str,
           engine_citations: dict[str, Citation] | None = None,
           index: WordIndex | None = None, today: date | None = None) -> Assessment:
    """Confidence per top-level key and leaf path, citations of grounded values, issues.

    ``engine_kind``: "offline", "gemini" or "einvoice" (anything else is treated like "gemini").
    ``engine_citations`` (optional) steer which occurrence of a repeated value is cited;
    ``index`` lets a caller reuse one :class:`WordIndex` for several results of one document.
    """
    kind = engine_kind if engine_kind in PARAMS else "gemini"
    params = PARAMS[kind]
    idx = index or WordIndex(document)
    can_ground = idx.n > 0

    # 1. grounding
    hints = engine_citations or {}
    scalar_hits: dict[str, Hit | None] = {}
    item_hits: dict[str, dict[int, dict[str, Hit]]] = {}
    for f in schema.fields:
        value = result.get(f.key)
        if not can_ground or is_empty(value):
            continue
        if f.type == "list<object>":
            if isinstance(value, list):
                item_hits[f.key] = ground_items(idx, f, value)
        elif f.type != "boolean":
            scalar_hits[f.key] = ground_scalar(idx, f, value, hints.get(f.key))

    # 2. validation
    rules = RuleOutcomes()
    validate(schema, result, rules, today or date.today(), idx, item_hits)

    # 3. combination
    confidence: dict[str, float] = {}
    citations: dict[str, Citation] = {}

    def engine(path: str) -> float | None:
        e = engine_confidence.get(path)
        return None if e is None else max(0.0, min(1.0, float(e)))

    def combine(path: str, value: Any, ftype: str, hit: Hit | None) -> None:
        e = engine(path)
        if is_empty(value):  # nothing to ground or check: the engine's word
            confidence[path] = round(e if e is not None else 0.0, 3)
            return
        e = params["default"] if e is None else e
        c = params["prior"] + params["shrink"] * (e - params["prior"])
        if hit is not None:
            citations[path] = idx.cite(hit.words)
        if can_ground and params["floor"] < 1.0 and ftype != "boolean":
            g = hit.quality if hit is not None else 0.0
            if g >= GROUNDED:
                c += (1 - c) * params["raise"] * specificity(value, ftype) * g
            else:
                c *= params["floor"] + (1 - params["floor"]) * g
        confidence[path] = _checked(path, c)

    def _checked(path: str, c: float) -> float:
        for _ in range(rules.passed.get(path, 0)):
            c += (1 - c) * params["passed"]
        for _ in range(rules.failed.get(path, 0)):
            c *= params["fail"]
        return round(max(0.0, min(1.0, c)), 3)

    for f in schema.fields:
        value = result.get(f.key)
        if f.type != "list<object>":
            combine(f.key, value, f.type, scalar_hits.get(f.key))
            continue
        items = value if isinstance(value, list) else []
        hits = item_hits.get(f.key, {})
        leafs: list[float] = []
        for n, item in enumerate(items):
            item = item if isinstance(item, dict) else {}
            for sub in f.fields or []:
                path = f"{f.key}[{n}].{sub.key}"
                v = item.get(sub.key)
                combine(path, v, sub.type, hits.get(n, {}).get(sub.key))
                if not is_empty(v):
                    leafs.append(confidence[path])
        if hits.get(0):  # the list is cited by its first item
            words = sorted(i for h in hits[0].values() for i in h.words)
            pg = idx.page[words[0]]
            citations[f.key] = idx.cite(tuple(i for i in words if idx.page[i] == pg))
        if not leafs:
            e = engine(f.key)
            confidence[f.key] = round(e if e is not None else 0.0, 3)
            continue
        # the list itself: mean of its present leaves, then its own rules
        confidence[f.key] = _checked(f.key, sum(leafs) / len(leafs))
    return Assessment(confidence=confidence, citations=citations, issues=rules.issues)
