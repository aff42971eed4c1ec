"""Office scans, third round: a grid of boxed cells (double rules between rows), a page whose
rules sit under its lines (not read upside down), a misread column heading, decimal commas a small
serif font loses, and a quantity read as a letter and a digit."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

from core.schema import ExtractionSchema
from documents.scanprep import orient, remove_rules
from extraction.engines.offline import OfflineEngine
from extraction.engines.offline.layout import legal_form_misread, on_paper
from extraction.pages import ASIDE_BLOCK, DocumentText, PageText, Word
from extraction.vocabulary.index import one_edit_apart
from extraction.vocabulary.spelling import label_word
from tests.support.images import scan_grey, scan_png
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")
Z = 150 / 72


def _grey(page: pymupdf.Page) -> np.ndarray:
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).astype(np.float32)
    return np.clip(a * (235 - 25) / 255 + 25, 0, 255).astype(np.uint8)


def _boxed_rows(page: pymupdf.Page, rows: int, top: float = 30, step: float = 16) -> None:
    """A table whose every row is a box of its own, a point below the last: two thin rules with
    paper between them under each row."""
    for n in range(rows):
        y = top + n * step
        page.draw_rect(pymupdf.Rect(20, y, 560, y + step - 1.2), color=(0.3, 0.3, 0.3), width=0.6)
        page.insert_text((26, y + 10), f"Archiefkast {n} laden", fontsize=8)
        page.insert_text((480, y + 10), f"{n + 1}.268,99", fontsize=8)


def test_the_double_rules_between_boxed_rows_are_taken_off():
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=200)
    _boxed_rows(page, 6)
    a = _grey(page)
    out, n = remove_rules(a, line_px=16)
    assert n > 0
    paper = np.percentile(a, 90)
    for k in range(1, 6):  # between rows k-1 and k, away from the words
        y = 30 + k * 16
        band = (slice(int((y - 2.5) * Z), int((y + 1.5) * Z)), slice(int(250 * Z), int(450 * Z)))
        assert a[band].min() < paper - 40, k
        assert out[band].min() >= paper - 25, k
    words = (slice(int(32 * Z), int(43 * Z)), slice(int(26 * Z), int(120 * Z)))
    assert (out[words] < paper - 80).sum() >= 0.9 * (a[words] < paper - 80).sum()  # the words stay


def _boxed_invoice() -> bytes:
    """A letterhead, two address blocks, a table of boxed cells, totals."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((50, 60), "Visser Groothandel V.O.F.", fontsize=14)
    for n, t in enumerate(("Stationsstraat 230", "9711 LM Groningen", "Factuurnummer RE1565", "Datum 9-11-2024")):
        page.insert_text((50, 90 + 14 * n), t, fontsize=9)
        page.insert_text((330, 90 + 14 * n), t, fontsize=9)
    for n in range(12):
        y = 200 + n * 16
        for x0, x1 in ((50, 440), (440, 490), (490, 545)):
            page.draw_rect(pymupdf.Rect(x0, y, x1, y + 14.8), color=(0.3, 0.3, 0.3), width=0.6)
        page.insert_text((56, y + 10), f"Archiefkast {n} laden", fontsize=8)
        page.insert_text((470, y + 10), f"{n + 1}", fontsize=8)
        page.insert_text((500, y + 10), f"{n + 1}.268,99", fontsize=8)
    for n in range(4):
        page.insert_text((330, 420 + 14 * n), "Totaal excl. BTW        106.508,69", fontsize=9)
    return doc.tobytes()


@pytest.mark.parametrize("angle", [0.0, 0.3, 0.6, 1.7, -1.2, 3.0, -4.9])
def test_a_page_of_boxed_rows_is_read_upright_and_turned_back_when_upside_down(angle):
    # the boxes' rules under the lines of text made the page look upside down at 0.3 degrees
    pdf = _boxed_invoice()
    assert orient(scan_grey(scan_png(pdf, rotate=angle, noise=0.0005))).turn == 0
    assert orient(scan_grey(scan_png(pdf, rotate=angle, turn=180, noise=0.0005))).turn == 180


def test_one_edit_apart():
    assert one_edit_apart("hoeveelheid", "hoeveclheid") and one_edit_apart("stukprijs", "stukpris")
    assert one_edit_apart("menge", "mengen") and not one_edit_apart("betrag", "betrag")
    assert not one_edit_apart("hoeveelheid", "hoeveelhxyd")


