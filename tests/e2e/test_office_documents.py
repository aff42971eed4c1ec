"""Office documents and e-mail through the real stack (issue 16): one batch of a DOCX, an XLSX, an
HTML page, an ODT, an ODS, an RTF and an EML with a PDF attached. The office files are converted to PDF by LibreOffice at
upload (page count known before the 202), the EML's attachment becomes a file of the batch, and
every later step (pages, words, citations, page images) reads them as PDFs."""

from __future__ import annotations

import shutil

import pymupdf
import pytest

from core import storage
from core.storage import ObjectStore
from tests.support import office_docs as office
from tests.support.invoices import make_invoice

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="LibreOffice is not installed (scripts/bootstrap.sh installs it)")

SCHEMA = {"name": "office", "review_threshold": 0, "fields": [
    {"key": "invoice_number", "type": "string"}, {"key": "total_amount", "type": "number"}]}


def test_each_office_type_and_an_eml_attachment_are_extracted(sqlite_stack):
    pdf, truth = make_invoice(seed=21)
    http = sqlite_stack.client(sqlite_stack.create_key(name="office", pages=1000))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    docx = office.docx()
    message = office.eml([("INV attached.pdf", pdf, "application/pdf"), ("readme.txt", b"hi", "text/plain")])
    r = http.post(f"/v1/extractions/{ext}/batches", files=[
        ("files", ("order.docx", docx, "application/octet-stream")),
        ("files", ("order.xlsx", office.xlsx(), "application/octet-stream")),
        ("files", ("order.html", office.html(), "text/html")),
        ("files", ("order.odt", office.odt(), "application/octet-stream")),
        ("files", ("order.ods", office.ods(), "application/octet-stream")),
        ("files", ("order.rtf", office.rtf(), "application/rtf")),
        ("files", ("mail.eml", message, "message/rfc822")),
    ])
    assert r.status_code == 202, r.text
    accepted = r.json()["files"]
    kinds = ["docx", "xlsx", "html", "odt", "ods", "rtf"]
    assert [(f["file_name"], f["converted_from"], f["from_message"]) for f in accepted] == [
        *[(f"order.{k}", k, None) for k in kinds], ("INV attached.pdf", None, "mail.eml"),
    ]
    assert r.json()["batch"]["page_count"] == sum(f["page_count"] for f in accepted) == len(kinds) + pdf_pages(pdf)

    body = sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])
    assert [f["status"] for f in body["files"]] == ["processed"] * 7, body
    results = [http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").json() for f in accepted]
    for result in results[:len(kinds)]:
        assert result["result"]["invoice_number"] == "INV-7731", result
        assert result["result"]["total_amount"] == 1234.5, result
        assert result["citations"]["invoice_number"]["page"] == 1
    assert results[-1]["result"]["invoice_number"] == truth["invoice_number"]
    one = http.get(f"/v1/extractions/{ext}/files/{accepted[-1]['id']}").json()["file"]  # one file's status
    assert (one["file_name"], one["status"], one["error"]) == ("INV attached.pdf", "processed", None)

    # the converted PDF is the document the pipeline reads; the original is kept as uploaded
    store = ObjectStore(sqlite_stack.settings)
    batch_id, docx_id = r.json()["batch"]["id"], accepted[0]["id"]
    assert store.get_bytes(storage.original_key(batch_id, docx_id)) == docx
    assert store.get_bytes(storage.converted_key(batch_id, docx_id)).startswith(b"%PDF-")
    page = http.get(f"/v1/extractions/{ext}/files/{docx_id}/pages/1")
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"


def pdf_pages(pdf: bytes) -> int:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return doc.page_count


@pytest.mark.parametrize("name, data, words", [
    ("form.docm", office.macro_enabled(office.docx()), "contains macros"),
    ("locked.docx", office.encrypted(office.docx()), "password-protected"),
    ("note.eml", office.eml([("a.txt", b"hello", "text/plain")]), "no attachment we can read"),
])
def test_refused_office_files_and_messages_are_400_naming_the_file(sqlite_stack, name, data, words):
    http = sqlite_stack.client(sqlite_stack.create_key(name="office-refused", pages=100))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", (name, data, "application/octet-stream"))])
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "document_rejected"
    assert name in r.json()["error"] and words in r.json()["error"]


def test_an_outlook_msg_attachment_is_a_file_of_the_batch(sqlite_stack):
    from tests.support.images import pdf_to_png
    from tests.support.msg_files import msg

    pdf, truth = make_invoice(seed=22)
    http = sqlite_stack.client(sqlite_stack.create_key(name="office-msg", pages=100))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    message = msg([("invoice.pdf", pdf, "application/pdf"), ("logo.png", pdf_to_png(pdf, dpi=20), "image/png")])
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("mail.msg", message, "application/vnd.ms-outlook"))])
    assert r.status_code == 202, r.text
    assert [(f["file_name"], f["from_message"]) for f in r.json()["files"]] == [
        ("invoice.pdf", "mail.msg"), ("logo.png", "mail.msg")]
    body = sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])
    assert body["files"][0]["status"] == "processed", body
    result = http.get(f"/v1/extractions/{ext}/files/{body['files'][0]['id']}/result").json()
    assert result["result"]["invoice_number"] == truth["invoice_number"]


def test_attachments_count_against_the_files_per_batch(sqlite_stack):
    http = sqlite_stack.client(sqlite_stack.create_key(name="office-many", pages=1000))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    cap = sqlite_stack.settings.max_files_per_batch
    pdf = make_invoice(seed=23)[0]
    message = office.eml([(f"inv-{i}.pdf", pdf, "application/pdf") for i in range(cap)])
    r = http.post(f"/v1/extractions/{ext}/batches", files=[
        ("files", ("mail.eml", message, "message/rfc822")), ("files", ("one more.pdf", pdf, "application/pdf"))])
    assert r.status_code == 400 and r.json()["code"] == "too_many_files", r.text
