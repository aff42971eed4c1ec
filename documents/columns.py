"""Side-by-side blocks whose lines are not level, read one after the other in the same OCR pass.

tesseract reads a page with one-column segmentation (documents/ocr.py, ``--psm 4``): that keeps a
table row, or a label and its value far right of it, on one line. But where two blocks stand side
by side with lines that are not level (a grid of labels and values beside the buyer's address, a
big title beside the seller's letterhead), it cuts its lines across both and reads neither: "4.
Oktober 2024" came out as "4. Oktober pas 2024", an address line and the date beside it as
"SERIEN ARE". Such a block is moved below the page (same x, the page's paper around it) before the
page is read, and its words are put back where it was printed afterwards; a table's columns, whose
lines are level, stay where they are.

A dark panel down the page (a sidebar with the seller's details, printed light) is read apart in
a tesseract pass of its own, its print made dark on paper, and its words are marked as set aside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from documents.scanprep import dark_panels, light_on_paper, true_spans
from extraction.pages import ASIDE_BLOCK

INK_CONTRAST = 60  # ink: this much darker than the paper
GUTTER_LINES = 2.0  # a gap between blocks at least this many line heights wide
BAND_GAP_LINES = 1.0  # rows of paper this many line heights high separate one band of text from the next
OFFSET_MIN, OFFSET_MAX = 0.0, 0.65  # lines side by side that overlap by less than this share of their height: not level
MIN_OFFSET_PAIRS = 2  # a block is moved when this many of its lines are not level with its neighbour's


@dataclass(frozen=True)
class Moved:
    """A block of the page (rows y0..y1, columns x0..x1, pixels) drawn from row ``to`` on."""

    y0: int
    y1: int
    x0: int
    x1: int
    to: int


def _runs(mask: np.ndarray, min_gap: int = 1) -> list[tuple[int, int]]:
    """Runs (start, end) of True, runs closer than ``min_gap`` joined."""
    out: list[tuple[int, int]] = []
    for a, b in true_spans(mask):
        if out and a - out[-1][1] < min_gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _lines(ink: np.ndarray, line_px: float) -> list[tuple[int, int]]:
    """The text lines of a block: runs of rows with ink, specks (under 0.4 line) left out."""
    rows = ink.sum(axis=1) >= 2
    return [(a, b) for a, b in _runs(rows, 2) if b - a >= 0.4 * line_px]


def _offset_lines(left: list[tuple[int, int]], right: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The lines of the right side that overlap a line of the left side by only part of their
    height (not level with it)."""
    out = []
    for b0, b1 in right:
        for a0, a1 in left:
            ov = min(a1, b1) - max(a0, b0)
            if OFFSET_MIN * min(a1 - a0, b1 - b0) < ov < OFFSET_MAX * min(a1 - a0, b1 - b0):
                out.append((b0, b1))
                break
    return out


