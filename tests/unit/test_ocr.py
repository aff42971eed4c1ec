"""OCR with tesseract: words and boxes of a rendered invoice, images through render_pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pymupdf
import pytest

from core.schema import ExtractionSchema
from documents.errors import DocumentRejected
from documents.ocr import OcrUnavailable, ocr_languages, ocr_page, tsv_words
from documents.pages import render_pages
from documents.textlayer import page_text
from extraction.engines.offline import OfflineEngine
from extraction.pages import DocumentText, PageText
from tests.support.images import pdf_to_png, pdf_to_tiff
from tests.support.invoices import make_invoice, schema_invoice

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")


@pytest.fixture(scope="module")
def invoice():
    return make_invoice(seed=4, language="en", n_items=4)


def _center(w):
    return ((w.x0 + w.x1) / 2, (w.y0 + w.y1) / 2)


@needs_tesseract
def test_ocr_recovers_words_and_boxes_in_points(invoice):
    pdf, truth = invoice
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        text = page_text(doc[0], 1)
        ocr = ocr_page(doc[0], 1)
    assert ocr.source == "ocr" and ocr.number == 1
    assert (ocr.width, ocr.height) == (text.width, text.height)
    ref = {w.text: w for w in text.words}
    found = [w for w in ocr.words if w.text in ref]
    assert len(found) >= 0.85 * len(text.words)
    # boxes are in the text layer's coordinates (points, origin top-left)
    close = [w for w in found if all(abs(a - b) < 6 for a, b in zip(_center(w), _center(ref[w.text])))]
    assert len(close) >= 0.8 * len(found)
    texts = {w.text for w in ocr.words}
    assert truth["invoice_number"] in texts and truth["seller_vat_id"] in texts
    assert all(w.line >= 0 and w.block >= 0 for w in ocr.words)


@needs_tesseract
def test_png_invoice_through_render_pages_is_ocred_and_read(invoice, tmp_path):
    pdf, truth = invoice
    path = tmp_path / "scan.png"
    path.write_bytes(pdf_to_png(pdf, dpi=150))
    (rendered,) = render_pages(path, kind="png", start=0, stop=1, dpi=72)
    png, words_json = rendered.png, rendered.words_json
    assert png.startswith(b"\x89PNG")
    page = PageText.model_validate_json(words_json)
    assert page.source == "ocr" and len(page.words) > 50
    schema = ExtractionSchema(fields=schema_invoice()["fields"])
    res = OfflineEngine().extract(schema, DocumentText(pages=[page]))
    assert res.result["invoice_number"] == truth["invoice_number"]
    assert res.result["total_amount"] == pytest.approx(truth["total_amount"], abs=0.01)
    assert all(0 <= c <= 1 for c in res.confidence.values())


@needs_tesseract
def test_pdf_page_without_text_layer_is_ocred_text_page_is_not(invoice, tmp_path):
    pdf, _ = invoice
    from evals.evaluate import rasterize_pdf

    src, scan = tmp_path / "inv.pdf", tmp_path / "scan.pdf"
    src.write_bytes(pdf)
    rasterize_pdf(src, scan, dpi=150)
    text_page = PageText.model_validate_json(render_pages(src, kind="pdf", start=0, stop=1, dpi=50)[0][1])
    scan_page = PageText.model_validate_json(render_pages(scan, kind="pdf", start=0, stop=1, dpi=50)[0][1])
    assert text_page.source == "text"
    assert scan_page.source == "ocr" and len(scan_page.words) > 0.8 * len(text_page.words)


@needs_tesseract
def test_multipage_tiff_every_page_ocred(tmp_path):
    pdf, _ = make_invoice(seed=5, language="de", n_items=30, pages=2)
    path = tmp_path / "scan.tiff"
    path.write_bytes(pdf_to_tiff(pdf, dpi=100))
    pages = [PageText.model_validate_json(p.words_json) for p in render_pages(path, kind="tiff", start=0, stop=9, dpi=50)]
    assert len(pages) == 2 and all(p.source == "ocr" and p.words for p in pages)


@needs_tesseract
def test_languages_are_among_the_installed_models():
    for hint in ("auto", "de", "fr", "en"):
        langs = ocr_languages(hint).split("+")
        assert langs and "osd" not in langs and len(langs) <= 2


def test_tsv_parsing_scales_boxes_and_numbers_lines():
    tsv = ("level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
           "1\t1\t0\t0\t0\t0\t0\t0\t1000\t1000\t-1\t\n"
           "5\t1\t1\t1\t1\t1\t100\t200\t50\t20\t96.5\tTotal\n"
           "5\t1\t1\t2\t1\t1\t100\t300\t40\t20\t91\t12.50\n"
           "5\t1\t2\t1\t1\t1\t10\t10\t5\t5\t3\t~\n")
    words = tsv_words(tsv, 0.5, 0.5)
    assert [w.text for w in words] == ["Total", "12.50"]
    assert (words[0].x0, words[0].y0, words[0].x1, words[0].y1) == (50, 100, 75, 110)
    assert words[0].block == words[1].block == 1 and words[0].line != words[1].line


def test_missing_tesseract_is_a_clear_error(monkeypatch, tmp_path, invoice):
    monkeypatch.setenv("DOCPARSE_TESSERACT", "tesseract-that-does-not-exist")
    with pymupdf.open(stream=invoice[0], filetype="pdf") as doc:
        with pytest.raises(OcrUnavailable, match="tesseract"):
            ocr_page(doc[0], 1)
    path = tmp_path / "scan.png"
    path.write_bytes(pdf_to_png(invoice[0], dpi=60))
    with pytest.raises(DocumentRejected, match="needs OCR.*tesseract"):
        render_pages(Path(path), kind="png", start=0, stop=1, dpi=50)


@pytest.mark.parametrize("dpi, scale", [
    (150, 1.0),    # 10-pt print at 150 dpi: ~18 px lines, read pixel for pixel
    (100, 1.67),   # ~12 px lines: enlarged towards 20 px
    (300, 1.0),    # ~32 px lines: read as they are (small print on the page would not survive reducing)
])
def test_image_pages_are_read_at_their_own_resolution_unless_the_print_is_small(
        monkeypatch, invoice, tmp_path, dpi, scale):
    """The long side of the image tesseract gets, for an image page scanned at `dpi`."""
    import documents.ocr as ocr

    seen = {}

    def fake_tesseract(data: bytes, langs=None) -> str:
        header = data.split(b"\n", 3)  # PNM: magic, "width height", maxval, pixels
        seen["long"] = max(map(int, header[1].split()))
        return "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"

    monkeypatch.setattr(ocr, "run_tesseract", fake_tesseract)
    png = pdf_to_png(invoice[0], dpi=dpi)
    image = pymupdf.Pixmap(png)
    native = max(image.width, image.height)
    with pymupdf.open(stream=png, filetype="png") as doc:
        ocr.ocr_page(doc[0], 1, image_page=True)
    assert seen["long"] == pytest.approx(native * scale, rel=0.06)
