"""Bad input gets a clear 4xx naming the file (or the file fails with a message); never a 5xx,
and the worker stays alive for the next batch."""

from __future__ import annotations

import struct
import zlib

import pymupdf
import pytest

from tests.support import damaged
from tests.support.invoices import make_invoice

SCHEMA = {"name": "bad", "review_threshold": 0, "fields": [{"key": "invoice_number", "type": "string"}]}


@pytest.fixture(scope="module")
def client(sqlite_stack):
    http = sqlite_stack.client(sqlite_stack.create_key(name="bad-input", pages=100_000))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    yield http, ext
    http.close()


def _png(width: int, height: int, data: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b"")


def _encrypted_pdf() -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u")


def _pages_pdf(n: int) -> bytes:
    doc = pymupdf.open()
    for _ in range(n):
        doc.new_page(width=200, height=200)
    return doc.tobytes()


PDF = make_invoice(seed=5)[0]

CASES = {
    "empty.pdf": (b"", "empty"),
    "truncated.pdf": (PDF[: len(PDF) // 3], None),
    "repaired.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF", "no pages"),
    "locked.pdf": (_encrypted_pdf(), "password"),
    "page.pdf": (b"just a line of text, no document\n", "not a supported"),
    "archive.pdf": (b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 200, "not a supported"),
    "bomb.png": (_png(60_000, 60_000), "pixels"),
    "bogus.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, None),
    # issue 14: these passed the upload check and looped in the worker for two hours, or were 500s
    "truncated.png": (damaged.truncated_png(), "damaged PNG"),
    "no-scan.jpg": (damaged.jpeg_without_scan_data(), "damaged JPEG"),
    "loop.pdf": (damaged.pdf_page_tree_loop(), "cannot be opened"),
    "count.pdf": (damaged.pdf_count_bomb(), "damaged page tree"),
    "huge.tiff": (damaged.tiff_declaring(30_000, 30_000), "30000x30000 pixels"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_file_is_refused_with_its_name(client, name):
    http, ext = client
    data, words = CASES[name]
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", (name, data, "application/pdf"))])
    assert r.status_code == 400, (r.status_code, r.text)
    msg = r.json()["error"]
    assert name in msg
    if words:
        assert words in msg


def test_page_cap_is_configurable_with_a_clear_message(sqlite_stack, client):
    http, ext = client
    cap = sqlite_stack.settings.max_pages_per_file
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("long.pdf", _pages_pdf(cap + 1), "application/pdf"))])
    assert r.status_code == 400
    assert "long.pdf" in r.json()["error"] and str(cap) in r.json()["error"]


def test_tiff_frames_are_capped_like_pdf_pages(sqlite_stack, client):
    http, ext = client
    cap = sqlite_stack.settings.max_pages_per_file
    r = http.post(f"/v1/extractions/{ext}/batches",
                  files=[("files", ("frames.tiff", damaged.tiff(frames=cap + 1), "image/tiff"))])
    assert r.status_code == 400, r.text
    assert "frames.tiff" in r.json()["error"] and str(cap) in r.json()["error"]


def test_one_bad_file_refuses_the_batch_and_nothing_is_charged(sqlite_stack, client):
    http, ext = client
    before = _pages_left(sqlite_stack)
    r = http.post(f"/v1/extractions/{ext}/batches", files=[
        ("files", ("good.pdf", PDF, "application/pdf")), ("files", ("bad.pdf", b"junk", "application/pdf"))])
    assert r.status_code == 400 and "bad.pdf" in r.json()["error"]
    assert _pages_left(sqlite_stack) == before


def _pages_left(stack) -> dict:
    from sqlmodel import select

    from core.db import init_db, session_scope
    from core.models import Account

    with session_scope(init_db(stack.settings)) as s:
        return {a.id: a.pages_left for a in s.exec(select(Account)).all()}


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\invoice.pdf", "invoice.pdf"),
        ("tab\tbyte.pdf", "tabbyte.pdf"),  # a NUL is refused instead: tests/api/test_refused_text.py
        ("Rechnung Nº 5 – März ✓.pdf", "Rechnung Nº 5 – März ✓.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(sqlite_stack, client, raw, expected):
    http, ext = client
    # Built by hand: HTTP clients escape NUL and quotes, a hostile client does not.
    body = (
        b'--bnd\r\nContent-Disposition: form-data; name="files"; filename="' + raw.encode() + b'"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--bnd--\r\n"
    )
    r = http.post(f"/v1/extractions/{ext}/batches", content=body,
                  headers={"Content-Type": "multipart/form-data; boundary=bnd"})
    assert r.status_code == 202, r.text
    body = http.get(f"/v1/extractions/{ext}/batches/{r.json()['batch']['id']}").json()
    assert body["files"][0]["file_name"] == expected


def test_duplicate_names_in_one_batch_are_separate_files(sqlite_stack, client):
    http, ext = client
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("same.pdf", PDF, "application/pdf"))] * 2)
    assert r.status_code == 202
    body = sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])
    assert [f["file_name"] for f in body["files"]] == ["same.pdf", "same.pdf"]
    assert body["files"][0]["id"] != body["files"][1]["id"]
    assert body["batch"]["status"] == "processed"


def test_wrong_content_type_is_ignored_in_favour_of_the_bytes(sqlite_stack, client):
    http, ext = client
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("x.png", PDF, "image/png"))])
    assert r.status_code == 202
    assert sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])["batch"]["status"] == "processed"


def test_malformed_multipart_is_400(client):
    http, ext = client
    r = http.post(f"/v1/extractions/{ext}/batches", content=b"--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 no end",
                  headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 400, r.text
    r = http.post(f"/v1/extractions/{ext}/batches", content=b"garbage", headers={"Content-Type": "multipart/form-data"})
    assert r.status_code == 400


def test_a_huge_page_is_read_and_drawn_at_a_lower_resolution(sqlite_stack, client):
    """A 14000-pt page at the configured resolution would need gigabytes: it is OCRed and drawn
    within a pixel budget instead, and nothing else in the batch waits on it."""
    from documents.raster import MAX_DRAW_PIXELS

    http, ext = client
    doc = pymupdf.open()
    doc.new_page(width=14_000, height=14_000).insert_text((72, 72), "a poster")
    r = http.post(f"/v1/extractions/{ext}/batches", files=[
        ("files", ("poster.pdf", doc.tobytes(), "application/pdf")), ("files", ("fine.pdf", PDF, "application/pdf"))])
    assert r.status_code == 202, r.text
    body = sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])
    poster, fine = body["files"]
    assert poster["status"] != "failed", poster
    assert fine["status"] == "processed"
    png = http.get(f"/v1/extractions/{ext}/files/{poster['id']}/pages/1")
    assert png.status_code == 200, png.text
    image = pymupdf.open(stream=png.content, filetype="png")[0].rect
    assert image.width * image.height <= MAX_DRAW_PIXELS


def test_worker_is_alive_after_all_of_that(sqlite_stack, client):
    http, ext = client
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("after.pdf", PDF, "application/pdf"))])
    assert sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])["batch"]["status"] == "processed"
    assert sqlite_stack.worker.poll() is None
