"""E-invoice XML embedded in PDFs (Factur-X / ZUGFeRD CII, XRechnung UBL): finding, parsing, safety,
and the engine that maps any client schema onto it."""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path

import pymupdf
import pytest

from core.schema import ExtractionSchema
from documents.attachments import find_einvoice_xml
from evals.scoring import values_equal
from extraction.engines.einvoice import (
    HEADER_TERMS,
    LINE_TERMS,
    MAX_XML_BYTES,
    EInvoiceEngine,
    EInvoiceError,
    parse_einvoice,
    sniff_syntax,
)
from extraction.vocabulary import COLUMN_CONCEPTS, HEADER_CONCEPTS
from tests.support.einvoice_xml import cii_xml, embed, ubl_xml
from tests.support.invoices import make_invoice, schema_invoice

SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")
EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval"
FERD = EVAL / "ferd-zugferd24"


def leaf_paths(result: dict) -> list[str]:
    out = []
    for k, v in result.items():
        out.append(k)
        if isinstance(v, list):
            out += [f"{k}[{i}].{kk}" for i, row in enumerate(v) for kk in row]
    return out


def assert_exact(res, truth: dict) -> None:
    assert res.result == truth
    assert res.citations == {}
    assert res.warnings == []
    paths = leaf_paths(res.result)
    assert set(res.confidence) == set(paths)
    assert all(res.confidence[p] == 1.0 for p in paths)


# ---------------------------------------------------------------------------------------------
# Factur-X (CII) and UBL round trips


@pytest.mark.parametrize("seed,language,n_items", [(1, "de", 5), (7, "fr", 3), (11, "en", 30)])
def test_factur_x_pdf_gives_the_truth_exactly(seed, language, n_items):
    pdf, truth = make_invoice(seed=seed, language=language, n_items=n_items)
    hybrid = embed(pdf, {"factur-x.xml": cii_xml(truth)})
    found = find_einvoice_xml(hybrid)
    assert found is not None and found[0] == "cii"
    res = EInvoiceEngine(found[1], found[0]).extract(SCHEMA)
    assert res.model_used == "einvoice-xml:factur-x"
    assert_exact(res, truth)


def test_find_accepts_path_and_open_document(tmp_path):
    pdf, truth = make_invoice(seed=2, language="de")
    hybrid = embed(pdf, {"ZUGFeRD-invoice.xml": cii_xml(truth)})
    path = tmp_path / "inv.pdf"
    path.write_bytes(hybrid)
    assert find_einvoice_xml(path)[0] == "cii"
    assert find_einvoice_xml(str(path))[0] == "cii"
    with pymupdf.open(path) as doc:
        assert find_einvoice_xml(doc)[0] == "cii"
        assert not doc.is_closed  # a caller's document is left open


@pytest.mark.parametrize("credit_note", [False, True])
def test_ubl_invoice_and_credit_note(credit_note):
    pdf, truth = make_invoice(seed=4, language="de", n_items=4)
    if credit_note:
        truth["document_type_code"] = "381"
    hybrid = embed(pdf, {"xrechnung.xml": ubl_xml(truth, credit_note=credit_note)})
    found = find_einvoice_xml(hybrid)
    assert found is not None and found[0] == "ubl"
    res = EInvoiceEngine(found[1], found[0]).extract(SCHEMA)
    assert res.model_used == "einvoice-xml:ubl"
    assert_exact(res, truth)  # seller name is BT-27 (legal name), not the trading name


def test_ubl_in_a_file_attachment_annotation_with_any_xml_name():
    pdf, truth = make_invoice(seed=5, language="en")
    hybrid = embed(pdf, {"INV-0001.XML": ubl_xml(truth)}, as_annotation=True)
    found = find_einvoice_xml(hybrid)
    assert found is not None and found[0] == "ubl"
    assert_exact(EInvoiceEngine(found[1], found[0]).extract(SCHEMA), truth)


