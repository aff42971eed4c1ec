"""Machine-readable e-invoices embedded in PDFs (Factur-X / ZUGFeRD / XRechnung).

* ``find_einvoice_xml(pdf)``: the invoice XML a PDF carries (PDF embedded files, then file-attachment
  annotations), as ``("cii" | "ubl", bytes)`` or None. Preferred file names (``factur-x.xml``,
  ``zugferd-invoice.xml``, ``ZUGFeRD-invoice.xml``, ``xrechnung.xml``) are tried first, then any other
  ``*.xml``; a file counts only when its root element is a UN/CEFACT CII ``CrossIndustryInvoice``
  (ZUGFeRD 2.x / Factur-X / XRechnung-CII; the ZUGFeRD 1.0 ``CrossIndustryDocument`` too) or a UBL
  ``Invoice`` / ``CreditNote``.
* ``parse_einvoice(syntax, xml)``: the EN 16931 business terms we extract, as an ``EInvoice``.
* ``EInvoiceEngine(xml).extract(schema, document)``: a ``RawResult`` for any client schema;
  fields are mapped to concepts with the offline engine's tables (``map_concept``), values come
  from the XML verbatim (confidence 1.0), nothing is invented.

Hostile input: XML is parsed with the stdlib expat parser, refusing any DOCTYPE (so no entity
expansion, no external entities), with a size cap (``MAX_XML_BYTES``) and a nesting-depth cap.
Embedded streams are decompressed with a bound, so a compression bomb is not inflated in memory.
Errors in XML are reported as ``EInvoiceError``.
"""

from __future__ import annotations

import logging
import os
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

import pymupdf
from pydantic import BaseModel

from extraction.pages import DocumentText
from extraction.result import EngineKind, RawResult
from extraction.vocabulary import COLUMN_CONCEPTS, DOC_TYPES, HEADER_CONCEPTS, map_concept
from core.schema import ExtractionSchema, FieldSpec
from extraction.values import coerce, fold, parse_date

log = logging.getLogger(__name__)

MAX_XML_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64  # real CII/UBL nests ~10 levels
MAX_ATTACHMENTS = 50  # embedded files looked at per PDF
MAX_ANNOT_PAGES = 100  # pages scanned for file-attachment annotations

# compared case-insensitively: covers ZUGFeRD-invoice.xml (1.0) and zugferd-invoice.xml (2.0)
PREFERRED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

Syntax = Literal["cii", "ubl"]


class EInvoiceError(ValueError):
    """The XML is unsafe, too large, not well-formed or not a CII/UBL invoice."""


# ---------------------------------------------------------------------------------------------
# safe XML parsing (expat, no DOCTYPE, bounded)


class _Stop(Exception):
    """Raised from a handler to stop after the root element."""


def _refuse_dtd(*_a: Any) -> None:
    raise EInvoiceError("XML with a DOCTYPE / entity declarations is refused (entity expansion)")


def _new_parser() -> expat.XMLParserType:
    p = expat.ParserCreate(namespace_separator="}")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.UnparsedEntityDeclHandler = _refuse_dtd
    p.ExternalEntityRefHandler = _refuse_dtd
    return p


def _split(name: str) -> tuple[str, str]:
    """expat "uri}local" -> (uri, local)."""
    if "}" in name:
        ns, local = name.rsplit("}", 1)
        return ns, local
    return "", name


def _check_size(xml: bytes) -> None:
    if not isinstance(xml, (bytes, bytearray)):
        raise EInvoiceError("XML must be bytes")
    if len(xml) > MAX_XML_BYTES:
        raise EInvoiceError(f"XML is {len(xml)} bytes; at most {MAX_XML_BYTES} are accepted")


def _root_name(xml: bytes) -> tuple[str, str]:
    """(namespace, local name) of the root element, parsing no further than its start tag."""
    _check_size(xml)
    p = _new_parser()
    found: list[tuple[str, str]] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        found.append(_split(name))
        raise _Stop

    p.StartElementHandler = start
    try:
        p.Parse(bytes(xml), True)
    except _Stop:
        pass
    except expat.ExpatError as e:
        raise EInvoiceError(f"not well-formed XML: {e}") from None
    if not found:
        raise EInvoiceError("no root element")
    return found[0]


