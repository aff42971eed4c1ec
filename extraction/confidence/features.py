"""The evidence behind one value, as named numbers the calibrated confidence model reads.

Only evidence that transfers across layouts: the engine's own score and its named evidence
(RawResult.evidence: margin to the runner-up, label strength, agreement of independent readings,
derived/inferred), whether and how exactly the value is printed (grounding, its specificity), the
OCR confidence of its words, the validation rules it passed or failed, for a line item what its
own row says (its arithmetic, how much of the row was found), and how the whole reading went (how
many of the fields every document of its kind carries came back empty, how many rules failed).
No document, vendor or layout names.
"""

from __future__ import annotations

from typing import Any

from core.schema import ExtractionSchema, FieldSpec
from extraction.confidence.grounding import is_empty
from extraction.vocabulary import COLUMN_CONCEPTS, HEADER_CONCEPTS, map_concept

# Concepts nearly every document of its kind carries: many of them empty means a failed reading.
CORE_CONCEPTS = ("invoice_number", "issue_date", "total_amount", "seller_name")
# Named evidence an engine may give (RawResult.evidence); absent names get 0 and a 0 indicator.
EVIDENCE = ("margin", "label", "agree", "derived")
KINDS = ("name", "id", "date", "amount", "code", "text", "item_text", "item_number")

FEATURES: tuple[str, ...] = (
    "heuristic", "engine", "grounded", "grounding", "specificity", "passed", "failed",
    *(f"ev_{k}" for k in EVIDENCE), *(f"has_{k}" for k in EVIDENCE),
    "ocr", "ocr_conf", *(f"kind_{k}" for k in KINDS),
    "row_arith_ok", "row_arith_bad", "row_found", "items_sum_ok", "items_sum_bad",
    "doc_empty", "doc_failed",
)


def value_kind(f: FieldSpec, concept: str | None, in_list: bool) -> str:
    """A coarse kind of value: names, ids, dates, amounts, codes, free text; list leaves apart."""
    if in_list:
        return "item_number" if f.type in ("number", "integer") else "item_text"
    if f.type == "date":
        return "date"
    if f.type in ("number", "integer"):
        return "amount"
    if concept in ("seller_name", "buyer_name") or f.key.endswith("_name"):
        return "name"
    if concept in ("currency", "document_type_code") or f.type in ("enum", "boolean"):
        return "code"
    if f.key.endswith(("_number", "_id", "_no", "_code")) or concept in ("invoice_number", "seller_vat_id",
                                                                           "purchase_order_number"):
        return "id"
    return "text"


def header_concepts(schema: ExtractionSchema) -> dict[str, str | None]:
    """field key -> its concept in the shared vocabulary (None: unknown)."""
    return {f.key: map_concept(f, HEADER_CONCEPTS) for f in schema.fields if f.type != "list<object>"}


def core_fields(schema: ExtractionSchema) -> list[str]:
    """Fields nearly every document of the schema's kind carries: required fields, fields of a core
    concept and item lists that have an amount column. Empty when the schema's concepts are unknown."""
    concepts = header_concepts(schema)
    out = []
    for f in schema.fields:
        if f.required or concepts.get(f.key) in CORE_CONCEPTS:
            out.append(f.key)
        elif f.type == "list<object>" and any(map_concept(s, COLUMN_CONCEPTS) == "amount" for s in f.fields or []):
            out.append(f.key)
    return out


def empty_core(schema: ExtractionSchema, result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(core fields, those of them that came back empty)."""
    core = core_fields(schema)
    return core, [k for k in core if is_empty(result.get(k))]


class DocFeatures:
    """What the whole reading says, shared by every value of a document."""

    def __init__(self, schema: ExtractionSchema, result: dict[str, Any], n_issues: int, ocr: bool) -> None:
        core, empty = empty_core(schema, result)
        self.empty = len(empty) / len(core) if core else 0.0
        self.failed = min(n_issues, 4) / 4
        self.ocr = ocr
        self.concepts = header_concepts(schema)


def value_features(*, f: FieldSpec, in_list: bool, doc: DocFeatures, heuristic: float, engine: float,
                   grounding: float | None, specificity: float, passed: int, failed: int,
                   evidence: dict[str, float] | None, ocr_conf: float | None,
                   row: dict[str, float] | None = None) -> dict[str, float]:
    """The feature vector (by name, see FEATURES) of one present value."""
    ev = evidence or {}
    kind = value_kind(f, doc.concepts.get(f.key), in_list)
    out: dict[str, float] = {
        "heuristic": heuristic, "engine": engine,
        "grounded": 1.0 if grounding is not None and grounding >= 0.95 else 0.0,
        "grounding": grounding or 0.0, "specificity": specificity,
        "passed": min(passed, 3) / 3, "failed": min(failed, 2) / 2,
        "ocr": 1.0 if doc.ocr else 0.0, "ocr_conf": ocr_conf if ocr_conf is not None else 1.0,
        "doc_empty": doc.empty, "doc_failed": doc.failed,
    }
    for k in EVIDENCE:
        v = ev.get(k)
        out[f"ev_{k}"] = max(0.0, min(1.0, float(v))) if v is not None else 0.0
        out[f"has_{k}"] = 1.0 if v is not None else 0.0
    for k in KINDS:
        out[f"kind_{k}"] = 1.0 if k == kind else 0.0
    row = row or {}
    for k in ("row_arith_ok", "row_arith_bad", "row_found", "items_sum_ok", "items_sum_bad"):
        out[k] = row.get(k, 0.0)
    return out