def test_price_base_quantity_and_tax_currency():
    _, truth = make_invoice(seed=6, language="de", n_items=3)
    for xml in (cii_xml(truth, price_basis={0: 100, 2: 10}, tax_currency="CHF"),
                ubl_xml(truth, price_basis={0: 100, 2: 10})):
        syntax = sniff_syntax(xml)
        inv = parse_einvoice(syntax, xml)
        line = inv.lines[0]
        assert line.price_base_quantity == 100
        assert line.net_price == pytest.approx(truth["line_items"][0]["unit_price"] * 100)
        assert inv.tax_total == truth["tax_amount"]  # the amount in the invoice currency (BT-110)
        res = EInvoiceEngine(xml, syntax).extract(SCHEMA)
        for got, want in zip(res.result["line_items"], truth["line_items"]):
            assert got["unit_price"] == pytest.approx(want["unit_price"], abs=1e-9)


def test_preferred_name_wins_and_non_invoice_xml_is_skipped():
    pdf, truth = make_invoice(seed=8, language="fr")
    hybrid = embed(pdf, {"metadata.xml": b"<?xml version='1.0'?><x:xmpmeta xmlns:x='adobe:ns:meta/'/>",
                         "other.xml": ubl_xml(truth), "factur-x.xml": cii_xml(truth)})
    assert find_einvoice_xml(hybrid)[0] == "cii"
    # a preferred name that is not an invoice is skipped in favour of a real one
    hybrid = embed(pdf, {"factur-x.xml": b"<html/>", "other.xml": ubl_xml(truth)})
    assert find_einvoice_xml(hybrid)[0] == "ubl"


def test_zugferd_1_cross_industry_document():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
 <rsm:HeaderExchangedDocument><ram:ID>RE-77</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20130305</udt:DateTimeString></ram:IssueDateTime>
 </rsm:HeaderExchangedDocument>
 <rsm:SpecifiedSupplyChainTradeTransaction>
  <ram:ApplicableSupplyChainTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name></ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Kunden AG</ram:Name></ram:BuyerTradeParty>
   <ram:BuyerOrderReferencedDocument><ram:ID>PO-1</ram:ID></ram:BuyerOrderReferencedDocument>
  </ram:ApplicableSupplyChainTradeAgreement>
  <ram:ApplicableSupplyChainTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:TaxBasisTotalAmount currencyID="EUR">198.00</ram:TaxBasisTotalAmount>
    <ram:GrandTotalAmount currencyID="EUR">235.62</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:SpecifiedSupplyChainTradeAgreement><ram:NetPriceProductTradePrice>
    <ram:ChargeAmount currencyID="EUR">9.9000</ram:ChargeAmount></ram:NetPriceProductTradePrice>
   </ram:SpecifiedSupplyChainTradeAgreement>
   <ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">20.0000</ram:BilledQuantity>
   </ram:SpecifiedSupplyChainTradeDelivery>
   <ram:SpecifiedSupplyChainTradeSettlement><ram:SpecifiedTradeSettlementMonetarySummation>
    <ram:LineTotalAmount currencyID="EUR">198.00</ram:LineTotalAmount>
   </ram:SpecifiedTradeSettlementMonetarySummation></ram:SpecifiedSupplyChainTradeSettlement>
   <ram:SpecifiedTradeProduct><ram:Name>Trennblätter A4</ram:Name></ram:SpecifiedTradeProduct>
  </ram:IncludedSupplyChainTradeLineItem>
 </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>""".encode()
    assert sniff_syntax(xml) == "cii"
    res = EInvoiceEngine(xml, "cii").extract(SCHEMA)
    r = res.result
    assert (r["invoice_number"], r["issue_date"], r["seller_name"], r["purchase_order_number"]) == \
        ("RE-77", "2013-03-05", "Lieferant GmbH", "PO-1")
    assert (r["subtotal_amount"], r["total_amount"], r["tax_amount"]) == (198.0, 235.62, None)
    assert r["line_items"] == [{"description": "Trennblätter A4", "qty": 20.0, "unit_price": 9.9, "amount": 198.0}]
    assert res.confidence["tax_amount"] == 0.0 and res.confidence["line_items[0].qty"] == 1.0


# ---------------------------------------------------------------------------------------------
# arbitrary client schemas


def test_client_schema_mapping_types_and_no_invention():
    _, truth = make_invoice(seed=9, language="de", n_items=2)
    truth["due_date"] = None  # not in the XML
    xml = cii_xml(truth)
    schema = ExtractionSchema(fields=[
        {"key": "inv_no", "type": "string", "description": "invoice number"},
        {"key": "date", "type": "date"},
        {"key": "due", "type": "date"},
        {"key": "total", "type": "integer"},
        {"key": "vat_number", "type": "string"},
        {"key": "doc_type", "type": "enum", "values": ["Invoice", "Credit note"], "description": "document type"},
        {"key": "currency", "type": "enum", "values": ["USD", "EUR", "CHF"]},
        {"key": "notes", "type": "string", "description": "free text remarks"},
        {"key": "paid", "type": "boolean"},
        {"key": "items", "type": "list<object>", "fields": [
            {"key": "name", "type": "string"},
            {"key": "quantity", "type": "integer"},
            {"key": "sku", "type": "string"},
        ]},
    ])
    res = EInvoiceEngine(xml, "cii").extract(schema)
    r, c = res.result, res.confidence
    assert r["inv_no"] == truth["invoice_number"] and c["inv_no"] == 1.0
    assert r["date"] == truth["issue_date"]
    assert r["due"] is None and c["due"] == 0.0
    assert r["total"] == round(truth["total_amount"]) and c["total"] == 1.0
    assert any(w.startswith("total:") for w in res.warnings)  # rounded to an integer
    assert r["vat_number"] == truth["seller_vat_id"]
    assert r["doc_type"] == "Invoice" and r["currency"] == truth["currency"]
    assert r["notes"] is None and c["notes"] == 0.0
    assert r["paid"] is None and c["paid"] == 0.0
    assert [it["name"] for it in r["items"]] == [it["description"] for it in truth["line_items"]]
    assert all(it["sku"] is None for it in r["items"])
    assert c["items"] == 1.0 and c["items[0].quantity"] == 1.0 and c["items[1].sku"] == 0.0


def test_minimum_profile_without_lines():
    _, truth = make_invoice(seed=10, language="de")
    truth["line_items"] = []
    truth["purchase_order_number"] = None
    res = EInvoiceEngine(cii_xml(truth, profile="urn:factur-x.eu:1p0:minimum"), "cii").extract(SCHEMA)
    assert res.result["line_items"] == [] and res.confidence["line_items"] == 0.0
    assert res.result["purchase_order_number"] is None and res.confidence["purchase_order_number"] == 0.0
    assert res.result["total_amount"] == truth["total_amount"]
    assert any("no line items" in w for w in res.warnings)


def test_every_offline_concept_has_an_einvoice_term():
    assert set(HEADER_TERMS) == set(HEADER_CONCEPTS)
    assert set(LINE_TERMS) == set(COLUMN_CONCEPTS)


# ---------------------------------------------------------------------------------------------
# hostile and irrelevant input

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
 <rsm:ExchangedDocument><ram:ID>&lol9;</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>
"""


