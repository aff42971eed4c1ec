"""Blocks side by side whose lines are not level (documents/columns.py): read below the page in
the same OCR pass, their words put back where they are printed."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pymupdf
import pytest

from documents.columns import find_offset_blocks, put_back, stack_offset_blocks
from extraction.pages import Word

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


def _scan(*draw) -> tuple[np.ndarray, bytes]:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=420)
    for d in draw:
        d(page)
    pix = page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).astype(np.float32)
    a = np.clip(a * (235 - 25) / 255 + 25, 0, 255).astype(np.uint8)
    scan = pymupdf.open()
    p = scan.new_page(width=595, height=420)
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
