"""EInvoiceEngine: a client schema's fields read from an e-invoice XML, through the shared vocabulary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from core.schema import ExtractionSchema, FieldSpec
from extraction.engines.einvoice.parse import parse_einvoice
from extraction.engines.einvoice.safe_xml import EInvoiceError, sniff_syntax
from extraction.pages import DocumentText
from extraction.result import EngineKind, RawResult
from extraction.values import coerce, fold
from extraction.vocabulary import COLUMN_CONCEPTS, DOC_TYPES, HEADER_CONCEPTS, map_concept

# vocabulary concept (extraction.vocabulary) -> EInvoice attribute(s), first non-None wins
HEADER_TERMS: dict[str, tuple[str, ...]] = {
    "invoice_number": ("invoice_number",),
    "document_type_code": ("type_code",),
    "issue_date": ("issue_date",),
    "due_date": ("due_date",),
    "currency": ("currency",),
    "seller_name": ("seller_name",),
    "seller_vat_id": ("seller_vat_id",),
    "buyer_name": ("buyer_name",),
    "purchase_order_number": ("purchase_order_reference",),
    "subtotal_amount": ("tax_exclusive_total", "line_total"),
    "tax_amount": ("tax_total",),
    "total_amount": ("grand_total",),
    "amount_due": ("amount_due",),
}
LINE_TERMS: dict[str, tuple[str, ...]] = {
    "description": ("name", "description"),
    "qty": ("quantity",),
    # Per single unit (BT-146 / BT-149), so qty x unit_price = amount holds.
    "unit_price": ("unit_price",),
    "amount": ("amount",),
}


def _first_term(obj: BaseModel, attrs: tuple[str, ...]) -> Any:
    """The first of the attributes that is set."""
    for a in attrs:
        v = getattr(obj, a, None)
        if v is not None:
            return v
    return None


def _doc_type_enum(value: Any, field: FieldSpec) -> str | None:
    """An enum field given a type code: match an allowed value naming that code ("credit note")."""
    code = str(value)
    for allowed in field.values or []:
        f = fold(allowed)
        if any(code == c and (f == name or f.replace("_", " ") == name) for name, c in DOC_TYPES):
            return allowed
    return None


class EInvoiceEngine:
    """Reads a client schema's fields from an e-invoice XML: exact values, confidence 1.0.
    The document's words are not needed (finalize() uses them for citations only)."""

    kind = EngineKind.EINVOICE
    name = "einvoice-xml"

    def __init__(self, xml: bytes, syntax: str | None = None) -> None:
        self.xml = xml
        self.syntax = syntax  # "cii" | "ubl"; None: sniffed from the root element

    def extract(self, schema: ExtractionSchema, document: DocumentText | None = None) -> RawResult:
        syntax = self.syntax or sniff_syntax(self.xml)
        if syntax is None:
            raise EInvoiceError("the XML is neither a CII nor a UBL invoice")
        inv = parse_einvoice(syntax, self.xml)
        language = schema.language or "auto"
        result: dict[str, Any] = {}
        confidence: dict[str, float] = {}
        warnings: list[str] = []

        def put(field: FieldSpec, raw: Any, path: str) -> Any:
            value, problem = (None, None) if raw is None else self._coerce(raw, field, language)
            if problem:
                prefix = field.key + ": "
                warnings.append(path + ": " + (problem[len(prefix):] if problem.startswith(prefix) else problem))
            confidence[path] = 1.0 if value is not None else 0.0
            return value

        for f in schema.fields:
            if f.type == "list<object>":
                rows = []
                subs = [(s, map_concept(s, COLUMN_CONCEPTS)) for s in f.fields or []]
                for i, line in enumerate(inv.lines):
                    row = {}
                    for s, concept in subs:
                        raw = _first_term(line, LINE_TERMS[concept]) if concept in LINE_TERMS else None
                        row[s.key] = put(s, raw, f"{f.key}[{i}].{s.key}")
                    rows.append(row)
                result[f.key] = rows
                confidence[f.key] = 1.0 if rows else 0.0
                continue
            concept = map_concept(f, HEADER_CONCEPTS)
            raw = _first_term(inv, HEADER_TERMS[concept]) if concept in HEADER_TERMS else None
            result[f.key] = put(f, raw, f.key)

        if not inv.lines and any(f.type == "list<object>" for f in schema.fields):
            warnings.append(f"the e-invoice has no line items (profile {inv.profile or 'unknown'})")
        tag = "factur-x" if inv.syntax == "cii" else "ubl"
        return RawResult(engine=self.kind, result=result, confidence=confidence, citations={},
                         model_used=f"einvoice-xml:{tag}", warnings=warnings)

    @staticmethod
    def _coerce(raw: Any, field: FieldSpec, language: str) -> tuple[Any, str | None]:
        if field.type == "enum":
            v = _doc_type_enum(raw, field)
            if v is not None:
                return v, None
        if field.type == "string" and isinstance(raw, float):
            raw = format(Decimal(str(raw)).normalize(), "f")
        # XML values are canonical (dot decimals, ISO dates): never let a locale reinterpret them
        return coerce(raw, field, "en" if isinstance(raw, float) else language)