def _table(heading: list[str], rows: list[list[str]]) -> list[list[tuple]]:
    xs = (60, 330, 420, 510)
    return [
        [(60, "Visser Groothandel V.O.F."), (400, "Factuur RE1565")],
        [],
        list(zip(xs, heading)),
        *[list(zip(xs, r)) for r in rows],
        [],
        [(420, "Totaal"), (510, "13.901,91")],
    ]


def test_a_scanned_heading_one_letter_off_and_figures_that_lost_their_commas():
    heading = ["Beschrijving", "Hoeveclheid", "Stukpris", "Bedrag"]
    rows = [["USB-C kabel 2 m", "4", "14656", "586,24"],
            ["Nietmachine groot", "50", "1.353,91", "67.695,50"],
            ["Schoonmaakdienst", "12", "4202", "50424"],  # price and amount alike: 12 x 4202 = 50424
            ["Werkhandschoenen", "5", "749", "3745"],
            ["Balpennen blauw", "T5", "1.692,25", "12.691,88"]]  # 7,5 read as "T5"
    page = phrase_page(_table(heading, rows), source="ocr", conf=0.8)
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    assert [(i["description"], i["qty"], i["unit_price"], i["amount"]) for i in items] == [
        ("USB-C kabel 2 m", 4, 146.56, 586.24), ("Nietmachine groot", 50, 1353.91, 67695.5),
        ("Schoonmaakdienst", 12, 42.02, 504.24), ("Werkhandschoenen", 5, 7.49, 37.45),
        ("Balpennen blauw", None, 1692.25, 12691.88)]


def test_figures_without_decimals_stand_where_the_column_prints_none_or_the_page_is_a_text_layer():
    heading = ["Beschrijving", "Hoeveelheid", "Stukprijs", "Bedrag"]
    whole = [["Archiefkast", "4", "1250", "5000"], ["Bureaustoel", "2", "300", "600"],
             ["Monitor", "1", "420", "420"]]
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(_table(heading, whole), source="ocr", conf=0.8)]))
    assert [(i["unit_price"], i["amount"]) for i in items.result["line_items"]] == [(1250, 5000), (300, 600), (420, 420)]
    mixed = [["Archiefkast", "4", "14656", "58624"], ["Bureaustoel", "2", "300,50", "601,00"],
             ["Monitor", "1", "420,10", "420,10"]]
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(_table(heading, mixed))]))  # a text layer
    assert items.result["line_items"][0]["amount"] == 58624
    items = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(_table(heading, mixed), source="ocr", conf=0.8)]))
    assert items.result["line_items"][0]["amount"] == 586.24


def _ink_boxes(page: PageText, share: float = 0.55) -> PageText:
    """The page as OCR gives it: each word's box hugs its ink, about half a font box's height."""
    ws = [w.model_copy(update={"y0": (w.y0 + w.y1) / 2 - share * (w.y1 - w.y0) / 2,
                               "y1": (w.y0 + w.y1) / 2 + share * (w.y1 - w.y0) / 2}) for w in page.words]
    return page.model_copy(update={"words": ws})


_PARTIES = [
    [(60, "Sullivan Facility Services Ltd")], [(60, "Unit 31, 25 Mill Lane")], [(60, "London EC1A 1BB")], [],
    [(60, "Vendor:"), (300, "Billed To:")],
    [(60, "Sullivan Facility Services Ltd"), (300, "City of Leeds Public Works")],
    [(60, "Unit 31, 25 Mill Lane"), (300, "187 High Street")],
    [(60, "London"), (300, "Leeds")], [(60, "EC1A 1BB"), (300, "LS1 4AP")],
    [(300, "Tax ID: GB 250 0831 12")], [],
    [(60, "Invoice")],
    [(60, "Invoice #"), (200, "Issue date"), (340, "Order Date")],
    [(60, "256715"), (200, "15/12/2021"), (340, "14/11/2021")],
    [(60, "Service date"), (200, "Customer ID"), (340, "Tax ID")],
    [(60, "15/12/2021"), (200, "929521"), (340, "GB456168162")],
    [], [(340, "Total"), (450, "£400.08")],
]


def test_the_buyers_vat_id_under_its_block_is_the_buyers_on_a_scan_too():
    # five lines under the buyer's name: within the block on the text layer, and on a scan, whose
    # boxes are half as high, as many lines (not twice as many)
    for page in (phrase_page(_PARTIES), _ink_boxes(phrase_page(_PARTIES, source="ocr", conf=0.9))):
        result = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result
        assert result["seller_vat_id"] == "GB456168162", page.source


