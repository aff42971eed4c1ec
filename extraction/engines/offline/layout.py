"""Layout: a page's words placed in visual rows and segments, and the rows of a whole document.

A row is cut into segments at wide gaps (more than a word height): a label and its value share a
segment, the columns of a table or a letterhead are separate segments.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from extraction.engines.offline.dates import date_order
from extraction.pages import ASIDE_BLOCK, DocumentText, PageText, Word
from extraction.result import Citation
from extraction.vocabulary import LEGAL_FORMS, detect_language, pieces_of
from extraction.vocabulary.spelling import label_word


@dataclass
class PlacedWord:
    """A word with its box, its page and its label pieces."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    page: int
    pieces: list[str] = field(default_factory=list)
    conf: float | None = None  # OCR word confidence; None on a text layer
    aside: bool = False  # read from a part of the page set aside (a dark sidebar): never in a table's rows


@dataclass
class Row:
    """One visual row of a page: its words left to right, cut into segments at wide gaps."""

    page: int
    words: list[PlacedWord]
    index: int = 0
    # flat piece list and, per piece, the index of its word
    pieces: list[str] = field(default_factory=list)
    piece_word: list[int] = field(default_factory=list)
    seg_of_word: list[int] = field(default_factory=list)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def height(self) -> float:
        return statistics.median([w.y1 - w.y0 for w in self.words])

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


# the abbreviation of Mehrwertsteuer with its "w" misread; English "must" never carries a period
_MWST_MISREAD = re.compile(r"M[uv][sS]t\.:?")


_AS_LETTER = str.maketrans("10", "lO")


def legal_form_misread(text: str) -> str:
    """A scanned legal form with an l or an O read as a figure ("S.r.1.", "1td", "0y") as printed;
    any other word as it is."""
    if not re.search(r"[01]", text) or (len(re.findall(r"[A-Za-z]", text)) < 2 and "." not in text):
        return text  # "S1", "A0": a code, not a legal form
    fixed = text.translate(_AS_LETTER)
    return fixed if "".join(pieces_of(fixed)) in LEGAL_FORMS else text


def ocr_label_pieces(text: str) -> list[str]:
    """A scanned word's label pieces, the letter O that OCR read as a zero put back: a word of
    letters whose only figures are one or two zeros ("P.0.", "N0.") is a label, not a number; a
    piece one letter off a label word ("literste" for "uiterste") is that word (spelling.py)."""
    if _MWST_MISREAD.fullmatch(text):
        return ["mwst"]  # "MwSt." with its w read as u or v ("Must.", "Mvst."): the German tax label
    digits = [ch for ch in text if ch.isdigit()]
    if digits and set(digits) == {"0"} and len(digits) <= 2 and sum(ch.isalpha() for ch in text) >= 1:
        text = text.replace("0", "O")
    return [label_word(p) or p for p in pieces_of(text)]


def build_rows(page: PageText) -> list[Row]:
    """A page's words grouped into visual rows (top to bottom, left to right), each row cut into
    segments at wide gaps, with its label pieces."""
    words = [
        part
        for w in straightened(page).words
        if w.text.strip()
        for text in [legal_form_misread(w.text) if w.conf is not None else w.text]
        for part in _split_label(PlacedWord(text, w.x0, w.y0, w.x1, w.y1, page.number,
                                            ocr_label_pieces(text) if w.conf is not None else pieces_of(text),
                                            w.conf, aside=w.block >= ASIDE_BLOCK))
    ]
    words.sort(key=lambda w: ((w.y0 + w.y1) / 2, w.x0))
    # OCR boxes hug the ink: a word of small letters ("une", a garbled speck) is a few points
    # shorter than its line and its centre lower than a capitalised word's, so on a scan a word
    # joins a row by the height of the page's lines, not its own alone
    line_h = statistics.quantiles([w.y1 - w.y0 for w in words], n=4)[2] \
        if len(words) >= 4 and ocr_read(words) else 0.0
    rows: list[list[PlacedWord]] = []
    # a sidebar's lines and the page's are rows of their own (a sidebar's line level with a
    # table's header would otherwise start the row and cut the header in two)
    parts = [words] if not any(w.aside for w in words) else \
        [[w for w in words if not w.aside], [w for w in words if w.aside]]
    for part in parts:
        centers: list[float] = []
        start = len(rows)
        for w in part:
            yc = (w.y0 + w.y1) / 2
            h = max(w.y1 - w.y0, line_h, 1.0)
            if len(rows) > start and abs(centers[-1] - yc) < 0.45 * h:
                rows[-1].append(w)
            else:
                rows.append([w])
                centers.append(yc)
    rows.sort(key=lambda ws: ((ws[0].y0 + ws[0].y1) / 2, ws[0].x0))
    out: list[Row] = []
    exact_sizes = page.source == "text" and not ocr_read(page.words)
    for ws in rows:
        ws.sort(key=lambda w: w.x0)
        # drop exact duplicates (bold simulated by overprinting)
        dedup: list[PlacedWord] = []
        for w in ws:
            if dedup and w.text == dedup[-1].text and abs(w.x0 - dedup[-1].x0) < 1.0:
                continue
            dedup.append(w)
        r = Row(page.number, dedup, len(out))
        h = r.height
        seg = 0
        for k, w in enumerate(dedup):
            if k and _new_segment(dedup[k - 1], w, h, exact_sizes):
                seg += 1
            r.seg_of_word.append(seg)
            for p in w.pieces:
                r.pieces.append(p)
                r.piece_word.append(k)
        out.append(r)
    return out


