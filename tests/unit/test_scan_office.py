"""Office scans (issue 13's condition): white print on dark bands, table rules beside the words,
lone figures tesseract does not read. documents/scanprep.py and the offline engine's tables."""

from __future__ import annotations

import numpy as np
import pymupdf

from core.schema import ExtractionSchema
from documents.scanprep import _in_long_runs, _thin_rules, _thin_rules_in, invert_dark_bands, remove_rules
from extraction.engines.offline import OfflineEngine
from extraction.engines.offline.cells import quantity_from_amount
from extraction.pages import DocumentText
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")
Z = 150 / 72


def _scan(draw) -> np.ndarray:
    """A 150-dpi grey strip drawn by ``draw(page)``, with a scanner's paper and ink."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=100)
    draw(page)
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).astype(np.float32)
    return np.clip(a * (235 - 25) / 255 + 25, 0, 255).astype(np.uint8)


def _band(page: pymupdf.Page) -> None:
    page.draw_rect(pymupdf.Rect(10, 20, 390, 40), color=None, fill=(0.2, 0.35, 0.4))
    page.insert_text((16, 34), "Services      Hours      Rate      Amount", fontsize=9, color=(1, 1, 1))
    page.insert_text((16, 62), "Roof inspection   1   385.00   385.00", fontsize=9)
    page.insert_text((16, 90), "INVOICE", fontsize=20)  # big black print stays as it is


def test_white_print_on_a_dark_band_becomes_dark_print_on_paper():
    a = _scan(_band)
    out, found = invert_dark_bands(a, line_px=18)
    assert found
    paper = np.percentile(a, 90)
    band = (slice(int(21 * Z), int(39 * Z)), slice(int(300 * Z), int(385 * Z)))
    assert a[band].mean() < paper / 2 and out[band].mean() > paper - 40  # the band is paper now
    letters = (slice(int(26 * Z), int(35 * Z)), slice(int(16 * Z), int(60 * Z)))
    assert out[letters].min() < 60  # and its letters are ink
    below = slice(int(48 * Z), a.shape[0])
    assert np.array_equal(out[below], a[below])  # print on the paper is left alone


def test_a_page_without_dark_areas_is_left_as_it_is():
    a = _scan(lambda p: p.insert_text((16, 60), "Total 1,187.20", fontsize=24))
    out, found = invert_dark_bands(a, line_px=18)
    assert not found and out is a


def _ruled(page: pymupdf.Page) -> None:
    for y, text in ((30, "Afvoer en stortkosten   1   75,00"), (55, "Onderhoud cv-ketel   8   840,00")):
        page.insert_text((16, y), text, fontsize=9)
        page.draw_line((10, y + 5), (390, y + 5), color=(0.6, 0.6, 0.6), width=0.5)
    page.draw_rect(pymupdf.Rect(10, 75, 390, 95), color=None, fill=(0, 0, 0))  # a filled bar is no rule


def test_table_rules_are_taken_off_and_the_words_and_bars_stay():
    a = _scan(_ruled)
    out, n = remove_rules(a, line_px=18)
    assert n > 0
    paper = np.percentile(a, 90)
    for y in (35, 60):
        rule = (slice(int((y - 1.5) * Z), int((y + 1.5) * Z)), slice(int(100 * Z), int(380 * Z)))
        assert a[rule].min() < paper - 40 and out[rule].min() >= paper - 25
    words = (slice(int(22 * Z), int(32 * Z)), slice(int(16 * Z), int(120 * Z)))
    assert np.array_equal(out[words], a[words])
    bar = (slice(int(78 * Z), int(92 * Z)), slice(int(20 * Z), int(380 * Z)))
    assert np.array_equal(out[bar], a[bar])
    blank = _scan(lambda p: p.insert_text((16, 30), "Rechnung", fontsize=9))
    assert remove_rules(blank, line_px=18) == (blank, 0)


def test_a_quantity_comes_from_the_rows_arithmetic_only_when_whole():
    assert quantity_from_amount(105.0, 735.0) == 7
    assert quantity_from_amount(51.82, -51.82) == 1  # a credit note's amount printed negative
    assert quantity_from_amount(3.0, 10.0) is None and quantity_from_amount(None, 10.0) is None
    assert quantity_from_amount(10.0, 0.0) is None


def _rows(qty_words: tuple[str, str]) -> list[list[tuple]]:
    return [
        [(60, "Invoice"), (400, "Invoice number: 4711")],
        [],
        [(60, "Description"), (330, "Hours"), (420, "Rate"), (510, "Amount")],
        [(60, "Roof inspection and report"), (335, qty_words[0]), (420, "$385.00"), (510, "$385.00")],
        [(60, "On-site IT support"), (335, qty_words[1]), (420, "$105.00"), (510, "$735.00")],
        [],
        [(420, "Total"), (510, "$1,120.00")],
    ]


def test_a_lone_figure_ocr_did_not_read_is_what_the_rows_arithmetic_says():
    page = phrase_page(_rows(("a", "+")), source="ocr", conf=0.6)
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [(1, 385, 385), (7, 105, 735)]
    # read as printed, the figures stand; a text layer is never second-guessed
    page = phrase_page(_rows(("1", "7")), source="ocr", conf=0.9)
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    assert [i["qty"] for i in items] == [1, 7]
    page = phrase_page(_rows(("a", "b")))
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    assert all(i["qty"] is None for i in items)


def test_a_dark_panel_down_the_page_is_left_as_it_is():
    def sidebar(page: pymupdf.Page) -> None:
        page.draw_rect(pymupdf.Rect(0, 0, 120, 100), color=None, fill=(0.15, 0.25, 0.3))
        page.insert_text((10, 30), "Provence SAS", fontsize=9, color=(1, 1, 1))
        page.insert_text((150, 30), "Designation   Qty   Total", fontsize=9)

    doc = pymupdf.open()
    page = doc.new_page(width=400, height=400)
    sidebar(page)
    page.draw_rect(pymupdf.Rect(0, 100, 120, 400), color=None, fill=(0.15, 0.25, 0.3))
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
    out, found = invert_dark_bands(a, line_px=18)
    assert not found and out is a


def test_a_box_edge_close_under_its_label_goes_whole():
    def box(page: pymupdf.Page) -> None:
        page.insert_text((20, 30), "DATE            INVOICE #", fontsize=7)
        page.draw_line((10, 32.5), (390, 32.5), color=(0, 0, 0), width=0.7)  # right under the caps
        page.insert_text((20, 45), "4/24/2025       44012", fontsize=9)

    a = _scan(box)
    out, n = remove_rules(a, line_px=18)
    paper = np.percentile(a, 90)
    edge = (slice(int(31.5 * Z), int(33.5 * Z)), slice(int(12 * Z), int(388 * Z)))
    assert n > 0 and a[edge].min() < 100 and np.percentile(out[edge], 5) >= paper - 30


def test_a_label_whose_letter_o_ocr_read_as_a_zero_is_still_a_label():
    from extraction.engines.offline.layout import ocr_label_pieces

    assert ocr_label_pieces("P.0.") == ["p", "o"] and ocr_label_pieces("N0.") == ["no"]
    assert ocr_label_pieces("PO-682309") == ["po", "682309"] and ocr_label_pieces("100") == ["100"]


def test_a_currency_sign_beside_an_unread_figure_does_not_keep_the_row_out():
    rows = [
        [(60, "Factuur"), (400, "Factuurnummer: 20244152")],
        [],
        [(60, "Omschrijving"), (330, "Aantal"), (400, "Prijs"), (510, "Bedrag")],
        [(60, "Boekhouding kwartaal"), (335, "ı €"), (405, "275,00"), (510, "€ 275,00")],
        [],
        [(400, "Totaal"), (510, "€ 275,00")],
    ]
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows, source="ocr", conf=0.7)])).result["line_items"]
    assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [(1, 275, 275)]


def test_a_quantity_column_whose_heading_was_misread_is_found_by_its_arithmetic():
    rows = [
        [(60, "Invoice"), (400, "Invoice No: INV-04293")],
        [],
        [(60, "Description"), (300, "Qy"), (360, "Unit price"), (440, "VAT %"), (510, "Net")],
        [(60, "Deep cleaning - office suite"), (305, "2"), (360, "497.74"), (440, "20%"), (510, "995.48")],
        [(60, "Brake pads and rotors"), (305, "a"), (360, "400.00"), (440, "20%"), (510, "400.00")],
        [(60, "Senior developer time"), (305, "12.5"), (360, "105.90"), (440, "5%"), (510, "1,323.75")],
        [],
        [(440, "Net total"), (510, "£2,719.23")],
    ]
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows, source="ocr", conf=0.8)])).result["line_items"]
    assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [(2, 497.74, 995.48), (1, 400, 400),
                                                                         (12.5, 105.9, 1323.75)]
    # a column whose figures do not make the amounts (a position, a tax rate) is no quantity
    rows[2][1] = (300, "Pos")
    for n, r in enumerate(rows[3:6], 1):
        r[1] = (305, str(n + 3))
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows)])).result["line_items"]
    assert [i["qty"] for i in items] == [None, None, None]


def test_a_spanish_accent_read_as_an_umlaut_is_put_back_on_a_scan_only():
    rows = [
        [(60, "Informätica Levante S.A."), (400, "FACTURA")],
        [(400, "Número de factura: F-2231")],
        [(400, "Fecha de emisión: 05/03/2026")],
        [(60, "Cliente"), (400, "Fecha de vencimiento: 04/04/2026")],
        [(60, "Clínica Dental Delgado")],
        [(60, "Descripción"), (330, "Cantidad"), (420, "Precio"), (510, "Importe")],
        [(60, "Mantenimiento"), (335, "2"), (420, "100,00"), (510, "200,00")],
        [(420, "Total"), (510, "242,00")],
    ]
    scan = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows, source="ocr", conf=0.9)])).result
    assert scan["seller_name"] == "Informática Levante S.A."
    text = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows)])).result
    assert text["seller_name"] == "Informätica Levante S.A."  # a text layer prints what it means


def test_a_one_or_a_zero_ocr_read_as_a_letter_inside_a_figure_is_a_digit_again():
    from documents.ocr import tsv_words

    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    rows = "".join(f"5\t1\t1\t1\t1\t{n}\t{100 * n}\t100\t60\t20\t80\t{t}\n"
                   for n, t in enumerate(["CHFI52.15", "1O0,00", "Oslo", "I2", "INV-001", "B1234"], 1))
    assert [w.text for w in tsv_words(head + rows, 1.0, 1.0)] == ["CHF152.15", "100,00", "Oslo", "I2", "INV-001",
                                                                  "B1234"]


def test_rules_found_band_by_band_are_the_rules_of_the_whole_page():
    """_thin_rules looks only at the bands of rows around long runs (for speed): the same pixels
    as the check over the whole page, rules at the page's edges and close together included."""
    rng = np.random.default_rng(3)
    ink = rng.random((400, 500)) < 0.08  # scattered marks: no run is long
    for y in (0, 1, 57, 60, 61, 200, 398, 399):
        ink[y, 30:470] = True  # rules at the edges, close together, and two pixels thick
    ink[120:135, 40:460] = True  # a filled band: not a rule
    ink[300, 100:180] = True  # too short at length 120
    whole = ink.copy()
    whole[:-1] |= whole[1:]
    expected = _thin_rules_in(whole, _in_long_runs(whole, 120), 120, 3)
    got = _thin_rules(ink, 120, 3)
    assert got.any() and np.array_equal(got, expected)


def _long_runs_by_hand(ink: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros(ink.shape, bool)
    for y, row in enumerate(ink):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            end = x
            while end < len(row) and row[end]:
                end += 1
            if end - x >= length:
                out[y, x:end] = True
            x = end
    return out


def test_long_runs_are_every_pixel_of_every_run_at_least_that_long():
    """_in_long_runs (from where the ink starts and stops) against a walk along each row: runs
    at both ends of a row, rows of all ink, no run crossing into the next row, empty arrays."""
    rng = np.random.default_rng(5)
    for _ in range(400):
        h, w = int(rng.integers(0, 9)), int(rng.integers(0, 30))
        ink = rng.random((h, w)) < rng.random()
        length = int(rng.integers(1, 12))
        assert np.array_equal(_in_long_runs(ink, length), _long_runs_by_hand(ink, length)), (h, w, length)
    ink = np.zeros((3, 10), bool)
    ink[0, 6:] = ink[1, :4] = True  # 4 + 4 in the flat order: two runs, not one of 8
    assert not _in_long_runs(ink, 5).any()