def _parse_tree(xml: bytes) -> tuple[str, Element]:
    """(root namespace, root element) with tags and attribute names reduced to local names."""
    _check_size(xml)
    p = _new_parser()
    tb = TreeBuilder()
    depth = [0]
    root_ns: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        depth[0] += 1
        if depth[0] > MAX_DEPTH:
            raise EInvoiceError(f"XML nested deeper than {MAX_DEPTH} levels")
        ns, local = _split(name)
        if not root_ns:
            root_ns.append(ns)
        tb.start(local, {_split(k)[1]: v for k, v in attrs.items()})

    def end(name: str) -> None:
        depth[0] -= 1
        tb.end(_split(name)[1])

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = tb.data
    try:
        p.Parse(bytes(xml), True)
    except expat.ExpatError as e:
        raise EInvoiceError(f"not well-formed XML: {e}") from None
    return (root_ns[0] if root_ns else ""), tb.close()


def _syntax_of(ns: str, local: str) -> Syntax | None:
    if local == "CrossIndustryInvoice":
        return "cii"
    if local == "CrossIndustryDocument" and "ferd" in ns.lower():  # ZUGFeRD 1.0
        return "cii"
    if local in ("Invoice", "CreditNote") and ns in (NS_UBL_INVOICE, NS_UBL_CREDIT):
        return "ubl"
    return None


def sniff_syntax(xml: bytes) -> Syntax | None:
    """"cii" / "ubl" by the root element, None for other XML. Raises EInvoiceError if unsafe/broken."""
    return _syntax_of(*_root_name(xml))


# ---------------------------------------------------------------------------------------------
# finding the XML in a PDF


def _inflate_bounded(raw: bytes) -> bytes | None:
    d = zlib.decompressobj()
    try:
        out = d.decompress(raw, MAX_XML_BYTES + 1)
    except zlib.error:
        return None
    return None if len(out) > MAX_XML_BYTES else out


def _stream_bounded(doc: pymupdf.Document, xref: int) -> bytes | None:
    """A file stream's content, refusing anything that would decode beyond MAX_XML_BYTES."""
    if xref <= 0:
        return None
    kind, filt = doc.xref_get_key(xref, "Filter")
    _, parms = doc.xref_get_key(xref, "DecodeParms")
    ltype, length = doc.xref_get_key(xref, "Length")
    if ltype == "int" and int(length) > MAX_XML_BYTES:  # compressed XML this large is far over the cap
        return None
    raw = doc.xref_stream_raw(xref)
    if raw is None or len(raw) > MAX_XML_BYTES:
        return None
    if kind == "null":
        return raw
    if filt.strip("[] ") == "/FlateDecode" and parms in ("null", ""):
        return _inflate_bounded(raw)
    # other filters (rare for attachments): only small streams, checked after decoding
    if len(raw) > 64 * 1024:
        return None
    data = doc.xref_stream(xref)
    return data if data is not None and len(data) <= MAX_XML_BYTES else None


def _ref_xref(doc: pymupdf.Document, xref: int, key: str) -> int:
    kind, val = doc.xref_get_key(xref, key)
    if kind != "xref":
        return 0
    try:
        return int(val.split()[0])
    except (ValueError, IndexError):
        return 0


def _embedded_files(doc: pymupdf.Document) -> list[tuple[str, Any]]:
    """(file name, loader) for the document's embedded files (EmbeddedFiles name tree)."""
    out: list[tuple[str, Any]] = []
    try:
        names = doc.embfile_names()[:MAX_ATTACHMENTS]
    except Exception:  # noqa: BLE001 - a broken name tree is "no attachment"
        return out
    for idx, name in enumerate(names):
        try:
            info: dict[str, Any] = {}
            xref = doc._embfile_info(idx, info)  # the file stream's xref (public API hides it)
        except Exception:  # noqa: BLE001
            xref, info = 0, {}
        fname = info.get("ufilename") or info.get("filename") or name

        def load(xref: int = xref, idx: int = idx, info: dict[str, Any] = info) -> bytes | None:
            if xref:
                return _stream_bounded(doc, xref)
            # fallback: the declared sizes must be within bounds
            size, length = info.get("size", -1), info.get("length", -1)
            if size > MAX_XML_BYTES or length > MAX_XML_BYTES or length < 0:
                return None
            return doc.embfile_get(idx)

        out.append((str(fname), load))
    return out


