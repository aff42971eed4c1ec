"""The offline engine: label matching, tables across pages, generated en/de/fr invoices."""

from __future__ import annotations

import time

import pymupdf
import pytest

from core.schema import ExtractionSchema
from documents.textlayer import page_text
from evals.scoring import score_document
from extraction.engines.base import Engine
from extraction.engines.offline import OfflineEngine
from extraction.pages import DocumentText, PageText, Word
from extraction.result import EngineKind, RawResult
from tests.support.invoices import make_invoice, make_text_pdf, render_png, schema_invoice
from tests.support.pages import read_pdf, words_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")






def test_is_an_engine():
    assert isinstance(ENGINE.name, str) and ENGINE.name == "docparse-offline-v1"
    engine: Engine = ENGINE
    raw = engine.extract(SCHEMA, DocumentText(pages=[]))
    assert isinstance(raw, RawResult) and raw.engine == EngineKind.OFFLINE


def test_textlayer_words_and_empty_page():
    doc = read_pdf(make_text_pdf("Invoice No: 123\nTotal: 10.00"))
    page = doc.pages[0]
    assert page.source == "text" and page.number == 1
    assert [w.text for w in page.words[:3]] == ["Invoice", "No:", "123"]
    w = page.words[0]
    assert 0 < w.x0 < w.x1 <= page.width and 0 < w.y0 < w.y1 <= page.height
    blank = pymupdf.open()
    blank.new_page()
    assert page_text(blank[0], 1).source == "none"


def test_label_matching_same_line_below_and_synonyms():
    schema = ExtractionSchema(fields=[
        {"key": "invoice_number", "type": "string"},
        {"key": "issue_date", "type": "date"},
        {"key": "due_date", "type": "date"},
        {"key": "subtotal_amount", "type": "number"},
        {"key": "tax_amount", "type": "number"},
        {"key": "total_amount", "type": "number"},
        {"key": "currency", "type": "string"},
        {"key": "kundennummer", "type": "string", "description": "Customer number"},
    ])
    page = words_page([
        [(40, "Muster"), (90, "GmbH")],
        [(40, "Rechnungs-Nr.:"), (200, "RE-2024-17"), (350, "Kundennummer:"), (450, "K-99")],
        [(40, "Datum"), (200, "Fälligkeitsdatum")],
        [(40, "05.03.2018"), (200, "04.04.2018")],
        [(300, "Nettobetrag"), (480, "1.000,00")],
        [(300, "MwSt."), (340, "19%"), (480, "190,00")],
        [(300, "Gesamtbetrag"), (430, "EUR"), (480, "1.190,00")],
    ])
    res = ENGINE.extract(schema, DocumentText(pages=[page]))
    assert res.result == {
        "invoice_number": "RE-2024-17", "issue_date": "2018-03-05", "due_date": "2018-04-04",
        "subtotal_amount": 1000.0, "tax_amount": 190.0, "total_amount": 1190.0,
        "currency": "EUR", "kundennummer": "K-99",
    }
    assert all(0.0 <= c <= 1.0 for c in res.confidence.values())
    assert res.confidence["total_amount"] > 0.8  # subtotal + tax = total agrees
    cite = res.citations["invoice_number"]
    assert cite.page == 1 and all(0 <= v <= 1 for v in cite.bbox)
    assert cite.bbox[0] == pytest.approx(200 / 600)


def test_longer_label_wins_and_missing_field_is_none():
    schema = ExtractionSchema(fields=[
        {"key": "subtotal_amount", "type": "number"},
        {"key": "total_amount", "type": "number"},
        {"key": "purchase_order_number", "type": "string"},
    ])
    page = words_page([
        [(300, "Total"), (340, "HT"), (480, "100,00")],
        [(300, "TVA"), (340, "20%"), (480, "20,00")],
        [(300, "Total"), (340, "TTC"), (480, "120,00")],
    ])
    res = ENGINE.extract(schema, DocumentText(pages=[page]))
    assert res.result == {"subtotal_amount": 100.0, "total_amount": 120.0, "purchase_order_number": None}
    assert res.confidence["purchase_order_number"] == 0.0


