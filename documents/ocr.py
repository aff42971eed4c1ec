"""OCR with the tesseract command-line program: a page image -> extraction.pages.PageText words.

Runs in page processes (like documents.pages), one tesseract process per page:

    OMP_THREAD_LIMIT=1 tesseract stdin stdout -l deu+fra --psm 4 tsv

1. The page is drawn in grey at its own resolution (an image page's pixels, a scanned PDF page's
   image; documents/raster.py), speckles are removed and the page's turn, skew and text size are
   found, and shaded areas (a table's header band) are set on the paper's colour
   (documents/scanprep.py).
2. It is drawn again upright and straight (turned by ``rotation``), scaled so its text lines are
   about LINE_PX_TARGET pixels high (small print enlarged; large print read as it is), and read.
   Blocks side by side whose text lines are not level (a grid of labels and values beside an
   address) are drawn below the page first and their words put back afterwards
   (documents/columns.py): the one-column segmentation cut its lines across both. A dark sidebar
   is read in a pass of its own, its words marked as set aside from the page's rows.
3. A page that still reads badly (mean word confidence under LOW_CONFIDENCE) is read once more
   turned by half a turn, and the better reading is kept (a page upside down whose text gave no
   clear sign).

Words are in PDF points of the *upright* page (origin top-left; a page turned a quarter has
width and height swapped) and ``PageText.rotation`` says how it was turned: citations refer to
that upright page, and a reader's page image is drawn the same way (raster.render_png), so
highlights fall on the words. Each word's ``conf`` is tesseract's confidence / 100.

Languages (``-l``): the extraction's language alone when its model is installed; with
``language: auto`` the installed non-English Latin models (at most two; English text reads as
well with them), else English. ``DOCPARSE_OCR_LANGS`` overrides ("eng+deu"). A missing tesseract
raises ``OcrUnavailable`` with what to install.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from typing import TYPE_CHECKING

from documents.raster import draw_upright, native_zoom, upright_size, zoom_for
from extraction.pages import PageText, Word

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pymupdf

# The languages the project installs (scripts/ocr-languages, the one list), in order of preference.
PREFERRED_LANGS = ("eng", "deu", "fra")
# With `language: auto`: these installed models, in this order, at most AUTO_MAX_MODELS of them.
# Each model added costs ~25% more time; English words read as well with any Latin model.
AUTO_LANGS = tuple(lang for lang in PREFERRED_LANGS if lang != "eng") + ("spa", "ita", "nld", "por")
AUTO_MAX_MODELS = 2
# tesseract's page segmentation: 4 = one column of text of variable sizes. It keeps a table row
# or a label and its value on one line, where 3 (automatic) split the page into blocks.
PSM = 4
# Text lines are scaled to about this height in pixels (as scanprep measures them). tesseract
# reads 7-pt print at 150 dpi (~12 px lines) much better enlarged: at 17 px it still read "B1234"
# as "81234" and "1,18" as "118" on skewed scans, at 20 px it did not; 10-pt print (~16-20 px)
# is read as it is.
# Pages are never reduced: the measured height is the body text's, and a scan's small print
# (addresses, footers, where names and ids sit) reduced with it to ~13 px is misread; a 350-dpi
# scan reduced to 20-px body lines lost its "Name, Inc." line that it reads at its own size.
LINE_PX_TARGET = 20.0
LINE_PX_MIN = 16.0  # from this up, the page is read at its own resolution
MAX_ENLARGE = 2.0
TIMEOUT_S = 120
# A huge page (a poster) is OCRed at a lower resolution.
MAX_OCR_PIXELS = 40_000_000
MIN_CONFIDENCE = 10.0  # below this tesseract is guessing (logos, lines, specks)
LOW_CONFIDENCE = 50.0  # a page whose words average less reads upside down (or is not text)

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


def choose_languages(hint: str | None, installed: tuple[str, ...] | list[str]) -> str:
    """The '-l' argument for an extraction language (ISO 639-1 or "auto") among the installed models.

    A known language: its model alone (one model is the fastest, and reads that language's
    accents; English words read well with any Latin model). Unknown or auto: the installed
    AUTO_LANGS (at most AUTO_MAX_MODELS), else eng, else what is there (never 'osd' alone).
    """
    usable = [lang for lang in installed if lang != "osd"]
    wanted = TESSERACT_CODES.get((hint or "").lower()[:2])
    if wanted in usable:
        return wanted
    auto = [lang for lang in AUTO_LANGS if lang in usable][:AUTO_MAX_MODELS]
    if auto:
        return "+".join(auto)
    if "eng" in usable:
        return "eng"
    if usable:
        return "+".join(usable[:AUTO_MAX_MODELS])
    raise OcrUnavailable(f"tesseract has no language data installed: {INSTALL_HINT}")


def ocr_languages(hint: str | None = None) -> str:
    """choose_languages among the models installed here; ``DOCPARSE_OCR_LANGS`` overrides."""
    override = os.environ.get("DOCPARSE_OCR_LANGS")
    if override:
        return override
    return choose_languages(hint, _installed_languages(tesseract_path()))


def run_tesseract(image: bytes, langs: str | None = None, psm: int | None = None) -> str:
    """tesseract's TSV output for one image (PNG, PNM, TIFF or JPEG bytes)."""
    exe = tesseract_path()
    langs = langs or ocr_languages()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", langs, "--psm", str(psm or PSM), "tsv"],
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


