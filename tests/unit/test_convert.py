"""Office documents to PDF with LibreOffice headless (documents/convert.py), for real: the text
arrives, nothing is fetched or embedded from elsewhere, and a conversion over its time limit is
killed with its process group."""

from __future__ import annotations

import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pymupdf
import pytest

from documents.convert import convert_to_pdf
from documents.errors import DocumentRejected
from tests.support import office_docs as office

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("DOCPARSE_SOFFICE"),
                                reason="LibreOffice is not installed (scripts/bootstrap.sh installs it)")


def _convert(tmp_path: Path, data: bytes, kind: str, limit_s: float = 120,
             max_bytes: int = 1024 * 2**20) -> pymupdf.Document:
    src, dest = tmp_path / "upload", tmp_path / "upload.pdf"
    src.write_bytes(data)
    convert_to_pdf(src, dest, kind=kind, name="order form", limit_s=limit_s, max_bytes=max_bytes)
    return pymupdf.open(dest)


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt", "ods", "rtf", "html"])
def test_each_office_type_becomes_a_pdf_with_its_text(tmp_path, kind):
    with _convert(tmp_path, getattr(office, kind)(), kind) as doc:
        assert doc.page_count == 1
        text = " ".join(doc[0].get_text().split())
    assert "INVOICE" in text and "INV-7731" in text and "1,234.50" in text


class _Recorder(http.server.BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.paths.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def log_message(self, *args) -> None:
        pass


def test_html_fetches_nothing_and_embeds_no_local_file(tmp_path):
    picture = tmp_path / "secret.png"
    picture.write_bytes(pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 40), 0).tobytes("png"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    extra = (f'<img src="{picture.as_uri()}"><img src="{base}/pixel.png"><link rel="stylesheet" href="{base}/s.css">'
             f'<iframe src="{base}/frame.html"></iframe><object data="{picture.as_uri()}"></object>'
             f'<p style="background-image: url({base}/bg.png)">styled</p><script>document.write("x")</script>')
    try:
        with _convert(tmp_path, office.html(extra=extra), "html") as doc:
            assert "INV-7731" in doc[0].get_text()
            assert all(not page.get_images() for page in doc)  # neither the local file nor anything else
    finally:
        server.shutdown()
    assert _Recorder.paths == []


def test_a_conversion_over_its_time_limit_is_killed_and_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its work dir, where _soffice_processes looks
    big = office.docx([(f"Line {i}", "x" * 200) for i in range(4000)])
    with pytest.raises(DocumentRejected, match="'order form' took longer than the conversion limit"):
        _convert(tmp_path, big, "docx", limit_s=0.5)
    assert _soffice_processes(tmp_path) == []  # its process group went with it


def test_a_conversion_over_its_memory_cap_is_refused_and_leaves_nothing_running(tmp_path, monkeypatch):
    """LibreOffice runs under an address-space cap: a conversion that needs more fails, by name."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its work dir, where _soffice_processes looks
    with pytest.raises(DocumentRejected, match="'order form' could not be converted to PDF"):
        _convert(tmp_path, office.docx(), "docx", max_bytes=48 * 2**20)
    assert _soffice_processes(tmp_path) == []
    assert _convert(tmp_path, office.docx(), "docx").page_count == 1  # the same file under the usual cap


def test_a_damaged_office_file_is_refused_by_name(tmp_path):
    with pytest.raises(DocumentRejected, match="'order form' could not be converted to PDF"):
        _convert(tmp_path, office.docx()[:2000], "docx")


def _soffice_processes(under: Path) -> list[int]:
    """LibreOffice processes of a conversion whose work dir is under ``under`` (the test's own: other
    tests, in other pytest-xdist workers, may be converting at the same time)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"soffice" in cmdline and b"docparse-convert-" in cmdline and os.fsencode(under) in cmdline:
            found.append(int(pid))
    return found


async def test_libreoffice_dies_with_a_page_process_stopped_at_its_time_limit(tmp_path, monkeypatch):
    """The page call's limit comes first here: its process is killed, and LibreOffice with it."""
    import asyncio

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the page process's work dirs, where _soffice_processes looks

    from core.config import Settings
    from documents.errors import PageCallTimedOut
    from documents.service import DocumentService

    src = tmp_path / "upload"
    src.write_bytes(office.docx([(f"Line {i}", "x" * 200) for i in range(16000)]))
    service = DocumentService(Settings(), processes=1)
    try:
        with pytest.raises(PageCallTimedOut):
            await service.run(convert_to_pdf, src, tmp_path / "out.pdf", kind="docx", name="big.docx", limit_s=120,
                              max_bytes=1024 * 2**20, call_limit_s=1)
        for _ in range(30):  # LibreOffice would convert for many seconds more; dying with its parent takes ms
            if not _soffice_processes(tmp_path):
                break
            await asyncio.sleep(0.1)
        assert _soffice_processes(tmp_path) == []
    finally:
        service.shutdown()