def _annotation_files(doc: pymupdf.Document) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for pno in range(min(doc.page_count, MAX_ANNOT_PAGES)):
        try:
            page = doc[pno]
            annots = list(page.annots(types=[pymupdf.PDF_ANNOT_FILE_ATTACHMENT]))
        except Exception:  # noqa: BLE001
            continue
        for annot in annots:
            try:
                fname = annot.file_info.get("filename") or ""
                xref = _ref_xref(doc, annot.xref, "FS/EF/F")
            except Exception:  # noqa: BLE001
                continue
            out.append((str(fname), lambda xref=xref: _stream_bounded(doc, xref)))
            if len(out) >= MAX_ATTACHMENTS:
                return out
    return out


def _pick(files: list[tuple[str, Any]]) -> tuple[Syntax, bytes] | None:
    def rank(item: tuple[str, Any]) -> int:
        base = os.path.basename(item[0].replace("\\", "/")).lower()
        return 0 if base in PREFERRED_NAMES else 1 if base.endswith(".xml") else 2

    for fname, load in sorted(files, key=rank):
        if rank((fname, load)) == 2:
            break
        try:
            data = load()
        except Exception as e:  # noqa: BLE001
            log.warning("e-invoice: cannot read attachment %r: %s", fname, e)
            continue
        if not data:
            continue
        try:
            syntax = sniff_syntax(data)
        except EInvoiceError as e:
            log.warning("e-invoice: attachment %r refused: %s", fname, e)
            continue
        if syntax:
            return syntax, bytes(data)
    return None


def find_einvoice_xml(doc_or_path: pymupdf.Document | str | os.PathLike[str] | bytes,
                      ) -> tuple[Syntax, bytes] | None:
    """The e-invoice XML embedded in a PDF as ("cii" | "ubl", bytes), or None.

    Accepts an open ``pymupdf.Document`` (left open), a path or the PDF bytes. Never raises for bad
    input: an unreadable file, a non-PDF, an unsafe or oversized XML all give None (logged).
    """
    own = not isinstance(doc_or_path, pymupdf.Document)
    try:
        if isinstance(doc_or_path, pymupdf.Document):
            doc = doc_or_path
        elif isinstance(doc_or_path, (bytes, bytearray)):
            doc = pymupdf.open(stream=bytes(doc_or_path), filetype="pdf")
        else:
            doc = pymupdf.open(Path(doc_or_path))
    except Exception as e:  # noqa: BLE001
        log.warning("e-invoice: cannot open document: %s", e)
        return None
    try:
        if not doc.is_pdf:
            return None
        return _pick(_embedded_files(doc)) or _pick(_annotation_files(doc))
    except Exception as e:  # noqa: BLE001 - hostile PDFs must not break ingest
        log.warning("e-invoice: lookup failed: %s", e)
        return None
    finally:
        if own:
            doc.close()


# ---------------------------------------------------------------------------------------------
# the business terms


class EInvoiceLine(BaseModel):
    line_id: str | None = None  # BT-126
    name: str | None = None  # BT-153
    description: str | None = None  # BT-154
    quantity: float | None = None  # BT-129
    unit_code: str | None = None  # BT-130
    net_price: float | None = None  # BT-146 as written (price per price_base_quantity units)
    price_base_quantity: float | None = None  # BT-149
    unit_price: float | None = None  # BT-146 / BT-149: net price of one unit
    amount: float | None = None  # BT-131


class EInvoice(BaseModel):
    syntax: Syntax
    profile: str | None = None  # BT-24 specification identifier
    invoice_number: str | None = None  # BT-1
    type_code: str | None = None  # BT-3
    issue_date: str | None = None  # BT-2, YYYY-MM-DD
    due_date: str | None = None  # BT-9
    currency: str | None = None  # BT-5
    seller_name: str | None = None  # BT-27
    seller_vat_id: str | None = None  # BT-31
    buyer_name: str | None = None  # BT-44
    purchase_order_reference: str | None = None  # BT-13
    line_total: float | None = None  # BT-106 sum of line net amounts
    tax_exclusive_total: float | None = None  # BT-109
    tax_total: float | None = None  # BT-110 (in the invoice currency)
    grand_total: float | None = None  # BT-112
    amount_due: float | None = None  # BT-115
    lines: list[EInvoiceLine] = []


def _kids(el: Element | None, name: str) -> list[Element]:
    if el is None:
        return []
    names = name.split("|")
    return [c for c in el if c.tag in names]


def _at(el: Element | None, path: str) -> Element | None:
    """The first element along a path of direct children ("A/B|B2/C"), or None."""
    for step in path.split("/"):
        found = _kids(el, step)
        if not found:
            return None
        el = found[0]
    return el


