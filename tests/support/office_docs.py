"""Office documents and e-mail messages for tests, made here: DOCX (python-docx), XLSX (openpyxl),
ODT/ODS (written by hand: a zip with a mimetype and content.xml), RTF and HTML (text), EML (the
standard library), and their refused variants (macro-enabled, password-protected)."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

INVOICE_LINES = [
    ("Invoice Number", "INV-7731"),
    ("Invoice Date", "2026-03-14"),
    ("Total", "1,234.50"),
]


def docx(lines=INVOICE_LINES) -> bytes:
    import docx as python_docx

    doc = python_docx.Document()
    doc.add_heading("INVOICE", level=1)
    for label, value in lines:
        doc.add_paragraph(f"{label}: {value}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def xlsx(lines=INVOICE_LINES) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["INVOICE"])
    for label, value in lines:
        ws.append([label, value])
    ws.column_dimensions["A"].width = 24  # as a person sizes them: Calc clips text at a full neighbour
    ws.column_dimensions["B"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def html(lines=INVOICE_LINES, extra: str = "") -> bytes:
    rows = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in lines)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>x</title></head><body>"
            f"<h1>INVOICE</h1><table>{rows}</table>{extra}</body></html>").encode()


def rtf(lines=INVOICE_LINES) -> bytes:
    body = "".join(f"{label}: {value}\\par\n" for label, value in lines)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Helvetica;}}\\f0\\fs22 INVOICE\\par\n" + body + "}").encode()


def _odf(mimetype: str, body: str, extra: dict[str, bytes] | None = None) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first and stored, as ODF requires
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def odt(lines=INVOICE_LINES, extra: dict[str, bytes] | None = None) -> bytes:
    paras = "".join(f"<text:p>{label}: {value}</text:p>" for label, value in lines)
    return _odf("application/vnd.oasis.opendocument.text",
                f"<office:text><text:p>INVOICE</text:p>{paras}</office:text>", extra)


def ods(lines=INVOICE_LINES) -> bytes:
    def row(*cells: str) -> str:
        return "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in cells
        ) + "</table:table-row>"

    rows = row("INVOICE") + "".join(row(label, value) for label, value in lines)
    return _odf("application/vnd.oasis.opendocument.spreadsheet",
                f'<office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet>')


def macro_enabled(docx_bytes: bytes) -> bytes:
    """The DOCX as a .docm: the macro-enabled main content type and a vbaProject.bin part."""
    src = zipfile.ZipFile(io.BytesIO(docx_bytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                                    b"application/vnd.ms-word.document.macroEnabled.main+xml")
            z.writestr(item.filename, data)
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 60)
    return out.getvalue()


def encrypted(docx_bytes: bytes, password: str = "secret") -> bytes:
    """The DOCX encrypted as Office does it (an OLE file with EncryptionInfo and EncryptedPackage)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(docx_bytes)).encrypt(password, out)
    return out.getvalue()


def eml(attachments: list[tuple[str, bytes, str]], *, inline_logo: bytes | None = None) -> bytes:
    """A message with a text body and these (name, bytes, MIME type) attachments; with
    ``inline_logo``, an HTML body showing that PNG inline by Content-ID (not a document)."""
    msg = EmailMessage()
    msg["From"] = "billing@supplier.example"
    msg["To"] = "ap@customer.example"
    msg["Subject"] = "Invoice INV-7731"
    msg["Date"] = "Sat, 14 Mar 2026 10:00:00 +0000"
    msg["Message-ID"] = "<inv-7731@supplier.example>"
    msg.set_content("Please find our invoice attached.")
    if inline_logo is not None:
        msg.add_alternative('<p>Please find our invoice attached.</p><img src="cid:logo@x">', subtype="html")
        msg.get_payload()[1].add_related(inline_logo, maintype="image", subtype="png", cid="<logo@x>")
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()