def skew_angle(page: PageText) -> float:
    """The slope (radians) of an OCR page's text lines: the median over its lines of three or
    more words of the line's baseline slope (tesseract finds lines on a slightly rotated scan, its
    word boxes then climb or fall along them)."""
    lines: dict[tuple[int, int], list[Word]] = {}
    for w in page.words:
        lines.setdefault((w.block, w.line), []).append(w)
    slopes: list[float] = []
    for ws in lines.values():
        if len(ws) < 3:
            continue
        xs = [(w.x0 + w.x1) / 2 for w in ws]
        ys = [w.y1 for w in ws]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx < 100.0 ** 2:
            continue  # too short to measure
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx)
    return math.atan(statistics.median(slopes)) if len(slopes) >= 3 else 0.0


def straightened(page: PageText) -> PageText:
    """An OCR page whose lines slope (a scan rotated by a degree or two) with its word boxes
    turned back about the page centre, so that rows are level; other pages as they are."""
    if page.source != "ocr" or page.deskewed:  # deskewed: the OCR straightened the image already
        return page
    angle = skew_angle(page)
    if abs(angle) < math.radians(0.15) or abs(angle) > math.radians(10):
        return page
    cx, cy = page.width / 2, page.height / 2
    cos, sin = math.cos(-angle), math.sin(-angle)
    out = []
    for w in page.words:
        x, y = (w.x0 + w.x1) / 2 - cx, (w.y0 + w.y1) / 2 - cy
        nx, ny = cx + x * cos - y * sin, cy + x * sin + y * cos
        hw, hh = (w.x1 - w.x0) / 2, (w.y1 - w.y0) / 2
        out.append(w.model_copy(update={"x0": nx - hw, "x1": nx + hw, "y0": ny - hh, "y1": ny + hh}))
    return page.model_copy(update={"words": out})


OCR_GAP = 1.5  # a gap this many OCR word heights wide starts a segment (0.9 text-layer heights)


def _new_segment(prev: PlacedWord, w: PlacedWord, h: float, exact_sizes: bool) -> bool:
    """A wide gap starts a new segment; so does a narrower one where the type size changes (a
    title set beside a name on the same line), where word boxes give the type size (a text
    layer; OCR boxes vary with the letters)."""
    gap = w.x0 - prev.x1
    if not exact_sizes:
        # OCR boxes hug the ink: a line's words are about 0.6 of the height a text layer gives
        # them (the font's box), so a word space of a large heading is near their height
        return gap > max(OCR_GAP * h, 6.0)
    if gap > max(0.9 * h, 6.0):
        return True
    hp, hw = prev.y1 - prev.y0, w.y1 - w.y0
    return gap > 0.4 * min(hp, hw) and abs(hp - hw) > 0.15 * max(hp, hw)


_GLUED = re.compile(r"^([A-Za-zÀ-ÿ][^:\s]*[A-Za-zÀ-ÿ.)]):([^/:\s].*)$")


def _split_label(w: PlacedWord) -> list[PlacedWord]:
    """"Vencimiento:15" printed without a space is a label and a value: two words, the box cut
    in proportion to the characters."""
    m = _GLUED.match(w.text)
    if not m:
        return [w]
    left, right = m[1] + ":", m[2]
    cut = w.x0 + (w.x1 - w.x0) * len(left) / len(w.text)
    return [PlacedWord(left, w.x0, w.y0, cut, w.y1, w.page, pieces_of(left), w.conf),
            PlacedWord(right, cut, w.y0, w.x1, w.y1, w.page, pieces_of(right), w.conf)]


def segments(r: Row) -> list[list[PlacedWord]]:
    """A row's words cut at wide gaps, left to right."""
    segs: dict[int, list[PlacedWord]] = {}
    for k, w in enumerate(r.words):
        segs.setdefault(r.seg_of_word[k], []).append(w)
    return list(segs.values())


def covers_whole_words(r: Row, i: int, j: int) -> bool:
    """pieces[i:j] of a row cover whole words."""
    if i > 0 and r.piece_word[i - 1] == r.piece_word[i]:
        return False
    return not (j < len(r.pieces) and r.piece_word[j] == r.piece_word[j - 1])


