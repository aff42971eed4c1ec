"""The e-invoice XML a PDF carries (Factur-X / ZUGFeRD / XRechnung): ``find_einvoice_xml``.

PDF embedded files are looked at first, then file-attachment annotations. Preferred file names
(``factur-x.xml``, ``zugferd-invoice.xml``, ``ZUGFeRD-invoice.xml``, ``xrechnung.xml``) are tried
first, then any other ``*.xml``; a file counts only when its root element is a CII or UBL invoice
(extraction.engines.einvoice.sniff_syntax). Hostile input: streams are decompressed with a bound,
so a compression bomb is not inflated in memory, and at most MAX_ATTACHMENTS files and
MAX_ANNOT_PAGES pages are looked at.
"""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path
from typing import Any

import pymupdf

from extraction.engines.einvoice import MAX_XML_BYTES, EInvoiceError, Syntax, sniff_syntax

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 50  # embedded files looked at per PDF
MAX_ANNOT_PAGES = 100  # pages scanned for file-attachment annotations

# compared case-insensitively: covers ZUGFeRD-invoice.xml (1.0) and zugferd-invoice.xml (2.0)
PREFERRED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")


def _inflate_bounded(raw: bytes) -> bytes | None:
    """A Flate stream inflated to at most MAX_XML_BYTES, None beyond that or when broken."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(raw, MAX_XML_BYTES + 1)
    except zlib.error:
        return None
    return None if len(out) > MAX_XML_BYTES else out


def _stream_bounded(doc: pymupdf.Document, xref: int) -> bytes | None:
    """A file stream's content, refusing anything that would decode beyond MAX_XML_BYTES."""
    if xref <= 0:
        return None
    kind, filt = doc.xref_get_key(xref, "Filter")
    _, parms = doc.xref_get_key(xref, "DecodeParms")
    ltype, length = doc.xref_get_key(xref, "Length")
    if ltype == "int" and int(length) > MAX_XML_BYTES:  # compressed XML this large is far over the cap
        return None
    raw = doc.xref_stream_raw(xref)
    if raw is None or len(raw) > MAX_XML_BYTES:
        return None
    if kind == "null":
        return raw
    if filt.strip("[] ") == "/FlateDecode" and parms in ("null", ""):
        return _inflate_bounded(raw)
    # other filters (rare for attachments): only small streams, checked after decoding
    if len(raw) > 64 * 1024:
        return None
    data = doc.xref_stream(xref)
    return data if data is not None and len(data) <= MAX_XML_BYTES else None


def _ref_xref(doc: pymupdf.Document, xref: int, key: str) -> int:
    """The xref an object's key refers to, 0 when it is not a reference."""
    kind, val = doc.xref_get_key(xref, key)
    if kind != "xref":
        return 0
    try:
        return int(val.split()[0])
    except (ValueError, IndexError):
        return 0


def _embedded_files(doc: pymupdf.Document) -> list[tuple[str, Any]]:
    """(file name, loader) for the document's embedded files (EmbeddedFiles name tree)."""
    out: list[tuple[str, Any]] = []
    try:
        names = doc.embfile_names()[:MAX_ATTACHMENTS]
    except Exception:  # noqa: BLE001 - a broken name tree is "no attachment"
        return out
    for idx, name in enumerate(names):
        try:
            info: dict[str, Any] = {}
            xref = doc._embfile_info(idx, info)  # the file stream's xref (public API hides it)
        except Exception:  # noqa: BLE001
            xref, info = 0, {}
        fname = info.get("ufilename") or info.get("filename") or name

        def load(xref: int = xref, idx: int = idx, info: dict[str, Any] = info) -> bytes | None:
            if xref:
                return _stream_bounded(doc, xref)
            # fallback: the declared sizes must be within bounds
            size, length = info.get("size", -1), info.get("length", -1)
            if size > MAX_XML_BYTES or length > MAX_XML_BYTES or length < 0:
                return None
            return doc.embfile_get(idx)

        out.append((str(fname), load))
    return out


def _annotation_files(doc: pymupdf.Document) -> list[tuple[str, Any]]:
    """(file name, loader) for the files of file-attachment annotations."""
    out: list[tuple[str, Any]] = []
    for pno in range(min(doc.page_count, MAX_ANNOT_PAGES)):
        try:
            page = doc[pno]
            # pymupdf copies its PDF_* constants onto the module at import time; mypy cannot see them
            annots = list(page.annots(types=[pymupdf.PDF_ANNOT_FILE_ATTACHMENT]))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            continue
        for annot in annots:
            try:
                fname = annot.file_info.get("filename") or ""
                xref = _ref_xref(doc, annot.xref, "FS/EF/F")
            except Exception:  # noqa: BLE001
                continue
            out.append((str(fname), lambda xref=xref: _stream_bounded(doc, xref)))
            if len(out) >= MAX_ATTACHMENTS:
                return out
    return out


def _pick_invoice_xml(files: list[tuple[str, Any]]) -> tuple[Syntax, bytes] | None:
    """The first file that is a CII or UBL invoice: preferred names first, then any *.xml."""
    def rank(item: tuple[str, Any]) -> int:
        base = os.path.basename(item[0].replace("\\", "/")).lower()
        return 0 if base in PREFERRED_NAMES else 1 if base.endswith(".xml") else 2

    for fname, load in sorted(files, key=rank):
        if rank((fname, load)) == 2:
            break
        try:
            data = load()
        except Exception as e:  # noqa: BLE001
            log.warning("e-invoice: cannot read attachment %r: %s", fname, e)
            continue
        if not data:
            continue
        try:
            syntax = sniff_syntax(data)
        except EInvoiceError as e:
            log.warning("e-invoice: attachment %r refused: %s", fname, e)
            continue
        if syntax:
            return syntax, bytes(data)
    return None


def find_einvoice_xml(doc_or_path: pymupdf.Document | str | os.PathLike[str] | bytes,
                      ) -> tuple[Syntax, bytes] | None:
    """The e-invoice XML embedded in a PDF as ("cii" | "ubl", bytes), or None.

    Accepts an open ``pymupdf.Document`` (left open), a path or the PDF bytes. Never raises for bad
    input: an unreadable file, a non-PDF, an unsafe or oversized XML all give None (logged).
    """
    own = not isinstance(doc_or_path, pymupdf.Document)
    try:
        if isinstance(doc_or_path, pymupdf.Document):
            doc = doc_or_path
        elif isinstance(doc_or_path, (bytes, bytearray)):
            doc = pymupdf.open(stream=bytes(doc_or_path), filetype="pdf")
        else:
            doc = pymupdf.open(Path(doc_or_path))
    except Exception as e:  # noqa: BLE001
        log.warning("e-invoice: cannot open document: %s", e)
        return None
    try:
        if not doc.is_pdf:
            return None
        return _pick_invoice_xml(_embedded_files(doc)) or _pick_invoice_xml(_annotation_files(doc))
    except Exception as e:  # noqa: BLE001 - hostile PDFs must not break ingest
        log.warning("e-invoice: lookup failed: %s", e)
        return None
    finally:
        if own:
            doc.close()