def test_a_scanned_image_declared_at_the_wrong_resolution_is_read_at_a_papers_size():
    page = _ink_boxes(phrase_page(_PARTIES, source="ocr", conf=0.9))
    f = 150 / 96  # a 150-dpi scan whose file says 96 dpi: everything 1.56 times too large
    big = page.model_copy(update={"width": page.width * f, "height": page.height * f, "words": [
        w.model_copy(update={"x0": w.x0 * f, "y0": w.y0 * f, "x1": w.x1 * f, "y1": w.y1 * f}) for w in page.words]})
    assert on_paper(big).height == 842 and on_paper(big).words[0].x0 == pytest.approx(page.words[0].x0 * 842 / page.height)
    assert on_paper(page) is page and on_paper(phrase_page(_PARTIES, height=1400)).height == 1400  # a text layer as it is
    a = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result
    b = ENGINE.extract(SCHEMA, DocumentText(pages=[big])).result
    assert {k: v for k, v in a.items() if k != "line_items"} == {k: v for k, v in b.items() if k != "line_items"}


def test_a_name_wrapped_onto_a_line_of_its_own_beside_a_big_title_on_a_scan():
    # "Vertical Imprimerie" and its legal form on the next line, the title "FACTURE" level with
    # the first (as OCR read them off a sidebar, boxes hugging the ink): the line of capitals
    # is lower than the one with descenders, and the title on its row does not count
    f = 0.62  # the scan's points to an A4 page's
    placed = [("Vertical", 52, 94, 123, 110), ("Imprimerie", 131, 94, 232, 114), ("FACTURE", 330, 86, 560, 118),
              ("SA", 52, 121, 78, 135), ("N°", 330, 141, 350, 151), ("F2024-61001", 355, 141, 460, 151),
              ("182", 52, 164, 71, 172), ("bis", 75, 164, 92, 172), ("boulevard", 96, 164, 160, 172),
              ("42490", 52, 180, 86, 190), ("Nantes", 90, 180, 130, 190),
              ("Adresse", 520, 230, 575, 240), ("de", 579, 230, 592, 240), ("facturation", 596, 230, 670, 240),
              ("Cabinet", 520, 250, 570, 260), ("Fontaine", 574, 250, 630, 260), ("SARL", 634, 250, 668, 260)]
    words = [Word(text=t, x0=x0 * f, y0=y0 * f, x1=x1 * f, y1=y1 * f, conf=0.95) for t, x0, y0, x1, y1 in placed]
    page = PageText(number=1, width=595, height=842, source="ocr", words=words, deskewed=True)
    result = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result
    assert result["seller_name"] == "Vertical Imprimerie SA"


def test_a_sidebars_lines_beside_a_table_are_not_its_rows():
    heading = ["Beschrijving", "Hoeveelheid", "Stukprijs", "Bedrag"]
    rows = [["Reiskosten", "50", "11,20", "560,00"], ["Nietmachine groot", "5", "1.375,82", "6.879,10"],
            ["Werkhandschoenen", "5", "7,49", "37,45"]]
    page = phrase_page(_table(heading, rows), source="ocr", conf=0.9)
    plain = ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["line_items"]
    # a dark sidebar read apart (documents/columns.py): its lines fall between and level with the
    # table's rows, a figure among them, just left of the descriptions
    table = [w for w in page.words if w.text in ("Beschrijving", "Reiskosten", "Nietmachine", "Werkhandschoenen")]
    aside = []
    for k, (w, text) in enumerate(zip(table, ("SIRET", "770 194 205 37168", "Code APE 94.30C", "N° TVA intracom."))):
        y = w.y0 + (4 if k % 2 else 0)
        x = 10.0
        for t in text.split():
            aside.append(Word(text=t, x0=x, y0=y, x1=x + 4.5 * len(t), y1=y + 9, conf=0.9, block=ASIDE_BLOCK + 1))
            x += 4.5 * len(t) + 3
    beside = page.model_copy(update={"words": page.words + aside})
    assert ENGINE.extract(SCHEMA, DocumentText(pages=[beside])).result["line_items"] == plain
    assert [i["description"] for i in plain] == ["Reiskosten", "Nietmachine groot", "Werkhandschoenen"]


