"""What the document service accepts and how it refuses (issues 14 and 16): types sniffed from
bytes, office files with macros or a password refused by name, every page opened at upload,
e-mail attachments, and errors from page processes that come back plain and classified."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from core.config import Settings
from documents.errors import DocumentRejected, PageWorkFailed, call_plainly, plain_error
from documents.inspect import inspect_document
from documents.kinds import sniff_file
from documents.messages import message_attachments
from documents.service import DocumentService
from tests.support import damaged
from tests.support import office_docs as office
from tests.support.images import pdf_to_png, pdf_to_tiff
from tests.support.invoices import make_invoice
from tests.support.msg_files import msg

PDF = make_invoice(seed=3)[0]


def _file(tmp_path: Path, data: bytes, name: str = "doc") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind, data", [
    ("pdf", PDF), ("png", pdf_to_png(PDF)), ("tiff", pdf_to_tiff(PDF)),
    ("docx", office.docx()), ("xlsx", office.xlsx()), ("odt", office.odt()), ("ods", office.ods()),
    ("rtf", office.rtf()), ("html", office.html()), ("html", b"\xef\xbb\xbf  <HTML><body>x</body></HTML>"),
    ("eml", office.eml([("a.pdf", PDF, "application/pdf")])), ("msg", msg([("a.pdf", PDF, "application/pdf")])),
    (None, b"PK\x03\x04" + b"\x00" * 200), (None, b"just some text\nFrom: nobody\n"), (None, b"\x00\x01junk"),
])
def test_types_are_sniffed_from_the_bytes(tmp_path, kind, data):
    assert sniff_file(_file(tmp_path, data, "any.pdf"), "any.pdf") == kind


@pytest.mark.parametrize("data, words", [
    (office.macro_enabled(office.docx()), "contains macros"),
    (office.odt(extra={"Basic/Standard/Module1.xml": b"<x/>"}), "contains macros"),
    (office.encrypted(office.docx()), "password-protected"),
], ids=["docm", "odt-basic", "encrypted-docx"])
def test_macro_enabled_and_encrypted_office_files_are_refused_by_name(tmp_path, data, words):
    with pytest.raises(DocumentRejected, match=words) as err:
        sniff_file(_file(tmp_path, data), "order form.docx")
    assert "'order form.docx'" in str(err.value)


@pytest.mark.parametrize("data, words", [
    (damaged.truncated_png(), "damaged PNG"),
    (damaged.jpeg_without_scan_data(), "damaged JPEG"),
    (damaged.pdf_page_tree_loop(), "page 1 cannot be opened"),
    (damaged.pdf_count_bomb(), "damaged page tree"),
    (damaged.tiff_declaring(30_000, 30_000), "30000x30000 pixels"),
    (damaged.tiff(frames=5), "more than 4 pages"),
], ids=["truncated-png", "jpeg-no-scan", "pdf-page-tree-loop", "pdf-count-bomb", "tiff-30000", "tiff-frames"])
def test_the_upload_check_opens_every_page_it_counts(tmp_path, data, words):
    with pytest.raises(DocumentRejected, match=words) as err:
        inspect_document(_file(tmp_path, data), name="scan.bin", max_pages=4, max_pixels=80_000_000)
    assert "'scan.bin'" in str(err.value)


def test_tiff_frames_within_the_cap_are_counted(tmp_path):
    info = inspect_document(_file(tmp_path, damaged.tiff(frames=4)), name="t", max_pages=4, max_pixels=10**6)
    assert (info.kind, info.page_count) == ("tiff", 4)


# -- errors leave page processes plain -------------------------------------------------------------

def _raise_pymupdf_error(path: Path) -> None:
    import pymupdf

    with pymupdf.open(str(path)) as doc:  # a page tree pointing to itself
        doc.load_page(0)


def test_a_pymupdf_error_becomes_a_plain_picklable_rejection_naming_the_file(tmp_path):
    path = _file(tmp_path, damaged.pdf_page_tree_loop())
    with pytest.raises(DocumentRejected) as err:
        call_plainly(_raise_pymupdf_error, "loop.pdf", path)
    message = str(err.value)
    assert "'loop.pdf'" in message and "cycle in page tree" in message and str(tmp_path) not in message
    assert pickle.loads(pickle.dumps(err.value)).args == err.value.args


def test_machine_faults_stay_retryable():
    assert isinstance(plain_error(FileNotFoundError("/tmp/x/y"), "a.pdf", ("/tmp/x/y",)), PageWorkFailed)
    assert isinstance(plain_error(ValueError("bad huffman table"), "a.pdf"), DocumentRejected)
    assert isinstance(plain_error(MemoryError(), "a.pdf"), MemoryError)


async def test_reading_a_damaged_page_in_a_page_process_is_rejected_not_unpicklable(tmp_path):
    """Before: PyMuPDF's error could not be pickled back (TypeError), looked transient and was
    retried for two hours. Now the page process answers DocumentRejected, at once."""
    service = DocumentService(Settings(), processes=1)
    try:
        with pytest.raises(DocumentRejected, match="cycle in page tree"):
            await service.read_pages(_file(tmp_path, damaged.pdf_page_tree_loop()), kind="pdf", start=0, stop=1,
                                     language="auto", images=False)
    finally:
        service.shutdown()


# -- e-mail messages ----------------------------------------------------------------------------

def test_an_eml_gives_its_document_attachments_not_its_inline_logo_or_text(tmp_path):
    logo = pdf_to_png(make_invoice(seed=9)[0], dpi=20)
    message = office.eml([("invoice 7731.pdf", PDF, "application/pdf"), ("notes.txt", b"hello", "text/plain"),
                          ("order.docx", office.docx(), "application/octet-stream")], inline_logo=logo)
    found = message_attachments(_file(tmp_path, message, "mail"), kind="eml", name="mail.eml", out_dir=tmp_path,
                                max_files=30, max_bytes=25 * 2**20)
    assert [a.file_name for a in found] == ["invoice 7731.pdf", "order.docx"]
    assert found[0].path.read_bytes() == PDF


def test_an_outlook_msg_gives_its_document_attachments(tmp_path):
    message = msg([("invoice 7731.pdf", PDF, "application/pdf"), ("notes.txt", b"hello", "text/plain"),
                   ("scan.png", pdf_to_png(PDF, dpi=30), "image/png")])
    found = message_attachments(_file(tmp_path, message, "mail"), kind="msg", name="mail.msg", out_dir=tmp_path,
                                max_files=30, max_bytes=25 * 2**20)
    assert [a.file_name for a in found] == ["invoice 7731.pdf", "scan.png"]
    assert found[0].path.read_bytes() == PDF


def test_a_message_without_a_document_is_refused_by_name(tmp_path):
    message = office.eml([("notes.txt", b"hello", "text/plain")])
    with pytest.raises(DocumentRejected, match="'mail.eml' is an e-mail message with no attachment"):
        message_attachments(_file(tmp_path, message, "mail"), kind="eml", name="mail.eml", out_dir=tmp_path,
                            max_files=30, max_bytes=25 * 2**20)


def test_a_macro_enabled_attachment_refuses_the_message_naming_both(tmp_path):
    message = office.eml([("form.docm", office.macro_enabled(office.docx()), "application/octet-stream")])
    with pytest.raises(DocumentRejected, match="'form.docm' in 'mail.eml' contains macros"):
        message_attachments(_file(tmp_path, message, "mail"), kind="eml", name="mail.eml", out_dir=tmp_path,
                            max_files=30, max_bytes=25 * 2**20)


def test_the_bootstrap_and_the_image_install_libreoffice():
    root = Path(__file__).resolve().parents[2]
    bootstrap, dockerfile = (root / "scripts/bootstrap.sh").read_text(), (root / "Dockerfile").read_text()
    for package in ("libreoffice-core", "libreoffice-writer", "libreoffice-calc", "fonts-liberation2"):
        assert package in bootstrap and package in dockerfile, package
