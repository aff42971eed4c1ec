"""assess(): the engine's score, grounding and rules combined into one confidence per path.

The rule-based steps and their constants (PARAMS per engine kind) are described in the package
docstring; where a calibrated model is shipped for the engine kind (extraction.confidence.model),
their result is one feature among the value's evidence and the model gives the confidence.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from core.schema import ExtractionSchema, FieldSpec
from extraction.confidence.features import DocFeatures, value_features
from extraction.confidence.grounding import ground_items, ground_scalar, is_empty, specificity
from extraction.confidence.index import Hit, WordIndex
from extraction.confidence.model import ConfidenceModel, shipped_model
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
    features: dict[str, dict[str, float]] = {}  # per present value, when asked (keep_features)


class _Pending:
    """A present value waiting for its features: what grounding and the engine said about it."""

    def __init__(self, f: FieldSpec, in_list: bool, e: float, hit: Hit | None, spec: float,
                 ocr_conf: float | None, row: int | None) -> None:
        self.f, self.in_list, self.e, self.hit, self.spec = f, in_list, e, hit, spec
        self.ocr_conf, self.row = ocr_conf, row


def assess(schema: ExtractionSchema, result: dict[str, Any], engine_confidence: dict[str, float],
           document: DocumentText, *, engine_kind: str,
           engine_citations: dict[str, Citation] | None = None,
           index: WordIndex | None = None, today: date | None = None,
           evidence: dict[str, dict[str, float]] | None = None,
           model: ConfidenceModel | None | Literal["shipped"] = "shipped",
           keep_features: bool = False) -> Assessment:
    """Confidence per top-level key and leaf path, citations of grounded values, issues.

    ``engine_kind``: "offline", "gemini" or "einvoice" (anything else is treated like "gemini").
    ``engine_citations`` (optional) steer which occurrence of a repeated value is cited;
    ``index`` lets a caller reuse one :class:`WordIndex` for several results of one document;
    ``evidence``: the engine's named evidence per path (RawResult.evidence); ``model``: the
    calibrated model ("shipped": the one shipped for the engine kind, None: rules only);
    ``keep_features``: return every present value's features (for fitting the model).
    """
    kind = engine_kind if engine_kind in PARAMS else "gemini"
    params = PARAMS[kind]
    idx = index or WordIndex(document)
    can_ground = idx.n > 0
    cmodel = shipped_model(kind) if model == "shipped" else model
    pending: dict[str, _Pending] = {}

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

    def combine(path: str, value: Any, f: FieldSpec, hit: Hit | None, row: int | None = None) -> None:
        ftype = f.type
        e = engine(path)
        if is_empty(value):  # nothing to ground or check: the engine's word
            confidence[path] = round(e if e is not None else 0.0, 3)
            return
        e = params["default"] if e is None else e
        c = params["prior"] + params["shrink"] * (e - params["prior"])
        if hit is not None:
            citations[path] = idx.cite(hit.words)
        spec = specificity(value, ftype)
        if can_ground and params["floor"] < 1.0 and ftype != "boolean":
            g = hit.quality if hit is not None else 0.0
            if g >= GROUNDED:
                c += (1 - c) * params["raise"] * spec * g
            else:
                c *= params["floor"] + (1 - params["floor"]) * g
        confidence[path] = _checked(path, c)
        confs = [x for x in (idx.conf[i] for i in hit.words) if x is not None] if hit is not None else []
        pending[path] = _Pending(f, row is not None, e, hit if can_ground else None, spec,
                                 sum(confs) / len(confs) if confs else None, row)

    def _checked(path: str, c: float) -> float:
        for _ in range(rules.passed.get(path, 0)):
            c += (1 - c) * params["passed"]
        for _ in range(rules.failed.get(path, 0)):
            c *= params["fail"]
        return round(max(0.0, min(1.0, c)), 3)

    for f in schema.fields:
        value = result.get(f.key)
        if f.type != "list<object>":
            combine(f.key, value, f, scalar_hits.get(f.key))
            continue
        items = value if isinstance(value, list) else []
        hits = item_hits.get(f.key, {})
        for n, item in enumerate(items):
            item = item if isinstance(item, dict) else {}
            for sub in f.fields or []:
                path = f"{f.key}[{n}].{sub.key}"
                v = item.get(sub.key)
                combine(path, v, sub, hits.get(n, {}).get(sub.key), n)
        if hits.get(0):  # the list is cited by its first item
            words = sorted(i for h in hits[0].values() for i in h.words)
            pg = idx.page[words[0]]
            citations[f.key] = idx.cite(tuple(i for i in words if idx.page[i] == pg))

    features: dict[str, dict[str, float]] = {}
    if cmodel is not None or keep_features:
        features = _features(schema, result, pending, confidence, rules, evidence or {}, document)
        if cmodel is not None:
            for path, feats in features.items():
                confidence[path] = cmodel.predict(feats)

    for f in schema.fields:
        if f.type != "list<object>":
            continue
        leafs = [confidence[p] for p in pending if p.startswith(f"{f.key}[")]
        if not leafs:
            e = engine(f.key)
            confidence[f.key] = round(e if e is not None else 0.0, 3)
            continue
        # the list itself: mean of its present leaves, then its own rules
        confidence[f.key] = _checked(f.key, sum(leafs) / len(leafs))
    return Assessment(confidence=confidence, citations=citations, issues=rules.issues,
                      features=features if keep_features else {})


def _features(schema: ExtractionSchema, result: dict[str, Any], pending: dict[str, _Pending],
              heuristic: dict[str, float], rules: RuleOutcomes, evidence: dict[str, dict[str, float]],
              document: DocumentText) -> dict[str, dict[str, float]]:
    """Every present value's features (extraction.confidence.features)."""
    doc = DocFeatures(schema, result, len(rules.issues), any(p.source == "ocr" for p in document.pages))
    # per line item: its arithmetic and how much of it was found on the page
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for path, pd in pending.items():
        if pd.row is None:
            continue
        lst = path.split("[", 1)[0]
        r = rows.setdefault((lst, pd.row), {"n": 0.0, "found": 0.0, "ok": 0.0, "bad": 0.0})
        r["n"] += 1
        r["found"] += 1.0 if pd.hit is not None and pd.hit.quality >= GROUNDED else 0.0
        got = rules.outcome.get(("line_arithmetic", path))
        if got is not None:
            r["ok" if got else "bad"] = 1.0
    out = {}
    for path, pd in pending.items():
        row = None
        if pd.row is not None:
            lst = path.split("[", 1)[0]
            r = rows[(lst, pd.row)]
            sums = rules.outcome.get(("items_sum", lst))
            row = {"row_arith_ok": r["ok"] * (1 - r["bad"]), "row_arith_bad": r["bad"],
                   "row_found": r["found"] / r["n"], "items_sum_ok": 1.0 if sums else 0.0,
                   "items_sum_bad": 1.0 if sums is False else 0.0}
        out[path] = value_features(
            f=pd.f, in_list=pd.in_list, doc=doc, heuristic=heuristic[path], engine=pd.e,
            grounding=pd.hit.quality if pd.hit is not None else None, specificity=pd.spec,
            passed=rules.passed.get(path, 0), failed=rules.failed.get(path, 0),
            evidence=evidence.get(path), ocr_conf=pd.ocr_conf, row=row)
    return out
