"""Preparing a scanned page image for OCR (numpy on a grayscale array, no I/O).

    clean, specks = despeckle(gray)
    found = orient(clean)   # Orientation(turn, skew, line_px, ...)

- ``despeckle``: speckle noise (isolated dark dots on the paper, light dots inside strokes) is
  what an office scanner adds; tesseract reads a dot next to a glyph as part of it ("9,9000" ->
  "49,9000") and a dot between words as a word ("+", "u", "oo"), which breaks table rows. Only a
  pixel unlike *all* eight of its neighbours changes, so periods, commas and i-dots (drawn with
  grey anti-aliased edges at scan resolution) stay.
- ``orient``: the page's turn (0/90/180/270) and small skew, from the ink of the text (table
  rules left out). Skew: the angle at which the horizontal projection of the ink is sharpest
  (text lines make peaks), searched coarse to fine. Sideways: the vertical projection has more
  empty gaps than the horizontal one. Upside down: Latin text has more ink above its x-height
  band (ascenders, capitals, digits) than below it (descenders).
- ``line_px``: the typical text-line height, so OCR can scale the page to the size tesseract
  reads best (small print is enlarged, large print is not).

Angles are in degrees as PyMuPDF's ``Matrix.prerotate`` takes them: ``turn - skew`` is what the
page must be turned by to be upright (documents/ocr.py draws it so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INK = 150  # a pixel darker than this is ink
MAX_SKEW = 8.0  # degrees searched either way; a scan more skewed than this is a photo
MIN_SKEW = 0.2  # below this a page is read as it is (lines drift < 2 px across an A4 page)
MAX_POINTS = 60_000  # ink points used to estimate skew (evenly sampled on dense pages)
STEP = 2  # the ink is looked at on a grid of this many pixels (darkest of each cell)
SIDEWAYS_MARGIN = 0.1  # more empty columns than rows by this share: the text lines run down the page
RULE_PX = 40  # an unbroken run of ink this long (pixels, ~7 mm at 150 dpi) is a rule, not a letter


def _neighbours(a: np.ndarray) -> list[np.ndarray]:
    p = np.pad(a, 1, mode="edge")
    h, w = a.shape
    return [p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


def despeckle(a: np.ndarray, dark: int = 128, light: int = 200) -> tuple[np.ndarray, int]:
    """(cleaned copy, pixels changed): a dark pixel whose eight neighbours are all light becomes
    white, a light pixel whose eight neighbours are all dark becomes black."""
    around = _neighbours(a)
    lo, hi = np.minimum.reduce(around), np.maximum.reduce(around)
    pepper = (a < dark) & (lo > light)
    salt = (a > light) & (hi < dark)
    n = int(pepper.sum() + salt.sum())
    if not n:
        return a, 0
    out = a.copy()
    out[pepper] = 255
    out[salt] = 0
    return out, n


def _in_long_runs(ink: np.ndarray, length: int) -> np.ndarray:
    """Pixels that lie in a run of at least ``length`` ink pixels along axis 1 (a rule, a box)."""
    h, w = ink.shape
    if w < length:
        return np.zeros(ink.shape, bool)
    zero = np.zeros((h, 1), np.int32)
    c = np.concatenate([zero, np.cumsum(ink, axis=1, dtype=np.int32)], axis=1)
    full = np.zeros((h, w), np.int32)
    full[:, :w - length + 1] = (c[:, length:] - c[:, :-length]) == length  # an all-ink run starts here
    d = np.concatenate([zero, np.cumsum(full, axis=1, dtype=np.int32)], axis=1)
    covered = np.empty((h, w), bool)  # pixel j: a run starts in [j - length + 1, j]
    covered[:, :length - 1] = d[:, 1:length] > 0
    covered[:, length - 1:] = (d[:, length:] - d[:, :w - length + 1]) > 0
    return covered


def _ink(a: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of every ink pixel of the text on a grid of ``step`` pixels (darkest of each
    cell). Table rules and box edges are left out: vertical ones look like text lines read sideways."""
    h, w = (a.shape[0] // step) * step, (a.shape[1] // step) * step
    cells = a[:h, :w].reshape(h // step, step, w // step, step).min(axis=(1, 3)) if step > 1 else a
    ink = cells < INK
    length = max(RULE_PX // step, 8)
    ink &= ~_in_long_runs(ink, length) & ~_in_long_runs(ink.T, length).T
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


def _runs(h: np.ndarray) -> list[np.ndarray]:
    """The text lines of a row profile: runs of rows with ink."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (h > 0).astype(np.int8), [0]))))
    return [h[s:e] for s, e in zip(edges[::2], edges[1::2])]


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
    score = upright_score(lines)
    if score < 0:  # upside down: half a turn more keeps the lines' slope
        turn, score = (turn + 180) % 360, -score
    heights = [len(line) for line in lines if len(line) >= 2]
    line_px = STEP * float(np.median(heights)) if heights else 0.0
    return Orientation(turn=turn, skew=skew, line_px=line_px, upright=score)
