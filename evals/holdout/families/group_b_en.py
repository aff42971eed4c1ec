"""Group B of the hold-out families, English-language part. SEALED: these documents are scored
only. Nobody tuning the engine or the confidence looks at them, at the engine's output on them or
at their per-document scores; only group and family figures are reported (bench/holdout.py)."""

from __future__ import annotations

import random

from evals.holdout.blocks import (
    GREY,
    LIGHT,
    Cell,
    Col,
    TableStyle,
    TotalRow,
    block,
    grid,
    pairs,
    paragraph,
    table,
    totals,
)
from evals.holdout.content import Invoice, Spec
from evals.holdout.families.common import WHITE, Family, Pen, cont, item_rows, room, tax_rows
from evals.holdout.sheet import Sheet


# B1 ------------------------------------------------------------------------------------------
def _b1(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="letter", family="sans")
    pen = Pen(inv, date_fmt="{Month} {d}, {yyyy}")
    sel, buy = inv.seller, inv.buyer
    s.text(40, 64, "Credit note" if inv.credit else "Invoice", size=20, style="b")
    s.text(572, 64, sel.name, size=11, style="b", align="right", color=GREY)
    rows: list[Cell] = [("Credit note number" if inv.credit else "Invoice number", inv.number, "invoice_number"),
            ("Date of issue", pen.d(inv.issue), "issue_date")]
    if inv.credit:
        rows.append(("Invoice number", inv.related, None))
    else:
        rows.append(("Date due", pen.d(inv.due), "due_date"))
    if inv.po:
        rows.append(("PO number", inv.po, "purchase_order_number"))
    y = pairs(s, 40, 92, rows, label_w=105, size=9, label_color=GREY) + 14
    block(s, 40, y, [sel.name, *sel.lines, sel.email], size=9, first_style="b", name_mark="seller_name")
    block(s, 230, y, [buy.name, *buy.lines, buy.email], heading="Bill to", size=9, name_mark="buyer_name")
    if inv.ship_to:
        block(s, 420, y, [inv.ship_to.name, *inv.ship_to.lines], heading="Ship to", size=9)
    y += 95
    if inv.credit:
        big = f"{pen.m(inv.total)} USD credited"
        s.text(40, y, big, size=15, style="b", mark={"currency": "USD"})
    else:
        due = pen.m(inv.amount_due)
        s.text(40, y, f"{due} USD due {pen.d(inv.due)}", size=15, style="b", mark={"currency": "USD", "amount_due": due})
        s.text(40, y + 18, "Pay online", size=9, color=(0.33, 0.3, 0.85))
    cols = [Col("Description", 302, key="description"), Col("Qty", 50, "right", "qty"),
            Col("Unit price", 90, "right", "unit_price"), Col("Amount", 90, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.q(it.qty), pen.m(it.unit_price), pen.m(it.amount)])
    head = cont(f"{inv.number}")
    y = table(s, 40, y + 40, cols, rows_i, TableStyle(head_fill=None, head_color=GREY, head_style="r", rules="head",
                                                     size=9, bottom=70), new_page=head)
    y = room(s, y + 22, 120, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"Tax ({pen.pct(r)} on {pen.m(b)})", total_label="Total tax")
    rows_t: list[TotalRow] = [("Subtotal", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Total", pen.m(inv.total), "total_amount", False)]
    if inv.paid:
        rows_t.append(("Amount paid", pen.m(inv.paid), None, False))
    if not inv.credit:
        rows_t.append(("Amount due", pen.m(inv.amount_due), None, True))
    totals(s, 330, 572, y, rows_t, size=9, lead=17)
    tail = f"{inv.number} · {pen.m(inv.total)} {'credited' if inv.credit else 'due ' + pen.d(inv.due)}"

    def foot(p: int, n: int) -> None:
        s.hline(40, 572, s.h - 44, width=0.3, color=GREY)
        s.text(40, s.h - 30, tail, size=7.5, color=GREY)
        s.text(572, s.h - 30, f"Page {p} of {n}", size=7.5, color=GREY, align="right")
    s.each_page(foot)
    return s


# B2 ------------------------------------------------------------------------------------------
ACCENT2 = (0.2, 0.2, 0.2)


def _b2(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="letter", family="humanist")
    pen = Pen(inv, date_fmt="{mm}/{dd}/{yyyy}")
    sel, buy = inv.seller, inv.buyer
    s.text(s.w / 2, 70, sel.name.upper(), size=22, style="b", align="center", mark="seller_name")
    s.text(s.w / 2, 88, "  |  ".join([", ".join(sel.lines), sel.phone, sel.email]), size=8.5, align="center", color=GREY)
    s.hline(40, 572, 100, width=1.5, color=ACCENT2)
    s.text(40, 130, "CREDIT MEMO" if inv.credit else "INVOICE", size=18, style="b")
    block(s, 40, 160, [buy.name, *buy.lines], heading="BILL TO", size=10, head_size=8, head_color=GREY,
          first_style="b", name_mark="buyer_name")
    due_cell = ("DUE DATE", "" if inv.credit else pen.d(inv.due), None if inv.credit else "due_date")
    y = grid(s, 332, 118, [("INVOICE #", inv.number, "invoice_number"), ("DATE", pen.d(inv.issue), "issue_date")],
             [120, 120], split=False, label_size=7, size=10, height=34)
    y = grid(s, 332, y - 4, [due_cell, ("BALANCE DUE" if not inv.credit else "CREDIT", pen.m(inv.amount_due),
                                        None if inv.credit else "amount_due")], [120, 120],
             split=False, label_size=7, size=10, height=34)
    if inv.po:
        grid(s, 332, y - 4, [("P.O. #", inv.po, "purchase_order_number"), ("TERMS", f"Net {inv.terms}", None)],
             [120, 120], split=False, label_size=7, size=10, height=34)
    cols = [Col("DESCRIPTION", 282, key="description"), Col("RATE", 85, "right", "unit_price"),
            Col("QTY", 60, "right", "qty"), Col("AMOUNT", 105, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.m(it.unit_price), pen.q(it.qty), pen.m(it.amount)])
    head = cont(f"INVOICE # {inv.number}")
    y = table(s, 40, 280, cols, rows_i, TableStyle(head_fill=ACCENT2, head_color=WHITE, rules="none", zebra=(0.95, 0.95, 0.95),
                                                  size=9.5, head_size=8, bottom=70), new_page=head)
    y = room(s, y + 24, 170, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"TAX ({pen.pct(r)})", total_label="TAX TOTAL")
    rows_t: list[TotalRow] = [("SUBTOTAL", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("TOTAL", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        rows_t.append(("PAID", pen.m(-inv.paid), None, False))
    yb = totals(s, 370, 566, y, rows_t, size=9.5)
    if not inv.credit:
        s.rect(362, yb - 14, 572, yb + 10, fill=LIGHT, stroke=None)
        s.text(370, yb + 2, "BALANCE DUE", size=11, style="b")
        s.text(566, yb + 2, f"USD {pen.m(inv.amount_due)}", size=11, style="b", align="right", mark={"currency": "USD"})
    notes = "Thank you for choosing us!"
    if inv.paid:
        notes = f"Deposit of {pen.m(inv.paid)} received on {pen.d(inv.order_date)}. " + notes
    y = paragraph(s, 40, y, "NOTES", 280, size=8, color=GREY)
    y = paragraph(s, 40, y, notes, 280, size=9)
    s.text(40, y + 60, "Signature ____________________________     Date ______________", size=9)
    return s


# B7 ------------------------------------------------------------------------------------------
def _b7(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="condensed")
    pen = Pen(inv, date_fmt="{dd}/{mm}/{yyyy}")
    sel, buy = inv.seller, inv.buyer
    s.text(40, 66, "ADJUSTMENT NOTE" if inv.credit else "TAX INVOICE", size=18, style="b")
    s.text(555, 56, sel.name, size=12, style="b", align="right", mark="seller_name")
    s.text(555, 70, f"ABN {sel.vat_printed}", size=9, align="right", mark={"seller_vat_id": sel.vat_printed or ""})
    s.lines(555, 84, [*sel.lines, f"Ph {sel.phone}", sel.email], size=8.5, align="right")
    block(s, 40, 150, [buy.name, *buy.lines], heading="Invoice To", size=9.5, first_style="b", name_mark="buyer_name")
    rows: list[Cell] = [("Invoice No.", inv.number, "invoice_number"), ("Invoice Date", pen.d(inv.issue), "issue_date")]
    if not inv.credit:
        rows.append(("Due Date", pen.d(inv.due), "due_date"))
    if inv.po:
        rows.append(("Customer Order No.", inv.po, "purchase_order_number"))
    rows.append(("Account No.", inv.customer_no, None))
    pairs(s, 330, 150, rows, label_w=110, size=9.5, label_style="b")
    cols = [Col("Item Code", 70), Col("Description", 215, key="description"), Col("Qty", 45, "right", "qty"),
            Col("Unit Price", 70, "right", "unit_price"), Col("GST", 40, "right"), Col("Amount", 75, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.sku, it.description, pen.q(it.qty), pen.n(it.unit_price),
                                           "GST" if it.rate else "FRE", pen.n(it.amount)])
    head = cont(f"Tax Invoice {inv.number} continued", y=56)
    y = table(s, 40, 250, cols, rows_i, TableStyle(head_fill=LIGHT, rules="rows", size=8.5, bottom=80), new_page=head)
    y = room(s, y + 24, 200, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"GST {pen.pct(r)}", total_label="Total GST")
    rows_t: list[TotalRow] = [("Subtotal (ex GST)", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Total (inc GST)", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        rows_t += [("Less: Amount Paid", pen.m(-inv.paid), None, False), ("Balance Due", pen.m(inv.amount_due), "amount_due", True)]
    y = totals(s, 370, 555, y, rows_t, size=9.5, box=(362, 560))
    s.text(40, y + 4, "How to pay", size=9.5, style="b")
    b = sel.bank
    how = (f"Direct deposit: {b['bank']}, BSB {b['bsb']}, Account {b['account']}. Please use {inv.number} as the "
           f"reference.{'' if inv.credit else ' Please pay by ' + pen.d(inv.due) + '.'} All amounts in Australian dollars.")
    paragraph(s, 40, y + 18, how, 515, size=8.5)
    s.each_page(lambda p, n: s.text(555, s.h - 30, f"Page {p} of {n}", size=7.5, align="right", color=GREY))
    return s


US = (("8.25",), ("7",), ("6.25",), ("8.875",), ("6",))
FAMILIES_B_EN = [
    Family("B1-us-online-billing", "B", Spec("en-US", "{h}-{n:04d}", US, items=(1, 5), long_share=0.1, credit=0.1,
                                             po=0.3, paid=0.2, ship_to=0.3, details=0.6), _b1,
           "US online-billing invoice: label-left meta, three party columns, big amount-due line, page footer"),
    Family("B2-us-mobile-app", "B", Spec("en-US", "INV{n:04d}", US, items=(1, 7), long_share=0.05, credit=0.05, po=0.3,
                                         paid=0.35, buyer_person=0.6), _b2,
           "US mobile-app invoice: centred capitalised seller name, two-column grid of boxed cells, rate before qty"),
    Family("B7-au-tax-invoice", "B", Spec("en-AU", "{n:06d}", (("10",),), items=(2, 12), long_share=0.35, credit=0.1,
                                          po=0.5, paid=0.2), _b7,
           "Australian tax invoice: ABN, GST 10%, day-first dates with $, long tables over pages"),
]