def test_entity_expansion_bomb_and_external_entities_are_refused():
    t = time.monotonic()
    for xml in (BOMB, XXE):
        with pytest.raises(EInvoiceError, match="DOCTYPE"):
            parse_einvoice("cii", xml)
        with pytest.raises(EInvoiceError, match="DOCTYPE"):
            sniff_syntax(xml)
        with pytest.raises(EInvoiceError, match="DOCTYPE"):
            EInvoiceEngine(xml, "cii").extract(SCHEMA)
    pdf, _ = make_invoice(seed=12, language="de", n_items=2)
    assert find_einvoice_xml(embed(pdf, {"factur-x.xml": BOMB, "x.xml": XXE})) is None
    assert time.monotonic() - t < 2


def test_size_depth_and_garbage_are_refused():
    big = b"<a>" + b" " * (MAX_XML_BYTES + 1) + b"</a>"
    with pytest.raises(EInvoiceError, match="at most"):
        parse_einvoice("cii", big)
    deep = b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'>" \
        + b"<a>" * 5000 + b"</a>" * 5000 + b"</rsm:CrossIndustryInvoice>"
    with pytest.raises(EInvoiceError, match="deeper"):
        parse_einvoice("cii", deep)
    with pytest.raises(EInvoiceError, match="well-formed"):
        parse_einvoice("cii", b"<Invoice><ID>1</Invoice>")
    with pytest.raises(EInvoiceError, match="not a CII or UBL"):
        parse_einvoice("cii", b"<html><body/></html>")
    _, truth = make_invoice(seed=13)
    with pytest.raises(EInvoiceError, match="UBL, not CII"):
        parse_einvoice("cii", ubl_xml(truth))


