"""finalize(): the one path from an engine's reading to a file's result, for every engine.

    final = finalize(schema, raw, document, threshold=0.8)

1. assess (extraction/confidence): confidence per path from the engine's score and evidence,
   grounding on the page words and the validation rules (through the calibrated model shipped for
   the engine kind, where there is one); a citation per grounded value; the failed rules;
2. the review decision (extraction/review.py): why a reviewer must look, empty when accepted.

A reviewer's approval goes through here too (``reviewed=True``): the approved values are checked
and cited again (a corrected value is found on the page, or loses its citation) and every value
gets confidence 1.0, since a person confirmed it; no review reasons.
"""

from __future__ import annotations

from datetime import date

from core.schema import ExtractionSchema
from extraction.confidence import assess
from extraction.pages import DocumentText
from extraction.result import FinalResult, RawResult
from extraction.review import review_reasons


def finalize(schema: ExtractionSchema, raw: RawResult, document: DocumentText, *, threshold: float,
             reviewed: bool = False, today: date | None = None) -> FinalResult:
    a = assess(schema, raw.result, raw.confidence, document, engine_kind=raw.engine,
               engine_citations=raw.citations, today=today, evidence=raw.evidence)
    issues = [f"{i.rule}: {i.message}" for i in a.issues]
    confidence = {path: 1.0 for path in a.confidence} if reviewed else a.confidence
    reasons = [] if reviewed or threshold <= 0 else review_reasons(schema, raw.result, confidence, issues, threshold)
    # what reading the document met (a damaged PDF repaired): said in the result, and a person looks
    damage = [w for w in document.warnings if w not in raw.warnings]
    if damage and not reviewed and threshold > 0:
        reasons.append(f"document: {damage[0]}")
    return FinalResult(
        engine=raw.engine, model_used=raw.model_used, result=raw.result, confidence=confidence,
        citations={**raw.citations, **a.citations}, issues=issues, warnings=raw.warnings + damage,
        review_reasons=reasons, reviewed=reviewed,
        input_tokens=raw.input_tokens, output_tokens=raw.output_tokens,
    )
