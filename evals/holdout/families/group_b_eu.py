"""Group B of the hold-out families, continental part. SEALED: these documents are scored only.
Nobody tuning the engine or the confidence looks at them, at the engine's output on them or at
their per-document scores; only group and family figures are reported (bench/holdout.py)."""

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
    grid,
    pairs,
    paragraph,
    table,
    totals,
)
from evals.holdout.content import Invoice, Spec
from evals.holdout.families.common import WHITE, Family, Pen, cont, item_rows, room, tax_rows
from evals.holdout.sheet import Sheet

# B3 ------------------------------------------------------------------------------------------
BAND3 = (0.16, 0.2, 0.28)


def _b3(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="sans")
    pen = Pen(inv, date_fmt="{dd}.{mm}.{yyyy}")
    sel, buy = inv.seller, inv.buyer
    s.rect(0, 0, s.w, 92, fill=BAND3, stroke=None)
    s.text(40, 52, sel.name, size=20, style="b", color=WHITE, mark="seller_name")
    s.text(40, 70, " | ".join([", ".join(sel.lines), sel.phone]), size=8, color=WHITE)
    s.text(555, 56, "GUTSCHRIFT" if inv.credit else "RECHNUNG", size=16, style="b", color=WHITE, align="right")
    block(s, 40, 130, [buy.name, *buy.lines, *([f"UID: {buy.vat_printed}"] if buy.vat_printed else [])],
          heading="Rechnungsempfänger", size=9.5, head_size=8, head_color=GREY, first_style="b", name_mark="buyer_name")
    y = grid(s, 315, 118, [("Rechnungs-Nr.", inv.number, "invoice_number"), ("Rechnungsdatum", pen.d(inv.issue), "issue_date")],
             [120, 120], head_fill=LIGHT, label_size=7, size=9.5)
    y = grid(s, 315, y - 4, [("Kunden-Nr.", inv.customer_no, None),
                             ("Fällig am", "sofort" if inv.credit else pen.d(inv.due), None if inv.credit else "due_date")],
             [120, 120], head_fill=LIGHT, label_size=7, size=9.5)
    extra: list[Cell] = [("Lieferdatum:", pen.d(inv.service), None)]
    if inv.po:
        extra.append(("Ihre Bestellnummer:", inv.po, "purchase_order_number"))
    y = pairs(s, 315, y + 10, extra, label_w=100, size=8.5)
    cols = [Col("Art.-Nr.", 60), Col("Beschreibung", 185, key="description"), Col("Menge", 45, "right", "qty"),
            Col("Einheit", 45), Col("Einzelpreis\nnetto", 85, "right", "unit_price"), Col("Betrag\nnetto", 95, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.sku, it.description, pen.q(it.qty), it.unit, pen.m(it.unit_price),
                                           pen.m(it.amount)])

    def head(sh: Sheet) -> float:
        sh.rect(0, 0, sh.w, 30, fill=BAND3, stroke=None)
        sh.text(40, 20, f"{sel.name} - Rechnung {inv.number}", size=8, color=WHITE)
        return 56
    y = table(s, 40, max(y, 230) + 10, cols, rows_i, TableStyle(head_fill=LIGHT, rules="none", zebra=(0.96, 0.96, 0.97),
                                                              bottom=80), new_page=head)
    y = room(s, y + 26, 150, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"USt. {pen.pct(r)}", total_label=None)
    rows_t: list[TotalRow] = [("Summe netto", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Gutschriftsbetrag" if inv.credit else "Rechnungsbetrag", pen.m(inv.total), "total_amount", True)]
    y = totals(s, 352, 549, y, rows_t, size=9.5, box=(345, 555), fill_last=(0.85, 0.87, 0.9))
    if not inv.credit:
        skonto = pen.m(inv.total * Decimal("0.02"))
        y = paragraph(s, 40, y + 4, f"Zahlbar innerhalb von 8 Tagen abzüglich 2 % Skonto ({skonto}) oder bis "
                      f"{pen.d(inv.due)} netto ohne Abzug.", 515, size=8.5)
    foot = (f"{sel.name} · UID-Nr.: {sel.vat_printed} · {sel.ids['fn']} · Handelsgericht Wien · "
            f"IBAN {sel.bank['iban']} · BIC {sel.bank['bic']}")

    def page_foot(p: int, n: int) -> None:
        s.text(s.w / 2, s.h - 34, foot, size=6.5, align="center", color=GREY,
               mark={"seller_vat_id": sel.vat_printed or ""} if p == 1 else None)
        s.text(555, s.h - 20, f"Seite {p}/{n}", size=6.5, align="right", color=GREY)
    s.each_page(page_foot)
    return s


# B4 ------------------------------------------------------------------------------------------
RED4 = (0.6, 0.1, 0.12)


def _b4(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="sans")
    pen = Pen(inv, date_fmt="{dd}/{mm}/{yyyy}", negative_credit=True)
    sel, buy = inv.seller, inv.buyer
    s.text(40, 62, sel.name, size=16, style="b", color=RED4, mark="seller_name")
    s.lines(40, 78, [f"CIF: {sel.vat_printed}", *sel.lines, f"Tel. {sel.phone}", sel.email], size=8.5,
            marks={0: {"seller_vat_id": sel.vat_printed or ""}})
    s.text(555, 66, "FACTURA DE ABONO" if inv.credit else "FACTURA", size=22, style="b", align="right")
    s.rect(40, 165, 300, 180, fill=RED4, stroke=None)
    s.text(46, 176, "CLIENTE", size=8, style="b", color=WHITE)
    s.rect(40, 180, 300, 262, width=0.5)
    s.lines(46, 194, [buy.name, f"NIF: {buy.vat_printed}" if buy.vat_printed else "", *buy.lines], size=9,
            marks={0: "buyer_name"})
    s.rect(315, 165, 555, 180, fill=RED4, stroke=None)
    s.text(321, 176, "DATOS DE LA FACTURA", size=8, style="b", color=WHITE)
    s.rect(315, 180, 555, 262, width=0.5)
    rows: list[Cell] = [("Nº factura:", inv.number, "invoice_number"), ("Fecha:", pen.d(inv.issue), "issue_date")]
    if inv.credit:
        rows.append(("Rectifica a:", inv.related, None))
    else:
        rows.append(("Vencimiento:", pen.d(inv.due), "due_date"))
    if inv.po:
        rows.append(("Su pedido:", inv.po, "purchase_order_number"))
    rows.append(("Forma de pago:", "Transferencia", None))
    pairs(s, 321, 194, rows, label_w=80, size=9, label_style="b")
    cols = [Col("Concepto", 275, key="description"), Col("Cantidad", 60, "right", "qty"),
            Col("Precio", 80, "right", "unit_price"), Col("Importe", 100, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.description, pen.q(it.qty), pen.m(it.unit_price, signed=False),
                                           pen.m(it.amount)])
    head = cont(f"Factura {inv.number} (continuación)")
    y = table(s, 40, 282, cols, rows_i, TableStyle(head_fill=LIGHT, rules="grid", bottom=80), new_page=head)
    y = room(s, y + 26, 130, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"IVA {pen.pct(r, False)}", total_label="Total IVA")
    rows_t: list[TotalRow] = [("Base imponible", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("TOTAL FACTURA", pen.m(inv.total), "total_amount", True)]
    y = totals(s, 360, 549, y, rows_t, size=9.5, box=(352, 555), fill_last=LIGHT)
    if not inv.credit:
        y = paragraph(s, 40, y + 4, f"Forma de pago: transferencia bancaria a la cuenta {sel.bank['iban']} antes del "
                      f"{pen.d(inv.due)}. Indique el número de factura en el concepto.", 515, size=8.5)
    s.each_page(lambda p, n: s.text(s.w / 2, s.h - 28, sel.ids["registro"] + f". {sel.name}, CIF {sel.vat_printed}.",
                                    size=6.5, align="center", color=GREY))
    return s


# B5 ------------------------------------------------------------------------------------------
def _b5(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="serif")
    pen = Pen(inv, date_fmt="{dd}-{mm}-{yyyy}", style="plain")
    sel, buy = inv.seller, inv.buyer
    for x, heading, p, mark in ((40, "Cedente/prestatore (fornitore)", sel, "seller_name"),
                                (300, "Cessionario/committente (cliente)", buy, "buyer_name")):
        s.rect(x, 40, x + 255, 150, width=0.6)
        s.rect(x, 40, x + 255, 56, fill=LIGHT, width=0.6)
        s.text(x + 5, 52, heading, size=8, style="b")
        lines = [f"Identificativo fiscale ai fini IVA: {p.vat_printed}" if p.vat_printed else "",
                 f"Codice fiscale: {p.ids.get('cf', '')}", f"Denominazione: {p.name}",
                 f"Indirizzo: {p.lines[0]}", f"Comune: {p.lines[1]}"]
        marks = {2: {mark: p.name}}
        if x == 40:
            marks[0] = {"seller_vat_id": p.vat_printed or ""}
        s.lines(x + 5, 72, lines, size=8, lead=12, marks=marks)
    kind = "TD04 nota di credito" if inv.credit else "TD01 fattura"
    y = grid(s, 40, 165, [("Tipologia documento", kind, None), ("Art. 73", "", None),
                          ("Numero documento", inv.number, "invoice_number"), ("Data documento", pen.d(inv.issue), "issue_date"),
                          ("Codice destinatario", "".join(rnd.choice("ABCDEFGHKLMNPRSTUVWXYZ0123456789") for _ in range(7)), None)],
             [120, 50, 115, 115, 115], head_fill=LIGHT, label_size=7, size=8.5, height=28)
    if inv.po or inv.credit:
        ref = (f"Documento collegato: fattura n. {inv.related}" if inv.credit
               else f"Dati ordine acquisto: n. {inv.po} del {pen.d(inv.order_date)}")
        s.text(40, y + 8, ref, size=8, mark={"purchase_order_number": inv.po} if inv.po and not inv.credit else None)
        y += 16
    cols = [Col("Cod. articolo", 62), Col("Descrizione", 178, key="description"), Col("Quantità", 50, "right", "qty"),
            Col("Prezzo unitario", 65, "right", "unit_price"), Col("UM", 28), Col("%IVA", 35, "right"),
            Col("Prezzo totale", 97, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.sku, it.description, pen.n(it.qty), pen.n(it.unit_price), it.unit,
                                           pen.n(it.rate), pen.n(it.amount)])
    head = cont(f"Documento n. {inv.number} - segue", y=56)
    y = table(s, 40, y + 8, cols, rows_i, TableStyle(rules="grid", head_fill=LIGHT, size=8, head_size=7, bottom=70),
              new_page=head)
    y = room(s, y + 20, 190, head)
    s.text(40, y, "RIEPILOGHI IVA E TOTALI", size=8, style="b")
    y += 6
    for r, base, t in inv.taxes:
        y = grid(s, 40, y, [("esigibilità iva / riferimenti normativi", "I (esigibilità immediata)", None),
                            ("%IVA", pen.n(r), None), ("Spese accessorie", "", None), ("Arr.", "", None),
                            ("Totale imponibile", pen.n(base), "subtotal_amount" if len(inv.taxes) == 1 else None),
                            ("Totale imposta", pen.n(t), "tax_amount" if len(inv.taxes) == 1 else None)],
                 [165, 40, 70, 40, 100, 100], head_fill=LIGHT, label_size=6.5, size=8.5, height=26) - 4
    cells: list[Cell] = [("Importo bollo", "", None), ("Sconto/Maggiorazione", "", None), ("Arr.", "", None),
             ("Totale documento", pen.n(inv.total), "total_amount")]
    if len(inv.taxes) > 1:
        cells[:2] = [("Totale imponibile", pen.n(inv.subtotal), "subtotal_amount"),
                     ("Totale imposta", pen.n(inv.tax), "tax_amount")]
    y = grid(s, 40, y + 4, cells, [130, 130, 125, 130], head_fill=LIGHT, label_size=6.5, size=8.5, height=26)
    if not inv.credit:
        y = grid(s, 40, y + 4, [("Modalità pagamento", "MP05 bonifico", None), ("IBAN", sel.bank["iban"], None),
                                ("Data scadenza", pen.d(inv.due), "due_date"),
                                ("Importo", pen.n(inv.amount_due), "amount_due" if inv.amount_due != inv.total else None)],
                 [95, 210, 95, 115], head_fill=LIGHT, label_size=6.5, size=8.5, height=26)
    s.each_page(lambda p, n: s.text(555, s.h - 26, f"Pagina {p} di {n}", size=7, align="right", color=GREY))
    return s


# B6 ------------------------------------------------------------------------------------------
def _b6(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="sans")
    pen = Pen(inv, date_fmt="{dd}.{mm}.{yyyy}", style="plain")
    sel, buy = inv.seller, inv.buyer
    s.text(40, 60, sel.name, size=14, style="b", mark="seller_name")
    s.lines(40, 76, [*sel.lines, sel.phone, sel.email, f"MWST-Nr.: {sel.vat_printed}"], size=8.5,
            marks={len(sel.lines) + 2: {"seller_vat_id": sel.vat_printed or ""}})
    s.lines(340, 150, [buy.name, *buy.lines], size=10, lead=13, marks={0: "buyer_name"})
    s.text(40, 225, "Gutschrift" if inv.credit else "Rechnung", size=18, style="b")
    rows: list[Cell] = [("Rechnungsnummer", inv.number, "invoice_number"), ("Rechnungsdatum", pen.d(inv.issue), "issue_date"),
            ("Kundennummer", inv.customer_no, None)]
    if inv.po:
        rows.append(("Ihre Bestellnummer", inv.po, "purchase_order_number"))
    if not inv.credit:
        rows.append(("Zahlbar bis", pen.d(inv.due), "due_date"))
    y = pairs(s, 40, 245, rows, label_w=110, size=9, lead=12)
    cols = [Col("Pos", 30), Col("Artikel", 245, key="description"), Col("Menge", 55, "right", "qty"),
            Col("Preis", 85, "right", "unit_price"), Col("Total CHF", 100, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [str(k + 1), it.description, pen.q(it.qty), pen.n(it.unit_price), pen.n(it.amount)])
    head = cont(f"Rechnung {inv.number}")
    y = table(s, 40, y + 6, cols, rows_i, TableStyle(head_fill=None, rules="head", bottom=80), new_page=head)
    slip = not inv.credit
    y = room(s, y + 24, 90, head, 300 if slip else 80)  # the slip takes the foot of the last page
    tx, _ = tax_rows(inv, pen, lambda r, b: f"MWST {pen.pct(r, True)}", total_label="MWST total")
    rows_t: list[TotalRow] = [("Total exkl. MWST", f"CHF {pen.n(inv.subtotal)}", {"subtotal_amount": pen.n(inv.subtotal), "currency": "CHF"}, False),
              *[(a, f"CHF {v}", {"tax_amount": v} if m else None, b) for a, v, m, b in tx],
              ("Total inkl. MWST", f"CHF {pen.n(inv.total)}", {"total_amount": pen.n(inv.total)}, True)]
    totals(s, 330, 555, y, rows_t, size=9.5, rule_before_last=True)
    if slip:
        top = s.h - 298
        s.hline(0, s.w, top, dashes="[3 3] 0", width=0.5)
        s.vline(176, top, s.h, width=0.5)
        s.text(14, top + 20, "Empfangsschein", size=11, style="b")
        s.text(190, top + 20, "Zahlteil", size=11, style="b")
        acct = [sel.bank["iban"], sel.name, *sel.lines]
        s.text(14, top + 40, "Konto / Zahlbar an", size=6, style="b")
        s.lines(14, top + 50, acct, size=8, lead=9.5)
        s.text(14, top + 110, "Zahlbar durch", size=6, style="b")
        s.lines(14, top + 120, [buy.name, *buy.lines], size=8, lead=9.5)
        slip_amount = pen.n(inv.amount_due, 2).replace("'", " ")
        s.text(14, top + 200, "Währung     Betrag", size=6, style="b")
        s.text(14, top + 212, f"CHF          {slip_amount}", size=8)
        s.rect(190, top + 40, 330, top + 180, width=0.8)
        s.rect(252, top + 102, 268, top + 118, fill=(0, 0, 0))
        s.text(190, top + 200, "Währung     Betrag", size=8, style="b")
        s.text(190, top + 214, f"CHF          {slip_amount}", size=10, mark={"amount_due": slip_amount})
        s.text(350, top + 40, "Konto / Zahlbar an", size=8, style="b")
        s.lines(350, top + 52, acct, size=10, lead=12)
        ref = "".join(str(rnd.randint(0, 9)) for _ in range(27))
        s.text(350, top + 130, "Referenz", size=8, style="b")
        s.text(350, top + 142, " ".join([ref[:2], *[ref[i:i + 5] for i in range(2, 27, 5)]]), size=10)
        s.text(350, top + 165, "Zahlbar durch", size=8, style="b")
        s.lines(350, top + 177, [buy.name, *buy.lines], size=10, lead=12)
    s.each_page(lambda p, n: s.text(555, 30, f"Seite {p}/{n}", size=7.5, align="right", color=GREY))
    return s


# B8 ------------------------------------------------------------------------------------------
def _b8(inv: Invoice, rnd: random.Random) -> Sheet:
    s = Sheet(paper="a4", family="serif")
    pen = Pen(inv, date_fmt="{dd}/{mm}/{yyyy}")
    sel, buy = inv.seller, inv.buyer
    y = block(s, 40, 60, [sel.name, *sel.lines, f"Tél. {sel.phone}", f"TVA {sel.vat_printed}", sel.ids["rpm"]],
              size=9, first_style="b", name_mark="seller_name")
    s.mark("seller_vat_id", f"TVA {sel.vat_printed}")
    block(s, 330, 120, [buy.name, *buy.lines, *([f"N° TVA client : {buy.vat_printed}"] if buy.vat_printed else [])],
          heading="Client :", size=10, first_style="b", name_mark="buyer_name")
    title = f"{'NOTE DE CRÉDIT' if inv.credit else 'FACTURE'} N° {inv.number}"
    s.text(40, 230, title, size=15, style="b", mark={"invoice_number": inv.number})
    parts = [f"Date : {pen.d(inv.issue)}"]
    marks = {"issue_date": pen.d(inv.issue)}
    if not inv.credit:
        parts.append(f"Échéance : {pen.d(inv.due)}")
        marks["due_date"] = pen.d(inv.due)
    if inv.po:
        parts.append(f"Votre réf. : {inv.po}")
        marks["purchase_order_number"] = inv.po
    parts.append(f"Client n° {inv.customer_no}")
    s.text(40, 250, "     ".join(parts), size=9.5, mark=marks)
    cols = [Col("Réf.", 60), Col("Description", 220, key="description"), Col("Qté", 45, "right", "qty"),
            Col("Prix unit. HTVA", 90, "right", "unit_price"), Col("Montant HTVA", 100, "right", "amount")]
    rows_i = item_rows(inv, lambda k, it: [it.sku, it.description, pen.q(it.qty), pen.n(it.unit_price), pen.n(it.amount)])
    head = cont(f"Facture {inv.number} (suite)")
    y = table(s, 40, 270, cols, rows_i, TableStyle(rules="grid", head_fill=None, size=9, bottom=80), new_page=head)
    y = room(s, y + 24, 150, head)
    tx, _ = tax_rows(inv, pen, lambda r, b: f"TVA {pen.pct(r)}", total_label="Total TVA")
    rows_t: list[TotalRow] = [("Total HTVA", pen.m(inv.subtotal), "subtotal_amount", False), *tx,
              ("Total TVAC", pen.m(inv.total), "total_amount", True)]
    if inv.paid:
        rows_t += [("Acompte reçu", pen.m(-inv.paid), None, False), ("À payer", pen.m(inv.amount_due), "amount_due", True)]
    y = totals(s, 350, 555, y, rows_t, size=10)
    if not inv.credit:
        d = [str(rnd.randint(0, 9)) for _ in range(12)]
        comm = f"+++{''.join(d[:3])}/{''.join(d[3:7])}/{''.join(d[7:])}+++"
        paragraph(s, 40, y + 6, f"À payer avant le {pen.d(inv.due)} sur le compte {sel.bank['iban']} (BIC "
                  f"{sel.bank['bic']}) avec la communication structurée {comm}.", 515, size=9)
    s.each_page(lambda p, n: s.text(s.w / 2, s.h - 26, f"{sel.name} - {sel.web} - page {p}/{n}", size=7,
                                    align="center", color=GREY))
    return s


FAMILIES_B_EU = [
    Family("B3-at-colour-band", "B", Spec("de-AT", "{yyyy}/{n:05d}", (("20",), ("20", "10")), items=(1, 9),
                                          long_share=0.2, credit=0.1, po=0.4, terms=(14, 30)), _b3,
           "Austrian designed invoice: colour band with the seller, boxed grid of header cells, Skonto sentence, "
           "per-rate tax rows only"),
    Family("B4-es-factura", "B", Spec("es-ES", "FV{yy}-{n:05d}", (("21",), ("21", "10")), items=(1, 8), long_share=0.1,
                                      credit=0.1, po=0.3, terms=(30, 60)), _b4,
           "Spanish factura: CIF under the seller, 'Cliente' and 'Datos de la factura' boxes, base imponible / IVA"),
    Family("B5-it-fattura-elettronica", "B", Spec("it-IT", "{n}/{yyyy}", (("22",), ("22", "10")), items=(1, 8),
                                                   long_share=0.15, credit=0.1, po=0.3, paid=0.1, terms=(30, 60)), _b5,
           "Italian e-invoice print: Cedente/Cessionario boxes, header and totals as label-above grids"),
    Family("B6-ch-qr-slip", "B", Spec("de-CH", "{n:06d}", (("8.1",), ("8.1", "2.6")), items=(1, 7), long_share=0.05,
                                      credit=0.1, po=0.4, terms=(30,)), _b6,
           "Swiss invoice: buyer window on the right, CHF 1'234.50, MWST, payment slip repeating the amount"),
    Family("B8-be-fr-classic", "B", Spec("fr-BE", "{yyyy}/{n:04d}", (("21",), ("21", "6")), items=(1, 9),
                                         long_share=0.15, credit=0.15, po=0.4, paid=0.15, terms=(15, 30)), _b8,
           "Belgian French invoice: meta on one line, HTVA / TVAC totals, structured payment reference"),
]
