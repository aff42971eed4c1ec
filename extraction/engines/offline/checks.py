"""Document-level cross-checks between fields, after the reading.

Line items summing to the subtotal or the total confirm both; a subtotal that is not printed is
derived from total - tax or the sum of the lines; a credit note's amounts are positive (the
document type says what they are, as in an e-invoice).
"""

from __future__ import annotations

from typing import Any

from core.schema import ExtractionSchema, FieldSpec
from extraction.engines.offline.evidence import derived_evidence
from extraction.result import Citation
from extraction.vocabulary import COLUMN_CONCEPTS, HEADER_CONCEPTS, map_concept

CREDIT_NOTE = "381"


def credit_note_signs(doc_type: str | None, concept: dict[str, str | None], result: dict[str, Any],
                      list_fields: list[FieldSpec]) -> None:
    """A credit note printed with negative amounts (its total below zero; or, no total read, its
    net and tax amounts) keeps them positive: its type already says that money flows back. A
    document whose title was not read (a scan) and whose amounts are all negative is one."""
    if doc_type not in (CREDIT_NOTE, None):
        return
    keys = {c: k for k, c in concept.items() if c}
    printed = [result.get(keys.get(c, "")) for c in ("total_amount", "subtotal_amount", "tax_amount")]
    amounts = [v for v in printed if isinstance(v, (int, float)) and v != 0]
    if not amounts or not (amounts[0] < 0 if printed[0] in amounts else all(v < 0 for v in amounts)):
        return
    for c, k in keys.items():
        if HEADER_CONCEPTS.get(c, {}).get("kind") == "amount" and isinstance(result.get(k), (int, float)):
            result[k] = abs(result[k])
    for f in list_fields:
        numeric = [s.key for s in f.fields or [] if s.type in ("number", "integer")]
        for it in result.get(f.key) or []:
            for k in numeric:
                if isinstance(it.get(k), (int, float)):
                    it[k] = abs(it[k])


def cross_check(schema: ExtractionSchema, concept: dict[str, str | None], result: dict[str, Any],
                confidence: dict[str, float], list_fields: list[FieldSpec],
                evidence: dict[str, dict[str, float]]) -> None:
    """Line amounts summing to the subtotal (else the total) raise the confidence of the list,
    its amounts and that field, and count as an agreeing reading of each amount."""
    keys = {c: k for k, c in concept.items() if c}
    sub = result.get(keys.get("subtotal_amount", ""))
    tot = result.get(keys.get("total_amount", ""))
    for f in list_fields:
        items = result.get(f.key) or []
        amount_key = None
        for s in f.fields or []:
            if map_concept(s, COLUMN_CONCEPTS) == "amount":
                amount_key = s.key
        if not items or not amount_key:
            continue
        amounts = [it.get(amount_key) for it in items]
        if any(a is None for a in amounts):
            continue
        total = sum(amounts)
        for ref, k in ((sub, keys.get("subtotal_amount")), (tot, keys.get("total_amount"))):
            if isinstance(ref, (int, float)) and abs(total - ref) <= 0.011 + 0.0005 * abs(ref):
                confidence[f.key] = round(min(1.0, confidence.get(f.key, 0.5) + 0.2), 3)
                for n in range(len(items)):
                    p = f"{f.key}[{n}].{amount_key}"
                    if p in confidence:
                        confidence[p] = max(confidence[p], 0.9)
                    if p in evidence:
                        evidence[p]["agree"] = max(evidence[p].get("agree", 0.0), 0.75)
                if k:
                    confidence[k] = round(min(1.0, confidence.get(k, 0) + 0.1), 3)
                    if k in evidence:  # one more agreeing reading
                        a = evidence[k].get("agree")
                        evidence[k]["agree"] = 1.0 if a is None else round(a + (1.0 - a) / 2, 3)
                break


def line_sum(result: dict[str, Any], list_fields: list[FieldSpec]) -> float | None:
    """The sum of the line amounts of the first item list where every item has one."""
    for f in list_fields:
        items = result.get(f.key) or []
        amount_key = next((x.key for x in f.fields or [] if map_concept(x, COLUMN_CONCEPTS) == "amount"), None)
        if items and amount_key and all(isinstance(it.get(amount_key), (int, float)) for it in items):
            return round(sum(it[amount_key] for it in items), 2)
    return None


def derive_subtotal(concept: dict[str, str | None], result: dict[str, Any], confidence: dict[str, float],
                    citations: dict[str, Citation], list_fields: list[FieldSpec],
                    evidence: dict[str, dict[str, float]]) -> None:
    """A net total that is not printed as such is still readable: total - tax, or (no tax shown)
    the sum of the lines when it equals the total. Low confidence; cited on the total."""
    keys = {c: k for k, c in concept.items() if c}
    ks, kt, kT = keys.get("subtotal_amount"), keys.get("tax_amount"), keys.get("total_amount")
    if not ks or not kT or result.get(ks) is not None:
        return
    total = result.get(kT)
    if not isinstance(total, (int, float)):
        return
    tax = result.get(kt) if kt else None
    lines = line_sum(result, list_fields)
    value, conf = None, 0.0
    if isinstance(tax, (int, float)) and kt is not None and confidence.get(kt, 0) >= 0.5 and abs(tax) < abs(total):
        value = round(total - tax, 2)
        conf = 0.45 + (0.3 if lines is not None and abs(lines - value) <= 0.011 else 0.0)
    elif tax is None and lines is not None and abs(lines - total) <= 0.011:
        value, conf = float(total), 0.5
    if value is None:
        return
    result[ks] = value
    confidence[ks] = round(min(1.0, conf), 3)
    evidence[ks] = derived_evidence(1.0 if conf > 0.5 else None)
    if kT in citations:
        citations[ks] = citations[kT]
