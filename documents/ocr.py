"""OCR with the tesseract command-line program: a page image -> extraction.pages.PageText words.

Runs in page processes (like documents.pages), one tesseract process per page:

    OMP_THREAD_LIMIT=1 tesseract stdin stdout -l eng+deu+fra --psm 3 tsv

on a grayscale render of the page (~200 dpi). The TSV gives one row per word with its pixel box,
confidence and block/paragraph/line numbers; boxes are converted to PDF points in the page's own
coordinate system (origin top-left, as the text layer), so engines cannot tell the difference
except by ``source == "ocr"``.

Languages: English, German and French where their traineddata are installed (the project's
bootstrap installs them), else whatever tesseract has. ``DOCPARSE_OCR_LANGS`` overrides
("eng+deu"). A missing tesseract raises ``OcrUnavailable`` with what to install.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from documents.raster import zoom_for
from extraction.pages import PageText, Word

if TYPE_CHECKING:  # pragma: no cover
    import pymupdf

PREFERRED_LANGS = ("eng", "deu", "fra")
OCR_DPI = 200
# Long side of an image page as OCRed, in pixels. A scan between these is read at its own
# resolution (resampling blurs digits: a 350-dpi scan reduced to 220 dpi read 4.14 for 4.11);
# smaller images are enlarged towards ~170 dpi for A4/Letter, larger ones reduced to ~360 dpi.
IMAGE_LONG_SIDE_PX = (2000, 4200)
TIMEOUT_S = 120
# A huge PDF page (a poster) is OCRed at a lower resolution, not at OCR_DPI.
MAX_OCR_PIXELS = 40_000_000
MIN_CONFIDENCE = 10.0  # below this tesseract is guessing (logos, lines, specks)

INSTALL_HINT = ("install it with `apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu "
                "tesseract-ocr-fra` (scripts/bootstrap.sh does this)")


class OcrUnavailable(RuntimeError):
    """tesseract is not installed (or has no language data): OCR cannot run on this machine."""


class OcrFailed(RuntimeError):
    """tesseract ran but failed on this page."""


def tesseract_path() -> str:
    path = shutil.which(os.environ.get("DOCPARSE_TESSERACT", "tesseract"))
    if not path:
        raise OcrUnavailable(f"OCR needs the tesseract program, which is not installed: {INSTALL_HINT}")
    return path


@functools.lru_cache(maxsize=4)
def _installed_languages(exe: str) -> tuple[str, ...]:
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OcrUnavailable(f"tesseract ({exe}) cannot be run: {e}") from None
    lines = (out.stdout or out.stderr).splitlines()
    # first line: 'List of available languages in "..." (N):'
    return tuple(sorted(ln.strip() for ln in lines[1:] if ln.strip() and " " not in ln.strip()))


# ISO 639-1 (the extraction's `language`) -> tesseract's traineddata name
TESSERACT_CODES = {"en": "eng", "de": "deu", "fr": "fra", "nl": "nld", "es": "spa", "it": "ita", "pt": "por"}


def ocr_languages(hint: str | None = None) -> str:
    """The '-l' argument. With the extraction's language known: that language (+ eng for the
    English words every invoice has), about half the time of three models. Otherwise
    eng+deu+fra when installed, else what is there (never 'osd' alone)."""
    override = os.environ.get("DOCPARSE_OCR_LANGS")
    if override:
        return override
    installed = [lang for lang in _installed_languages(tesseract_path()) if lang != "osd"]
    wanted = TESSERACT_CODES.get((hint or "").lower()[:2])
    if wanted in installed:
        return wanted if wanted == "eng" or "eng" not in installed else f"{wanted}+eng"
    preferred = [lang for lang in PREFERRED_LANGS if lang in installed]
    if preferred:
        return "+".join(preferred)
    if installed:
        return "+".join(installed[:3])
    raise OcrUnavailable(f"tesseract has no language data installed: {INSTALL_HINT}")


def run_tesseract(image: bytes, langs: str | None = None, psm: int = 3) -> str:
    """tesseract's TSV output for one image (PNG, PNM, TIFF or JPEG bytes)."""
    exe = tesseract_path()
    langs = langs or ocr_languages()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", langs, "--psm", str(psm), "tsv"],
            input=image, capture_output=True, timeout=TIMEOUT_S, env=env,
        )
    except FileNotFoundError:
        raise OcrUnavailable(f"OCR needs the tesseract program, which is not installed: {INSTALL_HINT}") from None
    except subprocess.TimeoutExpired:
        raise OcrFailed(f"tesseract took more than {TIMEOUT_S} s on one page") from None
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise OcrFailed(f"tesseract failed (exit {proc.returncode}): {err[-1] if err else 'no message'}")
    return proc.stdout.decode("utf-8", errors="replace")


def tsv_words(tsv: str, scale_x: float, scale_y: float, min_conf: float = MIN_CONFIDENCE) -> list[Word]:
    """Words from tesseract TSV; pixel boxes times ``scale`` (points per pixel).

    Line numbers are made unique within a block (tesseract numbers lines per paragraph).
    """
    words: list[Word] = []
    line_ids: dict[tuple[int, int, int], int] = {}
    header = True
    for row in tsv.splitlines():
        if header:
            header = False
            if row.startswith("level"):
                continue
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
            left, top, width, height = (int(c) for c in cols[6:10])
            conf = float(cols[10])
        except ValueError:
            continue
        if conf < min_conf and not any(ch.isalnum() for ch in text):
            continue  # punctuation specks
        if conf < 0:
            continue
        lid = line_ids.setdefault((block, par, line), sum(1 for k in line_ids if k[0] == block))
        words.append(Word(
            text=text,
            x0=round(left * scale_x, 2), y0=round(top * scale_y, 2),
            x1=round((left + width) * scale_x, 2), y1=round((top + height) * scale_y, 2),
            block=block, line=lid,
        ))
    return words


def ocr_page(page: pymupdf.Page, number: int, *, dpi: int = OCR_DPI, image_px: tuple[int, int] | None = None,
             image_page: bool = False, langs: str | None = None) -> PageText:
    """OCR one PyMuPDF page (a PDF page without text layer, or a page of an image document).

    A PDF page is rendered at ``dpi``. An image page (``image_page``; ``image_px`` its pixel size
    when known) keeps its own resolution when its long side is IMAGE_LONG_SIDE_PX[0]..[1] pixels,
    else is scaled into that range (small crops are enlarged up to 3x, huge scans reduced).
    """
    import pymupdf

    rect = page.rect
    if image_page:
        lo, hi = IMAGE_LONG_SIDE_PX
        long_pt = max(rect.width, rect.height, 1.0)
        native = max(image_px) if image_px else long_pt * dpi / 72
        target = min(max(native, lo), hi, 3 * native)
        zoom = target / long_pt
    else:
        zoom = zoom_for(page, dpi, MAX_OCR_PIXELS)
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY, alpha=False)
    data = pix.tobytes("pnm")  # no compression: cheaper than PNG, and tesseract reads it
    tsv = run_tesseract(data, langs)
    words = tsv_words(tsv, rect.width / pix.width, rect.height / pix.height)
    return PageText(number=number, width=float(rect.width), height=float(rect.height),
                    source="ocr" if words else "none", words=words)