def test_compression_bomb_attachment_is_not_inflated():
    pdf, _ = make_invoice(seed=14, language="de", n_items=1)
    root = b"<rsm:CrossIndustryInvoice xmlns:rsm='urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100'>"
    huge = root + b" " * (3 * MAX_XML_BYTES) + b"</rsm:CrossIndustryInvoice>"
    assert len(zlib.compress(huge)) < MAX_XML_BYTES // 50  # it is stored compressed in the PDF
    assert find_einvoice_xml(embed(pdf, {"factur-x.xml": huge})) is None


def test_no_attachment_non_invoice_xml_and_non_pdf_give_none(tmp_path):
    pdf, _ = make_invoice(seed=15, language="en", n_items=2)
    assert find_einvoice_xml(pdf) is None
    assert find_einvoice_xml(embed(pdf, {"factur-x.xml": b"<?xml version='1.0'?><note>hello</note>",
                                         "readme.txt": b"not xml", "data.xml": b"\x00\xff garbage"})) is None
    assert find_einvoice_xml(embed(pdf, {"order.xml": b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>"},
                                   as_annotation=True)) is None
    assert find_einvoice_xml(b"not a pdf at all") is None
    assert find_einvoice_xml(tmp_path / "missing.pdf") is None


# ---------------------------------------------------------------------------------------------
# third-party truth: the official ZUGFeRD 2.4 / Factur-X 1.08 examples


@pytest.mark.eval
@pytest.mark.skipif(not (FERD / "source-truth").is_dir(), reason="shared/eval/ferd-zugferd24 is absent")
def test_ferd_zugferd24_source_xml_matches_truth():
    schema = ExtractionSchema(fields=json.loads((EVAL / "schema-invoice.json").read_text())["fields"])
    compared = matched = matched_basis = 0
    misses: list[str] = []
    docs = sorted((FERD / "source-truth").glob("*.xml"))
    assert docs
    for path in docs:
        truth = json.loads((FERD / "truth" / f"{path.stem}.json").read_text())
        xml = path.read_bytes()
        syntax = sniff_syntax(xml)
        assert syntax == "cii", path.name
        res = EInvoiceEngine(xml, syntax).extract(schema)
        assert res.model_used == "einvoice-xml:factur-x"
        pairs = []  # (path, truth, predicted, truth adjusted to a per-unit price)
        for key, want in truth.items():
            if key != "line_items":
                pairs.append((key, want, res.result.get(key), want))
                continue
            got_items = res.result["line_items"]
            assert len(got_items) == len(want), path.name
            for i, (t_item, g_item) in enumerate(zip(want, got_items)):
                for k, v in t_item.items():
                    if k.startswith("_"):
                        continue
                    per_unit = v
                    if k == "unit_price" and t_item.get("_unit_price_basis_qty"):
                        per_unit = v / t_item["_unit_price_basis_qty"]  # BT-146 / BT-149
                    pairs.append((f"line_items[{i}].{k}", v, g_item.get(k), per_unit))
        for p, want, got, per_unit in pairs:
            compared += 1
            key = p.rsplit(".", 1)[-1]
            if values_equal(key, want, got):
                matched += 1
            else:
                misses.append(f"{path.stem}: {p} truth={want!r} got={got!r}")
            if values_equal(key, per_unit, got):
                matched_basis += 1
            assert res.confidence[p] == (1.0 if got is not None else 0.0)
        # nothing invented: keys absent from the truth are absent from the XML
        for key, got in res.result.items():
            if key not in truth:
                assert got in (None, []), (path.name, key, got)
    rate = matched / compared
    print(f"\nferd-zugferd24 source XML: {matched}/{compared} = {rate:.4f} of values match the truth "
          f"({matched_basis}/{compared} counting the truth's per-{{basis qty}} prices per unit)")
    for m in misses:
        print("  miss:", m)
    assert rate >= 0.98
    assert matched_basis == compared
