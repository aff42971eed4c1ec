"""The EN 16931 business terms we extract from a CII or UBL invoice, as an EInvoice."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from pydantic import BaseModel

from extraction.engines.einvoice.safe_xml import EInvoiceError, Syntax, parse_tree, syntax_of
from extraction.values import parse_date


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


def _children(el: Element | None, name: str) -> list[Element]:
    """The direct children named name (alternatives separated by "|")."""
    if el is None:
        return []
    names = name.split("|")
    return [c for c in el if c.tag in names]


def _child_at(el: Element | None, path: str) -> Element | None:
    """The first element along a path of direct children ("A/B|B2/C"), or None."""
    for step in path.split("/"):
        found = _children(el, step)
        if not found:
            return None
        el = found[0]
    return el


def _text_of(el: Element | None) -> str | None:
    """An element's text, whitespace collapsed; None when empty."""
    if el is None or el.text is None:
        return None
    s = " ".join(el.text.split())
    return s or None


def _text_at(el: Element | None, path: str) -> str | None:
    """The text at a path below el."""
    return _text_of(_child_at(el, path))


def _number_of(el: Element | None) -> float | None:
    """An element's text as a number (XML decimals), None when it is not one."""
    s = _text_of(el)
    if s is None:
        return None
    try:
        d = Decimal(s.replace(" ", ""))
    except InvalidOperation:
        return None
    return float(d) if d.is_finite() else None


def _number_at(el: Element | None, path: str) -> float | None:
    """The number at a path below el."""
    return _number_of(_child_at(el, path))


def _cii_date(el: Element | None) -> str | None:
    """udt:DateTimeString (format 102 = YYYYMMDD); a DateTime element holding one is accepted too."""
    if el is not None and el.tag != "DateTimeString":
        el = _child_at(el, "DateTimeString")
    s = _text_of(el)
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
            return _number_of(a)
    for a in amounts:
        if not a.get("currencyID"):
            return _number_of(a)
    return _number_of(amounts[0])


def _unit_price(net: float | None, base: float | None) -> float | None:
    """The net price of one unit: the price divided by its base quantity (BT-146 / BT-149)."""
    if net is None:
        return None
    if base is None or base == 0 or base == 1:
        return net
    return float(Decimal(str(net)) / Decimal(str(base)))


