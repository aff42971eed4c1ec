"""What every hold-out layout family shares: the Family record and helpers that turn an invoice
into table rows and totals rows in the family's own words and number format."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from evals.holdout.blocks import GREY, Row, TotalRow
from evals.holdout.content import Invoice, Item, Spec
from evals.holdout.formats import day, money, number, percent
from evals.holdout.sheet import Sheet

ITEM_KEYS = ("description", "qty", "unit_price", "amount")
WHITE = (1.0, 1.0, 1.0)


def cont(label: str, y: float = 60, x: float = 40):
    """A continuation page's head: a small line naming the document."""
    def draw(s: Sheet) -> float:
        s.text(x, y - 20, label, size=8, color=GREY)
        return y
    return draw


def room(s: Sheet, y: float, need: float, head, foot: float = 80) -> float:
    """y, or the top of a new page when ``need`` points do not fit above the page's foot."""
    if y + need > s.h - foot:
        s.new_page()
        return head(s) + 10
    return y



@dataclass(frozen=True)
class Family:
    id: str  # template id: group letter, number, a short name ("A3-fr-sidebar")
    group: str  # "A" (may be inspected for failure classes) or "B" (sealed: scored only)
    spec: Spec
    draw: Callable[[Invoice, random.Random], Sheet]
    about: str  # what a reader of invoices would call this layout
    item_keys: tuple[str, ...] = ITEM_KEYS  # the item values the table prints

    @property
    def locale(self) -> str:
        return self.spec.locale


class Pen:
    """An invoice's values as its family prints them."""

    def __init__(self, inv: Invoice, *, date_fmt: str, style: str = "symbol", negative_credit: bool = False,
                 group: str | None = None):
        self.inv, self.loc, self.date_fmt, self.style = inv, inv.loc, date_fmt, style
        self.sign = -1 if inv.credit and negative_credit else 1
        self.group = group

    def d(self, when, fmt: str | None = None) -> str:
        return day(when, fmt or self.date_fmt, self.loc)

    def m(self, x: Decimal, style: str | None = None, signed: bool = True) -> str:
        return money(x * (self.sign if signed else 1), self.loc, style or self.style, group=self.group)

    def n(self, x: Decimal, places: int = 2) -> str:
        return number(x, self.loc, places=places, group=self.group)

    def q(self, x: Decimal) -> str:
        """A quantity: '3', '7.5', '2,25'."""
        return number(x, self.loc, places=-1, group=self.group)

    def pct(self, r: Decimal, space: bool | None = None) -> str:
        return percent(r, self.loc, space)


def item_rows(inv: Invoice, cells: Callable[[int, Item], list[str]], *, details: bool = True) -> list[Row]:
    return [Row(cells=cells(k, it), item=k, detail=it.detail if details else None) for k, it in enumerate(inv.items)]


def tax_rows(inv: Invoice, pen: Pen, label: Callable[[Decimal, Decimal], str], *, total_label: str | None,
             bold: bool = False) -> tuple[list[TotalRow], bool]:
    """Totals rows for the tax: one rate -> one row carrying tax_amount; several -> a row per rate
    and, with ``total_label``, a row for their sum. Returns (rows, tax printed)."""
    if len(inv.taxes) == 1:
        r, base, t = inv.taxes[0]
        return [(label(r, base), pen.m(t), "tax_amount", bold)], True
    rows: list[TotalRow] = [(label(r, base), pen.m(t), None, bold) for r, base, t in inv.taxes]
    if total_label:
        rows.append((total_label, pen.m(inv.tax), "tax_amount", bold))
    return rows, total_label is not None


