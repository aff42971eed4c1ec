"""Group A of the hold-out families: engineers MAY look at these documents and at the engine's
mistakes on them, to name general failure classes. (Group B, group_b*.py, is sealed.)"""

from __future__ import annotations

import random
from decimal import Decimal

from evals.holdout.blocks import (
    GREY,
    LIGHT,
    Cell,
    Col,
    TableStyle,
    TotalRow,
    block,
    footer_columns,
    grid,
    pairs,
    paragraph,
    table,
    totals,
)
from evals.holdout.content import Invoice, Spec
from evals.holdout.families.common import WHITE, Family, Pen, cont, item_rows, room, tax_rows
from evals.holdout.people import person_name
from evals.holdout.sheet import Sheet


# A1 ------------------------------------------------------------------------------------------
def _a1(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="letter", family="sans")
    pen = Pen(inv, date_fmt="{m}/{d}/{yyyy}", style="plain")
    sel = inv.seller
    block(s, 40, 52, [sel.name, *sel.lines, sel.phone], size=9, first_style="b", name_mark="seller_name")
    s.text(572, 58, "Credit Memo" if inv.credit else "Invoice", size=22, style="b", align="right", color=(0.25, 0.3, 0.45))
    grid(s, 392, 72, [("DATE", pen.d(inv.issue), "issue_date"),
                      ("CREDIT NO." if inv.credit else "INVOICE #", inv.number, "invoice_number")], [90, 90],
         head_fill=LIGHT, label_size=7.5)
    for x, heading, p, mark in ((40, "BILL TO", inv.buyer, "buyer_name"), (322, "SHIP TO", inv.ship_to, None)):
        if p is None:
            continue
        s.rect(x, 150, x + 250, 166, fill=LIGHT)
        s.rect(x, 166, x + 250, 236)
        s.text(x + 5, 161, heading, size=8, style="b")
        s.lines(x + 6, 180, [p.name, *p.lines], size=9, marks={0: mark} if mark else None)
    initials = "".join(w[0] for w in sel.name.split()[:2]).upper()
    cells: list[Cell] = [("P.O. NUMBER", inv.po or "", "purchase_order_number" if inv.po else None),
             ("TERMS", "" if inv.credit else f"Net {inv.terms}", None),
             ("DUE DATE", "" if inv.credit else pen.d(inv.due), None if inv.credit else "due_date"),
             ("SHIP DATE", pen.d(inv.service), None), ("REP", initials, None), ("PROJECT", "", None)]
    y = grid(s, 40, 250, cells, [100, 80, 90, 90, 60, 112], head_fill=LIGHT, label_size=7.5) + 10
    cols = [Col("QTY", 45, "right", "qty"), Col("ITEM", 85), Col("DESCRIPTION", 242, key="description"),
            Col("RATE", 75, "right", "unit_price"), Col("AMOUNT", 85, "right", "amount")]
    rows = item_rows(inv, lambda k, it: [pen.q(it.qty), it.sku, it.description, pen.n(it.unit_price), pen.n(it.amount)],
                     details=False)
    head = cont(f"Invoice {inv.number} (continued)")
    y = table(s, 40, y, cols, rows, TableStyle(rules="grid", bottom=95), new_page=head)
    y = room(s, y + 24, 110, head, 95)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"Sales Tax ({pen.pct(r)})", total_label="Total Tax")
    sym = [(a, f"${v}", m, b) for a, v, m, b in tx]
    rows_t: list[TotalRow] = [("Subtotal", pen.m(inv.subtotal, "symbol"), "subtotal_amount", False), *sym]
    if inv.credit:
        rows_t.append(("Total Credit", pen.m(inv.total, "symbol"), "total_amount", True))
    else:
        rows_t += [("Total", pen.m(inv.total, "symbol"), "total_amount", True),
                   ("Payments/Credits", pen.m(-inv.paid, "symbol"), None, False),
                   ("Balance Due", pen.m(inv.amount_due, "symbol"), "amount_due", True)]
    paragraph(s, 40, y, f"Thank you for your business.\nPlease make checks payable to {sel.name.rstrip('.')}.", 300, size=8.5)
    totals(s, 398, 566, y, rows_t, box=(392, 572))

    def foot(page: int, pages: int) -> None:
        grid(s, 40, s.h - 70, [("Phone #", sel.phone, None), ("Fax #", "", None), ("E-mail", sel.email, None),
                               ("Web Site", sel.web, None)], [120, 110, 160, 142], head_fill=LIGHT, label_size=7)
        if pages > 1:
            s.text(572, s.h - 78, f"Page {page}", size=7.5, align="right")
    s.each_page(foot)
    return s


