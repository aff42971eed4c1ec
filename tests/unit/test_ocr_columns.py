"""Blocks side by side whose lines are not level (documents/columns.py): read below the page in
the same OCR pass, their words put back where they are printed."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pymupdf
import pytest

from documents.columns import dark_panels_read_apart, find_offset_blocks, put_back, stack_offset_blocks, with_panels
from extraction.pages import ASIDE_BLOCK, Word

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
Z = 150 / 72


def _grid_beside_address(page: pymupdf.Page) -> None:
    """A grid of labels and values (a line every 15 pt) beside the buyer's address (every 12.5
    pt, starting half a line lower): lines that are not level."""
    for y, (a, b) in zip((152, 164, 183, 195), (("Rechnung Nr.", "Belegdatum"), ("2024922508", "20. September 2024"),
                                               ("Fällig am", "Kunden-Nr."), ("4. Oktober 2024", "838871"))):
        page.insert_text((60, y), a, fontsize=9, fontname="helv")
        page.insert_text((170, y), b, fontsize=9, fontname="helv")
    for y, t in zip((164, 176.5, 189, 201.5), ("Käufer:", "Kreiskrankenhaus München", "Industrieweg 4",
                                               "10115 Berlin")):
        page.insert_text((330, y), t, fontsize=9, fontname="helv")


def _table(page: pymupdf.Page) -> None:
    for k, (d, q, a) in enumerate((("Beschreibung", "Menge", "Betrag"), ("Heftgerät groß", "5", "10.087,10"),
                                   ("Whiteboard-Marker", "50", "11.764,00"), ("Montage vor Ort", "12", "1.613,52"))):
        y = 300 + 15 * k
        page.insert_text((60, y), d, fontsize=9)
        page.insert_text((330, y), q, fontsize=9)
        page.insert_text((450, y), a, fontsize=9)


def _scan(*draw, height: float = 420) -> tuple[np.ndarray, bytes]:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=height)
    for d in draw:
        d(page)
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).astype(np.float32)
    a = np.clip(a * (235 - 25) / 255 + 25, 0, 255).astype(np.uint8)
    scan = pymupdf.open()
    p = scan.new_page(width=595, height=height)
    p.insert_image(p.rect, pixmap=pymupdf.Pixmap(pymupdf.csGRAY, a.shape[1], a.shape[0], a.tobytes(), False))
    return a, scan.tobytes()


def test_a_block_whose_lines_are_not_level_with_its_neighbours_is_found():
    a, _ = _scan(_grid_beside_address, _table)
    blocks = find_offset_blocks(a, line_px=18, paper=235)
    assert len(blocks) == 1
    y0, y1, x0, x1 = blocks[0]
    assert 240 * Z < x0 < 330 * Z and x1 == a.shape[1]  # right of the grid, left of the address
    assert 160 * Z < y0 < 169 * Z and 201 * Z < y1 < 290 * Z  # the address's lines not level with the
    # grid's ("Käufer:" is level with the values beside it and stays), not the table below


def test_level_lines_side_by_side_stay_where_they_are():
    a, _ = _scan(_table)
    assert find_offset_blocks(a, line_px=18, paper=235) == []
    out, moved = stack_offset_blocks(a, line_px=18, paper=235)
    assert out is a and moved == []


def test_words_read_below_the_page_are_put_back_where_their_block_is_printed():
    a, _ = _scan(_grid_beside_address)
    out, moved = stack_offset_blocks(a, line_px=18, paper=235)
    (m,) = moved
    assert out.shape[0] > a.shape[0] and np.array_equal(out[m.to:m.to + m.y1 - m.y0, m.x0:], a[m.y0:m.y1, m.x0:])
    assert (out[m.y0:m.y1, m.x0:] == 235).all()  # its place on the page is paper
    s = 0.5  # points per pixel
    below = Word(text="Käufer:", x0=700 * s, x1=760 * s, y0=(m.to + 10) * s, y1=(m.to + 30) * s)
    above = Word(text="2024922508", x0=130 * s, x1=200 * s, y0=330 * s, y1=350 * s)
    back = put_back([above, below], moved, s)
    assert back[0] == above and back[1].y0 == pytest.approx((m.y0 + 10) * s) and back[1].x0 == below.x0


@needs_tesseract
def test_a_date_beside_an_address_whose_lines_are_not_level_is_read():
    from documents.ocr import ocr_page

    _, pdf = _scan(_grid_beside_address, _table)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        page = ocr_page(doc[0], 1, langs="deu")
    texts = [w.text for w in sorted(page.words, key=lambda w: (round(w.y0 / 4), w.x0))]
    joined = " ".join(texts)
    assert "Kreiskrankenhaus München" in joined and "Industrieweg 4" in joined
    assert "4. Oktober 2024" in joined
    kunde = next(w for w in page.words if w.text == "Käufer:")
    assert abs(kunde.y1 - 164) < 6  # where it is printed


@needs_tesseract
def test_a_page_read_again_turned_half_a_turn_has_its_blocks_moved_too(monkeypatch):
    """A page whose turn was missed (read upside down first, then once more turned): the second
    reading moves the blocks whose lines are not level as the first does."""
    import documents.scanprep as scanprep
    from documents.ocr import ocr_page

    _, pdf = _scan(_grid_beside_address, _table)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        doc[0].set_rotation(180)
        found = scanprep.orient
        monkeypatch.setattr(scanprep, "orient", lambda a: dataclasses.replace(found(a), turn=0, skew=0.0))
        page = ocr_page(doc[0], 1, langs="deu")
    assert page.rotation in (180, -180)
    joined = " ".join(w.text for w in sorted(page.words, key=lambda w: (round(w.y0 / 4), w.x0)))
    assert "Kreiskrankenhaus München" in joined and "Industrieweg 4" in joined and "4. Oktober 2024" in joined


def _sidebar(page: pymupdf.Page) -> None:
    """The seller's details printed light on a dark panel down the left of the page, a table
    beside it whose rows are not level with the panel's lines."""
    page.draw_rect(pymupdf.Rect(0, 0, 160, page.rect.height), color=None, fill=(0.27, 0.27, 0.27))
    page.insert_text((20, 60), "Alpes Imprimerie", fontsize=13, fontname="hebo", color=(1, 1, 1))
    page.insert_text((20, 76), "SARL", fontsize=13, fontname="hebo", color=(1, 1, 1))
    for k, t in enumerate(("206 bis boulevard Pasteur", "81259 Toulouse", "N° TVA FR72809444016")):
        page.insert_text((20, 100 + 11 * k), t, fontsize=8, color=(1, 1, 1))
    page.insert_text((200, 70), "FACTURE", fontsize=24, fontname="hebo")
    for k, t in enumerate(("Date d'émission 03/03/2026", "Adresse de facturation", "Boulangerie Mercier SAS",
                           "226 rue Gambetta", "46269 Lille")):
        page.insert_text((200, 100 + 12 * k), t, fontsize=9)
    rows = [("Désignation", "Total HT"), ("Formation bureautique", "16 000,00 €"), ("Baguette tradition", "16,00 €")]
    rows += [(f"Impression flyers A{k}", f"{k} 750,00 €") for k in range(1, 25)]
    for k, (d, a) in enumerate(rows):
        page.insert_text((200, 180 + 17 * k), d, fontsize=9)
        page.insert_text((480, 180 + 17 * k), a, fontsize=9)


