"""The body of a synthetic invoice: the line-item table across pages, the totals block and the
small print under it."""

from __future__ import annotations

from evals.synth.layout import Layout
from evals.synth.locales import MoneyStyle, format_number, format_qty

NUMERIC = {"qty", "unit_price", "discount", "tax_rate", "amount", "pos"}


def _cells(lay: Layout, i: int) -> dict[str, tuple[str, str | None, str | None]]:
    """Column -> (text, truth path, the truth value's text inside it) for line i."""
    ln = lay.inv.lines[i]
    p = f"line_items[{i}]"
    # unit prices stay positive on a credit note that prints negative amounts
    price = lay.f.money.fmt(lay.loc, ln.unit_price, lay.inv.currency)
    price_num = format_number(lay.loc, ln.unit_price, 2, lay.f.money.grouping)
    amount, amount_num = lay.money(ln.amount)
    qty = format_qty(lay.loc, ln.qty)
    return {
        "pos": (str(i + 1), None, None), "sku": (ln.sku, None, None),
        "qty": (qty, f"{p}.qty", qty), "unit": (ln.unit, None, None),
        "unit_price": (price, f"{p}.unit_price", price_num),
        "discount": (f"{ln.discount:g} %" if ln.discount else "", None, None),
        "tax_rate": (f"{format_qty(lay.loc, ln.tax_rate)} %", None, None),
        "amount": (amount, f"{p}.amount", amount_num),
    }


class Table:
    def __init__(self, lay: Layout) -> None:
        self.lay = lay
        f, c = lay.f, lay.c
        self.size = f.size - 0.5
        cols = f.columns
        widths = {}
        for k in cols:
            if k == "description":
                continue
            vals = [_cells(lay, i)[k][0] for i in range(len(lay.inv.lines))]
            widths[k] = max([c.width(f.col_labels[k], self.size, True)] + [c.width(v, self.size) for v in vals]) + 12
        avail = c.w - 2 * lay.m
        while sum(widths.values()) > avail - 140 and self.size > 6.5:  # shrink until the text fits
            self.size -= 0.5
            widths = {k: w * (self.size / (self.size + 0.5)) for k, w in widths.items()}
        self.desc_w = max(80.0, avail - sum(widths.values()))
        self.x: dict[str, tuple[float, float]] = {}
        x = lay.m
        for k in cols:
            w = self.desc_w if k == "description" else widths[k]
            self.x[k] = (x, x + w)
            x += w
        self.lh = self.size + 3.5

    def header(self, y: float) -> float:
        lay, c, f = self.lay, self.lay.c, self.lay.f
        x0, x1 = lay.m, c.w - lay.m
        top = y - self.lh + 1
        if f.table_style == "shaded":
            c.rect(x0, top, x1, top + self.lh + 3, fill=0.85, stroke=None)
        for k in f.columns:
            a, b = self.x[k]
            if f.table_style == "grid":
                c.rect(a, top, b, top + self.lh + 3)
            lab = f.col_labels[k]
            if k in NUMERIC:
                c.text(b - 4, y, lab, size=self.size, bold=True, align="right")
            else:
                c.text(a + 3, y, lab, size=self.size, bold=True)
        if f.table_style in ("rules", "plain"):
            c.line(x0, y + 3, x1, y + 3, width=0.8 if f.table_style == "rules" else 0.3)
        return y + self.lh + 4

    def row(self, y: float, i: int) -> float:
        lay, c, f = self.lay, self.lay.c, self.lay.f
        cells = _cells(lay, i)
        ln = lay.inv.lines[i]
        a, b = self.x["description"]
        desc_lines = c.wrap(ln.description, self.desc_w - 8, self.size)
        detail = c.wrap(ln.detail, self.desc_w - 8, self.size - 0.5) if ln.detail else []
        for j, t in enumerate(desc_lines):
            c.text(a + 3, y + j * self.lh, t, size=self.size,
                   path=f"line_items[{i}].description" if j == 0 else None)
        for j, t in enumerate(detail):
            c.text(a + 3, y + (len(desc_lines) + j) * self.lh, t, size=self.size - 0.5)
        for k in f.columns:
            if k == "description":
                continue
            text, path, value = cells[k]
            ka, kb = self.x[k]
            if k in NUMERIC:
                c.text(kb - 4, y, text, size=self.size, align="right", path=path, value=value)
            else:
                c.text(ka + 3, y, text, size=self.size, path=path, value=value)
        n = len(desc_lines) + len(detail)
        bottom = y + (n - 1) * self.lh + 4
        if f.table_style == "grid":
            for k in f.columns:
                ka, kb = self.x[k]
                c.rect(ka, y - self.lh + 1, kb, bottom)
        elif f.table_style == "rules":
            c.line(lay.m, bottom, c.w - lay.m, bottom, width=0.2, gray=0.8)
        return bottom + self.lh

    def carry(self, y: float, label: str, running: float) -> float:
        lay = self.lay
        a, _ = self.x["description"]
        _, b = self.x["amount"]
        lay.c.text(a + 3, y, label, size=self.size, bold=True)
        lay.c.text(b - 4, y, lay.money(running)[0], size=self.size, bold=True, align="right")
        return y + self.lh + 2