TABLE_PAGE_1 = [
    [(40, "Pos"), (70, "Bezeichnung"), (300, "Menge"), (380, "Einzelpreis"), (480, "Gesamt")],
    [(40, "1"), (70, "Kopierpapier"), (150, "A4"), (320, "10"), (400, "4,50"), (500, "45,00")],
    [(40, "2"), (70, "Toner"), (110, "schwarz"), (320, "2"), (400, "80,00"), (500, "160,00")],
    [(70, "für"), (90, "Laserdrucker"), (170, "XL")],
    [(70, "Übertrag"), (500, "205,00")],
]
TABLE_PAGE_2 = [
    [(40, "Pos"), (70, "Bezeichnung"), (300, "Menge"), (380, "Einzelpreis"), (480, "Gesamt")],
    [(70, "Übertrag"), (500, "205,00")],
    [(40, "3"), (70, "Heftklammern"), (320, "5"), (400, "1,00"), (500, "5,00")],
    [(300, "Zwischensumme"), (500, "210,00")],
    [(300, "MwSt."), (340, "19%"), (500, "39,90")],
    [(300, "Gesamtbetrag"), (500, "249,90")],
]


def test_table_across_page_break_with_carry_over():
    doc = DocumentText(pages=[words_page(TABLE_PAGE_1, 1), words_page(TABLE_PAGE_2, 2)])
    res = ENGINE.extract(SCHEMA, doc)
    assert res.result["line_items"] == [
        {"description": "Kopierpapier A4", "qty": 10.0, "unit_price": 4.5, "amount": 45.0},
        {"description": "Toner schwarz für Laserdrucker XL", "qty": 2.0, "unit_price": 80.0, "amount": 160.0},
        {"description": "Heftklammern", "qty": 5.0, "unit_price": 1.0, "amount": 5.0},
    ]
    assert res.result["subtotal_amount"] == 210.0 and res.result["total_amount"] == 249.9
    assert res.confidence["line_items[1].qty"] > 0.9  # qty * unit price = amount
    assert res.citations["line_items[2].amount"].page == 2
    for k, v in res.confidence.items():
        assert 0.0 <= v <= 1.0, k


def test_table_continues_without_repeated_header():
    page2 = [row for row in TABLE_PAGE_2 if row[0][1] != "Pos"]
    doc = DocumentText(pages=[words_page(TABLE_PAGE_1, 1), words_page(page2, 2)])
    items = ENGINE.extract(SCHEMA, doc).result["line_items"]
    assert [i["amount"] for i in items] == [45.0, 160.0, 5.0]


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_generated_invoice_truth_recovered(language, seed):
    data, truth = make_invoice(seed=seed, language=language, n_items=4 + seed)
    res = ENGINE.extract(SCHEMA, read_pdf(data))
    score = score_document(truth, res.result)
    wrong = {k: (truth[k], res.result.get(k)) for k, ok in score["header"].items() if not ok}
    assert not wrong
    items = score["items"]["line_items"]
    assert items["tp"] == items["truth"] == items["pred"]
    for k, v in res.confidence.items():
        assert 0.0 <= v <= 1.0, k
    assert res.confidence["total_amount"] >= 0.8


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_generated_multi_page_invoice(language):
    data, truth = make_invoice(seed=7, language=language, n_items=14, pages=3)
    doc = read_pdf(data)
    assert len(doc.pages) == 3
    res = ENGINE.extract(SCHEMA, doc)
    assert res.result["line_items"] == truth["line_items"]
    assert res.result["total_amount"] == pytest.approx(truth["total_amount"])
    assert {c.page for k, c in res.citations.items() if k.startswith("line_items[")} == {1, 2, 3}


def test_long_invoice_spills_over_pages_and_is_fast():
    data, truth = make_invoice(seed=3, language="de", n_items=60)
    doc = read_pdf(data)
    assert len(doc.pages) >= 2
    t0 = time.perf_counter()
    res = ENGINE.extract(SCHEMA, doc)
    elapsed = time.perf_counter() - t0
    assert len(res.result["line_items"]) == 60
    assert res.result["line_items"] == truth["line_items"]
    assert elapsed < 0.5 * len(doc.pages)