# A2 ------------------------------------------------------------------------------------------
BRAND2 = (0.1, 0.42, 0.52)


def _a2(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="letter", family="humanist")
    pen = Pen(inv, date_fmt="{Mon} {d}, {yyyy}")
    sel, buy = inv.seller, inv.buyer
    s.text(572, 62, sel.name, size=19, style="b", color=BRAND2, align="right", mark="seller_name")
    s.lines(572, 80, [*sel.lines, sel.phone, sel.web], size=9, align="right", color=GREY)
    s.text(40, 62, "INVOICE", size=26, color=(0.55, 0.55, 0.55))
    s.hline(40, 572, 150, width=1.2, color=BRAND2)
    s.text(40, 172, "BILL TO", size=8, style="b", color=GREY)
    block(s, 40, 188, [buy.name, *buy.lines, buy.email], size=10, first_style="b", name_mark="buyer_name")
    rows: list[Cell] = [("Invoice Number:", inv.number, "invoice_number")]
    if inv.po:
        rows.append(("P.O./S.O. Number:", inv.po, "purchase_order_number"))
    rows += [("Invoice Date:", pen.d(inv.issue), "issue_date"), ("Payment Due:", pen.d(inv.due), "due_date")]
    y = pairs(s, 330, 172, rows, label_w=140, size=10, label_style="b", value_right=572, label_right=True)
    s.rect(330, y - 13, 572, y + 5, fill=(0.93, 0.95, 0.96), stroke=None)
    s.text(462, y, "Amount Due (USD):", size=10, style="b", align="right", mark={"currency": "USD"})
    s.text(572, y, pen.m(inv.amount_due), size=10, style="b", align="right", mark="amount_due")
    cols = [Col("Services", 292, key="description"), Col("Hours", 60, "right", "qty"),
            Col("Rate", 80, "right", "unit_price"), Col("Amount", 100, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.q(it.qty), pen.m(it.unit_price), pen.m(it.amount)])
    head = cont(f"{sel.name} - Invoice {inv.number}")
    y = table(s, 40, max(y, 250) + 30, cols, rows_i,
              TableStyle(head_fill=BRAND2, head_color=WHITE, rules="rows", size=9.5, head_size=9, bottom=70),
              new_page=head)
    y = room(s, y + 26, 140, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"Sales Tax {pen.pct(r)}:", total_label="Total Tax:")
    rows_t: list[TotalRow] = [("Subtotal:", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Total:", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        when = inv.issue + (inv.due - inv.issue) / 3
        rows_t.append((f"Payment on {pen.d(when, '{Month} {d}, {yyyy}')} using a bank payment:", pen.m(inv.paid),
                       None, False))
    rows_t.append(("Amount Due (USD):", pen.m(inv.amount_due), None, True))
    y = totals(s, 470, 572, y, rows_t, size=10, label_align="right", rule_before_last=True)
    y = room(s, y + 10, 60, head)
    fee = pen.m(inv.amount_due * Decimal("0.015"))
    s.text(40, y, "Notes / Terms", size=9.5, style="b")
    paragraph(s, 40, y + 15, f"Payment is due within {inv.terms} days. A late fee of 1.5% per month ({fee}) applies "
              f"to balances unpaid after {pen.d(inv.due, '{Month} {d}, {yyyy}')}. Thank you for your business!",
              520, size=9)
    return s


# A3 ------------------------------------------------------------------------------------------
SIDE3 = (0.13, 0.27, 0.36)
PALE3 = (0.85, 0.9, 0.93)


def _a3(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="sans")
    pen = Pen(inv, date_fmt="{dd}/{mm}/{yyyy}")
    sel = inv.seller

    def side(sh: Sheet) -> float:
        sh.rect(0, 0, 160, sh.h, fill=SIDE3, stroke=None)
        first = sh.page_no == 1
        name = sh.wrap(sel.name, 130, 13, "b")
        y = sh.lines(18, 60, name, size=13, style="b", color=WHITE, lead=16)
        if first:
            sh.mark("seller_name", sel.name)
        y = sh.lines(18, y + 8, [*sel.lines, sel.phone, sel.email], size=8, color=WHITE, lead=11)
        sh.text(18, y + 12, "SIRET", size=7, style="b", color=WHITE)
        sh.text(18, y + 23, sel.ids["siret"], size=8, color=WHITE)
        sh.text(18, y + 40, "N° TVA intracom.", size=7, style="b", color=WHITE)
        sh.text(18, y + 51, sel.vat_printed or "", size=8, color=WHITE, mark="seller_vat_id" if first else None)
        sh.text(18, y + 68, f"Code APE {sel.ids['ape']}", size=7, color=WHITE)
        return 60

    side(s)
    x = 190
    s.text(x, 70, "AVOIR" if inv.credit else "FACTURE", size=28, style="b", color=SIDE3)
    s.text(x, 92, f"N° {inv.number}", size=11, mark={"invoice_number": inv.number})
    rows: list[Cell] = [("Date d'émission :", pen.d(inv.issue), "issue_date")]
    if not inv.credit:
        rows.append(("Date d'échéance :", pen.d(inv.due), "due_date"))
    rows.append(("Date de livraison :", pen.d(inv.service), None))
    if inv.po:
        rows.append(("Réf. commande :", inv.po, "purchase_order_number"))
    if inv.credit:
        rows.append(("Facture d'origine :", f"{inv.related} du {pen.d(inv.order_date)}", None))
    pairs(s, x, 118, rows, label_w=92, size=9, label_color=GREY)
    y = block(s, 400, 118, [inv.buyer.name, *inv.buyer.lines], heading="Adresse de facturation", size=9,
              head_color=SIDE3, first_style="b", name_mark="buyer_name")
    if inv.ship_to:
        y = block(s, 400, y + 8, [inv.ship_to.name, *inv.ship_to.lines], heading="Adresse de livraison", size=8.5,
                  head_color=SIDE3)
    cols = [Col("Désignation", 125, key="description"), Col("Qté", 40, "right", "qty"), Col("Unité", 40),
            Col("PU HT", 60, "right", "unit_price"), Col("TVA", 40, "right"), Col("Total HT", 60, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.q(it.qty), it.unit, pen.m(it.unit_price),
                                           pen.pct(it.rate), pen.m(it.amount)])
    y = table(s, x, max(y, 200) + 14, cols, rows_i, TableStyle(head_fill=PALE3, rules="rows", bottom=70), new_page=side)
    y = room(s, y + 26, 190, side)
    rows_t: list[TotalRow] = [("Total HT", pen.m(inv.items_total), None if inv.discount else "subtotal_amount", False)]
    if inv.discount:
        rows_t += [(f"Remise {pen.pct(inv.discount_rate)}", pen.m(-inv.discount), None, False),
                   ("Total HT net", pen.m(inv.subtotal), "subtotal_amount", False)]
    tx, _ = tax_rows(inv, pen, lambda r, b: f"TVA {pen.pct(r)}", total_label="Total TVA")
    rows_t += [*tx, ("Total TTC", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        rows_t.append(("Acompte versé", pen.m(-inv.paid), None, False))
    rows_t.append(("Montant de l'avoir" if inv.credit else "Net à payer", pen.m(inv.amount_due),
                   None if inv.credit else "amount_due", True))
    y = totals(s, 395, 555, y, rows_t, box=(388, 560), fill_last=PALE3)
    text = ("Conditions de paiement : remboursement par virement bancaire. " if inv.credit
            else f"Conditions de paiement : {inv.terms} jours, par virement bancaire. ")
    text += ("En cas de retard de paiement, une pénalité égale à trois fois le taux d'intérêt légal sera exigible, "
             f"ainsi qu'une indemnité forfaitaire pour frais de recouvrement de {pen.m(Decimal(40), signed=False)}. "
             "Pas d'escompte pour paiement anticipé.")
    y = paragraph(s, x, y + 6, text, 365, size=7.5, color=GREY)
    s.rect(x, y + 4, 555, y + 34, fill=(0.95, 0.96, 0.97), stroke=None)
    s.text(x + 6, y + 16, f"IBAN : {sel.bank['iban']}", size=8)
    s.text(x + 6, y + 28, f"BIC : {sel.bank['bic']}", size=8)
    s.each_page(lambda p, n: s.text(18, s.h - 40, f"Page {p}/{n}", size=7, color=WHITE))
    return s


# A4 ------------------------------------------------------------------------------------------
def _a4(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="humanist")
    pen = Pen(inv, date_fmt="{dd}.{mm}.{yyyy}", negative_credit=True)
    sel, buy = inv.seller, inv.buyer
    s.text(538, 62, sel.name, size=16, style="b", align="right", mark="seller_name")
    s.lines(538, 78, [", ".join(sel.lines), f"Tel. {sel.phone}", sel.email], size=8, align="right", color=GREY)
    ret = " · ".join([sel.name, *sel.lines])
    s.text(57, 128, ret, size=6.5)
    s.hline(57, 57 + s.width(ret, 6.5), 130, width=0.3)
    addr = ([("Frau" if rnd.random() < 0.5 else "Herrn")] if buy.person else []) + [buy.name, *buy.lines]
    s.lines(57, 148, addr, size=10, lead=13, marks={len(addr) - len(buy.lines) - 1: "buyer_name"})
    rows: list[Cell] = [("Rechnungsnummer:" if not inv.credit else "Gutschriftsnummer:", inv.number, "invoice_number"),
            ("Rechnungsdatum:" if not inv.credit else "Datum:", pen.d(inv.issue), "issue_date"),
            ("Leistungsdatum:", pen.d(inv.service), None), ("Kundennummer:", inv.customer_no, None)]
    if inv.po:
        rows.append(("Ihre Bestellung:", inv.po, "purchase_order_number"))
    rows.append(("Bearbeiter:", person_name(rnd, inv.loc), None))
    pairs(s, 360, 148, rows, label_w=88, size=8.5)
    subject = (f"Gutschrift Nr. {inv.number} zur Rechnung {inv.related} vom {pen.d(inv.order_date)}" if inv.credit
               else f"Rechnung Nr. {inv.number}")
    s.text(57, 268, subject, size=11, style="b")
    greet = "Guten Tag," if buy.person else "Sehr geehrte Damen und Herren,"
    y = paragraph(s, 57, 292, f"{greet}\n" + ("hiermit schreiben wir Ihnen folgende Beträge gut:" if inv.credit else
                  "für die erbrachten Leistungen erlauben wir uns, wie folgt zu berechnen:"), 480, size=9.5)
    cols = [Col("Pos.", 32), Col("Bezeichnung", 205, key="description"), Col("Menge", 48, "right", "qty"),
            Col("Einheit", 45), Col("Einzelpreis", 75, "right", "unit_price"), Col("Gesamtpreis", 76, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [str(k + 1), it.description, pen.q(it.qty), it.unit, pen.n(it.unit_price),
                                           pen.n(it.amount * pen.sign)])
    running = lambda n: pen.n(sum((it.amount for it in inv.items[:n]), Decimal(0)) * pen.sign)  # noqa: E731
    head = cont(f"{subject} - Fortsetzung", y=80, x=57)
    y = table(s, 57, y + 4, cols, rows_i, TableStyle(head_fill=None, rules="head", bottom=110, carry=("Übertrag", "Übertrag")),
              new_page=head, running=running)
    y = room(s, y + 22, 150, head, 110)
    s.hline(57, 538, y - 14, width=0.5)
    rows_t: list[TotalRow] = []
    if inv.discount:
        rows_t += [("Zwischensumme", pen.m(inv.items_total), None, False),
                   (f"abzgl. {pen.pct(inv.discount_rate)} Rabatt", pen.m(-inv.discount * pen.sign, signed=False), None, False)]
    rows_t.append(("Nettobetrag", pen.m(inv.subtotal), "subtotal_amount", False))
    tx, _ = tax_rows(inv, pen, lambda r, b: f"zzgl. {pen.pct(r)} USt. auf {pen.m(b)}" if len(inv.taxes) > 1
                     else f"zzgl. {pen.pct(r)} USt.", total_label="Umsatzsteuer gesamt")
    rows_t += [*tx, ("Gutschriftsbetrag" if inv.credit else "Gesamtbetrag", pen.m(inv.total), "total_amount", True)]
    y = totals(s, 330, 538, y, rows_t, size=9.5, rule_before_last=True)
    if inv.credit:
        note = "Der Betrag wird mit Ihrer nächsten Rechnung verrechnet."
        y = paragraph(s, 57, y + 8, note, 480, size=9.5)
    else:
        due = pen.d(inv.due)
        s.text(57, y + 8, f"Zahlbar bis {due} ohne Abzug.", size=9.5, mark={"due_date": due})
        y += 22
    y = paragraph(s, 57, y + 8, "Vielen Dank für Ihren Auftrag.\nMit freundlichen Grüßen", 480, size=9.5)
    bank = sel.bank
    cols_f = [[sel.name, *sel.lines], [f"Geschäftsführer: {rnd.choice(['Jürgen', 'Sabine', 'Markus'])} "
                                       f"{rnd.choice(['Brandt', 'Lorenz', 'Vogel'])}", sel.ids["court"], sel.ids["hrb"]],
              [f"USt-IdNr.: {sel.vat_printed}", f"Steuernummer: {sel.ids['steuernr']}"],
              [rnd.choice(["Sparkasse", "Volksbank", "Commerzbank"]), f"IBAN: {bank['iban']}", f"BIC: {bank['bic']}"]]

    def foot(page: int, pages: int) -> None:
        footer_columns(s, s.h - 62, cols_f, x0=57, x1=538)
        if page == 1:
            s.mark("seller_vat_id", f"USt-IdNr.: {sel.vat_printed}")
        s.text(538, s.h - 82, f"Seite {page} von {pages}", size=7.5, align="right", color=GREY)
    s.each_page(foot)
    return s


# A5 ------------------------------------------------------------------------------------------
BRAND5 = (0.75, 0.33, 0.1)


def _a5(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="sans")
    pen = Pen(inv, date_fmt="{dd}-{mm}-{yyyy}", negative_credit=True)
    sel, buy = inv.seller, inv.buyer
    s.text(555, 64, sel.name, size=18, style="b", color=BRAND5, align="right", mark="seller_name")
    s.lines(555, 82, [*sel.lines, sel.phone, sel.email], size=8.5, align="right", color=GREY)
    addr = [buy.name, *([f"t.a.v. {rnd.choice(['dhr.', 'mevr.'])} {rnd.choice(['J.', 'A.', 'M.', 'S.'])} "
                         f"{rnd.choice(['de Vries', 'Bakker', 'Visser', 'Smit'])}"] if not buy.person else []), *buy.lines]
    s.lines(40, 150, addr, size=10, lead=13, marks={0: "buyer_name"})
    s.text(40, 250, "CREDITNOTA" if inv.credit else "FACTUUR", size=20, style="b")
    cells: list[Cell] = [("Creditnotanummer" if inv.credit else "Factuurnummer", inv.number, "invoice_number"),
             ("Datum" if inv.credit else "Factuurdatum", pen.d(inv.issue), "issue_date"),
             ("Vervaldatum", "" if inv.credit else pen.d(inv.due), None if inv.credit else "due_date"),
             ("Klantnummer", inv.customer_no, None),
             ("Uw referentie", inv.po or "", "purchase_order_number" if inv.po else None)]
    y = grid(s, 40, 262, cells, [103] * 5, boxed=False, head_fill=LIGHT, label_size=7.5, size=9.5, height=32)
    if inv.credit:
        s.text(40, y + 10, f"Betreft: creditering van factuur {inv.related}", size=9)
        y += 14
    cols = [Col("Omschrijving", 245, key="description"), Col("Aantal", 55, "right", "qty"),
            Col("Prijs", 80, "right", "unit_price"), Col("BTW", 45, "right"), Col("Bedrag", 90, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.q(it.qty), pen.m(it.unit_price, signed=False),
                                           pen.pct(it.rate, False), pen.m(it.amount)])
    head = cont(f"Factuur {inv.number} - vervolg")
    y = table(s, 40, y + 14, cols, rows_i, TableStyle(head_fill=None, rules="rows", head_color=BRAND5, bottom=80),
              new_page=head)
    y = room(s, y + 24, 130, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"BTW {pen.pct(r, False)}", total_label="Totaal BTW")
    rows_t: list[TotalRow] = [("Totaal excl. BTW", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Totaal incl. BTW", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        rows_t += [("Reeds betaald", pen.m(-inv.paid), None, False), ("Te betalen", pen.m(inv.amount_due), "amount_due", True)]
    y = totals(s, 360, 555, y, rows_t, size=9.5, rule_before_last=not inv.paid)
    if inv.credit:
        text = f"Het bedrag van {pen.m(inv.total, signed=False)} wordt binnen 14 dagen teruggestort op uw rekening."
    else:
        text = (f"Wij verzoeken u vriendelijk het bedrag van {pen.m(inv.amount_due)} vóór {pen.d(inv.due)} over te "
                f"maken op rekeningnummer {sel.bank['iban']} t.n.v. {sel.name}, onder vermelding van het "
                f"factuurnummer {inv.number}.")
    paragraph(s, 40, y + 10, text, 515, size=9)
    line = f"{sel.name} · KvK {sel.ids['kvk']} · BTW {sel.vat_printed} · IBAN {sel.bank['iban']} · BIC {sel.bank['bic']}"

    def foot(page: int, pages: int) -> None:
        s.hline(40, 555, s.h - 52, width=0.4, color=BRAND5)
        s.text(s.w / 2, s.h - 38, line, size=7, align="center", color=GREY,
               mark={"seller_vat_id": sel.vat_printed or ""} if page == 1 else None)
        s.text(555, s.h - 24, f"Pagina {page} van {pages}", size=7, align="right", color=GREY)
    s.each_page(foot)
    return s


# A6 ------------------------------------------------------------------------------------------
def _a6(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="serif")
    pen = Pen(inv, date_fmt="{d} {Month} {yyyy}")
    sel, buy = inv.seller, inv.buyer
    s.text(40, 70, "CREDIT NOTE" if inv.credit else "INVOICE", size=24, style="b")
    s.text(555, 60, sel.name, size=13, style="b", align="right", mark="seller_name")
    y = s.lines(555, 76, [*sel.lines, f"Tel: {sel.phone}", sel.email], size=9, align="right")
    s.text(555, y + 2, f"VAT Reg No. {sel.vat_printed}", size=9, align="right", mark={"seller_vat_id": sel.vat_printed or ""})
    block(s, 40, 175, [buy.name, *buy.lines], heading="Invoice to:", size=10, first_style="b", name_mark="buyer_name")
    rows: list[Cell] = [("Credit note No:" if inv.credit else "Invoice No:", inv.number, "invoice_number"),
            ("Date:", pen.d(inv.issue), "issue_date"), ("Tax point:", pen.d(inv.service), None),
            ("Account ref:", inv.customer_no, None)]
    if inv.po:
        rows.append(("Your order no:", inv.po, "purchase_order_number"))
    if inv.credit:
        rows.append(("Original invoice:", inv.related, None))
    else:
        rows.append(("Due date:", pen.d(inv.due), "due_date"))
    y = max(pairs(s, 340, 175, rows, label_w=95, size=10, label_style="b"), 260)
    cols = [Col("Description", 255, key="description"), Col("Qty", 45, "right", "qty"),
            Col("Unit price", 80, "right", "unit_price"), Col("VAT %", 50, "right"), Col("Net", 85, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.q(it.qty), pen.n(it.unit_price), pen.pct(it.rate, False),
                                           pen.n(it.amount)])
    head = cont(f"Invoice {inv.number} continued")
    y = table(s, 40, y + 10, cols, rows_i, TableStyle(rules="grid", head_fill=LIGHT, size=9, bottom=70), new_page=head)
    y = room(s, y + 24, 100 + 200, head, 40)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"VAT @ {pen.pct(r, False)}", total_label="Total VAT")
    rows_t: list[TotalRow] = [("Net total", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Credit total" if inv.credit else "Invoice total", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        rows_t += [("Less paid on account", pen.m(-inv.paid), None, False), ("Balance due", pen.m(inv.amount_due), None, True)]
    y = totals(s, 380, 555, y, rows_t, size=10, rule_before_last=not inv.paid)
    terms = ("This credit note will be offset against your next invoice." if inv.credit else
             f"Terms: strictly {inv.terms} days net. Please quote invoice number {inv.number} with your payment.")
    paragraph(s, 40, y + 6, terms, 515, size=9)
    top = s.h - 210
    s.hline(40, 555, top, dashes="[4 3] 0", width=0.6)
    s.text(s.w / 2, top + 12, "Please detach and return this slip with your payment", size=7.5, align="center", color=GREY)
    s.text(40, top + 34, "REMITTANCE ADVICE", size=12, style="b")
    block(s, 40, top + 54, [buy.name, *buy.lines], heading="From:", size=9)
    slip: list[Cell] = [("Invoice No:", inv.number, None), ("Account ref:", inv.customer_no, None),
            ("Amount due:" if not inv.credit else "Credit amount:", pen.m(inv.amount_due), None if inv.credit else "amount_due"),
            ("Amount enclosed:", "£ ____________", None)]
    pairs(s, 330, top + 54, slip, label_w=100, size=10, label_style="b")
    s.text(40, top + 150, f"Pay by BACS to {sel.name}: sort code {sel.bank['sort_code']}, account no. "
           f"{sel.bank['account']}", size=9)
    reg = (f"{sel.name}. Registered in England and Wales, company no. {sel.ids['company_no']}. "
           f"Registered office: {', '.join(sel.lines)}.")
    s.each_page(lambda p, n: s.text(s.w / 2, s.h - 22, reg, size=6.5, align="center", color=GREY))
    return s


US = (("8.25",), ("7",), ("6.25",), ("8.875",), ("6",))
FAMILIES_A = [
    Family("A1-us-desktop-grid", "A", Spec("en-US", "{n}", US, items=(1, 9), long_share=0.2, credit=0.1, po=0.5,
                                           paid=0.3, ship_to=0.6), _a1,
           "US desktop-accounting invoice: boxed grids, labels above values, Bill To / Ship To boxes"),
    Family("A2-us-freelance-hours", "A", Spec("en-US", "INV-{n:05d}", US, items=(1, 6), long_share=0.1, po=0.3,
                                              paid=0.3, buyer_person=0.4, details=0.5, hours_only=True, terms=(15, 30)), _a2,
           "US freelancer invoice: logo-like seller name, label-right meta with amount due, hours x rate, late-fee note"),
    Family("A3-fr-sidebar", "A", Spec("fr-FR", "F{yyyy}-{n:04d}", (("20",), ("20", "10"), ("20", "5.5")), items=(1, 8),
                                      long_share=0.15, credit=0.15, po=0.4, paid=0.25, discount=0.25, ship_to=0.3,
                                      terms=(30, 45)), _a3,
           "French designed invoice: seller in a coloured sidebar, HT/TVA/TTC box, legal payment terms"),
    Family("A4-de-din-letter", "A", Spec("de-DE", "RE-{yyyy}-{n:05d}", (("19",), ("19", "7")), items=(2, 10),
                                         long_share=0.3, credit=0.15, po=0.5, discount=0.2, buyer_person=0.2,
                                         terms=(14, 30)), _a4,
           "German DIN 5008 business letter: return-address line, window address, info block, Übertrag, footer columns"),
    Family("A5-nl-header-row", "A", Spec("nl-NL", "{yyyy}{n:04d}", (("21",), ("21", "9")), items=(1, 7), long_share=0.1,
                                         credit=0.1, po=0.4, paid=0.15, buyer_person=0.2, terms=(14, 30)), _a5,
           "Dutch invoice: header values in a row under their column labels, payment sentence, footer line"),
    Family("A6-uk-remittance", "A", Spec("en-GB", "INV-{n:05d}", (("20",), ("20", "5")), items=(1, 8), long_share=0.1,
                                         credit=0.15, po=0.5, paid=0.2, terms=(14, 30)), _a6,
           "UK invoice: VAT Reg No., tax point, VAT @ 20%, remittance slip repeating the amount due"),
]
