"""Invoices that print the seller's VAT id, the totals and the currency the many ways real
invoices do, as text PDFs (evals/synth's Canvas), with the truth of those fields.

One page: a letterhead (the seller's name and address, top left), a title and the document's
number and date (top right), the buyer's block, an item table and a totals block, a footer. Each
of the three fields is drawn by a switch:

* ``vat``: where and how the seller's VAT id is printed: its label (or none) and the id's spelling
  ("USt-IdNr.: DE 123 456 789", "P.IVA 01234567890", "N° TVA : BE 0123.456.789"), in the
  letterhead, under the name without a label, or in a footer column; the buyer's id may be
  printed in the buyer's block too.
* ``totals``: the totals' labels (per language), the block's shape (label left and value right,
  boxed, labels above values in a band), currency code or symbol before or after the figure,
  a credit note's negative amounts.
* ``currency``: how the currency shows: symbol or code on every amount, only in the column header
  ("Amount (EUR)"), only on the total, in a "Currency" label, or in words.

The layout itself is plain on purpose: every variant changes only what its switch names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evals.synth.canvas import Canvas

NBSP = "\u00a0"


def money(v: float, style: str) -> str:
    """A figure in a national style: en 1,234.56 / de 1.234,56 / fr 1 234,56 / ch 1'234.56."""
    neg = v < 0
    s = f"{abs(v):,.2f}"
    if style == "de":
        s = s.replace(",", "_").replace(".", ",").replace("_", ".")
    elif style == "fr":
        s = s.replace(",", NBSP).replace(".", ",")
    elif style == "ch":
        s = s.replace(",", "'")
    elif style == "plain":
        s = s.replace(",", "")
    return ("-" if neg else "") + s


def with_currency(fig: str, cur: str, place: str) -> str:
    """``place``: "before" ("€1,234.56"), "before_space" ("EUR 1,234.56"), "after" ("1.234,56 €"),
    "none"."""
    if place == "none" or not cur:
        return fig
    if place == "before":
        return f"{cur}{fig}" if not fig.startswith("-") else f"-{cur}{fig[1:]}"
    if place == "before_space":
        return f"{cur} {fig}"
    return f"{fig} {cur}"


@dataclass
class Variant:
    """A document: what each block prints. Amounts are given as numbers and printed by ``style``."""

    seller: str = "Northwind Components Ltd"
    address: list[str] = field(default_factory=lambda: ["12 Harbour Road", "Bristol BS1 4DJ"])
    letterhead_ids: list[str] = field(default_factory=list)  # lines under the address
    title: str = "INVOICE"
    meta: list[tuple[str, str]] = field(default_factory=lambda: [("Invoice No.", "INV-2041"),
                                                                  ("Date", "14/03/2025")])
    buyer_heading: str = "Bill to"
    buyer: list[str] = field(default_factory=lambda: ["Harbourside Dental Clinic", "5 Quay Street",
                                                      "Cardiff CF10 1EP"])
    buyer_ids: list[str] = field(default_factory=list)
    columns: tuple[str, str, str, str] = ("Description", "Qty", "Unit price", "Amount")
    items: list[tuple[str, float, float]] = field(default_factory=lambda: [
        ("Hydraulic pump service kit", 2, 120.0), ("Pressure gauge, 0-10 bar", 3, 35.5),
        ("On-site labour (hours)", 4, 62.0)])
    item_currency: str = ""       # printed on item amounts too
    item_place: str = "none"
    style: str = "en"              # number style
    tax_rate: float = 20.0
    totals: list[tuple[str, str]] = field(default_factory=list)  # (label, which: sub/tax/total/due/paid)
    totals_shape: str = "right"    # right | box | band
    currency: str = ""             # printed on the totals
    place: str = "none"
    total_only_currency: bool = False
    paid: float = 0.0
    sign: int = 1                  # -1: a credit note printed negative
    notes: list[str] = field(default_factory=list)      # lines after the totals (prose)
    footer: list[str] = field(default_factory=list)     # centred lines at the foot
    footer_columns: list[list[str]] = field(default_factory=list)  # three footer columns

    def amounts(self) -> dict[str, float]:
        sub = round(sum(q * p for _, q, p in self.items), 2)
        tax = round(sub * self.tax_rate / 100, 2)
        total = round(sub + tax, 2)
        s = self.sign
        return {"sub": s * sub, "tax": s * tax, "total": s * total, "paid": self.paid,
                "due": s * total - self.paid}