def test_generator_helpers():
    data, truth = make_invoice(seed=1, language="fr", n_items=3)
    assert data.startswith(b"%PDF") and set(truth) >= {"invoice_number", "line_items", "total_amount"}
    assert render_png(data, dpi=40).startswith(b"\x89PNG")
    assert make_invoice(seed=1, language="fr", n_items=3)[1] == truth  # deterministic
    body = schema_invoice()
    assert body["name"] == "invoice" and ExtractionSchema(fields=body["fields"])


# --- general reading rules added with `docparse eval` (issue 3) ---------------------------------

AMOUNTS = ExtractionSchema(fields=[
    {"key": "invoice_number", "type": "string"},
    {"key": "subtotal_amount", "type": "number"},
    {"key": "tax_amount", "type": "number"},
    {"key": "total_amount", "type": "number"},
    {"key": "amount_due", "type": "number"},
    {"key": "due_date", "type": "date"},
])


@pytest.mark.parametrize("rows, expected", [
    # en / de / fr label phrases, value right of the label
    ([[(40, "Invoice"), (90, "Number:"), (300, "A-17")]], "A-17"),
    ([[(40, "Rechnungsnummer"), (300, "2024-0815")]], "2024-0815"),
    ([[(40, "Numéro"), (90, "de"), (110, "facture"), (300, "F2024/12")]], "F2024/12"),
    ([[(40, "Facture"), (90, "n°"), (300, "FA-778")]], "FA-778"),
])
def test_invoice_number_labels_in_three_languages(rows, expected):
    res = ENGINE.extract(AMOUNTS, DocumentText(pages=[words_page(rows)]))
    assert res.result["invoice_number"] == expected


def test_overlapping_labels_read_as_one_phrase():
    # "TOTAL AMOUNT" and "AMOUNT DUE" and "DUE ON" overlap: the value follows the whole phrase
    page = words_page([[(40, "TOTAL"), (74, "AMOUNT"), (114, "DUE"), (136, "ON"), (152, "August"),
                        (192, "3,"), (208, "2014"), (480, "$4.11")]])
    res = ENGINE.extract(AMOUNTS, DocumentText(pages=[page]))
    assert res.result["total_amount"] == 4.11 and res.result["amount_due"] == 4.11
    assert res.result["due_date"] == "2014-08-03"


def test_subtotal_derived_from_total_and_tax_with_low_confidence():
    page = words_page([
        [(40, "Total"), (70, "for"), (90, "this"), (115, "invoice"), (480, "$4.11")],
        [(40, "Tax"), (480, "$0.00")],
    ])
    res = ENGINE.extract(AMOUNTS, DocumentText(pages=[page]))
    assert res.result["total_amount"] == 4.11 and res.result["invoice_number"] is None
    assert res.result["subtotal_amount"] == 4.11
    assert 0 < res.confidence["subtotal_amount"] < 0.8
    assert res.citations["subtotal_amount"] == res.citations["total_amount"]


def test_subtotal_is_the_line_sum_when_no_tax_is_shown():
    page = words_page([
        [(40, "Description"), (300, "Qty"), (380, "Price"), (480, "Amount")],
        [(40, "Hosting"), (320, "1"), (400, "3,89"), (500, "3,89")],
        [(40, "Mailbox"), (320, "2"), (400, "5,00"), (500, "10,00")],
        [(300, "Total"), (340, "EUR"), (500, "13,89")],
    ])
    res = ENGINE.extract(SCHEMA, DocumentText(pages=[page]))
    assert res.result["total_amount"] == 13.89 and res.result["tax_amount"] is None
    assert res.result["subtotal_amount"] == 13.89


def test_gross_price_column_is_the_line_amount_when_no_net_amount_column():
    page = words_page([
        [(40, "Artikel"), (300, "Aantal"), (360, "Prijs"), (390, "per"), (410, "stuk"), (450, "BTW"),
         (490, "Prijs"), (520, "incl."), (545, "BTW")],
        [(40, "Tablet"), (90, "16"), (110, "GB"), (320, "1"), (370, "€"), (380, "399,00"), (455, "21%"),
         (500, "€"), (510, "399,00")],
        [(40, "Hoes"), (320, "2"), (370, "€"), (380, "10,00"), (455, "21%"), (500, "€"), (510, "20,00")],
    ])
    res = ENGINE.extract(SCHEMA, DocumentText(pages=[page]))
    assert res.result["line_items"] == [
        {"description": "Tablet 16 GB", "qty": 1.0, "unit_price": 399.0, "amount": 399.0},
        {"description": "Hoes", "qty": 2.0, "unit_price": 10.0, "amount": 20.0},
    ]


