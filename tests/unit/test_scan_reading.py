"""Reading scans: speckles removed, turn and skew found and undone, text scaled to a readable size,
words in the upright page's coordinates with tesseract's confidence, languages chosen per extraction."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pymupdf
import pytest

from documents.ocr import choose_languages, ocr_page, reading_quality, text_scale, tsv_words
from documents.raster import render_png
from documents.scanprep import despeckle, orient
from documents.textlayer import page_text
from extraction.pages import Word
from tests.support.images import scan_grey, scan_png
from tests.support.invoices import make_invoice

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")


@pytest.fixture(scope="module")
def invoice():
    return make_invoice(seed=7, language="de", n_items=5)


def _wrapped(angle: float) -> float:
    return (angle + 180) % 360 - 180


@pytest.mark.parametrize("angle", [0.0, 0.5, -1.0, 2.5, -4.0, 5.0])
def test_a_skewed_page_comes_back_straight_within_a_third_of_a_degree(invoice, angle):
    found = orient(scan_grey(scan_png(invoice[0], rotate=angle, noise=0.0025)))
    assert found.turn == 0
    assert abs(_wrapped(found.rotation + angle)) <= 0.3, found


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_turned_page_is_turned_back(invoice, turn):
    found = orient(scan_grey(scan_png(invoice[0], turn=turn, rotate=1.5)))
    assert abs(_wrapped(found.rotation + turn + 1.5)) <= 0.3, found
    assert found.upright > 0.1


def test_despeckle_removes_isolated_dots_and_keeps_punctuation():
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=100)
    page.insert_text((20, 50), "Total: 1.234,56 EUR; i.e. paid", fontsize=8)
    clean = np.frombuffer(page.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY).samples, np.uint8).reshape(-1, 625)
    noisy = clean.copy()
    rnd = random.Random(1)
    white = np.argwhere(clean == 255)
    for y, x in (white[rnd.randrange(len(white))] for _ in range(200)):
        noisy[y, x] = 0
    out, changed = despeckle(noisy)
    assert changed >= 170  # all but the dots that fell beside a letter
    assert int((out < 128).sum() - (clean < 128).sum()) <= 30
    assert despeckle(clean)[1] == 0  # a clean page is left alone (its periods, colons and i-dots too)
    blurred = noisy.copy()  # a speck smeared by the scanner's optics or JPEG: a grey cross
    for y, x in np.argwhere((noisy == 0) & (clean == 255)):
        for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            if 0 <= y + dy < blurred.shape[0] and 0 <= x + dx < blurred.shape[1]:
                blurred[y + dy, x + dx] = min(blurred[y + dy, x + dx], 190)
    assert despeckle(blurred)[1] >= 100 * 5  # most of them (five pixels each)


@pytest.mark.parametrize("line_px, scale", [(8, 2.0), (12, 20 / 12), (16, 1.0), (28, 1.0), (32, 1.0), (60, 1.0), (0, 1.0)])
def test_small_print_is_enlarged_and_large_print_read_at_its_own_size(line_px, scale):
    assert text_scale(line_px) == pytest.approx(scale)


@pytest.mark.parametrize("hint, installed, langs", [
    ("de", ("deu", "eng", "fra", "osd"), "deu"),
    ("fr", ("deu", "eng", "fra"), "fra"),
    ("en", ("deu", "eng", "fra"), "eng"),
    ("auto", ("deu", "eng", "fra", "osd"), "deu+fra"),
    ("es", ("deu", "eng", "fra"), "deu+fra"),  # not installed: as auto
    ("auto", ("eng", "osd"), "eng"),
    ("auto", ("eng", "ita", "spa", "nld"), "spa+ita"),
    ("auto", ("chi_sim",), "chi_sim"),
])
def test_languages_follow_the_extraction_language_among_the_installed_models(hint, installed, langs):
    assert choose_languages(hint, installed) == langs


def test_tsv_confidence_becomes_word_conf():
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
           "5\t1\t1\t1\t1\t1\t100\t200\t50\t20\t96.5\tTotal\n"
           "5\t1\t1\t1\t1\t2\t160\t200\t40\t20\t41\t12.50\n")
    words = tsv_words(tsv, 0.5, 0.5)
    assert [w.conf for w in words] == [0.965, 0.41]
    assert reading_quality(words) == pytest.approx(68.75)
    assert reading_quality([Word(text="x", x0=0, y0=0, x1=1, y1=1)]) == 0.0


def _page(png: bytes):
    doc = pymupdf.open(stream=png, filetype="png")
    return doc, doc[0]


def _rows(words: list[Word]) -> dict[str, float]:
    return {w.text: (w.y0 + w.y1) / 2 for w in words}


@needs_tesseract
@pytest.mark.parametrize("rotate, turn", [(2.5, 0), (-1.0, 180), (0.0, 90)])
def test_words_of_a_turned_scan_are_in_the_upright_page(invoice, rotate, turn):
    """Every word where the text layer has it (points of the upright page), with a confidence."""
    pdf, truth = invoice
    with pymupdf.open(stream=pdf, filetype="pdf") as d:
        layer = page_text(d[0], 1)
    doc, page = _page(scan_png(pdf, rotate=rotate, turn=turn, noise=0.0025))
    with doc:
        ocr = ocr_page(page, 1, image_page=True, langs="deu")
    assert abs(_wrapped(ocr.rotation + rotate + turn)) <= 0.3
    # the upright page is the text layer's page scaled and shifted (a scan has its own pixel
    # size and margin): one straight map per axis puts every word where the text layer has it
    ref = {w.text: w for w in layer.words if sum(v.text == w.text for v in layer.words) == 1}
    found = [w for w in ocr.words if w.text in ref]
    assert len(found) >= 0.75 * len(ref)
    for axis, limit in (("y", 3.0), ("x", 6.0)):  # words split differently move x centres a little
        def centre(w, axis=axis):
            return (w.x0 + w.x1) / 2 if axis == "x" else (w.y0 + w.y1) / 2
        here = np.array([centre(w) for w in found])
        there = np.array([centre(ref[w.text]) for w in found])
        slope, shift = np.polyfit(there, here, 1)
        off = np.abs(here - (slope * there + shift)) / slope
        assert np.percentile(off, 90) < limit, (axis, np.percentile(off, [50, 90]))
    assert all(w.conf is not None and 0 <= w.conf <= 1 for w in ocr.words)
    assert truth["invoice_number"] in {w.text for w in ocr.words}


@needs_tesseract
def test_speckled_scan_reads_like_a_clean_one(invoice):
    pdf, _ = invoice
    texts = []
    for noise in (0.0, 0.0025):
        doc, page = _page(scan_png(pdf, noise=noise, seed=3))
        with doc:
            texts.append([w.text for w in ocr_page(page, 1, image_page=True, langs="deu").words])
    clean, noisy = texts
    assert len(set(clean) & set(noisy)) >= 0.95 * len(set(clean))
    assert len(noisy) <= 1.03 * len(clean)  # specks do not become words


def test_reader_image_is_drawn_turned_as_the_page_was_read(invoice):
    pdf, _ = invoice
    doc, page = _page(scan_png(pdf, turn=180, rotate=2.0))
    with doc:
        found = orient(scan_grey(render_png(page, 1, 150)))
        drawn = orient(scan_grey(render_png(page, 1, 150, rotation=found.rotation)))
    assert abs(_wrapped(found.rotation + 182.0)) <= 0.3
    assert drawn.rotation == 0.0 and drawn.turn == 0


def test_the_engine_leaves_a_page_the_ocr_straightened_as_it_is():
    """Word boxes of a deskewed page are level already: the engine must not turn them again by the
    slope one long tesseract line seems to have (a row across a table, cells at different heights)."""
    from extraction.engines.offline.layout import straightened
    from extraction.pages import PageText

    words = [Word(text=f"w{i}", x0=40 + 90 * i, y0=100 + 3 * i, x1=80 + 90 * i, y1=110 + 3 * i, block=1, line=line)
             for line in range(4) for i in range(5)]
    words = [w.model_copy(update={"y0": w.y0 + 40 * w.line, "y1": w.y1 + 40 * w.line}) for w in words]
    page = PageText(number=1, width=595, height=842, source="ocr", words=words)
    assert straightened(page).words != page.words  # words of a scan read as it was: straightened here
    done = page.model_copy(update={"deskewed": True})
    assert straightened(done).words == done.words