def test_a_dark_panel_is_read_apart_as_dark_print_on_paper_and_its_words_replace_the_pages():
    a, _ = _scan(_sidebar, height=842)
    page, (panel,) = dark_panels_read_apart(a, line_px=18, paper=235)
    assert panel.x0 <= 2 and panel.x1 == pytest.approx(160 * Z, abs=3) and panel.y1 - panel.y0 > 0.9 * a.shape[0]
    on_page = page[panel.y0:panel.y1, panel.x0:panel.x1]
    assert on_page.max() == on_page.min() < 120  # the panel's colour stays on the page, its print goes
    beside = (slice(0, a.shape[0]), slice(panel.x1 + 10, a.shape[1]))
    assert np.array_equal(page[beside], a[beside])
    inner = panel.image[panel.margin:-panel.margin, panel.margin:-panel.margin]
    assert inner.shape == (panel.y1 - panel.y0, panel.x1 - panel.x0)
    assert np.median(panel.image) > 200 and inner.min() < 100  # paper, and its letters dark
    s = 0.5  # points per pixel
    garbled = Word(text="Ange", x0=40 * s, x1=90 * s, y0=110 * s, y1=130 * s)  # the page's reading of the panel
    beside = Word(text="FACTURE", x0=420 * s, x1=600 * s, y0=120 * s, y1=160 * s)
    own = Word(text="Alpes", x0=(40 + panel.margin) * s, x1=(90 + panel.margin) * s,
               y0=(110 + panel.margin) * s, y1=(130 + panel.margin) * s, block=2)
    out = with_panels([garbled, beside], [panel], [[own]], s)
    assert [w.text for w in out] == ["FACTURE", "Alpes"]
    assert out[1].x0 == pytest.approx(garbled.x0 + panel.x0 * s) and out[1].y0 == pytest.approx(garbled.y0 + panel.y0 * s)
    assert out[1].block == ASIDE_BLOCK + 2 and out[0] == beside


@needs_tesseract
def test_the_name_on_a_dark_panel_is_read_where_it_is_printed():
    from documents.ocr import ocr_page

    _, pdf = _scan(_sidebar, height=842)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        page = ocr_page(doc[0], 1, langs="fra")
    name = [w for w in page.words if w.text in ("Alpes", "Imprimerie", "SARL")]
    assert [w.text for w in name] == ["Alpes", "Imprimerie", "SARL"]
    assert all(w.x1 < 160 for w in name) and abs(name[0].y1 - 60) < 6
    assert "Baguette" in [w.text for w in page.words]  # the table beside it is read as before
