"""OfflineEngine: header fields, line items and cross-checks put together into a RawResult."""

from __future__ import annotations

from typing import Any

from core.schema import ExtractionSchema
from extraction.engines.offline.candidates import choose_candidates
from extraction.engines.offline.checks import cross_check, derive_subtotal
from extraction.engines.offline.header import HeaderReader
from extraction.engines.offline.layout import DocumentRows
from extraction.engines.offline.tables import TableReader
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
        warnings: list[str] = []

        scalar_fields = [f for f in schema.fields if f.type != "list<object>"]
        list_fields = [f for f in schema.fields if f.type == "list<object>"]

        table_rows = {id(r) for f in list_fields for r in TableReader(doc, f).header_rows()}
        header = HeaderReader(doc, scalar_fields, table_rows)
        cands = header.candidates()
        chosen = choose_candidates(scalar_fields, cands, header.concept)

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
            if value is not None and c.page:
                citations[f.key] = doc.cite(c.page, c.box)

        for f in list_fields:
            items, conf, cites = TableReader(doc, f).read()
            result[f.key] = items
            confidence.update(conf)
            citations.update(cites)

        cross_check(schema, header.concept, result, confidence, list_fields)
        derive_subtotal(header.concept, result, confidence, citations, list_fields)
        return RawResult(engine=self.kind, result=result, confidence=confidence, citations=citations,
                         model_used=self.name, warnings=warnings)