def test_a_scanned_legal_form_with_a_figure_for_a_letter_is_the_legal_form():
    assert [legal_form_misread(t) for t in ("S.r.1.", "1td", "S.1.", "S.p.A.")] == ["S.r.l.", "ltd", "S.l.", "S.p.A."]
    assert [legal_form_misread(t) for t in ("S1", "A0", "2024", "Co1")] == ["S1", "A0", "2024", "Co1"]  # codes, figures


def _window_letter(sender: list[tuple], buyer_legal_form: str) -> list[list[tuple]]:
    return [
        [(60, "Bruno & Rossi S.p.A.", 14)], [(60, "Piazza Roma 89")], [(60, "10121 Torino")], [],
        [(60, "FATTURA", 16)],
        [(60, "Fattura n."), (170, "Data emissione"), *sender],
        [(60, "2024551141"), (170, "09.04.2024"), (330, f"Bianchi & Colombo {buyer_legal_form}")],
        [(330, "Corso Mazzini 126")], [(330, "20121 Milano")], [],
        [(60, "Descrizione"), (330, "Quantità"), (420, "Prezzo"), (510, "Importo")],
        [(60, "Consulenza"), (335, "2"), (420, "100,00"), (510, "200,00")],
        [], [(420, "Totale"), (510, "244,00")],
    ]


def test_a_return_address_whose_dots_a_scan_lost_still_names_the_recipient_below_it():
    printed = [(330, "Bruno & Rossi S.p.A. · Piazza Roma 89 · 10121 Torino", 6)]
    text = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(_window_letter(printed, "S.r.l."))])).result
    assert text["buyer_name"] == "Bianchi & Colombo S.r.l."
    # the scan: the dots went with the specks, the parts are segments of their own, an l read as 1
    scanned = [(330, "Bruno & Rossi S.p.A.", 6), (402, "Piazza Roma 89", 6), (452, "10121 Torino", 6)]
    page = _ink_boxes(phrase_page(_window_letter(scanned, "S.r.1."), source="ocr", conf=0.9), share=0.6)
    assert ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result["buyer_name"] == "Bianchi & Colombo S.r.l."


def test_a_title_ocr_missed_is_inferred_from_a_label_made_of_the_title_and_a_number_word():
    rows = [[(60, "Brandt Beratung AG")], [(60, "Am Schiller 215")], [(60, "8001 Zürich")], [],
            [(60, "Rechnungsnummer"), (200, "Ausstellungsdatum")], [(60, "A-69041"), (200, "7. Oktober 2019")], [],
            [(60, "Beschreibung"), (330, "Menge"), (420, "Einzelpreis"), (510, "Gesamt")],
            [(60, "Wartung"), (335, "2"), (420, "100,00"), (510, "200,00")], [], [(420, "Gesamt"), (510, "200,00")]]
    result = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows, source="ocr", conf=0.9)]))
    assert result.result["document_type_code"] == "380" and result.confidence["document_type_code"] < 0.8
    rows[4][0] = (60, "Gutschriftsnummer")
    assert ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows)])).result["document_type_code"] == "381"


def test_a_scanned_label_word_one_letter_off_reads_as_the_label_and_other_words_stay():
    assert [label_word(w) for w in ("literste", "hoeveclheid", "stukpris")] == ["uiterste", "hoeveelheid", "stukprijs"]
    # label words themselves, names and descriptions, short words: as they are
    assert [label_word(w) for w in ("uiterste", "mercier", "bureautique", "datum", "bakker")] == [None] * 5
    rows = [[(60, "Smit Kantoorartikelen BVBA")], [(60, "Stationsstraat 59")], [(60, "2000 Antwerpen")], [],
            [(60, "Factuurnummer"), (200, "Factuurdatum")], [(60, "F21/393"), (200, "24 februari 2021")],
            [(60, "Literste betaaldatum"), (200, "Klantnummer")], [(60, "6 maart 2021"), (200, "616014")], [],
            [(60, "Beschrijving"), (330, "Hoeveelheid"), (420, "Prijs"), (510, "Bedrag")],
            [(60, "Adviesdiensten"), (335, "6"), (420, "539,76"), (510, "3.238,56")], [],
            [(420, "Totaal"), (510, "3.238,56")]]
    scanned = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows, source="ocr", conf=0.9)])).result
    assert scanned["due_date"] == "2021-03-06"
    assert ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows)])).result["due_date"] is None  # a text layer prints what it says
