"""Human review rules: which files need a reviewer, and applying a reviewer's corrections.

Pure functions: the workflow's update validator uses `apply_corrections` to refuse invalid
values before they are accepted, and activities use `review_reasons` after extraction.
"""

from __future__ import annotations

import json
from typing import Any

from core.schema import ExtractionSchema, FieldSpec
from extraction.confidence.features import empty_core
from extraction.values import coerce

DEFAULT_THRESHOLD = 0.8
DEFAULT_DEADLINE_HOURS = 24 * 7


def _present(value: Any) -> bool:
    return value not in (None, "", [])


def review_reasons(
    schema: ExtractionSchema,
    result: dict[str, Any],
    confidence: dict[str, float],
    issues: list[str],
    threshold: float,
) -> list[str]:
    """Why a file must be reviewed (empty: it is accepted as extracted).

    A required field that is missing or below the threshold; a reading that came back mostly empty
    (see `mostly_empty`); any present value (top level or a list item's leaf) below the threshold;
    or any failed validation rule.
    """
    reasons: list[str] = []
    empty = mostly_empty(schema, result)
    if empty:
        reasons.append(empty)
    for f in schema.fields:
        value = result.get(f.key)
        if f.required and not _present(value):
            reasons.append(f"required field '{f.key}' was not found")
            continue
        if not _present(value):
            continue
        if f.type == "list<object>":
            low = [p for p, c in confidence.items() if p.startswith(f"{f.key}[") and c < threshold]
            if low:
                reasons.append(f"{len(low)} value(s) in '{f.key}' below {threshold:g} (first: {low[0]})")
        elif confidence.get(f.key, 0.0) < threshold:
            reasons.append(f"'{f.key}' confidence {confidence.get(f.key, 0.0):.3f} is below {threshold:g}")
    reasons += [f"validation: {i}" for i in issues]
    return reasons


def mostly_empty(schema: ExtractionSchema, result: dict[str, Any]) -> str | None:
    """A review reason when most fields that every document of the schema's kind carries came back
    empty (total, date and items of a scan that did not read), naming them; else None.

    Those fields are the required ones and the core concepts of the shared vocabulary (invoice
    number, issue date, total, seller, item lists with amounts): at least two and at least 40% of
    them empty (the date and the items of an invoice, say). A field many documents legitimately lack (a PO number, a due date) is not among
    them, so its absence alone never sends a file to review. A schema of unknown concepts counts
    all its top-level fields and needs two thirds of them (at least two) empty.
    """
    core, empty = empty_core(schema, result)
    if core:
        if len(empty) >= 2 and 5 * len(empty) >= 2 * len(core):
            return (f"most fields every such document carries came back empty: {', '.join(empty)} "
                    f"({len(empty)} of {len(core)})")
        return None
    keys = [f.key for f in schema.fields]
    gone = [k for k in keys if not _present(result.get(k))]
    if len(keys) >= 3 and len(gone) >= 2 and 3 * len(gone) >= 2 * len(keys):
        return f"most fields came back empty: {', '.join(gone)} ({len(gone)} of {len(keys)})"
    return None


def decision_error(decision: str, reviewer: str | None, reason: str | None) -> str:
    """The file's error after a review that did not approve it (rejected or expired)."""
    if decision == "expired":
        return f"review deadline passed: {reason}"
    return f"rejected in review by {reviewer}" + (f": {reason}" if reason else "")


class InvalidCorrection(ValueError):
    pass


def apply_corrections(
    schema: ExtractionSchema, extracted: dict[str, Any], corrections: dict[str, Any] | None
) -> dict[str, Any]:
    """The approved result: extracted values with the reviewer's corrections, typed per schema.

    Raises InvalidCorrection naming every field that is unknown or does not fit its type.
    """
    approved = dict(extracted)
    if not corrections:
        return approved
    fields: dict[str, FieldSpec] = {f.key: f for f in schema.fields}
    problems = []
    for key, value in corrections.items():
        spec = fields.get(key)
        if spec is None:
            problems.append(f"'{key}' is not a field of this extraction")
            continue
        typed, problem = coerce(value, spec, schema.language)
        if problem or (value is not None and typed is None):
            problems.append(problem or f"{key}: '{value}' does not fit type {spec.type}")
            continue
        approved[key] = typed
    if problems:
        raise InvalidCorrection("; ".join(problems))
    return approved


def json_size(value: Any) -> int:
    """Bytes of `value` as compact JSON (how it travels and is stored)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def _kb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def oversized_corrections(values: dict[str, Any] | None, *, value_limit: int, total_limit: int) -> str | None:
    """Why these corrected values are too large (naming the field `values.<key>`), or None.
    Checked before anything else reads them: a size is cheap, a type check of 5 MB is not."""
    if not values:
        return None
    total = 2
    for key, value in values.items():
        size = json_size(value)
        if size > value_limit:
            return f"values.{str(key)[:64]} is {_kb(size)}; a corrected value may have at most {_kb(value_limit)}"
        total += json_size(str(key)) + 1 + size + 1
    if total > total_limit:
        return f"values are {_kb(total)} together; corrected values may have at most {_kb(total_limit)} together"
    return None
