"""Scans and damaged PDFs through the real stack (API, Temporal, worker, S3): a photo-like scan
turned 2.5 degrees and speckled is read upright, its citation falls on the words in the page
image the API serves; a PDF that MuPDF had to repair is read, warned about, sent to review and
logged with its file id."""

from __future__ import annotations

import shutil
import subprocess
import time

import pymupdf
import pytest

from tests.support.images import scan_png
from tests.support.invoices import make_invoice, schema_invoice

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")


@pytest.fixture(scope="module")
def http(sqlite_stack):
    with sqlite_stack.client(sqlite_stack.create_key(name="scans", pages=1000)) as client:
        yield client


def _extraction(http, threshold: float) -> str:
    r = http.post("/v1/extractions", json={**schema_invoice(), "name": f"scans {threshold}",
                                           "review_threshold": threshold})
    assert r.status_code == 201, r.text
    return r.json()["extraction"]["id"]


def _upload(sqlite_stack, http, ext: str, name: str, data: bytes, mime: str) -> tuple[dict, str]:
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", (name, data, mime))])
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]["id"]
    (f,) = sqlite_stack.wait_terminal(http, ext, batch, timeout=240)["files"]
    return f, batch


def _read_crop(png: bytes, bbox) -> str:
    """tesseract's reading of the part of a page image that a citation's box covers."""
    pix = pymupdf.Pixmap(png)
    x0, y0, x1, y1 = bbox
    pad = 4
    clip = pymupdf.IRect(int(x0 * pix.width) - pad, int(y0 * pix.height) - pad,
                         int(x1 * pix.width) + pad, int(y1 * pix.height) + pad)
    with pymupdf.open() as doc:
        page = doc.new_page(width=pix.width, height=pix.height)
        page.insert_image(page.rect, pixmap=pix)
        crop = page.get_pixmap(clip=clip, matrix=pymupdf.Matrix(2, 2), colorspace=pymupdf.csGRAY)
    out = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "7", "-l", "eng"],
                         input=crop.tobytes("png"), capture_output=True, timeout=60)
    return out.stdout.decode(errors="replace").strip()


def test_a_turned_speckled_scan_is_read_upright_and_cited_on_the_served_page(sqlite_stack, http):
    pdf, truth = make_invoice(seed=21, language="en", n_items=4)
    ext = _extraction(http, 0)
    f, _ = _upload(sqlite_stack, http, ext, "scan-2.5deg.png", scan_png(pdf, rotate=2.5, noise=0.0025, seed=2),
                "image/png")
    assert f["status"] == "processed", f
    out = http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").json()
    result = out["result"]
    assert result["invoice_number"] == truth["invoice_number"]
    assert result["issue_date"] == truth["issue_date"]
    assert result["total_amount"] == pytest.approx(truth["total_amount"], abs=0.01)
    assert len(result["line_items"]) == len(truth["line_items"])
    def squeezed(items):  # OCR may read "2 m" as "2m"
        return [i["description"].replace(" ", "") for i in items]

    assert squeezed(result["line_items"]) == squeezed(truth["line_items"])
    # the citation is in the upright page, and the page image readers get is drawn upright too
    cite = out["citations"]["invoice_number"]
    page = http.get(f"/v1/extractions/{ext}/files/{f['id']}/pages/{cite['page']}")
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    assert truth["invoice_number"] in _read_crop(page.content, cite["bbox"]).replace(" ", "")


def test_a_repaired_pdf_is_read_with_a_warning_a_review_reason_and_logged_with_its_file(sqlite_stack, http):
    pdf, truth = make_invoice(seed=22, language="de", n_items=3)
    damaged = pdf.replace(b"startxref", b"startxreF")  # MuPDF rebuilds the cross-reference table
    with pymupdf.open(stream=damaged, filetype="pdf") as doc:
        assert doc.is_repaired
    ext = _extraction(http, 0.8)
    f, batch = _upload(sqlite_stack, http, ext, "repaired.pdf", damaged, "application/pdf")
    assert f["status"] == "needs_review", f
    review = http.get(f"/v1/extractions/{ext}/files/{f['id']}/review").json()
    assert any("damaged" in r and "repair" in r for r in review["reasons"]), review["reasons"]
    assert review["extracted"]["invoice_number"] == truth["invoice_number"]
    r = http.post(f"/v1/extractions/{ext}/files/{f['id']}/review",
                  json={"action": "approve", "revision": review["revision"]})
    assert r.status_code == 200, r.text
    for _ in range(400):  # the approval is finalized by the workflow
        (f,) = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["files"]
        if f["status"] != "needs_review":
            break
        time.sleep(0.3)
    assert f["status"] == "processed", f
    out = http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").json()
    assert any("damaged" in w for w in out["warnings"]), out["warnings"]
    logs = sqlite_stack.logs(400)
    assert f"file {f['id']}: the PDF is damaged" in logs and "startxref" in logs
