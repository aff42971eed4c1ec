"""What a scan does to an invoice's table, and how reading copes: a shaded header band set on the
paper's colour before OCR, table rules read as bars and brackets taken out of the words, and
figures with their currency glued on ("12,29€", "CHF7.06") read as amounts."""

from __future__ import annotations

import numpy as np
import pymupdf

from core.schema import ExtractionSchema
from documents.ocr import tsv_words
from documents.scanprep import flatten_shading
from extraction.engines.offline import OfflineEngine
from extraction.engines.offline.layout import PlacedWord
from extraction.engines.offline.value_words import money_amounts, unglued
from extraction.pages import DocumentText
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def _banded_page(fill: float, noise: float = 0.0) -> np.ndarray:
    """A 150-dpi grey strip: a table header printed on a band of grey ``fill`` (1 = white)."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=80)
    page.draw_rect(pymupdf.Rect(10, 20, 390, 40), color=None, fill=(fill, fill, fill))
    page.insert_text((16, 34), "Description   Qty   Unit price   Amount", fontsize=9)
    page.insert_text((16, 62), "Office chair   2   120,00   240,00", fontsize=9)
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).astype(np.float32)
    a = a * (235 - 25) / 255 + 25  # a scanner's paper and ink
    rnd = np.random.default_rng(3)
    a += rnd.normal(0, 255 * noise, a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


def test_a_shaded_band_is_set_on_the_paper_and_its_text_stays_dark():
    a = _banded_page(0.82, noise=0.01)
    out, shaded = flatten_shading(a, line_px=20)
    assert shaded
    paper = np.percentile(a, 90)
    band = (slice(int(22 * 150 / 72), int(26 * 150 / 72)), slice(int(300 * 150 / 72), int(380 * 150 / 72)))
    assert a[band].mean() < paper - 25  # grey before
    assert abs(out[band].mean() - paper) < 8  # paper after
    # the band's text is as dark as before, and so is the text on the paper below it
    text_row = slice(int(25 * 150 / 72), int(36 * 150 / 72))
    assert out[text_row].min() <= a[text_row].min() + 10
    below = slice(int(52 * 150 / 72), int(66 * 150 / 72))
    assert np.array_equal(out[below], a[below])


def test_a_page_without_shading_or_with_a_dark_box_is_left_as_it_is():
    a = _banded_page(1.0)
    out, shaded = flatten_shading(a, line_px=20)
    assert not shaded and out is a
    dark = _banded_page(0.2)  # a dark band (white print on it) is no light shading
    out, _ = flatten_shading(dark, line_px=20)
    band = (slice(int(22 * 150 / 72), int(26 * 150 / 72)), slice(int(300 * 150 / 72), int(380 * 150 / 72)))
    assert out[band].mean() < 100


def _tsv(*words: tuple[int, str]) -> str:
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    return head + "".join(f"5\t1\t1\t1\t1\t{n}\t{x}\t100\t{10 * len(t)}\t20\t90\t{t}\n"
                          for n, (x, t) in enumerate(words, 1))


def test_table_rules_read_as_bars_and_brackets_leave_the_words():
    words = tsv_words(_tsv((0, "|Qty"), (60, "4|LED"), (200, "538.99]"), (300, "|"), (330, "]["),
                           (360, "[Nettoyage"), (500, "[2]")), 1.0, 1.0)
    assert [w.text for w in words] == ["Qty", "4", "LED", "538.99", "Nettoyage", "[2]"]
    four, led = words[1], words[2]
    # a word split at a bar keeps its share of the box
    assert (four.x0, four.x1) == (60, 70) and (led.x0, led.x1) == (80, 110)


def test_a_currency_glued_to_a_figure_is_read_off_it():
    assert unglued("12,29€") == "12,29"
    assert unglued("CHF7.06") == "7.06"
    assert unglued("30,52EUR") == "30,52"
    assert unglued("$12.00") == "$12.00"  # a leading symbol is part of the money pattern
    assert unglued("ABC123") == "ABC123" and unglued("RE2020XYZ") == "RE2020XYZ"  # ids stay
    ws = [PlacedWord(t, x, 0, x + 30, 10, 1) for x, t in [(0, "1194,47€"), (40, "CHF1'169.27")]]
    assert [v for v, _ in money_amounts(ws, "de", ",")] == [1194.47, 1169.27]


def test_item_rows_whose_amounts_carry_a_glued_currency_are_read():
    page = phrase_page([
        [(60, "Factuur"), (400, "Factuurnummer: RE-1187")],
        [],
        [(60, "Artikelnr."), (120, "Aantal"), (190, "Product"), (430, "Stukprijs"), (500, "Bedrag")],
        [(60, "D21520"), (130, "20"), (190, "Ergonomische bureaustoel"), (430, "12,29€"), (500, "245,80 €")],
        [(60, "G48118"), (130, "2"), (190, "Nietmachine groot"), (430, "1870,86€"), (500, "3741,72€")],
        [],
        [(380, "Subtotaal"), (500, "3987,52 €")],
        [(380, "Totaal"), (500, "4824,90 €")],
    ], source="ocr", conf=0.9)
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    assert [(i["description"], i["qty"], i["unit_price"], i["amount"]) for i in items] == [
        ("Ergonomische bureaustoel", 20, 12.29, 245.80), ("Nietmachine groot", 2, 1870.86, 3741.72)]


def test_a_heading_read_by_ocr_stays_one_segment_and_columns_stay_apart():
    from extraction.engines.offline.layout import build_rows, segments
    from extraction.pages import PageText, Word

    # OCR boxes hug the ink: a 14-pt company name's word spaces are about as wide as its words
    # are high; a text layer's boxes are the font's, half again as high
    name = [Word(text=t, x0=x0, y0=76.8, x1=x1, y1=85.9, conf=0.9)
            for t, x0, x1 in [("Summit", 244.3, 295.7), ("Software", 305.3, 375.8), ("LLC", 385.4, 410.9)]]
    cols = [Word(text=t, x0=x0, y0=120, x1=x1, y1=127, conf=0.9)
            for t, x0, x1 in [("Invoice", 60, 90), ("No.", 93, 105), ("RE-1187", 130, 165), ("Total", 400, 420)]]
    rows = build_rows(PageText(number=1, width=595, height=842, source="ocr", words=name + cols))
    assert [[w.text for w in s] for s in segments(rows[0])] == [["Summit", "Software", "LLC"]]
    assert [[w.text for w in s] for s in segments(rows[1])] == [["Invoice", "No."], ["RE-1187"], ["Total"]]


def _ocr_words(row: list[tuple[float, str]], h: float = 7.0) -> list[PlacedWord]:
    return [PlacedWord(t, x, 300, x + 0.55 * h * len(t), 300 + h, 1, [t], 0.95) for x, t in row]


def test_digit_groups_a_whole_space_apart_and_cents_set_apart_are_one_amount_on_a_scan():
    # "6 489,56" printed with a word space: OCR's ink boxes leave a gap as wide as the digits are high
    ws = _ocr_words([(330, "Montant"), (370, "HT"), (508.3, "6"), (519.8, "489,56")])
    assert [v for v, _ in money_amounts(ws, "fr", ",")] == [6489.56]
    ws = _ocr_words([(330, "Netto"), (360, "bedrag"), (480, "31770,"), (505, "05")])
    assert [v for v, _ in money_amounts(ws, "nl", ",")] == [31770.05]


def test_a_decimal_point_ocr_dropped_is_put_back_where_qty_times_price_says_so():
    page = phrase_page([
        [(60, "Rechnung"), (400, "Rechnungsnummer: RE-2231")],
        [],
        [(60, "Pos"), (90, "Beschreibung"), (380, "Menge"), (440, "Preis"), (510, "Betrag")],
        [(60, "1"), (90, "Druckerpatrone schwarz"), (380, "125"), (440, "CHF 969.48"), (510, "CHF 1211850")],
        [(60, "2"), (90, "Schreibtischlampe LED"), (380, "4"), (440, "CHF 1932"), (510, "CHF 77.28")],
        [(60, "3"), (90, "Monitorhalterung"), (380, "50"), (440, "CHF 8.19"), (510, "CHF 409.50")],
        [],
        [(380, "Total"), (510, "CHF 12605.28")],
    ], source="ocr", conf=0.9)
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [
        (12.5, 969.48, 12118.5), (4, 19.32, 77.28), (50, 8.19, 409.5)]


def test_a_price_per_hundred_units_is_no_lost_decimal_point():
    rows = [
        [(60, "Rechnung"), (400, "Rechnungsnummer: RE-2232")],
        [],
        [(60, "Pos"), (90, "Bezeichnung"), (380, "Menge"), (440, "Preis"), (510, "Betrag")],
        [(60, "1"), (90, "Muellsack 120 l"), (380, "150"), (440, "49,29"), (510, "73,94")],
        [],
        [(380, "Gesamt"), (510, "73,94")],
    ]
    for page in (phrase_page(rows), phrase_page(rows, source="ocr", conf=0.9)):
        items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
        assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [(150, 49.29, 73.94)]
