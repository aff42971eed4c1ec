"""Write e-invoice XML (CII as in Factur-X / ZUGFeRD 2.x, and UBL) from a truth dict of
tests/support/invoices.py (keys of shared/eval/schema-invoice.json), and embed it in a PDF.

Only the elements our reader uses, plus the mandatory skeleton; not schema-valid in every detail.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pymupdf

CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
UBL_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"


def _e(v: Any) -> str:
    return escape(str(v))


def _amt(v: float) -> str:
    return f"{v:.2f}"


def _qty(v: float) -> str:
    return f"{v:.4f}"


def _d102(iso: str) -> str:
    return iso.replace("-", "")


def cii_xml(truth: dict[str, Any], *, profile: str = "urn:cen.eu:en16931:2017",
            price_basis: dict[int, float] | None = None, tax_currency: str | None = None) -> bytes:
    """A CrossIndustryInvoice. ``price_basis`` {line index: BT-149} writes the net price per that many
    units; ``tax_currency`` adds a second TaxTotalAmount (BT-111) in another currency, listed first."""
    cur = truth["currency"]
    price_basis = price_basis or {}
    lines = []
    for i, it in enumerate(truth.get("line_items") or []):
        basis = price_basis.get(i)
        price = it["unit_price"] * basis if basis else it["unit_price"]
        basis_el = f'<ram:BasisQuantity unitCode="H87">{_qty(basis)}</ram:BasisQuantity>' if basis else ""
        lines.append(f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{i + 1}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>{_e(it["description"])}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:GrossPriceProductTradePrice><ram:ChargeAmount>{_amt(price)}</ram:ChargeAmount>{basis_el}</ram:GrossPriceProductTradePrice>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>{_amt(price)}</ram:ChargeAmount>{basis_el}</ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="H87">{_qty(it["qty"])}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{_amt(it["amount"])}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>""")
    po = (f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{_e(truth['purchase_order_number'])}"
          "</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>") if truth.get("purchase_order_number") else ""
    due = (f'<ram:SpecifiedTradePaymentTerms><ram:Description>Payable within 30 days</ram:Description>'
           f'<ram:DueDateDateTime><udt:DateTimeString format="102">{_d102(truth["due_date"])}'
           f"</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>") if truth.get("due_date") else ""
    tax_other = (f'<ram:TaxTotalAmount currencyID={quoteattr(tax_currency)}>{_amt(truth["tax_amount"] * 1.5)}'
                 "</ram:TaxTotalAmount>") if tax_currency else ""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated for tests -->
<rsm:CrossIndustryInvoice {CII_NS}>
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{_e(profile)}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{_e(truth["invoice_number"])}</ram:ID>
    <ram:TypeCode>{_e(truth.get("document_type_code", "380"))}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{_d102(truth["issue_date"])}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{"".join(lines)}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>{_e(truth["seller_name"])}</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">201/113/40209</ram:ID></ram:SpecifiedTaxRegistration>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{_e(truth["seller_vat_id"])}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{_e(truth["buyer_name"])}</ram:Name></ram:BuyerTradeParty>
      {po}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>{_e(cur)}</ram:InvoiceCurrencyCode>
      {due}
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{_amt(truth["subtotal_amount"])}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{_amt(truth["subtotal_amount"])}</ram:TaxBasisTotalAmount>
        {tax_other}<ram:TaxTotalAmount currencyID={quoteattr(cur)}>{_amt(truth["tax_amount"])}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{_amt(truth["total_amount"])}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{_amt(truth["amount_due"])}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""
    return xml.encode("utf-8")


def ubl_xml(truth: dict[str, Any], *, credit_note: bool = False,
            price_basis: dict[int, float] | None = None) -> bytes:
    """A UBL 2.1 Invoice (or CreditNote) in the XRechnung / Peppol BIS shape."""
    root = "CreditNote" if credit_note else "Invoice"
    line_tag = "CreditNoteLine" if credit_note else "InvoiceLine"
    qty_tag = "CreditedQuantity" if credit_note else "InvoicedQuantity"
    cur = truth["currency"]
    price_basis = price_basis or {}
    lines = []
    for i, it in enumerate(truth.get("line_items") or []):
        basis = price_basis.get(i)
        price = it["unit_price"] * basis if basis else it["unit_price"]
        base_el = f'<cbc:BaseQuantity unitCode="C62">{_qty(basis)}</cbc:BaseQuantity>' if basis else ""
        lines.append(f"""
  <cac:{line_tag}>
    <cbc:ID>{i + 1}</cbc:ID>
    <cbc:{qty_tag} unitCode="C62">{_qty(it["qty"])}</cbc:{qty_tag}>
    <cbc:LineExtensionAmount currencyID="{cur}">{_amt(it["amount"])}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>{_e(it["description"])}</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="{cur}">{_amt(price)}</cbc:PriceAmount>{base_el}</cac:Price>
  </cac:{line_tag}>""")
    type_code = f"<cbc:{root}TypeCode>{_e(truth.get('document_type_code', '381' if credit_note else '380'))}</cbc:{root}TypeCode>"
    due_inv = f"<cbc:DueDate>{truth['due_date']}</cbc:DueDate>" if truth.get("due_date") and not credit_note else ""
    due_cn = (f"<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>"
              f"<cbc:PaymentDueDate>{truth['due_date']}</cbc:PaymentDueDate></cac:PaymentMeans>"
              if truth.get("due_date") and credit_note else
              "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode></cac:PaymentMeans>")
    po = f"<cac:OrderReference><cbc:ID>{_e(truth['purchase_order_number'])}</cbc:ID></cac:OrderReference>" \
        if truth.get("purchase_order_number") else ""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2" xmlns:cac="{UBL_CAC}" xmlns:cbc="{UBL_CBC}">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>{_e(truth["invoice_number"])}</cbc:ID>
  <cbc:IssueDate>{truth["issue_date"]}</cbc:IssueDate>
  {due_inv}
  {type_code}
  <cbc:DocumentCurrencyCode>{cur}</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>
  {po}
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>{_e(truth["seller_name"])} (trading)</cbc:Name></cac:PartyName>
    <cac:PartyTaxScheme><cbc:CompanyID>201/113/40209</cbc:CompanyID><cac:TaxScheme><cbc:ID>FC</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyTaxScheme><cbc:CompanyID>{_e(truth["seller_vat_id"])}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>{_e(truth["seller_name"])}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyLegalEntity><cbc:RegistrationName>{_e(truth["buyer_name"])}</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  {due_cn}
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="{cur}">{_amt(truth["tax_amount"])}</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="{cur}">{_amt(truth["subtotal_amount"])}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="{cur}">{_amt(truth["tax_amount"])}</cbc:TaxAmount></cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{cur}">{_amt(truth["subtotal_amount"])}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{cur}">{_amt(truth["subtotal_amount"])}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{cur}">{_amt(truth["total_amount"])}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="{cur}">{_amt(truth["amount_due"])}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>{"".join(lines)}
</{root}>
"""
    return xml.encode("utf-8")


def embed(pdf: bytes, files: dict[str, bytes], *, as_annotation: bool = False) -> bytes:
    """The PDF with ``files`` attached (EmbeddedFiles, or file-attachment annotations on page 1)."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        for name, data in files.items():
            if as_annotation:
                doc[0].add_file_annot((20, 20), data, filename=name)
            else:
                doc.embfile_add(name, data, filename=name, ufilename=name, desc="e-invoice")
        return doc.tobytes(garbage=3, deflate=True)
