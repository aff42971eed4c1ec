"""The offline engine: label matching, tables across pages, generated en/de/fr invoices."""

from __future__ import annotations

import time

import pymupdf
import pytest

from core.engines.base import Engine, EngineResult
from core.engines.offline import OfflineEngine
from core.pages import DocumentText, PageText, Word
from core.schema import ExtractionSchema
from core.scoring import score_document
from core.textlayer import page_text
from tests.support.invoices import make_invoice, make_text_pdf, render_png, schema_invoice

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def read_pdf(data: bytes) -> DocumentText:
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return DocumentText(pages=[page_text(p, i + 1) for i, p in enumerate(doc)])


def words_page(lines: list[list[tuple[float, str]]], number: int = 1, y0: float = 50) -> PageText:
    """A page from rows of (x, text): 10 pt high words, 6 pt per character."""
    words = []
    for k, row in enumerate(lines):
        y = y0 + 16 * k
        for x, text in row:
            words.append(Word(text=text, x0=x, y0=y, x1=x + 6 * len(text), y1=y + 10))
    return PageText(number=number, width=600, height=850, words=words)


def test_is_an_engine():
    assert isinstance(ENGINE.name, str) and ENGINE.name == "docparse-offline-v1"
    engine: Engine = ENGINE
    assert isinstance(engine.extract(SCHEMA, DocumentText(pages=[])), EngineResult)


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
