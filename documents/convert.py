"""Office documents (DOCX, XLSX, ODT, ODS, RTF, HTML) to PDF with LibreOffice headless.

Runs in a page process (documents/service.py), one LibreOffice per call:

    soffice.bin -env:UserInstallation=<a fresh profile> --headless --infilter=<the sniffed type>
                --convert-to pdf --outdir <dir> document.<ext>

- **Its own profile per call**: instances sharing a profile block each other. A fresh profile makes
  LibreOffice exit with 81 ("restart") once after creating it; the call then starts it again.
- **A time limit and a memory cap**: the process group is killed at the deadline; an address-space
  cap (RLIMIT_AS) applies to LibreOffice alone; it dies with the page process (PR_SET_PDEATHSIG).
- **Nothing is fetched or run**: the profile blocks linked images from the document
  (BlockUntrustedRefererLinks), sends HTTP(S) through a proxy that does not exist, never updates
  links and disables macros; HTML is cleaned first (nh3) to text, tables and inline formatting, so
  no <link>, <script>, <iframe>, <object> or external image reaches LibreOffice.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from documents.errors import DocumentRejected, PageWorkFailed
from documents.procpool import die_with_parent

# LibreOffice's import filter per sniffed kind: the type is ours, never LibreOffice's guess.
IMPORT_FILTERS = {
    "docx": "MS Word 2007 XML",
    "xlsx": "Calc MS Excel 2007 XML",
    "odt": "writer8",
    "ods": "calc8",
    "rtf": "Rich Text Format",
    "html": "HTML (StarWriter)",  # as a Writer document: pages like a printed one
}
RESTART_EXIT = 81
INSTALL_HINT = ("install it with `apt-get install libreoffice-core libreoffice-writer libreoffice-calc` "
                "(scripts/bootstrap.sh and the Dockerfile do this)")

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{items}
</oor:items>
"""
_SETTINGS = [
    ("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
    ("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("/org.openoffice.Office.Writer/Content/Update", "Link", "0"),  # never (sw UpdateLinks)
    ("/org.openoffice.Office.Calc/Content/Update", "Link", "1"),  # never (sc ScLkUpdMode)
    ("/org.openoffice.Inet/Settings", "ooInetProxyType", "2"),  # manual, to a port nobody serves
    ("/org.openoffice.Inet/Settings", "ooInetHTTPProxyName", "127.0.0.1"),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPProxyPort", "9"),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPSProxyName", "127.0.0.1"),
    ("/org.openoffice.Inet/Settings", "ooInetHTTPSProxyPort", "9"),
    ("/org.openoffice.Inet/Settings", "ooInetFTPProxyName", "127.0.0.1"),
    ("/org.openoffice.Inet/Settings", "ooInetFTPProxyPort", "9"),
    ("/org.openoffice.Inet/Settings", "ooInetNoProxy", ""),
]


def soffice_program() -> str:
    """soffice.bin itself (not the shell wrapper, whose oosplash child would outlive a kill)."""
    found = os.environ.get("DOCPARSE_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise PageWorkFailed(f"office documents need LibreOffice, which is not installed: {INSTALL_HINT}")
    real = Path(found).resolve()
    binary = real if real.name == "soffice.bin" else real.with_name("soffice.bin")
    return str(binary if binary.exists() else real)


def _write_profile(profile: Path) -> None:
    items = "\n".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
        for path, name, value in _SETTINGS
    )
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE.format(items=items))


def _limits(max_bytes: int, parent: int):
    def apply() -> None:
        die_with_parent(parent)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)  # the page process's own cap, which a child cannot raise
        cap = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard) if max_bytes > 0 else hard
        if cap > 0 and cap != resource.RLIM_INFINITY:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return apply


def _run(cmd: list[str], *, env: dict[str, str], timeout_s: float, max_bytes: int, name: str) -> tuple[int, str]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_limits(max_bytes, os.getpid()))
    try:
        out, _ = proc.communicate(timeout=max(timeout_s, 0.1))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise DocumentRejected(f"'{name}' took longer than the conversion limit to convert to PDF") from None
    return proc.returncode, out.decode("utf-8", "replace")


def convert_to_pdf(src: Path, dest: Path, *, kind: str, name: str, limit_s: float, max_bytes: int) -> None:
    """Writes ``src`` (an office document of ``kind``) as a PDF to ``dest``; DocumentRejected when
    LibreOffice cannot read it or runs over ``limit_s`` seconds."""
    program = soffice_program()
    deadline = time.monotonic() + limit_s
    with tempfile.TemporaryDirectory(prefix="docparse-convert-") as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        doc = work / "in" / f"document.{kind}"
        if kind == "html":
            doc.write_text(clean_html(src.read_bytes()), encoding="utf-8")
        else:
            shutil.copyfile(src, doc)
        profile = work / "profile"
        _write_profile(profile)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "TMPDIR": str(work),
               "SAL_USE_VCLPLUGIN": "svp", "LANG": "C.UTF-8"}
        cmd = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck", f"--infilter={IMPORT_FILTERS[kind]}",
               "--convert-to", "pdf", "--outdir", str(work / "out"), str(doc)]
        for _ in range(3):  # a fresh profile: one restart (exit 81) after creating it
            code, output = _run(cmd, env=env, timeout_s=deadline - time.monotonic(), max_bytes=max_bytes, name=name)
            if code != RESTART_EXIT:
                break
        result = work / "out" / "document.pdf"
        if code != 0 or not result.exists() or result.stat().st_size == 0:
            detail = " ".join(ln for ln in output.splitlines() if ln.startswith("Error"))[:300]
            raise DocumentRejected(
                f"'{name}' could not be converted to PDF (LibreOffice exit code {code}"
                + (f": {detail}" if detail else "") + "); the file may be damaged"
            )
        shutil.move(str(result), dest)


# -- HTML --------------------------------------------------------------------------------------

_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight", "text-align",
    "text-decoration", "text-transform", "vertical-align", "white-space", "line-height", "letter-spacing",
    "width", "min-width", "max-width", "height", "border", "border-top", "border-bottom", "border-left",
    "border-right", "border-collapse", "border-color", "border-style", "border-width", "border-spacing",
    "padding", "padding-top", "padding-bottom", "padding-left", "padding-right", "margin", "margin-top",
    "margin-bottom", "margin-left", "margin-right", "display", "float", "clear",
}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def _decode_html(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    declared = _CHARSET.search(data[:4096])
    for encoding in ([declared.group(1).decode()] if declared else []) + ["utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


def clean_html(data: bytes) -> str:
    """The page's text, tables and inline formatting; nothing that loads anything (images only as
    data: URIs)."""
    import nh3

    def keep(tag: str, attr: str, value: str) -> str | None:
        if attr == "src" and not value.strip().lower().startswith("data:image/"):
            return None
        return value

    attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"style", "align", "valign", "width", "height", "colspan", "rowspan", "border", "bgcolor"}
    body = nh3.clean(
        _decode_html(data), attributes=attributes, attribute_filter=keep,
        url_schemes={"data", "http", "https", "mailto"}, filter_style_properties=_STYLE_PROPERTIES,
        clean_content_tags={"script", "style", "title", "head"},
    )
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>'
