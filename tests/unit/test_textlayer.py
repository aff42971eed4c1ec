"""The PDF text layer's words: a run of text set over the end of another (a spreadsheet cell's
clipped label under the next cell's value, as LibreOffice exports it) is two words, not one."""

from __future__ import annotations

import pymupdf
import pytest

from documents.textlayer import page_text


def _page_with(*runs: tuple[float, float, str]) -> pymupdf.Page:
    doc = pymupdf.open()
    page = doc.new_page()
    for x, y, text in runs:
        page.insert_text((x, y), text, fontsize=10)
    return page


def test_a_value_set_over_a_clipped_label_is_its_own_word():
    end = 50 + pymupdf.get_text_length("Invoice Numbe", fontsize=10)
    page = _page_with((50, 100, "Invoice Numbe"), (end - 2.8, 100, "INV-7731"))
    assert [x[4] for x in page.get_text("words")][-1] == "NumbeINV-7731"  # what MuPDF's words give
    words = page_text(page, 1).words
    assert [w.text for w in words] == ["Invoice", "Numbe", "INV-7731"]
    assert words[2].x0 == pytest.approx(end - 2.8, abs=0.2) and words[1].x1 <= words[2].x1


@pytest.mark.parametrize("gap", [0.0, -0.5])  # touching, or kerned a little: one word
def test_glyphs_that_touch_or_kern_stay_one_word(gap):
    end = 50 + pymupdf.get_text_length("INV-", fontsize=10)
    page = _page_with((50, 100, "INV-"), (end + gap, 100, "7731"))
    assert [w.text for w in page_text(page, 1).words] == ["INV-7731"]
