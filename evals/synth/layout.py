"""The page layout of a synthetic invoice: letterhead, title, parties, header values, footer (the
table and totals are evals.synth.table), placed as the family says. No randomness: the family and
the invoice hold every choice."""

from __future__ import annotations

from typing import Any

from evals.synth.canvas import Canvas
from evals.synth.content import Invoice, Party
from evals.synth.families import Family
from evals.synth.locales import MoneyStyle, format_date, format_number


class Layout:
    def __init__(self, fam: Family, inv: Invoice, pages_total: int = 0) -> None:
        self.f, self.inv, self.loc = fam, inv, fam.loc
        self.c = Canvas(self.loc.paper, fam.font, fam.size, dry=pages_total == 0)
        self.m = float(fam.margin)
        self.L = fam.labels
        self.sign = -1 if inv.credit and fam.credit_sign == "negative" else 1
        self.pages_total = pages_total
        self.lh = fam.size + 3.5  # line height
        self.bottom = self.c.h - self.m - (4.6 * self.lh if fam.footer_details else 1.6 * self.lh)

    # value text ------------------------------------------------------------------------------
    def money(self, v: float, style: MoneyStyle | None = None) -> tuple[str, str]:
        """(text as printed, the number inside it) for an amount, signed for negative credit notes."""
        v = v * self.sign
        style = style or self.f.money
        text, num = style.fmt(self.loc, v, self.inv.currency), format_number(self.loc, v, 2, style.grouping)
        return text, num if num in text else num.lstrip("-")  # "-CHF 8397.40"

    def date(self, d: Any) -> str:
        return format_date(self.loc, d, self.f.date_style)

    def lab(self, s: str) -> str:
        return s + ":" if self.f.meta_colon and not s.endswith(":") else s

    # sections --------------------------------------------------------------------------------
    def party_block(self, x: float, y: float, heading: str, p: Party, path: str | None,
                    width: float, vat_label: str = "") -> float:
        c = self.c
        if heading:
            c.text(x, y, self.lab(heading) if self.f.meta_colon else heading, bold=True)
            y += self.lh + 1
        for i, ln in enumerate(c.wrap(p.name, width, self.f.size + 1, True)):
            c.text(x, y, ln, size=self.f.size + 1, bold=True, path=path if i == 0 else None,
                   value=p.name if len(c.wrap(p.name, width, self.f.size + 1, True)) == 1 else ln)
            y += self.lh + 1
        for ln in p.lines:
            c.text(x, y, ln)
            y += self.lh
        if vat_label and p.vat_printed:
            c.text(x, y, f"{vat_label} {p.vat_printed}")
            y += self.lh
        return y

    def letterhead(self) -> float:
        f, c, inv, m = self.f, self.c, self.inv, self.m
        s = inv.seller
        y = m + f.size + 8
        big = f.size + 5
        vat = f"{self.lab(self.L['vat'])} {s.vat_printed}" if f.vat_place == "letterhead" and s.vat_printed else ""
        if f.seller_place.startswith("letterhead"):
            side = f.seller_place.split("-")[1]
            x = {"left": m, "right": c.w - m, "center": c.w / 2}[side]
            align = {"left": "left", "right": "right", "center": "center"}[side]
            c.text(x, y, s.name, size=big, bold=True, align=align, path="seller_name")
            y += big + 5
            lines = [" · ".join(s.lines)] if side == "center" else list(s.lines)
            if "phone" in f.distractors:
                lines.append(f"{self.L['phone']} {s.phone} · {self.L['email']} {s.email}")
            if vat:
                lines.append(vat)
            for ln in lines:
                c.text(x, y, ln, align=align, path="seller_vat_id" if ln == vat else None,
                       value=s.vat_printed if ln == vat else None)
                y += self.lh
        elif f.seller_place == "sidebar":
            x = c.w - m - 165
            c.text(x, y, s.name, size=f.size + 1, bold=True, path="seller_name")
            y += self.lh + 2
            for ln in [*s.lines, f"{self.L['phone']} {s.phone}", s.email]:
                c.text(x, y, ln, size=f.size - 0.5)
                y += self.lh
            if vat:
                c.text(x, y, vat, size=f.size - 0.5, path="seller_vat_id", value=s.vat_printed)
                y += self.lh
        else:  # footer: only a logo-like monogram at the top
            mono = "".join(w[0] for w in s.name.split()[:3] if w[0].isalpha()).upper() or "X"
            c.text(m, y + 8, mono, size=f.title_size + 6, bold=True)
            y += f.title_size + 10
        return y

    def title(self, y_top: float) -> float:
        f, c, m = self.f, self.c, self.m
        t = self.L["credit"] if self.inv.credit else self.L["invoice"]
        place = f.title_place
        if place == "top-right" and f.seller_place in ("letterhead-right", "sidebar"):
            place = "top-left" if f.seller_place == "sidebar" else "center"
        if place == "top-left" and f.seller_place in ("letterhead-left", "footer"):
            place = "above-meta" if f.seller_place == "letterhead-left" else "top-right"
        if place == "center" and f.seller_place == "letterhead-center":
            place = "above-meta"
        ty = m + f.title_size
        if place == "top-right":
            c.text(c.w - m, ty, t, size=f.title_size, bold=True, align="right")
        elif place == "top-left":
            c.text(m, ty, t, size=f.title_size, bold=True)
        elif place == "center":
            c.text(c.w / 2, max(ty, y_top + f.title_size), t, size=f.title_size, bold=True, align="center")
            return max(y_top, ty + 8, y_top + f.title_size + 8)
        else:
            return -1.0  # drawn by meta()
        return max(y_top, ty + 8)

    def meta_entries(self) -> list[tuple[str, str, str | None]]:
        f, inv, L = self.f, self.inv, self.L
        num_label = L["credit_number"] if inv.credit else L["invoice_number"]
        out: list[tuple[str, str, str | None]] = [(num_label, inv.number, "invoice_number"),
                                                   (L["issue_date"], self.date(inv.issue), "issue_date")]
        if "order_date" in f.distractors:
            out.append((L["order_date"], self.date(inv.order), None))
        if "delivery_date" in f.distractors:
            out.append((L["delivery_date"], self.date(inv.delivery), None))
        if inv.due:
            out.append((L["due_date"], self.date(inv.due), "due_date"))
        if "customer_no" in f.distractors:
            out.append((L["customer_no"], inv.customer_no, None))
        if inv.po:
            out.append((L["po"], inv.po, "purchase_order_number"))
        if f.currency_code_in == "header":
            out.append((L["currency"], inv.currency[0], "currency"))
        if f.vat_place == "meta" and inv.seller.vat_printed:
            out.append((L["vat"], inv.seller.vat_printed, "seller_vat_id"))
        return out

    def meta(self, x: float, y: float, width: float, title_here: bool) -> float:
        f, c = self.f, self.c
        if title_here:
            t = self.L["credit"] if self.inv.credit else self.L["invoice"]
            c.text(x, y + f.title_size * 0.6, t, size=f.title_size, bold=True)
            y += f.title_size + 8
        entries = self.meta_entries()
        style = f.meta_style if not (f.meta_style == "band" and width < 300) else "label-above"
        if style == "label-left":
            lw = max(c.width(self.lab(lab), bold=True) for lab, _, _ in entries) + 10
            for lab, val, path in entries:
                c.text(x, y, self.lab(lab), bold=True)
                c.text(x + lw, y, val, path=path)
                y += self.lh
            return y
        per_row = 2 if width < 300 else (4 if style == "band" else 3)
        cw = width / per_row
        for k in range(0, len(entries), per_row):
            row = entries[k:k + per_row]
            top = y - self.lh + 2
            if style == "band":
                c.rect(x, top, x + width, top + self.lh + 1, fill=0.88, stroke=None)
            for j, (lab, val, path) in enumerate(row):
                cx = x + j * cw
                if style == "boxed":
                    c.rect(cx, top, cx + cw - 4, top + 2 * self.lh + 4)
                c.text(cx + 3, y, lab, size=f.size - 1, bold=True)
                c.text(cx + 3, y + self.lh + 1, val, path=path)
            y += 2 * self.lh + 8
        return y

    def parties_and_meta(self, y0: float, title_y: float) -> float:
        f, c, inv, m = self.f, self.c, self.inv, self.m
        col_w = (c.w - 2 * m) / 2 - 10
        left, right = m, c.w / 2 + 10
        seller_block = bool(f.seller_heading)
        y = y0 + self.lh
        ends = [y]
        buyer_x = left if f.buyer_side == "left" else right
        other_x = right if buyer_x == left else left
        if seller_block:  # both parties as headed blocks; the buyer's first or second
            buyer_x, other_x = (left, right) if f.buyer_first else (right, left)
            ends.append(self.party_block(other_x, y, f.seller_heading, inv.seller, "seller_name", col_w,
                                         self.lab(self.L["vat"]) if f.vat_place == "letterhead" else ""))
        by = y
        if f.return_line and not seller_block:
            c.text(buyer_x, by, " · ".join([inv.seller.name, *inv.seller.lines]), size=max(6.0, f.size - 2.5),
                   path="seller_name", value=inv.seller.name)
            c.line(buyer_x, by + 2, buyer_x + col_w, by + 2, width=0.3)
            by += self.lh + 2
        buyer_vat = self.lab(self.L["vat"]) if inv.buyer.vat_printed else ""
        bend = self.party_block(buyer_x, by, f.buyer_heading, inv.buyer, "buyer_name", col_w, buyer_vat)
        ends.append(bend)
        meta_here = f.meta_place == "beside-buyer" and not seller_block
        if inv.ship_to is not None:
            if meta_here or seller_block:
                ends.append(self.party_block(buyer_x, bend + self.lh, f.ship_heading, inv.ship_to, None, col_w))
            else:
                ends.append(self.party_block(other_x, by, f.ship_heading, inv.ship_to, None, col_w))
        if meta_here:
            ends.append(self.meta(other_x, y, col_w, title_y < 0))
            return max(ends) + self.lh
        y = max(ends) + self.lh
        return self.meta(m, y, c.w - 2 * m, title_y < 0) + self.lh * 0.5

    def footer(self, last: bool) -> None:
        f, c, inv, m = self.f, self.c, self.inv, self.m
        s = inv.seller
        small = max(6.0, f.size - 2)
        y = c.h - m - (3.2 * self.lh if f.footer_details else 0.2 * self.lh)
        if last and "version" in f.distractors:
            d = format_date(self.loc, inv.issue.replace(day=1, month=1, year=inv.issue.year - 1), 0)
            c.text(m, y - 1.4 * self.lh, self.L["version"].format(v="3.2", d=d), size=small)
        if f.footer_details:
            c.line(m, y - self.lh * 0.8, c.w - m, y - self.lh * 0.8, width=0.3)
            cols = [[s.name, *s.lines],
                    [f"{self.L['phone']} {s.phone}", f"{self.L['email']} {s.email}"],
                    [self.L["bank"], f"IBAN {s.iban}"]]
            if f.vat_place == "footer" and s.vat_printed:
                cols[1].append(f"{self.L['vat']} {s.vat_printed}")
            cw = (c.w - 2 * m) / 3
            for j, lines in enumerate(cols):
                for i, ln in enumerate(lines):
                    path = "seller_name" if (j, i) == (0, 0) else (
                        "seller_vat_id" if s.vat_printed and ln.endswith(s.vat_printed) and j == 1 else None)
                    fit = min(small, small * (cw - 8) / max(c.width(ln, small), 1.0))
                    c.text(m + j * cw, y + i * (small + 2.5), ln, size=fit, path=path,
                           value=s.vat_printed if path == "seller_vat_id" else None)
        if f.page_numbers and self.pages_total:
            c.text(c.w - m, c.h - m * 0.55, f.page_numbers.format(p=c.page_no, n=self.pages_total),
                   size=small, align="right")

    def continuation_header(self) -> float:
        """The top of a following page: a short line naming the document."""
        f, c, m = self.f, self.c, self.m
        num_label = self.L["credit_number"] if self.inv.credit else self.L["invoice_number"]
        c.text(m, m + f.size, f"{self.inv.seller.name} · {num_label} {self.inv.number}", size=f.size - 1)
        return m + f.size + 2 * self.lh
