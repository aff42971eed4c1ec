"""OfflineEngine: line items, header fields and cross-checks put together into a RawResult."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.schema import ExtractionSchema
from extraction.engines.offline.candidates import Arithmetic, Candidate, choose_candidates
from extraction.engines.offline.checks import credit_note_signs, cross_check, derive_subtotal, line_sum
from extraction.engines.offline.dates import other_reading, plausible_term
from extraction.engines.offline.evidence import header_evidence
from extraction.engines.offline.header import HeaderReader
from extraction.engines.offline.layout import DocumentRows
from extraction.engines.offline.prepaid import prepaid
from extraction.engines.offline.tables import TableReader
from extraction.engines.offline.value_words import money_amounts
from extraction.pages import DocumentText
from extraction.result import Citation, EngineKind, RawResult
from extraction.values import coerce


class OfflineEngine:
    """Reads a client schema's fields from the words and their positions only."""

    kind = EngineKind.OFFLINE
    name = "docparse-offline-v1"

    def extract(self, schema: ExtractionSchema, document: DocumentText) -> RawResult:
        language = schema.language or "auto"
        doc = DocumentRows(document, language)
        result: dict[str, Any] = {}
        confidence: dict[str, float] = {}
        citations: dict[str, Citation] = {}
        evidence: dict[str, dict[str, float]] = {}
        warnings: list[str] = []

        scalar_fields = [f for f in schema.fields if f.type != "list<object>"]
        list_fields = [f for f in schema.fields if f.type == "list<object>"]

        # line items first: their sum helps choose the subtotal
        table_rows: set[int] = set()
        for f in list_fields:
            reader = TableReader(doc, f)
            table_rows |= {id(r) for r in reader.header_rows()}
            items, conf, cites, ev = reader.read()
            # an item's words are the item's: "per signed work order" names no PO number
            table_rows |= reader.item_rows
            result[f.key] = items
            confidence.update(conf)
            citations.update(cites)
            evidence.update(ev)

        header = HeaderReader(doc, scalar_fields, table_rows)
        cands = header.candidates()
        # every amount printed, for the repairs of a scan's misread figures (a text layer has none)
        printed = {round(abs(v), 2) for r in doc.rows for v, _ in money_amounts(r.words, doc.language, doc.decimal)} \
            if doc.scanned else None
        chosen, arith = choose_candidates(scalar_fields, cands, header.concept, line_sum(result, list_fields),
                                          prepaid(doc, table_rows), header.rate_lines, printed)
        self._date_order(chosen, header.concept, doc.date_order, arith)

        for f in scalar_fields:
            c = chosen.get(f.key)
            if c is None:
                result[f.key] = None
                confidence[f.key] = 0.0
                continue
            value, problem = coerce(c.value, f, language)
            if problem:
                warnings.append(problem)
            result[f.key] = value
            confidence[f.key] = round(max(0.0, min(1.0, c.score)), 3) if value is not None else 0.0
            if value is None:
                continue
            evidence[f.key] = header_evidence(c, cands.get(f.key) or [c], f.key, arith)
            if c.page:
                citations[f.key] = doc.cite(c.page, c.box)

        credit_note_signs(header.doc_type.value if header.doc_type else None, header.concept, result, list_fields)
        cross_check(schema, header.concept, result, confidence, list_fields, evidence)
        derive_subtotal(header.concept, result, confidence, citations, list_fields, evidence)
        return RawResult(engine=self.kind, result=result, confidence=confidence, citations=citations,
                         evidence=evidence, model_used=self.name, warnings=warnings)

    @staticmethod
    def _date_order(chosen: dict[str, Candidate], concept: dict[str, str | None], order: str,
                    arith: Arithmetic) -> None:
        """A due date before the issue date, where one of them reads the other way round
        (day/month), is read the other way round; a plausible term confirms both."""
        keys = {c: k for k, c in concept.items() if c}
        ki, kd = keys.get("issue_date"), keys.get("due_date")
        if not ki or not kd or ki not in chosen or kd not in chosen:
            return
        i, d = chosen[ki], chosen[kd]
        if plausible_term(i.value, d.value):
            arith.confirmed |= {ki, kd}
            return
        # one order for the whole document: both dates are read the other way round
        iv, dv = other_reading(i.raw, order) or i.value, other_reading(d.raw, order) or d.value
        if (iv, dv) != (i.value, d.value) and plausible_term(iv, dv):
            chosen[ki], chosen[kd] = replace(i, value=iv), replace(d, value=dv)
            arith.confirmed |= {ki, kd}
        else:
            arith.contradicted |= {ki, kd}
