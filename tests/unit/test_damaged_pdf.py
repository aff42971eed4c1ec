"""A PDF that MuPDF had to repair: read as far as it goes, warned about on its first page, a
review reason in its result, MuPDF's lines kept for the worker's log instead of stderr."""

from __future__ import annotations

import logging

from core.schema import ExtractionSchema
from documents.pages import render_pages
from extraction.engines.offline import OfflineEngine
from extraction.finalize import finalize
from extraction.pages import DocumentText, PageText
from tests.support.invoices import make_invoice, schema_invoice


def _pages(tmp_path, data: bytes) -> list[PageText]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return [PageText.model_validate_json(p.words_json) for p in
            render_pages(path, kind="pdf", start=0, stop=9, dpi=50, images=False)]


def test_a_repaired_pdf_warns_and_goes_to_review(tmp_path, capfd):
    pdf, truth = make_invoice(seed=9, language="en", n_items=2)
    (page,) = _pages(tmp_path, pdf.replace(b"startxref", b"startxreF"))
    assert page.source == "text" and page.words  # read all the same
    assert len(page.warnings) == 1 and "repair" in page.warnings[0] and "startxref" in page.warnings[0]
    assert "startxref" not in capfd.readouterr().err  # not printed by MuPDF: logged with the file id

    schema = ExtractionSchema(fields=schema_invoice()["fields"])
    document = DocumentText(pages=[page])
    raw = OfflineEngine().extract(schema, document)
    final = finalize(schema, raw, document, threshold=0.8)
    assert final.result["invoice_number"] == truth["invoice_number"]
    assert page.warnings[0] in final.warnings
    assert any(r.startswith("document: the PDF is damaged") for r in final.review_reasons)
    unreviewed = finalize(schema, raw, document, threshold=0)
    assert page.warnings[0] in unreviewed.warnings and not unreviewed.review_reasons


def test_a_sound_pdf_has_no_warnings(tmp_path):
    (page,) = _pages(tmp_path, make_invoice(seed=9, language="en", n_items=2)[0])
    assert page.warnings == []


def test_damage_is_logged_with_the_file_id(caplog):
    from activities.pages import log_damage

    page = PageText(number=1, width=1, height=1, warnings=["the PDF is damaged: MuPDF had to repair it"])
    with caplog.at_level(logging.WARNING, logger="docparse.documents"):
        log_damage("file_01abc", page.warnings)
        log_damage("file_01abc", PageText(number=2, width=1, height=1).warnings)
    assert [r.getMessage() for r in caplog.records] == ["file file_01abc: the PDF is damaged: MuPDF had to repair it"]
    assert caplog.records[0].file_id == "file_01abc"
