"""What a document is, from its bytes (names and Content-Type are not trusted), without decoding it.

Three families: documents the pipeline reads as they are (PDF, PNG, JPEG, TIFF); office documents
converted to PDF first (DOCX, XLSX, ODT, ODS, RTF, HTML: documents/convert.py); and e-mail messages
whose attachments become files of the batch (EML, Outlook MSG: documents/messages.py). Office files
that carry macros or are encrypted are refused here, by name.
"""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

from documents.errors import DocumentRejected

KINDS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}
OFFICE_KINDS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "rtf": "application/rtf",
    "html": "text/html",
}
MESSAGE_KINDS = {"eml": "message/rfc822", "msg": "application/vnd.ms-outlook"}
CONTENT_TYPES = {**KINDS, **OFFICE_KINDS, **MESSAGE_KINDS}
SUPPORTED = "PDF, PNG, JPEG, TIFF, DOCX, XLSX, ODT, ODS, RTF, HTML, EML or MSG"

HEAD_BYTES = 64 * 1024  # an e-mail's headers (Received, DKIM ...) can be long

# The main part's content type in [Content_Types].xml says what an OOXML package is.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
}
_OOXML_MACRO = re.compile(r"macroEnabled|vbaProject|vnd\.ms-office\.activeX", re.I)
_ODF_MIMETYPES = {OFFICE_KINDS["odt"]: "odt", OFFICE_KINDS["ods"]: "ods"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?.*$|^[ \t]+\S.*$")  # RFC 5322 field, or a folded line
_MESSAGE_FIELDS = {b"date", b"subject", b"to", b"message-id", b"mime-version", b"received"}


def sniff_kind(head: bytes) -> str | None:
    """The type of the pipeline's own documents and of the formats recognisable from their first
    bytes; zip- and OLE-based formats need the whole file (sniff_file)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    # A PDF header may follow a little junk; readers accept it within the first 1 KB.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{\\rtf"):
        return "rtf"
    start = text[:1024].lower()
    if start.startswith((b"<!doctype html", b"<html")) or (
        start.startswith((b"<?xml", b"<!--", b"<!doctype")) and b"<html" in start
    ):
        return "html"
    if _looks_like_message(head):
        return "eml"
    return None


def _looks_like_message(head: bytes) -> bool:
    """RFC 5322 header fields up to the first empty line, with From and one of the usual others."""
    block = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    lines = block.split(b"\n")
    if len(lines) < 2 or not all(_HEADER_LINE.match(ln) for ln in lines if ln):
        return False
    names = {ln.split(b":", 1)[0].lower() for ln in lines if ln and not ln[:1].isspace()}
    return b"from" in names and bool(names & _MESSAGE_FIELDS)


def sniff_file(path: Path, name: str) -> str | None:
    """The document's kind, or None when it is none we read. Raises DocumentRejected for office
    files with macros or a password, whose kind is clear but which are refused."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path, name)
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(path, name)
    return sniff_kind(head)


def _zip_kind(path: Path, name: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "[Content_Types].xml" in names:
                types = _read_bounded(z, "[Content_Types].xml").decode("utf-8", "replace")
                macro = _OOXML_MACRO.search(types) or any(n.lower().endswith("vbaproject.bin") for n in names)
                kind = next((k for ct, k in _OOXML_MAIN.items() if ct in types), None)
                if macro and (kind or "macroEnabled" in types):
                    raise DocumentRejected(f"'{name}' contains macros (a macro-enabled Office file); "
                                           "save it without macros (DOCX, XLSX) and send that")
                return kind
            if "mimetype" in names:
                kind = _ODF_MIMETYPES.get(_read_bounded(z, "mimetype").decode("ascii", "replace").strip())
                if kind and any(n.startswith(("Basic/", "Scripts/")) for n in names):
                    raise DocumentRejected(f"'{name}' contains macros; save it without macros and send that")
                manifest = _read_bounded(z, "META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
                if kind and b"encryption-data" in manifest:
                    raise DocumentRejected(f"'{name}' is password-protected")
                return kind
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
        return None
    return None


def _read_bounded(z: zipfile.ZipFile, member: str, limit: int = 1_000_000) -> bytes:
    """A member's first bytes: never inflates a zip bomb whole."""
    with z.open(member) as f:
        return f.read(limit)


def _ole_kind(path: Path, name: str) -> str | None:
    """OLE compound files: an Outlook message, an encrypted OOXML file (Office wraps those in OLE),
    or a legacy binary Office file."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=True)}
    except Exception:  # noqa: BLE001 - olefile raises many types for damaged files
        return None
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise DocumentRejected(f"'{name}' is password-protected (an encrypted Office file)")
    if any(s.startswith("__substg1.0_") for s in streams):
        return "msg"
    if streams & {"WordDocument", "Workbook", "Book", "PowerPoint Document"}:
        raise DocumentRejected(f"'{name}' is a legacy binary Office file (Word/Excel 97-2003); "
                               "save it as DOCX or XLSX (or PDF) and send that")
    return None


def image_size(path: Path, kind: str) -> tuple[int, int] | None:
    """Pixel size from the image header, without decoding the pixels."""
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if kind == "png" and len(head) >= 24 and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if kind == "jpeg":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                return None
            marker = head[i + 1]
            length = struct.unpack(">H", head[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", head[i + 5 : i + 9])
                return w, h
            i += 2 + length
    return None
