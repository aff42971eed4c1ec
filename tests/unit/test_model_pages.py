"""Pages as the model reads them, made where pages are drawn (documents/pages.py, raster.py): a
phone photo capped at 3072 px on its long side and sent as JPEG, rendered text as PNG, PDF pages
as one-page PDFs (insert_pdf) unless too heavy, image files always drawn."""

from __future__ import annotations

import pymupdf
import pytest

from documents.pages import ModelPages, render_pages
from tests.support.images import phone_photo


def size_of(data: bytes) -> tuple[int, int]:
    pix = pymupdf.Pixmap(data)
    return pix.width, pix.height


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(phone_photo())
    return path


def test_a_phone_photo_is_capped_at_3072_px_as_jpeg(photo):
    assert size_of(photo.read_bytes()) == (4032, 3024)
    [page] = render_pages(photo, kind="jpeg", start=0, stop=1, dpi=110, words=False, model=ModelPages())
    assert page.png is not None and page.png[:3] == b"\xff\xd8\xff"  # JPEG
    assert max(size_of(page.png)) == 3072
    assert len(page.png) < 4 * 1024 * 1024
    [reader] = render_pages(photo, kind="jpeg", start=0, stop=1, dpi=110, words=False, images=True)
    assert max(size_of(reader.png)) > 5000  # what the model got before: a 5774-px PNG


def text_pdf(tmp_path, pages: int = 2):
    doc = pymupdf.open()
    for n in range(pages):
        doc.new_page().insert_text((72, 72), f"Invoice No: P-{n + 1}  Total: 42.00", fontsize=11)
    path = tmp_path / "text.pdf"
    doc.save(path)
    return path


def test_pdf_pages_go_as_one_page_pdfs_with_their_text_layer(tmp_path):
    path = text_pdf(tmp_path)
    pages = render_pages(path, kind="pdf", start=0, stop=2, dpi=110, words=False, model=ModelPages())
    for n, page in enumerate(pages, 1):
        assert page.png is not None and page.png.startswith(b"%PDF")
        with pymupdf.open(stream=page.png, filetype="pdf") as one:
            assert one.page_count == 1 and f"P-{n}" in one[0].get_text()


def test_drawn_pdf_pages_of_text_stay_png(tmp_path):
    path = text_pdf(tmp_path, 1)
    [page] = render_pages(path, kind="pdf", start=0, stop=1, dpi=110, words=False, model=ModelPages(input="images"))
    assert page.png is not None and page.png.startswith(b"\x89PNG")


def test_a_pdf_page_too_heavy_to_send_as_pdf_is_drawn(tmp_path):
    path = text_pdf(tmp_path, 1)
    [page] = render_pages(path, kind="pdf", start=0, stop=1, dpi=110, words=False,
                          model=ModelPages(pdf_max_bytes=100))
    assert page.png is not None and page.png.startswith(b"\x89PNG")