# A speck touching a word is read as a quote or an apostrophe at its edge ("'RE-2020-51574",
# '"4.383,81'); a number or an id never carries one, so there it is dropped.
SPECK_MARKS = "'\"`\u2018\u2019\u201a\u201c\u201d\u201e"


def _without_speck_marks(text: str) -> str:
    core = text.strip(SPECK_MARKS)
    return core if core != text and any(ch.isdigit() for ch in core) else text


# In a figure, tesseract reads a 1 as I or l and a 0 as O now and then ("CHFI52.15", "1O0,00"): a
# word that is otherwise a figure (digits and separators, perhaps a currency before it) with at
# least two digits gets its digits back.
_FIGURE_LIKE = re.compile(r"^([$€£]|CHF|EUR|USD|GBP)?([\dIlO.,']*\d[\dIlO.,']*)$")


def _figure_digits(text: str) -> str:
    m = _FIGURE_LIKE.match(text)
    if not m or sum(ch.isdigit() for ch in m[2]) < 2 or not any(ch in "IlO" for ch in m[2]):
        return text
    return (m[1] or "") + m[2].translate(str.maketrans("IlO", "110"))


# A table's vertical rule touching a word is read as a bar or a bracket at its edge or inside it
# ("|Cavo", "Qty|", "538.99]", "4|LED"); text does not print them so, and a rule read as a word
# of its own ("|", "][") stands between a table's labels or figures. Bars split a word, and
# bars and unpaired brackets at a word's edges go.
RULE_MARKS = "|¦[]"


def _rule_pieces(text: str) -> list[tuple[int, int]]:
    """The (start, end) character spans of a word's text once rule marks are taken out of it
    (none: the word was only rule marks)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^|¦]+", text)]
    out = []
    for a, b in spans:
        piece = text[a:b]
        if ("[" in piece) != ("]" in piece):  # an unpaired bracket at an edge is a rule
            a, b = a + len(piece) - len(piece.lstrip("[]")), b - len(piece) + len(piece.rstrip("[]"))
        if text[a:b].strip(" []"):
            out.append((a, b))
    return out


def tsv_words(tsv: str, scale_x: float, scale_y: float, min_conf: float = MIN_CONFIDENCE) -> list[Word]:
    """Words from tesseract TSV; pixel boxes times ``scale`` (points per pixel), ``conf`` in [0, 1].

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
        text = _figure_digits(_without_speck_marks(cols[11].strip()))
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
        pieces = _rule_pieces(text) if any(ch in RULE_MARKS for ch in text) else [(0, len(text))]
        for a, b in pieces:  # a piece's box: its share of the word's width, by characters
            x0, x1 = left + width * a / len(text), left + width * b / len(text)
            words.append(Word(
                text=_without_speck_marks(text[a:b]),
                x0=round(x0 * scale_x, 2), y0=round(top * scale_y, 2),
                x1=round(x1 * scale_x, 2), y1=round((top + height) * scale_y, 2),
                block=block, line=lid, conf=round(min(conf, 100.0) / 100, 3),
            ))
    return words