def box_of(words: list[PlacedWord]) -> tuple[float, float, float, float]:
    """The union box of words."""
    return (min(w.x0 for w in words), min(w.y0 for w in words),
            max(w.x1 for w in words), max(w.y1 for w in words))


def ocr_read(words: Iterable[Any]) -> bool:
    """Whether these words were read by OCR (they carry its confidence; a text layer's do not)."""
    return any(w.conf is not None for w in words)


def mean_conf(words: list[PlacedWord]) -> float | None:
    """The mean OCR confidence of words, None when none came from OCR."""
    cs = [w.conf for w in words if w.conf is not None]
    return sum(cs) / len(cs) if cs else None


# tesseract reads a scan with the installed models (German and French here): a Spanish or Italian
# accent it has no letter for comes back as the umlaut it has ("Informätica", "Mediterräneo").
# Neither language writes these letters (Spanish keeps its ü), so on a scan they are put back.
OCR_UMLAUTS = {"es": str.maketrans("äëïöÄËÏÖ", "áéíóÁÉÍÓ"), "it": str.maketrans("äëïöüÄËÏÖÜ", "àèìòùÀÈÌÒÙ")}


# A scanned image's size in points is its pixels at the resolution its file declares, which is
# often not the one it was scanned at (a 150-dpi scan saved as 96 dpi, a 300-dpi one as 72): its
# words then stand 1.5 or 4 times further apart than on paper, and the engine's distances (a
# label's value within so many points, a party's block so wide) no longer fit. A scanned page
# whose long side is no paper's is read at the size of an A4 page.
PAPER_LONG_SIDE = (560.0, 1250.0)  # points: from A5 to A3's long side, with a margin
A4_LONG_SIDE = 842.0
OCR_INK_TO_FONT_BOX = 1.9  # a text layer's word box height / OCR's box of the same word's ink


def on_paper(page: PageText) -> PageText:
    """An OCR-read page whose long side is no paper size, its words scaled to an A4 page's; any
    other page as it is."""
    long_side = max(page.width, page.height)
    if page.source != "ocr" or not long_side or PAPER_LONG_SIDE[0] <= long_side <= PAPER_LONG_SIDE[1]:
        return page
    f = A4_LONG_SIDE / long_side
    words = [w.model_copy(update={"x0": w.x0 * f, "y0": w.y0 * f, "x1": w.x1 * f, "y1": w.y1 * f}) for w in page.words]
    return page.model_copy(update={"width": page.width * f, "height": page.height * f, "words": words})


class DocumentRows:
    """Rows of every page plus document-wide hints (decimal separator, line height, the language
    the words are in and the day/month order of numeric dates)."""

    def __init__(self, document: DocumentText, language: str) -> None:
        self.pages = [on_paper(p) for p in document.pages]
        self.rows_by_page: list[list[Row]] = [build_rows(p) for p in self.pages]
        self.rows: list[Row] = [r for rows in self.rows_by_page for r in rows]
        self.size = {p.number: (p.width or 1.0, p.height or 1.0) for p in self.pages}
        self.language = language
        texts = [w.text for r in self.rows for w in r.words]
        text = " ".join(texts)
        given = language.lower()[:2] if language and language != "auto" else None
        self.detected = given or detect_language(texts)
        umlauts = OCR_UMLAUTS.get(self.detected or "")
        if umlauts:
            for r in self.rows:
                for w in r.words:
                    if w.conf is not None:
                        w.text = w.text.translate(umlauts)
        self.date_order = "mdy" if language.lower() in ("en-us", "us") else date_order(texts, self.detected)
        comma = len(re.findall(r"\d,\d{2}(?!\d)", text))
        dot = len(re.findall(r"\d\.\d{2}(?!\d)", text))
        self.decimal = "," if comma > dot else "." if dot > comma else None
        self.heights = [r.height for r in self.rows] or [10.0]
        self.line_h = statistics.median(self.heights)  # a word's height: to compare print sizes
        # to count a distance in lines: OCR's boxes hug the ink, about half as high as the font
        # box a text layer gives each word (measured 0.51 on 24 layouts), so a distance of n lines
        # on a scan is n of the text layer's box heights
        read_by_ocr = sum(1 for r in self.rows for w in r.words if w.conf is not None)
        self.scanned = read_by_ocr > 0
        self.box_scale = OCR_INK_TO_FONT_BOX if 2 * read_by_ocr > len(texts) else 1.0  # a word's height -> its font box's

    @property
    def line_step(self) -> float:
        """A line's height in the text layer's measure: the unit of distances counted in lines."""
        return self.line_h * self.box_scale

    def cite(self, page: int, box: tuple[float, float, float, float]) -> Citation:
        w, h = self.size.get(page, (1.0, 1.0))
        x0, y0, x1, y1 = box
        clamp = lambda v: max(0.0, min(1.0, v))  # noqa: E731
        return Citation(page=page, bbox=(clamp(x0 / w), clamp(y0 / h), clamp(x1 / w), clamp(y1 / h)))