def test_wrapped_table_header_line_is_not_a_header_field():
    # "VK-Preis / Ohne MwSt." wraps; "MwSt." under the header must not become the tax amount
    page = words_page([
        [(40, "Pos."), (70, "Menge"), (120, "Beschreibung"), (400, "VK-Preis"), (480, "Zeilenbetrag")],
        [(400, "Ohne"), (430, "MwSt."), (480, "Ohne"), (510, "MwSt.")],
        [(40, "1"), (70, "1"), (120, "Exchange"), (110 + 100, "Postfach"), (420, "3,89"), (520, "3,89")],
        [(400, "Total"), (430, "EUR"), (520, "3,89")],
    ])
    page.words = [w.model_copy(update={"y0": w.y0 - 8, "y1": w.y1 - 8}) if w.y0 == 66 else w for w in page.words]
    res = ENGINE.extract(SCHEMA, DocumentText(pages=[page]))
    assert res.result["tax_amount"] is None
    assert res.result["total_amount"] == 3.89 and len(res.result["line_items"]) == 1


def test_seller_from_return_address_line_and_letterhead():
    sender = words_page([
        [(60, "Muster"), (95, "AG"), (115, "-"), (125, "Hauptstr."), (180, "5"), (190, "-"), (200, "12345"), (240, "Berlin")],
        [(60, "Kunde"), (100, "Ltd.")],
        [(60, "1"), (70, "Road")],
        [(300, "Total"), (480, "10.00")],
    ])
    sender.words = [w.model_copy(update={"y1": w.y0 + 7}) if w.y0 == 50 else w for w in sender.words]
    schema = ExtractionSchema(fields=[{"key": "seller_name", "type": "string"}, {"key": "total_amount", "type": "number"}])
    assert ENGINE.extract(schema, DocumentText(pages=[sender])).result["seller_name"] == "Muster AG"
    letterhead = words_page([
        [(40, "Blue"), (68, "Harbour"), (114, "Supplies")],
        [(40, "12"), (60, "Quay"), (95, "Street")],
        [(40, "Bristol"), (90, "BS1"), (115, "4DJ")],
        [(300, "Invoice"), (350, "No:"), (400, "77")],
    ])
    assert ENGINE.extract(schema, DocumentText(pages=[letterhead])).result["seller_name"] == "Blue Harbour Supplies"


def test_your_vat_number_is_not_the_sellers():
    schema = ExtractionSchema(fields=[{"key": "seller_vat_id", "type": "string"}])
    page = words_page([[(40, "Uw"), (60, "BTW"), (90, "nummer:"), (200, "NL00333599698")]])
    assert ENGINE.extract(schema, DocumentText(pages=[page])).result["seller_vat_id"] is None
    page = words_page([[(40, "BTW"), (70, "nummer:"), (200, "NL810433941B01")]])
    assert ENGINE.extract(schema, DocumentText(pages=[page])).result["seller_vat_id"] == "NL810433941B01"


def test_identifier_split_by_ocr_is_joined_only_when_the_pieces_touch():
    schema = ExtractionSchema(fields=[{"key": "invoice_number", "type": "string"}])

    def doc(gap: float) -> DocumentText:
        ws = [("Invoice", 40, 80), ("No:", 82, 100), ("IBZY", 200, 230), ("2087", 230 + gap, 255)]
        return DocumentText(pages=[PageText(number=1, width=600, height=800, words=[
            Word(text=t, x0=x0, y0=50, x1=x1, y1=60) for t, x0, x1 in ws])])

    assert ENGINE.extract(schema, doc(1)).result["invoice_number"] == "IBZY2087"
    assert ENGINE.extract(schema, doc(6)).result["invoice_number"] == "2087"
