"""Preparing a scanned page image for OCR (numpy on a grayscale array, no I/O).

    clean, specks = despeckle(gray)
    found = orient(clean)   # Orientation(turn, skew, line_px, ...)

- ``despeckle``: speckle noise (small dark dots on the paper, light dots inside strokes) is
  what an office scanner adds; tesseract reads a dot next to a glyph as part of it ("9,9000" ->
  "49,9000") and a dot between words as a word ("+", "u", "oo"), which breaks table rows, and
  specks filling the gaps between lines hide the page's lines from ``orient``. A single pixel
  unlike all its neighbours goes, and so does a small dot with no other ink within a few pixels
  (blurred or JPEG-smeared too); periods, commas and i-dots, which sit by their letters, stay.
- ``orient``: the page's turn (0/90/180/270) and small skew, from the ink of the text (table
  rules left out). Skew: the angle at which the horizontal projection of the ink is sharpest
  (text lines make peaks), searched coarse to fine. Sideways: the vertical projection has more
  empty gaps than the horizontal one. Upside down: Latin text has more ink above its x-height
  band (ascenders, capitals, digits) than below it (descenders).
- ``line_px``: the typical text-line height, so OCR can scale the page to the size tesseract
  reads best (small print is enlarged, large print is not).
- ``flatten_shading``: text printed on a shaded band (a table's header row, a totals box, a band
  of header values) is set on the paper's colour: tesseract dropped such a line whole on grey,
  noisy scans ("Artikelnr. Hoeveelheid Product Stukprijs Bedrag" on a 15% grey band), and with
  it the table's columns. The local background is the lightest pixel within a few pixels (wider
  than a stroke); where it is clearly darker than the paper, the pixels are lightened by
  paper / background, so the band becomes paper and its text stays dark.

Angles are in degrees as PyMuPDF's ``Matrix.prerotate`` takes them: ``turn - skew`` is what the
page must be turned by to be upright (documents/ocr.py draws it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

INK = 150  # a pixel darker than this is ink
MAX_SKEW = 8.0  # degrees searched either way; a scan more skewed than this is a photo
MIN_SKEW = 0.2  # below this a page is read as it is (lines drift < 2 px across an A4 page)
MAX_POINTS = 60_000  # ink points used to estimate skew (evenly sampled on dense pages)
STEP = 2  # the ink is looked at on a grid of this many pixels (darkest of each cell)
MIN_LINE_CELLS = 4  # a text line is at least this many cells (8 px) high
UPSIDE_DOWN = 0.05  # an upright score below minus this: the page is upside down (near 0 it cannot tell; most pages are upright)
SIDEWAYS_MARGIN = 0.1  # more empty columns than rows by this share: the text lines run down the page
SPECK_PX, SPECK_GAP = 6, 8  # a speck: at most this many dark pixels, nothing else this near
SPECK_CONTRAST = 40  # dark: this much darker than the paper (a grey paper, a blurred speck)
SHADE_BLOCK = 4  # the background is measured on blocks of this many pixels square
SHADE_MIN = 12  # a background this much darker than the paper is a shaded area, not paper noise
RULE_PX = 40  # an unbroken run of ink this long (pixels, ~7 mm at 150 dpi) is a rule, not a letter


def _neighbours(a: np.ndarray) -> list[np.ndarray]:
    p = np.pad(a, 1, mode="edge")
    h, w = a.shape
    return [p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


def _window_sum(m: np.ndarray, r: int) -> np.ndarray:
    """How many of the (2r+1) x (2r+1) pixels around each pixel are set (zeros beyond the edge)."""
    k = 2 * r + 1
    p = np.pad(m.astype(np.int32), r)
    c = np.concatenate([np.zeros((1, p.shape[1]), np.int32), np.cumsum(p, axis=0, dtype=np.int32)])
    rows = c[k:] - c[:-k]
    c = np.concatenate([np.zeros((rows.shape[0], 1), np.int32), np.cumsum(rows, axis=1, dtype=np.int32)], axis=1)
    return c[:, k:] - c[:, :-k]


def despeckle(a: np.ndarray) -> tuple[np.ndarray, int]:
    """(cleaned copy, speck pixels found). Two kinds of speck go:

    - a pixel unlike all eight of its neighbours (a dark dot on the paper, a light dot in a
      stroke), even right beside a letter, where tesseract would read it as part of the glyph;
    - a dot of a few dark pixels (at most SPECK_PX, blurred or smeared by JPEG) with no other ink
      within about SPECK_GAP pixels, painted the paper's colour with its rim (counted on 2 x 2
      blocks, a quarter of the work).

    Punctuation stays: a period, a comma or a colon's dots are drawn with grey edges at scan
    resolution and sit a few pixels from their word or from each other."""
    around = _neighbours(a)
    lo, hi = np.minimum.reduce(around), np.maximum.reduce(around)
    pepper = (a < 128) & (lo > 200)
    salt = (a > 200) & (hi < 128)
    paper = int(paper_grey(a))
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    ink = (a < paper - SPECK_CONTRAST) & ~pepper
    blocks = ink[:h, :w].reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3), dtype=np.int32)
    lone = (blocks > 0) & (_window_sum(blocks, SPECK_GAP // 2) <= SPECK_PX)
    n = int(pepper.sum() + salt.sum() + blocks[lone].sum())
    if not n:
        return a, 0
    out = a.copy()
    out[pepper] = 255
    out[salt] = 0
    if lone.any():  # the dot's blocks and those around them, where darker than the paper
        rim = np.zeros(a.shape, bool)
        rim[:h, :w] = np.repeat(np.repeat(_window_sum(lone, 1) > 0, 2, axis=0), 2, axis=1)
        rim &= a < paper
        out[rim] = paper
    return out, n


def _in_long_runs(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels that lie in a run of at least ``length`` ink pixels along axis 1 (a rule, a box).
    The runs are found from where the ink starts and stops along each row (a page has far fewer
    of those than pixels), and only the long ones are painted back."""
    h, w = ink.shape
    out = np.zeros((h, w), bool)
    if w < length or not h:
        return out
    padded = np.zeros((h, w + 2), np.int8)  # a paper pixel either side: no run crosses a row end
    padded[:, 1:-1] = ink
    edges = np.diff(padded.ravel())
    starts = np.flatnonzero(edges == 1) + 1  # the first ink pixel of each run (padded, flat)
    stops = np.flatnonzero(edges == -1) + 1  # the first paper pixel after it
    long = stops - starts >= length
    starts, stops = starts[long], stops[long]
    if not len(starts):
        return out
    sizes = stops - starts
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    at = first + np.arange(int(sizes.sum()))  # every pixel of every long run (padded, flat)
    out[at // (w + 2), at % (w + 2) - 1] = True
    return out


def _ink(a: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every ink pixel of the text on a grid of ``step`` pixels (darkest of each
    cell). Table rules and box edges are left out: vertical ones look like text lines read sideways."""
    h, w = (a.shape[0] // step) * step, (a.shape[1] // step) * step
    cells = a[:h, :w].reshape(h // step, step, w // step, step).min(axis=(1, 3)) if step > 1 else a
    ink = cells < INK
    length = max(RULE_PX // step, 8)
    ink &= ~_in_long_runs(ink, length) & ~_in_long_runs(ink.T, length).T
    areas = _dark_areas(a, 0.0)
    if areas is not None and SHADE_BLOCK % step == 0:
        # a dark band's or panel's ground is no ink: between its light letters it makes short
        # runs down and across, and a sidebar's looked like lines read sideways
        k = SHADE_BLOCK // step
        dark = np.repeat(np.repeat(areas.dark, k, axis=0), k, axis=1)[:ink.shape[0], :ink.shape[1]]
        ink[:dark.shape[0], :dark.shape[1]] &= ~dark
    ys, xs = np.nonzero(ink)
    return ys.astype(np.float64), xs.astype(np.float64)


def _profile(ys: np.ndarray, xs: np.ndarray, angle: float) -> np.ndarray:
    """Ink per row after turning the page by ``angle`` degrees (small angles: a shear)."""
    rows = np.round(ys - xs * np.tan(np.radians(angle))).astype(np.int64)
    return np.bincount(rows - rows.min())


def _sharpness(ys, xs, angle: float) -> float:
    h = _profile(ys, xs, angle).astype(np.float64)
    return float((h * h).sum()) / max(len(ys), 1)


def _straighten(ys: np.ndarray, xs: np.ndarray) -> tuple[float, float]:
    """(skew in degrees, share of empty rows once straight) of ink points read along rows. The
    skew is as PyMuPDF's prerotate would have made it: turn by -skew to straighten. Text read
    along its lines leaves the gaps between lines empty (~40% of rows); read across them, few."""
    if len(ys) > MAX_POINTS:
        keep = np.linspace(0, len(ys) - 1, MAX_POINTS).astype(np.int64)
        ys, xs = ys[keep], xs[keep]
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    best = float(max(coarse, key=lambda t: _sharpness(ys, xs, t)))
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    best = float(max(fine, key=lambda t: _sharpness(ys, xs, t)))
    empty = float((_profile(ys, xs, best) == 0).mean())
    return (round(best, 2) if abs(best) >= MIN_SKEW else 0.0), empty


def true_spans(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-d mask."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2])]


def _runs(h: np.ndarray) -> list[np.ndarray]:
    """The text lines of a row profile: runs of rows with ink."""
    return [h[s:e] for s, e in true_spans(h > 0)]


def upright_score(lines: list[np.ndarray]) -> float:
    """In [-1, 1]: > 0 when text lines have more ink above their core band than below it
    (upright Latin text), < 0 when upside down, ~0 when there is too little text to tell."""
    above = below = 0.0
    for line in lines:
        if not 3 <= len(line) <= 40:  # (in STEP-pixel rows) a rule, a picture or a speck, not text
            continue
        core = np.flatnonzero(line >= 0.5 * line.max())
        above += float(line[:core[0]].sum())
        below += float(line[core[-1] + 1:].sum())
    return (above - below) / max(above + below, 1.0)


@dataclass(frozen=True)
class Orientation:
    turn: int  # 0, 90, 180 or 270: the page must be turned by this much (prerotate degrees)
    skew: float  # degrees; then straightened by -skew
    line_px: float  # median text-line height in pixels once upright (0: no text found)
    upright: float  # upright_score of the final orientation (confidence of the turn)

    @property
    def rotation(self) -> float:
        """Degrees (prerotate) that make the page upright and straight."""
        r = (self.turn - self.skew) % 360
        return round(r - 360 if r > 180 else r, 2)


def orient(a: np.ndarray) -> Orientation:
    """The turn and skew that make the page upright, and its text-line height (one pass over the
    ink, on a grid of STEP pixels)."""
    ys, xs = _ink(a, STEP)
    if len(ys) < 200:  # a blank page or a few marks: read as it is
        return Orientation(turn=0, skew=0.0, line_px=0.0, upright=0.0)
    skew, rows = _straighten(ys, xs)
    side_skew, cols = _straighten(xs, ys)
    turn = 0
    if cols > rows + SIDEWAYS_MARGIN:
        # read along the columns: a prerotate by 90 puts column x on row x, row y on column -y
        turn, skew, ys, xs = 90, -side_skew, xs, -ys
    lines = _runs(_profile(ys, xs, skew))
    typical = _typical_height(lines)
    # lines of about the typical height: a run of two lines merged, or a line with the rule of
    # its table row under it, has its "above" and "below" ink from other things than letters
    score = upright_score([line for line in lines if 0.6 * typical <= len(line) <= 1.5 * typical] or lines)
    if score < -UPSIDE_DOWN:  # upside down: half a turn more keeps the lines' slope
        turn, score = (turn + 180) % 360, -score
    return Orientation(turn=turn, skew=skew, line_px=STEP * typical, upright=score)


def _typical_height(lines: list[np.ndarray]) -> float:
    """The median height of the text lines; runs under MIN_LINE_CELLS rows are left out (what a
    leftover speck or a rule makes: many, and thin)."""
    heights = [len(line) for line in lines if len(line) >= MIN_LINE_CELLS]
    return float(np.median(heights)) if heights else 0.0


def _extreme_filter(a: np.ndarray, r: int, op) -> np.ndarray:
    """``op`` (np.maximum or np.minimum) over the (2r+1) x (2r+1) square around each pixel."""
    out = a.copy()
    for axis in (0, 1):
        src = out.copy()
        o = out if axis == 0 else out.T
        s_ = src if axis == 0 else src.T
        for k in range(1, r + 1):
            op(o[k:], s_[:-k], out=o[k:])
            op(o[:-k], s_[k:], out=o[:-k])
    return out


def paper_grey(a: np.ndarray) -> float:
    """The paper's grey: the 90th percentile of a sample of the page (most of a page is paper)."""
    return float(np.percentile(a[::4, ::4], 90))


def _block_medians(a: np.ndarray) -> np.ndarray:
    """The median of each whole SHADE_BLOCK-square block: a speck or a JPEG smudge does not move it."""
    b = SHADE_BLOCK
    h, w = a.shape[0] // b * b, a.shape[1] // b * b
    blocks = a[:h, :w].reshape(h // b, b, w // b, b).transpose(0, 2, 1, 3).reshape(h // b, w // b, b * b)
    return np.partition(blocks, b * b // 2, axis=2)[:, :, b * b // 2]


def _block_pixels(m: np.ndarray, shape: tuple[int, ...], fill) -> np.ndarray:
    """A per-block array drawn at the page's pixels (``fill`` beyond the last whole block)."""
    b = SHADE_BLOCK
    full = np.full(shape, fill, m.dtype)
    full[:m.shape[0] * b, :m.shape[1] * b] = np.repeat(np.repeat(m, b, axis=0), b, axis=1)
    return full


def flatten_shading(a: np.ndarray, line_px: float = 0.0) -> tuple[np.ndarray, bool]:
    """(copy with shaded areas set on the paper's colour, whether there were any). The background
    is measured on blocks of SHADE_BLOCK pixels, each the median of its pixels (a speck or a JPEG
    smudge does not count), closed over a square about a text line high (the lightest block near
    each block, then the darkest of those: letters vanish, as a square this size takes in the
    paper between them or between their lines; a band keeps its edges). Where the background is
    more than SHADE_MIN darker than the paper, but light enough for black print to be read on it
    (over half the paper's brightness), pixels are lightened by paper / background. Paper and the
    text on it are left as they are."""
    b = SHADE_BLOCK
    if a.shape[0] < 4 * b or a.shape[1] < 4 * b:
        return a, False
    paper = paper_grey(a)
    med = _block_medians(a)
    r = int(min(max(round(line_px / (2 * b)), 2), 6)) if line_px else 3
    bg_blocks = _extreme_filter(_extreme_filter(med, r, np.maximum), r, np.minimum)
    shaded_blocks = (bg_blocks < paper - SHADE_MIN) & (bg_blocks > paper / 2)
    if not shaded_blocks.any():
        return a, False
    gain_blocks = np.where(shaded_blocks, paper / np.maximum(bg_blocks, 1).astype(np.float32), np.float32(1.0))
    gain = _block_pixels(gain_blocks.astype(np.float32), a.shape, np.float32(1.0))
    out = np.clip(a.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    return out, True


BAND_LINES = 5  # a dark area taller than this many text lines is a panel, not a band
BAND_GRAIN = 0.35  # on a dark band, what is lighter than the band by less than this share of paper - band is grain
RULE_CONTRAST = 25  # a rule's pixels: this much darker than the paper (light grey rules count)
RULE_CLEAR = 0.15  # a rule has paper on both sides: under this share of ink just above and below it


def _row_density(ink: np.ndarray, length: int) -> np.ndarray:
    """Share of ink in the ``length`` pixels of its row centred on each pixel."""
    h, w = ink.shape
    c = np.concatenate([np.zeros((h, 1), np.int32), np.cumsum(ink, axis=1, dtype=np.int32)], axis=1)
    half = length // 2
    lo = np.clip(np.arange(w) - half, 0, w)
    hi = np.clip(np.arange(w) + half + 1, 0, w)
    return (c[:, hi] - c[:, lo]) / np.maximum(hi - lo, 1)


def _thin_rules(ink: np.ndarray, length: int, thick: int) -> np.ndarray:
    """Pixels of horizontal rules: runs of at least ``length`` ink pixels along a row, at most
    ``thick`` pixels thick, with little ink just above and just below them along at least half
    that length (a filled band is not a rule, nor is the baseline of serif letters that touch,
    which has their bodies above it all along)."""
    ink = ink.copy()
    ink[:-1] |= ink[1:]  # a thin rule drawn between two rows of pixels is grey in both
    runs = _in_long_runs(ink, length)
    out = np.zeros(ink.shape, bool)
    # Only the bands of rows that hold a long run are looked at further (a page is mostly text
    # and paper), each with enough rows around it for the checks below: the same result, in a
    # fraction of the time.
    margin = thick + 4
    has = np.convolve(runs.any(axis=1), np.ones(2 * margin + 1), mode="same") > 0
    for s, e in true_spans(has):
        out[s:e] = _thin_rules_in(ink[s:e], runs[s:e], length, thick)
    return out


def _thin_rules_in(ink: np.ndarray, runs: np.ndarray, length: int, thick: int) -> np.ndarray:
    # thicker than a rule: a filled band (a double rule, two thin ones with paper between, is not)
    runs = runs & ~_in_long_runs(np.ascontiguousarray(runs.T), thick + 3).T
    if not runs.any():
        return runs
    dens = _row_density(ink, length)
    g = thick + 1
    above = np.ones(ink.shape)
    below = np.ones(ink.shape)
    above[g + 1:] = np.maximum(dens[1:-g], dens[:-g - 1])
    below[:-g - 1] = np.maximum(dens[g:-1], dens[g + 1:])
    clear = runs & (above < RULE_CLEAR) & (below < RULE_CLEAR)
    # a rule goes whole, also where letters stand close above it (a box's edge under its label:
    # a stub left under "INVOICE #" was read into it as "PVO #")
    starts = runs & ~np.pad(runs, ((0, 0), (1, 0)))[:, :-1]
    ids = (np.cumsum(starts.ravel()) * runs.ravel()).reshape(runs.shape)
    clear_px = np.bincount(ids.ravel(), weights=clear.ravel(), minlength=int(ids.max()) + 1)
    return runs & (clear_px[ids] >= length / 2)


def remove_rules(a: np.ndarray, line_px: float) -> tuple[np.ndarray, int]:
    """(copy of an upright page without its table rules, rule pixels found). Thin straight
    lines between a table's rows and columns, under a header or a total, are not text, but
    tesseract reads a rule near a line of text as part of it: a row's words come back as
    "u", ":", "nn" or garbled ("Re en stonkosien" for "Afvoer en stortkosten"), a digit glued to a
    column rule as another. A rule is a run of ink longer than a few text lines are high (no
    letter is; two lines for an upright one), at most a quarter line thick, with paper on both sides; it is set to the paper's
    colour, and so is its grey rim. Filled bands and boxes, and letters touching a rule (the
    rule goes, the letter stays), are left."""
    if line_px <= 0 or min(a.shape) < 64:
        return a, 0
    paper = int(paper_grey(a))
    ink = a < paper - RULE_CONTRAST
    thick = max(2, int(round(line_px / 4)))
    # a column rule or a box's side: taller than two lines (a box around one value is, no letter
    # of the text is), left as a stub beside a figure it is read as a "|" or a "1"
    rules = _thin_rules(ink, int(max(RULE_PX, 4 * line_px)), thick) | \
        _thin_rules(np.ascontiguousarray(ink.T), int(max(RULE_PX, 2 * line_px)), thick).T
    n = int(rules.sum())
    if not n:
        return a, 0
    rim = rules.copy()
    rim[1:] |= rules[:-1]
    rim[:-1] |= rules[1:]
    rim[:, 1:] |= rules[:, :-1]
    rim[:, :-1] |= rules[:, 1:]
    out = a.copy()
    out[rim & (a < paper)] = paper
    return out, n


class _DarkAreas(NamedTuple):
    """A page's dark areas, on blocks of SHADE_BLOCK pixels."""

    paper: float
    band: np.ndarray  # each block's shade with dark print gone
    found: np.ndarray  # blocks darker than half the paper
    fill: int  # the width of a word's hole, in blocks
    dark: np.ndarray  # the found blocks with their holes (light letters) filled


def _dark_areas(a: np.ndarray, line_px: float) -> _DarkAreas | None:
    """The page's dark areas, or None when it has none."""
    b = SHADE_BLOCK
    if a.shape[0] < 8 * b or a.shape[1] < 8 * b:
        return None
    paper = paper_grey(a)
    med = _block_medians(a)
    r = max(1, int(line_px // (4 * b))) if line_px else 1
    band = _extreme_filter(_extreme_filter(med, r, np.maximum), r, np.minimum)  # dark print gone, wide dark areas stay
    found = band < paper / 2
    if not found.any():
        return None
    # holes left by bold light letters are filled; the band's colour is its darkest nearby
    fill = max(r, int(round(line_px / b)) if line_px else 3)  # a word of light letters is a hole this wide
    dark = _extreme_filter(_extreme_filter(found.astype(np.uint8), fill, np.maximum), fill, np.minimum).astype(bool)
    return _DarkAreas(paper, band, found, fill, dark)


def _tall(dark: np.ndarray, line_px: float) -> np.ndarray:
    """The dark blocks in runs down the page taller than BAND_LINES text lines (panels)."""
    return _in_long_runs(np.ascontiguousarray(dark.T), int(BAND_LINES * (line_px or 20) / SHADE_BLOCK)).T


def dark_panels(a: np.ndarray, line_px: float) -> list[tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) of each dark panel of an upright page: a dark area taller than BAND_LINES
    text lines (a sidebar with the seller's name and details, printed light on it)."""
    areas = _dark_areas(a, line_px)
    if areas is None:
        return []
    panel = _tall(areas.dark, line_px)
    b = SHADE_BLOCK
    out = []
    for c0, c1 in true_spans(np.asarray(panel.any(axis=0))):
        for r0, r1 in true_spans(np.asarray(panel[:, c0:c1].any(axis=1))):
            # to the panel's own edges (its blocks may take in a strip of the paper around it)
            y0, y1, x0, x1 = r0 * b, r1 * b, c0 * b, c1 * b
            crop = a[y0:y1, x0:x1]
            ys = np.flatnonzero(np.median(crop, axis=1) < areas.paper / 2)
            xs = np.flatnonzero(np.median(crop, axis=0) < areas.paper / 2)
            if len(ys) and len(xs):
                out.append((y0 + int(ys[0]), y0 + int(ys[-1]) + 1, x0 + int(xs[0]), x0 + int(xs[-1]) + 1))
    return out


def _light_as_dark(f: np.ndarray, bg, paper: float) -> np.ndarray:
    """Greys ``f`` printed light on a ground of colour ``bg`` as dark print on paper: the ground
    becomes paper, paper-light becomes black. The ground's own grain (a scanner's noise, JPEG
    blocks around the letters) stays under BAND_GRAIN of the way and is set on the paper, not
    inverted into grey specks tesseract reads as marks."""
    t = np.clip(((f - bg) / np.maximum(paper - bg, 1.0) - BAND_GRAIN) / (1 - BAND_GRAIN), 0.0, 1.0)
    return paper * (1.0 - t)


def light_on_paper(block: np.ndarray, paper: float, colour: float) -> np.ndarray:
    """A dark panel (of ``colour``) with its light print as dark print on paper."""
    return np.clip(_light_as_dark(block.astype(np.float32), np.float32(colour), paper), 0, 255).astype(np.uint8)


def invert_dark_bands(a: np.ndarray, line_px: float = 0.0) -> tuple[np.ndarray, bool]:
    """(copy with dark areas turned to dark print on paper, whether there were any). Text on a
    dark band (a table's header row in the brand's colour, a totals box in black) is printed
    light: on a grey scan tesseract read "Services Hours Rate Amount" on such a band as "seMces
    Rati Amoufk", and the table lost its columns. A dark area is one where every block of
    SHADE_BLOCK pixels around a square wider than a letter's stroke is darker than half the paper
    (so black print could not be read on it: flatten_shading's lighter shades are the other
    case); there the pixels are mapped so the band's colour becomes paper and the paper-light
    letters become ink, and the band's rim is set on the paper. A dark panel taller than
    BAND_LINES lines (a sidebar) is left as it is (documents/columns.py reads it apart)."""
    areas = _dark_areas(a, line_px)
    if areas is None:
        return a, False
    paper, band, found, fill, dark = areas
    # bands, not panels: a dark column down the page (a sidebar with the seller's details) read
    # with the page's one-column segmentation splices its lines into the table rows beside it
    # (on blurred scans its grain too); it is left here, and read apart (dark_panels)
    dark &= ~_tall(dark, line_px)
    if not dark.any():
        return a, False
    colour = _extreme_filter(np.where(found, band, 255).astype(np.uint8), fill + 1, np.minimum)
    core = _extreme_filter(dark.astype(np.uint8), 1, np.minimum).astype(bool)  # its edge blocks straddle paper
    near = _extreme_filter(dark.astype(np.uint8), 1, np.maximum).astype(bool)

    def pixels(m: np.ndarray) -> np.ndarray:
        return _block_pixels(m, a.shape, 0)

    bg = pixels(np.where(near, colour, 255)).astype(np.float32)
    f = a.astype(np.float32)
    out = np.where(pixels(core), _light_as_dark(f, bg, paper), f)
    # the band's edge and rim: what is as dark as the band goes, the paper stays
    rim = pixels(near & ~core) & (f < (bg + paper) / 2)
    out[rim] = paper
    return np.clip(out, 0, 255).astype(np.uint8), True