def _parse_cii(root: Element) -> EInvoice:
    """The business terms of a CII invoice (ZUGFeRD 2.x / Factur-X / XRechnung-CII, ZUGFeRD 1.0)."""
    # ZUGFeRD 1.0 (CrossIndustryDocument) uses other names for the same structure
    doc = _child_at(root, "ExchangedDocument|HeaderExchangedDocument")
    tx = _child_at(root, "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction")
    agr = _child_at(tx, "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement")
    stl = _child_at(tx, "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement")
    sums = _child_at(stl, "SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation")
    currency = _text_at(stl, "InvoiceCurrencyCode")
    seller = _child_at(agr, "SellerTradeParty")
    vat = None
    for reg in _children(seller, "SpecifiedTaxRegistration"):
        idel = _child_at(reg, "ID")
        if idel is not None and (idel.get("schemeID") or "").upper() == "VA":
            vat = _text_of(idel)
            break
    due = None
    for terms in _children(stl, "SpecifiedTradePaymentTerms"):
        due = _cii_date(_child_at(terms, "DueDateDateTime"))
        if due:
            break
    ctx = _child_at(root, "ExchangedDocumentContext|SpecifiedExchangedDocumentContext")

    lines = []
    for li in _children(tx, "IncludedSupplyChainTradeLineItem"):
        la = _child_at(li, "SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement")
        ld = _child_at(li, "SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery")
        ls = _child_at(li, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement")
        price = _child_at(la, "NetPriceProductTradePrice")
        qty_el = _child_at(ld, "BilledQuantity")
        net, base = _number_at(price, "ChargeAmount"), _number_at(price, "BasisQuantity")
        lines.append(EInvoiceLine(
            line_id=_text_at(li, "AssociatedDocumentLineDocument/LineID"),
            name=_text_at(li, "SpecifiedTradeProduct/Name"),
            description=_text_at(li, "SpecifiedTradeProduct/Description"),
            quantity=_number_of(qty_el),
            unit_code=qty_el.get("unitCode") if qty_el is not None else None,
            net_price=net, price_base_quantity=base, unit_price=_unit_price(net, base),
            amount=_number_at(ls, "SpecifiedTradeSettlementLineMonetarySummation|"
                          "SpecifiedTradeSettlementMonetarySummation/LineTotalAmount"),
        ))
    return EInvoice(
        syntax="cii",
        profile=_text_at(ctx, "GuidelineSpecifiedDocumentContextParameter/ID"),
        invoice_number=_text_at(doc, "ID"),
        type_code=_text_at(doc, "TypeCode"),
        issue_date=_cii_date(_child_at(doc, "IssueDateTime")),
        due_date=due,
        currency=currency,
        seller_name=_text_at(seller, "Name"),
        seller_vat_id=vat,
        buyer_name=_text_at(agr, "BuyerTradeParty/Name"),
        purchase_order_reference=_text_at(agr, "BuyerOrderReferencedDocument/IssuerAssignedID")
        or _text_at(agr, "BuyerOrderReferencedDocument/ID"),
        line_total=_number_at(sums, "LineTotalAmount"),
        tax_exclusive_total=_number_at(sums, "TaxBasisTotalAmount"),
        tax_total=_in_currency(_children(sums, "TaxTotalAmount"), currency),
        grand_total=_number_at(sums, "GrandTotalAmount"),
        amount_due=_number_at(sums, "DuePayableAmount"),
        lines=lines,
    )


def _ubl_date(s: str | None) -> str | None:
    return parse_date(s) if s else None


def _ubl_party_name(party: Element | None) -> str | None:
    """A party's legal name (registration name), else its trading name."""
    return _text_at(party, "PartyLegalEntity/RegistrationName") or _text_at(party, "PartyName/Name")


def _parse_ubl(root: Element) -> EInvoice:
    """The business terms of a UBL Invoice or CreditNote."""
    credit = root.tag == "CreditNote"
    currency = _text_at(root, "DocumentCurrencyCode")
    seller = _child_at(root, "AccountingSupplierParty/Party")
    vat = None
    for pts in _children(seller, "PartyTaxScheme"):
        if (_text_at(pts, "TaxScheme/ID") or "").upper() == "VAT":
            vat = _text_at(pts, "CompanyID")
            break
    due = _ubl_date(_text_at(root, "DueDate"))
    for pm in _children(root, "PaymentMeans"):  # CreditNote: BT-9 is PaymentMeans/PaymentDueDate
        due = due or _ubl_date(_text_at(pm, "PaymentDueDate"))
    totals = _child_at(root, "LegalMonetaryTotal")
    tax_amounts = [a for tt in _children(root, "TaxTotal") for a in _children(tt, "TaxAmount")]

    lines = []
    for li in _children(root, "CreditNoteLine" if credit else "InvoiceLine"):
        qty_el = _child_at(li, "CreditedQuantity" if credit else "InvoicedQuantity")
        net, base = _number_at(li, "Price/PriceAmount"), _number_at(li, "Price/BaseQuantity")
        lines.append(EInvoiceLine(
            line_id=_text_at(li, "ID"),
            name=_text_at(li, "Item/Name"),
            description=_text_at(li, "Item/Description"),
            quantity=_number_of(qty_el),
            unit_code=qty_el.get("unitCode") if qty_el is not None else None,
            net_price=net, price_base_quantity=base, unit_price=_unit_price(net, base),
            amount=_number_at(li, "LineExtensionAmount"),
        ))
    return EInvoice(
        syntax="ubl",
        profile=_text_at(root, "CustomizationID"),
        invoice_number=_text_at(root, "ID"),
        type_code=_text_at(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode"),
        issue_date=_ubl_date(_text_at(root, "IssueDate")),
        due_date=due,
        currency=currency,
        seller_name=_ubl_party_name(seller),
        seller_vat_id=vat,
        buyer_name=_ubl_party_name(_child_at(root, "AccountingCustomerParty/Party")),
        purchase_order_reference=_text_at(root, "OrderReference/ID"),
        line_total=_number_at(totals, "LineExtensionAmount"),
        tax_exclusive_total=_number_at(totals, "TaxExclusiveAmount"),
        tax_total=_in_currency(tax_amounts, currency),
        grand_total=_number_at(totals, "TaxInclusiveAmount"),
        amount_due=_number_at(totals, "PayableAmount"),
        lines=lines,
    )


def parse_einvoice(syntax: str, xml: bytes) -> EInvoice:
    """The business terms of a CII or UBL invoice. Raises EInvoiceError for unsafe/other XML."""
    ns, root = parse_tree(xml)
    actual = syntax_of(ns, root.tag)
    if actual is None:
        raise EInvoiceError(f"root element {root.tag!r} is not a CII or UBL invoice")
    if syntax not in ("cii", "ubl"):
        raise EInvoiceError(f"unknown e-invoice syntax {syntax!r}")
    if actual != syntax:
        raise EInvoiceError(f"the XML is {actual.upper()}, not {syntax.upper()}")
    return _parse_cii(root) if syntax == "cii" else _parse_ubl(root)