def draw(v: Variant) -> bytes:
    """The variant as a one-page text PDF."""
    c = Canvas("a4", ("helv", "hebo"), 9.0)
    c.new_page()
    y = 60.0
    c.text(40, y, v.seller, size=14, bold=True)
    y += 16
    for ln in v.address + v.letterhead_ids:
        c.text(40, y, ln)
        y += 12
    c.text(555, 60, v.title, size=16, bold=True, align="right")
    my = 90.0
    for label, value in v.meta:
        c.text(380, my, label)
        c.text(555, my, value, align="right")
        my += 12
    y = max(y, my) + 24
    c.text(40, y, v.buyer_heading, bold=True)
    y += 12
    for ln in v.buyer + v.buyer_ids:
        c.text(40, y, ln)
        y += 12
    y += 24
    # item table
    xs = (40, 330, 440, 555)
    c.line(40, y - 10, 555, y - 10)
    c.text(xs[0], y, v.columns[0], bold=True)
    for x, h in zip(xs[1:], v.columns[1:]):
        c.text(x, y, h, bold=True, align="right")
    c.line(40, y + 4, 555, y + 4)
    y += 16
    for desc, q, p in v.items:
        c.text(xs[0], y, desc)
        c.text(xs[1], y, f"{q:g}", align="right")
        c.text(xs[2], y, with_currency(money(v.sign * p, v.style), v.item_currency, v.item_place), align="right")
        c.text(xs[3], y, with_currency(money(v.sign * q * p, v.style), v.item_currency, v.item_place),
               align="right")
        y += 13
    c.line(40, y - 6, 555, y - 6)
    y += 14
    a = v.amounts()

    def fig(which: str) -> str:
        cur = v.currency if (not v.total_only_currency or which in ("total", "due")) else ""
        return with_currency(money(a[which], v.style), cur, v.place if cur else "none")

    if v.totals_shape == "band":
        # labels in a row of boxes, values under them
        n = len(v.totals)
        w = 515 / n
        c.rect(40, y - 10, 555, y + 22)
        for k, (label, which) in enumerate(v.totals):
            x1 = 40 + w * (k + 1) - 6
            c.text(x1, y, label, bold=True, align="right")
            c.text(x1, y + 14, fig(which), align="right")
        y += 40
    else:
        if v.totals_shape == "box":
            c.rect(340, y - 11, 560, y + 13 * len(v.totals) - 6)
        for label, which in v.totals:
            bold = which in ("total", "due")
            c.text(350, y, label, bold=bold)
            c.text(555, y, fig(which), bold=bold, align="right")
            y += 13
        y += 10
    for ln in v.notes:
        c.text(40, y, ln)
        y += 12
    fy = 770.0
    for ln in v.footer:
        c.text(297, fy, ln, size=7.5, align="center")
        fy += 10
    if v.footer_columns:
        c.line(40, 752, 555, 752)
        for k, col in enumerate(v.footer_columns):
            for n, ln in enumerate(col):
                c.text(40 + 180 * k, 765 + 10 * n, ln, size=7.5)
    return c.tobytes()


def truth(v: Variant, vat_id: str | None, currency: str) -> dict[str, Any]:
    a = v.amounts()
    names = {w for _, w in v.totals}
    return {"seller_vat_id": vat_id, "currency": currency, "subtotal_amount": a["sub"] if "sub" in names else None,
            "tax_amount": a["tax"], "total_amount": a["total"], "amount_due": a["due"]}