def _text(el: Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    s = " ".join(el.text.split())
    return s or None


def _s(el: Element | None, path: str) -> str | None:
    return _text(_at(el, path))


def _num(el: Element | None) -> float | None:
    s = _text(el)
    if s is None:
        return None
    try:
        d = Decimal(s.replace(" ", ""))
    except InvalidOperation:
        return None
    return float(d) if d.is_finite() else None


def _n(el: Element | None, path: str) -> float | None:
    return _num(_at(el, path))


def _cii_date(el: Element | None) -> str | None:
    """udt:DateTimeString (format 102 = YYYYMMDD); a DateTime element holding one is accepted too."""
    if el is not None and el.tag != "DateTimeString":
        el = _at(el, "DateTimeString")
    s = _text(el)
    if s is None:
        return None
    fmt = el.get("format") if el is not None else None
    if fmt not in (None, "102"):
        return None  # 610 (month) / 616 (week) are not dates
    return parse_date(s)


def _in_currency(amounts: list[Element], currency: str | None) -> float | None:
    """The amount in the invoice currency (BT-110) among several (BT-111 is in the tax currency)."""
    if not amounts:
        return None
    for a in amounts:
        if currency and a.get("currencyID") == currency:
            return _num(a)
    for a in amounts:
        if not a.get("currencyID"):
            return _num(a)
    return _num(amounts[0])


def _unit_price(net: float | None, base: float | None) -> float | None:
    if net is None:
        return None
    if base is None or base == 0 or base == 1:
        return net
    return float(Decimal(str(net)) / Decimal(str(base)))


def _parse_cii(root: Element) -> EInvoice:
    # ZUGFeRD 1.0 (CrossIndustryDocument) uses other names for the same structure
    doc = _at(root, "ExchangedDocument|HeaderExchangedDocument")
    tx = _at(root, "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction")
    agr = _at(tx, "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement")
    stl = _at(tx, "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement")
    sums = _at(stl, "SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation")
    currency = _s(stl, "InvoiceCurrencyCode")
    seller = _at(agr, "SellerTradeParty")
    vat = None
    for reg in _kids(seller, "SpecifiedTaxRegistration"):
        idel = _at(reg, "ID")
        if idel is not None and (idel.get("schemeID") or "").upper() == "VA":
            vat = _text(idel)
            break
    due = None
    for terms in _kids(stl, "SpecifiedTradePaymentTerms"):
        due = _cii_date(_at(terms, "DueDateDateTime"))
        if due:
            break
    ctx = _at(root, "ExchangedDocumentContext|SpecifiedExchangedDocumentContext")

    lines = []
    for li in _kids(tx, "IncludedSupplyChainTradeLineItem"):
        la = _at(li, "SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement")
        ld = _at(li, "SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery")
        ls = _at(li, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement")
        price = _at(la, "NetPriceProductTradePrice")
        qty_el = _at(ld, "BilledQuantity")
        net, base = _n(price, "ChargeAmount"), _n(price, "BasisQuantity")
        lines.append(EInvoiceLine(
            line_id=_s(li, "AssociatedDocumentLineDocument/LineID"),
            name=_s(li, "SpecifiedTradeProduct/Name"),
            description=_s(li, "SpecifiedTradeProduct/Description"),
            quantity=_num(qty_el),
            unit_code=qty_el.get("unitCode") if qty_el is not None else None,
            net_price=net, price_base_quantity=base, unit_price=_unit_price(net, base),
            amount=_n(ls, "SpecifiedTradeSettlementLineMonetarySummation|"
                          "SpecifiedTradeSettlementMonetarySummation/LineTotalAmount"),
        ))
    return EInvoice(
        syntax="cii",
        profile=_s(ctx, "GuidelineSpecifiedDocumentContextParameter/ID"),
        invoice_number=_s(doc, "ID"),
        type_code=_s(doc, "TypeCode"),
        issue_date=_cii_date(_at(doc, "IssueDateTime")),
        due_date=due,
        currency=currency,
        seller_name=_s(seller, "Name"),
        seller_vat_id=vat,
        buyer_name=_s(agr, "BuyerTradeParty/Name"),
        purchase_order_reference=_s(agr, "BuyerOrderReferencedDocument/IssuerAssignedID")
        or _s(agr, "BuyerOrderReferencedDocument/ID"),
        line_total=_n(sums, "LineTotalAmount"),
        tax_exclusive_total=_n(sums, "TaxBasisTotalAmount"),
        tax_total=_in_currency(_kids(sums, "TaxTotalAmount"), currency),
        grand_total=_n(sums, "GrandTotalAmount"),
        amount_due=_n(sums, "DuePayableAmount"),
        lines=lines,
    )


def _ubl_date(s: str | None) -> str | None:
    return parse_date(s) if s else None


def _ubl_party_name(party: Element | None) -> str | None:
    return _s(party, "PartyLegalEntity/RegistrationName") or _s(party, "PartyName/Name")


def _parse_ubl(root: Element) -> EInvoice:
    credit = root.tag == "CreditNote"
    currency = _s(root, "DocumentCurrencyCode")
    seller = _at(root, "AccountingSupplierParty/Party")
    vat = None
    for pts in _kids(seller, "PartyTaxScheme"):
        if (_s(pts, "TaxScheme/ID") or "").upper() == "VAT":
            vat = _s(pts, "CompanyID")
            break
    due = _ubl_date(_s(root, "DueDate"))
    for pm in _kids(root, "PaymentMeans"):  # CreditNote: BT-9 is PaymentMeans/PaymentDueDate
        due = due or _ubl_date(_s(pm, "PaymentDueDate"))
    totals = _at(root, "LegalMonetaryTotal")
    tax_amounts = [a for tt in _kids(root, "TaxTotal") for a in _kids(tt, "TaxAmount")]

    lines = []
    for li in _kids(root, "CreditNoteLine" if credit else "InvoiceLine"):
        qty_el = _at(li, "CreditedQuantity" if credit else "InvoicedQuantity")
        net, base = _n(li, "Price/PriceAmount"), _n(li, "Price/BaseQuantity")
        lines.append(EInvoiceLine(
            line_id=_s(li, "ID"),
            name=_s(li, "Item/Name"),
            description=_s(li, "Item/Description"),
            quantity=_num(qty_el),
            unit_code=qty_el.get("unitCode") if qty_el is not None else None,
            net_price=net, price_base_quantity=base, unit_price=_unit_price(net, base),
            amount=_n(li, "LineExtensionAmount"),
        ))
    return EInvoice(
        syntax="ubl",
        profile=_s(root, "CustomizationID"),
        invoice_number=_s(root, "ID"),
        type_code=_s(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode"),
        issue_date=_ubl_date(_s(root, "IssueDate")),
        due_date=due,
        currency=currency,
        seller_name=_ubl_party_name(seller),
        seller_vat_id=vat,
        buyer_name=_ubl_party_name(_at(root, "AccountingCustomerParty/Party")),
        purchase_order_reference=_s(root, "OrderReference/ID"),
        line_total=_n(totals, "LineExtensionAmount"),
        tax_exclusive_total=_n(totals, "TaxExclusiveAmount"),
        tax_total=_in_currency(tax_amounts, currency),
        grand_total=_n(totals, "TaxInclusiveAmount"),
        amount_due=_n(totals, "PayableAmount"),
        lines=lines,
    )


def parse_einvoice(syntax: str, xml: bytes) -> EInvoice:
    """The business terms of a CII or UBL invoice. Raises EInvoiceError for unsafe/other XML."""
    ns, root = _parse_tree(xml)
    actual = _syntax_of(ns, root.tag)
    if actual is None:
        raise EInvoiceError(f"root element {root.tag!r} is not a CII or UBL invoice")
    if syntax not in ("cii", "ubl"):
        raise EInvoiceError(f"unknown e-invoice syntax {syntax!r}")
    if actual != syntax:
        raise EInvoiceError(f"the XML is {actual.upper()}, not {syntax.upper()}")
    return _parse_cii(root) if syntax == "cii" else _parse_ubl(root)


# ---------------------------------------------------------------------------------------------
# the engine

# offline-engine concept -> EInvoice attribute(s), first non-None wins
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


def _term(obj: BaseModel, attrs: tuple[str, ...]) -> Any:
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
                        raw = _term(line, LINE_TERMS[concept]) if concept in LINE_TERMS else None
                        row[s.key] = put(s, raw, f"{f.key}[{i}].{s.key}")
                    rows.append(row)
                result[f.key] = rows
                confidence[f.key] = 1.0 if rows else 0.0
                continue
            concept = map_concept(f, HEADER_CONCEPTS)
            raw = _term(inv, HEADER_TERMS[concept]) if concept in HEADER_TERMS else None
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
