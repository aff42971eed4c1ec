"""Pieces every hold-out layout is built from: address blocks, label/value lists, grids of boxed
cells with the label above the value, item tables that run over several pages, totals, prose and
footers. Each returns the y below what it drew."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from evals.holdout.sheet import Printed, Sheet

RGB = tuple[float, float, float]
BLACK: RGB = (0, 0, 0)
GREY: RGB = (0.4, 0.4, 0.4)
LIGHT: RGB = (0.92, 0.92, 0.92)
Mark = str | dict[str, str] | None
Cell = tuple[str, str, Mark]  # label, value, the truth key the value prints
TotalRow = tuple[str, str, Mark, bool]  # label, value, truth key, bold


def block(s: Sheet, x: float, y: float, lines: list[str], *, heading: str | None = None, size: float = 9,
          head_size: float | None = None, head_style: str = "b", head_color: RGB = BLACK, first_style: str = "r",
          name_mark: str | None = None, lead: float | None = None, color: RGB = BLACK) -> float:
    """An address block: an optional heading, then a name (marked) and its lines."""
    lead = lead or size * 1.3
    if heading:
        s.text(x, y, heading, size=head_size or size, style=head_style, color=head_color)
        y += lead * 1.15
    for n, line in enumerate(lines):
        s.text(x, y, line, size=size, style=first_style if n == 0 else "r", color=color,
               mark=name_mark if n == 0 else None)
        y += lead
    return y


def pairs(s: Sheet, x: float, y: float, rows: Sequence[Cell], *, label_w: float, size: float = 9,
          label_style: str = "r", value_style: str = "r", label_color: RGB = BLACK, value_right: float | None = None,
          lead: float | None = None, label_right: bool = False) -> float:
    """Label-left rows: 'Invoice Date:   Mar 14, 2025'. Values start at x + label_w, or end at
    ``value_right``; labels may be right-aligned against the value column (``label_right``)."""
    lead = lead or size * 1.45
    for label, value, mark in rows:
        if label_right:
            s.text(x + label_w - 8, y, label, size=size, style=label_style, color=label_color, align="right")
        else:
            s.text(x, y, label, size=size, style=label_style, color=label_color)
        if value_right is not None:
            s.text(value_right, y, value, size=size, style=value_style, align="right", mark=mark)
        else:
            s.text(x + label_w, y, value, size=size, style=value_style, mark=mark)
        y += lead
    return y


def grid(s: Sheet, x: float, y: float, cells: Sequence[Cell], widths: list[float], *,
         label_size: float = 7, size: float = 9, boxed: bool = True, head_fill: RGB | None = None,
         head_color: RGB = BLACK, height: float = 30, split: bool = True, align: str = "left") -> float:
    """A row of cells, label above value ('DATE' over '03/14/2025'); ``split``: the labels in a band
    of their own above the values (a header row of a table), else label and value in one box."""
    cx = x
    for (label, value, mark), w in zip(cells, widths):
        if boxed:
            if split:
                s.rect(cx, y, cx + w, y + height * 0.45, fill=head_fill, width=0.6)
                s.rect(cx, y + height * 0.45, cx + w, y + height, width=0.6)
            else:
                s.rect(cx, y, cx + w, y + height, width=0.6)
        elif head_fill:
            s.rect(cx, y, cx + w, y + height * 0.45, fill=head_fill, stroke=None)
        tx = cx + w / 2 if align == "center" else cx + 4
        s.text(tx, y + height * 0.45 - 4, label, size=label_size, style="b", color=head_color, align=align)
        s.text(tx, y + height - 6, value, size=size, align=align, mark=mark)
        cx += w
    return y + height + 4


@dataclass
class Col:
    label: str  # "\n" for a two-line heading
    width: float
    align: str = "left"
    key: str | None = None  # the line item's truth key printed in this column


@dataclass
class Row:
    cells: list[str]
    item: int | None = None  # index of the truth line item
    detail: str | None = None
    bold: bool = False
    sums: list[str] = field(default_factory=list)


@dataclass
class TableStyle:
    size: float = 8.5
    head_size: float = 8
    head_fill: RGB | None = LIGHT
    head_color: RGB = BLACK
    head_style: str = "b"
    rules: str = "rows"  # rows | grid | none | head
    zebra: RGB | None = None
    pad: float = 4.5
    bottom: float = 90  # space kept free at the page's foot
    carry: tuple[str, str] | None = None  # (label at the foot, label at the head) with a running sum
    carry_col: int = -1


def table(s: Sheet, x: float, y: float, cols: list[Col], rows: list[Row], st: TableStyle, *,
          new_page: Callable[[Sheet], float], running: Callable[[int], str] | None = None) -> float:
    """Draws the item table from y, continuing on new pages (``new_page`` draws the page's head and
    returns where the table goes on). With ``st.carry`` the sum so far is carried to the next page
    (``running(n)``: the sum of the first n rows, printed)."""
    total_w = sum(c.width for c in cols)
    lead = st.size * 1.25

    def head(y: float) -> float:
        n_lines = max(c.label.count("\n") + 1 for c in cols)
        h = n_lines * st.head_size * 1.2 + 2 * st.pad
        if st.head_fill:
            s.rect(x, y, x + total_w, y + h, fill=st.head_fill, stroke=None)
        if st.rules in ("rows", "grid", "head"):
            s.hline(x, x + total_w, y + h, width=0.8)
        if st.rules == "grid":
            s.rect(x, y, x + total_w, y + h, width=0.6)
        cx = x
        for c in cols:
            for k, part in enumerate(c.label.split("\n")):
                tx = cx + c.width - 4 if c.align == "right" else cx + c.width / 2 if c.align == "center" else cx + 4
                s.text(tx, y + st.pad + st.head_size * (1 + 1.2 * k), part, size=st.head_size, style=st.head_style,
                       color=st.head_color, align=c.align)
            cx += c.width
        return y + h

    def carry_row(y: float, label: str, n: int) -> float:
        h = lead + 2 * st.pad
        s.text(x + 4, y + st.pad + st.size, label, size=st.size, style="i")
        s.text(x + total_w - 4, y + st.pad + st.size, running(n) if running else "", size=st.size, style="i", align="right")
        s.hline(x, x + total_w, y + h, width=0.4, color=GREY)
        return y + h

    y = head(y)
    desc_col = next((k for k, c in enumerate(cols) if c.key == "description"), 1 if len(cols) > 1 else 0)
    for n, row in enumerate(rows):
        texts = [s.wrap(t, cols[k].width - 8, st.size, "b" if row.bold else "r") if k == desc_col else [t]
                 for k, t in enumerate(row.cells)]
        n_lines = max(len(t) for t in texts) + (1 if row.detail else 0)
        h = n_lines * lead + 2 * st.pad
        if y + h > s.h - st.bottom - (2 * lead if st.carry else 0):
            if st.carry:
                y = carry_row(y, st.carry[0], n)
            s.new_page()
            y = head(new_page(s))
            if st.carry:
                y = carry_row(y, st.carry[1], n)
        if st.zebra and n % 2 == 1:
            s.rect(x, y, x + total_w, y + h, fill=st.zebra, stroke=None)
        cx = x
        for k, (c, lines) in enumerate(zip(cols, texts)):
            base = y + st.pad + st.size
            tx = cx + c.width - 4 if c.align == "right" else cx + c.width / 2 if c.align == "center" else cx + 4
            for j, line in enumerate(lines):
                s.text(tx, base + j * lead, line, size=st.size, style="b" if row.bold else "r", align=c.align)
            if c.key and row.item is not None and row.cells[k]:
                s.printed.append(Printed(f"line_items[{row.item}].{c.key}", s.page_no, row.cells[k]))
            if k == desc_col and row.detail:
                s.text(tx, base + len(lines) * lead, row.detail, size=st.size - 1.5, color=GREY)
            cx += c.width
        y += h
        if st.rules in ("rows", "grid"):
            s.hline(x, x + total_w, y, width=0.3 if st.rules == "rows" else 0.6, color=GREY if st.rules == "rows" else BLACK)
        if st.rules == "grid":
            cx = x
            for c in cols:
                s.vline(cx, y - h, y, width=0.6)
                cx += c.width
            s.vline(cx, y - h, y, width=0.6)
    return y


def totals(s: Sheet, x_label: float, x_value: float, y: float, rows: Sequence[TotalRow], *,
           size: float = 9, lead: float | None = None, box: tuple[float, float] | None = None,
           fill_last: RGB | None = None, rule_before_last: bool = False, label_align: str = "left") -> float:
    """Stacked totals: label at x_label (left- or right-aligned), value right-aligned at x_value;
    ``box``: a frame from box[0] to box[1] around them; ``fill_last``: the last row shaded."""
    lead = lead or size * 1.7
    y0 = y - size - 4
    for n, (label, value, mark, bold) in enumerate(rows):
        last = n == len(rows) - 1
        if last and fill_last and box:
            s.rect(box[0], y - size - 4, box[1], y + lead - size - 4, fill=fill_last, stroke=None)
        if last and rule_before_last:
            s.hline(box[0] if box else x_label, x_value, y - size - 2, width=0.8)
        st = "b" if bold else "r"
        s.text(x_label, y, label, size=size, style=st, align=label_align)
        s.text(x_value, y, value, size=size, style=st, align="right", mark=mark)
        y += lead
    if box:
        s.rect(box[0], y0, box[1], y - size - 4, width=0.7)
    return y


def paragraph(s: Sheet, x: float, y: float, text: str, width: float, *, size: float = 8, color: RGB = BLACK,
              style: str = "r", lead: float | None = None) -> float:
    """Wrapped prose (terms, notes, a thank-you); returns the baseline after it."""
    lead = lead or size * 1.35
    for para in text.split("\n"):
        for line in s.wrap(para, width, size, style):
            s.text(x, y, line, size=size, color=color, style=style)
            y += lead
    return y


def footer_columns(s: Sheet, y: float, columns: list[list[str]], *, x0: float = 40, x1: float | None = None,
                   size: float = 6.5, color: RGB = GREY, rule: bool = True) -> None:
    """Columns of small print at the foot of the current page (company, registration, bank)."""
    x1 = x1 or s.w - 40
    if rule:
        s.hline(x0, x1, y - size * 1.6, width=0.4, color=color)
    w = (x1 - x0) / len(columns)
    for k, col in enumerate(columns):
        s.lines(x0 + k * w, y, col, size=size, color=color, lead=size * 1.3)