def _totals_rows(lay: Layout) -> list[tuple[str, str, str | None, str, bool]]:
    """(label, printed amount, truth path, number text, bold) for the totals block."""
    inv, L, f = lay.inv, lay.L, lay.f
    rows: list[tuple[str, str, str | None, str, bool]] = []

    def add(label: str, v: float, path: str | None, bold: bool = False, style: MoneyStyle | None = None) -> None:
        text, num = lay.money(v, style)
        rows.append((label, text, path, num, bold))

    if f.show_items_total or inv.discount_pct or inv.charge:
        add(L["items_total"], inv.items_total, None)
    if inv.discount_pct:
        add(L["discount"].format(r=format_qty(lay.loc, inv.discount_pct)), -(inv.items_total - (inv.subtotal - inv.charge)), None)
    if inv.charge:
        add(L["charge"], inv.charge, None)
    add(L["subtotal"], inv.subtotal, "subtotal_amount")
    for rate, _base, tax in inv.taxes:
        add(f.tax_label.format(r=format_qty(lay.loc, rate)), tax,
            "tax_amount" if len(inv.taxes) == 1 else None)
    if len(inv.taxes) > 1:
        add(L["tax_total"], inv.tax, "tax_amount")
    total_label = L["total"]
    style = None
    if f.currency_code_in == "totals":
        total_label = f"{total_label} {inv.currency[0]}"
    elif f.currency_code_in == "none" and f.money.mode == "bare":
        style = MoneyStyle("symbol", f.money.grouping)  # the currency must show somewhere
    add(total_label, inv.total, "total_amount", True, style)
    if inv.paid:
        add(L["paid"], -inv.paid, None)
    if inv.paid or f.show_amount_due:
        add(L["amount_due"], inv.due_amount, "amount_due", True)
    return rows


def totals(lay: Layout, y: float) -> float:
    c, f, m = lay.c, lay.f, lay.m
    rows = _totals_rows(lay)
    path_of = {"subtotal_amount", "tax_amount", "total_amount"}
    if f.totals_style == "band" and all(r[2] in path_of for r in rows if r[2] != "amount_due") and len(rows) <= 4:
        cells = [r for r in rows if r[2] != "amount_due"]
        cw = min(130.0, (c.w - 2 * m) / len(cells))
        x0 = c.w - m - cw * len(cells)
        c.rect(x0, y - lay.lh + 1, c.w - m, y + 3, fill=0.88, stroke=None)
        for j, (lab, text, path, num, _b) in enumerate(cells):
            c.text(x0 + (j + 1) * cw - 4, y, lab, size=f.size - 0.5, bold=True, align="right")
            c.text(x0 + (j + 1) * cw - 4, y + lay.lh + 2, text, bold=j == len(cells) - 1, align="right",
                   path=path, value=num)
        y += 2 * lay.lh + 6
        rows = [r for r in rows if r[2] == "amount_due"]
    lab_x = c.w / 2 + 20 if f.totals_style != "boxed" else c.w / 2 + 40
    if rows and f.totals_style == "boxed":
        c.rect(lab_x - 6, y - lay.lh, c.w - m, y + lay.lh * (len(rows) - 1) + 6)
    for lab, text, path, num, bold in rows:
        c.text(lab_x, y, lab, bold=bold)
        c.text(c.w - m - 4, y, text, bold=bold, align="right", path=path, value=num)
        y += lay.lh + (2 if bold else 0)
    return y + lay.lh


def draw_body(lay: Layout, y: float) -> None:
    c, f, inv = lay.c, lay.f, lay.inv
    t = Table(lay)
    y = t.header(y + t.lh)
    on_page, capacity = 0, f.rows_first_page
    running = 0.0
    for i in range(len(inv.lines)):
        n = len(c.wrap(inv.lines[i].description, t.desc_w - 8, t.size)) + (1 if inv.lines[i].detail else 0)
        if on_page >= capacity or y + n * t.lh > lay.bottom - (2 * t.lh if f.carry_rows else 0):
            if f.carry_rows:
                y = t.carry(y + 2, lay.L["carry"], running)
            lay.footer(last=False)
            c.new_page()
            y = lay.continuation_header()
            if f.repeat_header:
                y = t.header(y + t.lh)
            if f.carry_rows:
                y = t.carry(y, lay.L["brought"].format(p=c.page_no - 1), running)
            on_page, capacity = 0, f.rows_other_pages
        y = t.row(y, i)
        running += inv.lines[i].amount
        on_page += 1
    need = (len(_totals_rows(lay)) + 5) * lay.lh
    if y + need > lay.bottom:
        lay.footer(last=False)
        c.new_page()
        y = lay.continuation_header() + lay.lh
    y = totals(lay, y + lay.lh)
    terms = lay.L["terms"].format(n=inv.terms_days)
    if f.currency_code_in == "none" and f.money.mode == "bare":
        terms = lay.L["amounts_in"].format(c=inv.currency[0]) + ". " + terms
    c.text(lay.m, y + lay.lh, terms, size=f.size - 0.5)
    c.text(lay.m, y + 2.2 * lay.lh, lay.L["thanks"], size=f.size - 0.5)
    lay.footer(last=True)