def reading_quality(words: list[Word]) -> float:
    """Mean confidence (0-100) of the words that hold letters or digits; 0 without any."""
    confs = [w.conf for w in words if w.conf is not None and sum(ch.isalnum() for ch in w.text) >= 2]
    return 100 * sum(confs) / len(confs) if confs else 0.0


def text_scale(line_px: float) -> float:
    """How much to scale a page whose text lines are line_px high (1: read it as it is)."""
    if not line_px or line_px >= LINE_PX_MIN:
        return 1.0
    return min(LINE_PX_TARGET / line_px, MAX_ENLARGE)


def _pnm(a: np.ndarray) -> bytes:
    """A grey array as binary PGM: no compression, cheaper than PNG, and tesseract reads it."""
    return b"P5\n%d %d\n255\n" % (a.shape[1], a.shape[0]) + a.tobytes()


def _read(a: np.ndarray, langs: str | None, points_per_px: float, line_px: float, paper: float) -> list[Word]:
    """The words of an upright page; blocks beside others whose lines are not level are read
    below the page, then put back, and dark panels are read on their own (documents/columns.py)."""
    from documents.columns import dark_panels_read_apart, put_back, stack_offset_blocks, with_panels

    page, panels = dark_panels_read_apart(a, line_px, paper)
    stacked, moved = stack_offset_blocks(page, line_px, paper)
    words = put_back(tsv_words(run_tesseract(_pnm(stacked), langs), points_per_px, points_per_px), moved, points_per_px)
    if not panels:
        return words
    read = [tsv_words(run_tesseract(_pnm(p.image), langs), points_per_px, points_per_px) for p in panels]
    return with_panels(words, panels, read, points_per_px)


def ocr_page(page: pymupdf.Page, number: int, *, image_px: tuple[int, int] | None = None,
             image_page: bool = False, langs: str | None = None) -> PageText:
    """OCR one PyMuPDF page (a PDF page without text layer, or a page of an image document).

    ``image_page``: the page is an image document's (``image_px`` its pixel size when known);
    else a PDF page, drawn at the resolution of its largest image (a scan) or at 150 dpi.
    """
    import numpy as np
    import pymupdf

    from documents.scanprep import despeckle, flatten_shading, invert_dark_bands, orient, paper_grey, remove_rules

    rect = page.rect
    zoom = native_zoom(page, image_px if image_page else None, MAX_OCR_PIXELS)
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY, alpha=False)
    grey = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
    clean, specks = despeckle(grey)
    found = orient(clean)
    clean, inverted = invert_dark_bands(clean, found.line_px)
    clean, shaded = flatten_shading(clean, found.line_px)
    shaded = shaded or inverted
    scale = min(text_scale(found.line_px), zoom_for(page, 72 * zoom * MAX_ENLARGE, MAX_OCR_PIXELS) / zoom)
    if specks or shaded:
        pix = pymupdf.Pixmap(pymupdf.csGRAY, clean.shape[1], clean.shape[0], clean.tobytes(), False)
    upright, _ = remove_rules(draw_upright(pix, rect, found.rotation, zoom * scale), found.line_px * scale)
    rotation = found.rotation
    read = (langs, 1 / (zoom * scale), found.line_px * scale, paper_grey(upright))
    words = _read(upright, *read)
    quality = reading_quality(words)
    if len(words) >= 10 and quality < LOW_CONFIDENCE:
        again = _read(np.ascontiguousarray(np.rot90(upright, 2)), *read)
        if reading_quality(again) > quality:
            words, rotation = again, (rotation + 180 + 180) % 360 - 180
    width, height = upright_size(rect, rotation)
    return PageText(number=number, width=float(width), height=float(height), rotation=rotation, deskewed=True,
                    source="ocr" if words else "none", words=words)