def find_offset_blocks(a: np.ndarray, line_px: float, paper: float) -> list[tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) of the blocks right of a gutter whose lines are not level with the lines
    left of it, per band of text: from the first such line to the last (a table below, level
    with its other columns, stays)."""
    if not line_px or a.shape[0] < 4 * line_px:
        return []
    ink = a < paper - INK_CONTRAST
    out = []
    for y0, y1 in _runs(ink.sum(axis=1) >= 2, int(BAND_GAP_LINES * line_px)):
        if y1 - y0 < 1.8 * line_px:
            continue  # one line: nothing to splice
        band = ink[y0:y1]
        spans = _runs(band.sum(axis=0) > 0, int(GUTTER_LINES * line_px))  # ink separated by gutters
        best: tuple[list[tuple[int, int]], list[tuple[int, int]], int] | None = None
        for k in range(1, len(spans)):
            cut = spans[k][0]
            right = _lines(band[:, cut:], line_px)
            off = _offset_lines(_lines(band[:, :spans[k - 1][1]], line_px), right)
            if len(off) >= MIN_OFFSET_PAIRS and (best is None or len(off) > len(best[0])):
                best = (off, right, cut)
        if best is None:
            continue
        off, right, cut = best
        top, bottom = off[0][0], off[-1][1]
        # the right side's lines around them that are not level with the left either, or sit
        # between them, go with them
        inside = [(r0, r1) for r0, r1 in right if r1 > top and r0 < bottom]
        top, bottom = min(r0 for r0, _ in inside), max(r1 for _, r1 in inside)
        pad = int(0.3 * line_px)  # up to the next line of the right side, never into it
        top = max([top - pad, *(r1 for _, r1 in right if r1 <= top)])
        bottom = min([bottom + pad, *(r0 for r0, _ in right if r0 >= bottom)])
        out.append((y0 + max(0, top), y0 + min(y1 - y0, bottom), max(0, cut - int(0.5 * line_px)), a.shape[1]))
    return out


@dataclass(frozen=True)
class Panel:
    """A dark panel of the page (rows y0..y1, columns x0..x1, pixels) and its light print as dark
    print on paper, with a margin of paper (``image``, whose top-left corner lies at y0 - margin,
    x0 - margin on the page)."""

    y0: int
    y1: int
    x0: int
    x1: int
    image: np.ndarray
    margin: int


def dark_panels_read_apart(a: np.ndarray, line_px: float, paper: float) -> tuple[np.ndarray, list[Panel]]:
    """(the page with each dark panel filled with its own colour, the panels to be read on their
    own). A dark panel is a sidebar with the seller's details (scanprep.dark_panels). Read as part
    of the page its light letters were half lost ("Ange Imprimerie" for "Alpes Imprimerie") and
    its lines spliced into the rows beside it, so its print is taken off the page; but set on
    paper, the page's blurred print was read worse (tesseract sets print apart from paper by the
    whole image's greys; table rows were lost), so the panel's colour stays."""
    found = dark_panels(a, line_px)
    if not found:
        return a, []
    margin = int(line_px)
    page, panels = a.copy(), []
    for y0, y1, x0, x1 in found:
        crop = a[y0:y1, x0:x1]
        colour = float(np.median(crop))
        panels.append(Panel(y0, y1, x0, x1, np.pad(light_on_paper(crop, paper, colour), margin, constant_values=int(paper)),
                            margin))
        page[y0:y1, x0:x1] = int(colour)
    return page, panels


def with_panels(words: list, panels: list[Panel], read: list[list], points_per_px: float) -> list:
    """The page's words with what it read on its dark panels replaced by each panel's own reading
    (``read``, in the panel image's points), placed where the panel is printed and marked as set
    aside (extraction.pages.ASIDE_BLOCK): a sidebar's lines are not rows of the tables beside it."""
    def inside(w, p: Panel) -> bool:
        x, y = (w.x0 + w.x1) / 2 / points_per_px, (w.y0 + w.y1) / 2 / points_per_px
        return p.x0 <= x < p.x1 and p.y0 <= y < p.y1

    out = [w for w in words if not any(inside(w, p) for p in panels)]
    for p, ws in zip(panels, read):
        dy, dx = (p.y0 - p.margin) * points_per_px, (p.x0 - p.margin) * points_per_px
        out += [_shifted(w, dx, dy, block=ASIDE_BLOCK + w.block) for w in ws]
    return out


def _shifted(w, dx: float, dy: float, **more):
    """A word moved by (dx, dy) points (and ``more`` of its fields changed)."""
    return w.model_copy(update={"x0": round(w.x0 + dx, 2), "x1": round(w.x1 + dx, 2),
                                "y0": round(w.y0 + dy, 2), "y1": round(w.y1 + dy, 2), **more})


def stack_offset_blocks(a: np.ndarray, line_px: float, paper: float) -> tuple[np.ndarray, list[Moved]]:
    """(the page with its offset blocks moved below it, where each went); the page itself when
    there are none."""
    blocks = find_offset_blocks(a, line_px, paper)
    if not blocks:
        return a, []
    gap = int(2 * line_px)
    extra = sum(y1 - y0 + gap for y0, y1, _, _ in blocks)
    out = np.full((a.shape[0] + extra, a.shape[1]), int(paper), dtype=a.dtype)
    out[:a.shape[0]] = a
    moved = []
    to = a.shape[0] + gap
    for y0, y1, x0, x1 in blocks:
        out[to:to + y1 - y0, x0:x1] = a[y0:y1, x0:x1]
        out[y0:y1, x0:x1] = int(paper)
        moved.append(Moved(y0, y1, x0, x1, to))
        to += y1 - y0 + gap
    return out, moved


def put_back(words: list, moved: list[Moved], points_per_px: float) -> list:
    """Words read on a page with moved blocks, each at the place its block was printed."""
    if not moved:
        return words
    out = []
    for w in words:
        yc = (w.y0 + w.y1) / 2 / points_per_px
        m = next((m for m in moved if m.to <= yc < m.to + (m.y1 - m.y0)), None)
        if m is None:
            out.append(w)
            continue
        out.append(_shifted(w, 0.0, -(m.to - m.y0) * points_per_px))
    return out
