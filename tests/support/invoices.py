"""Generate realistic test invoices (PDF, with a text layer) whose truth is known.

The core suite's fixed house invoice: three languages, one layout family with a few switches. The
layout-diverse generator for measuring (many families, six languages, scans) is evals/synth
(`docparse synth`); its schema is the one re-exported here.

``make_invoice(seed=..., language="en"|"de"|"fr", n_items=..., pages=...)`` returns the PDF bytes
and a truth dict with the keys of shared/eval/schema-invoice.json. The seed varies the layout:
label/value on one line or value below the label, column order and labels of the item table,
number and date formats per language, wrapped item descriptions, and long item lists that spill
over several pages with a repeated table header and carried-forward rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pymupdf

from evals.synth.schema import schema_invoice  # noqa: F401  (re-exported for the tests)

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
FONT, BOLD = "helv", "hebo"

LANG: dict[str, dict[str, Any]] = {
    "en": {
        "title": ["INVOICE", "Invoice", "Tax Invoice"],
        "invoice_number": ["Invoice No.", "Invoice Number", "Invoice #"],
        "issue_date": ["Invoice Date", "Date", "Date of issue"],
        "due_date": ["Due Date", "Payment Due", "Due by"],
        "po": ["PO Number", "Purchase Order", "Your order"],
        "bill_to": ["Bill To", "Customer", "Billed to"],
        "vat": ["VAT ID", "VAT No.", "VAT Reg. No."],
        "cols": {"pos": ["#", "Pos"], "description": ["Description", "Item", "Item description"],
                 "qty": ["Qty", "Quantity"], "unit_price": ["Unit Price", "Price", "Rate"],
                 "amount": ["Amount", "Line Total", "Total"], "unit": ["Unit"]},
        "subtotal": ["Subtotal", "Net Total", "Total excl. VAT"],
        "tax": ["VAT {r}%", "Tax ({r}%)", "Sales Tax {r}%"],
        "total": ["Total", "Grand Total", "Total Amount"],
        "carry": "Carried forward", "brought": "Brought forward",
        "currency": [("USD", "$"), ("GBP", "£"), ("EUR", "EUR")],
        "units": ["pcs", "h", "ea"],
        "page": "Page {p} of {n}",
        "thanks": "Thank you for your business. Please pay within 30 days.",
    },
    "de": {
        "title": ["RECHNUNG", "Rechnung"],
        "invoice_number": ["Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr."],
        "issue_date": ["Rechnungsdatum", "Datum"],
        "due_date": ["Fälligkeitsdatum", "Zahlbar bis", "Fällig am"],
        "po": ["Bestellnummer", "Ihre Bestellung", "Bestell-Nr."],
        "bill_to": ["Rechnungsempfänger", "Kunde", "Käufer"],
        "vat": ["USt-IdNr.", "USt.-Id.-Nr.", "Umsatzsteuer-ID"],
        "cols": {"pos": ["Pos.", "Nr."], "description": ["Bezeichnung", "Beschreibung", "Artikelbezeichnung"],
                 "qty": ["Menge", "Anzahl"], "unit_price": ["Einzelpreis", "E-Preis", "Preis"],
                 "amount": ["Gesamt", "Betrag", "Gesamtpreis"], "unit": ["Einheit"]},
        "subtotal": ["Nettobetrag", "Zwischensumme netto", "Summe netto"],
        "tax": ["MwSt. {r}%", "zzgl. USt. {r}%", "Umsatzsteuer {r}%"],
        "total": ["Gesamtbetrag", "Rechnungsbetrag", "Bruttobetrag"],
        "carry": "Übertrag", "brought": "Übertrag",
        "currency": [("EUR", "€"), ("EUR", "EUR"), ("CHF", "CHF")],
        "units": ["Stk", "Std", "St."],
        "page": "Seite {p} von {n}",
        "thanks": "Vielen Dank für Ihren Auftrag. Zahlbar innerhalb von 14 Tagen ohne Abzug.",
    },
    "fr": {
        "title": ["FACTURE", "Facture"],
        "invoice_number": ["Numéro de facture", "Facture n°", "N° de facture"],
        "issue_date": ["Date de facture", "Date", "Date d'émission"],
        "due_date": ["Date d'échéance", "Échéance", "À payer avant le"],
        "po": ["Bon de commande", "N° de commande", "Votre commande"],
        "bill_to": ["Facturé à", "Client", "Destinataire"],
        "vat": ["TVA intracommunautaire", "N° TVA", "Numéro de TVA"],
        "cols": {"pos": ["N°", "Réf."], "description": ["Désignation", "Description", "Libellé"],
                 "qty": ["Quantité", "Qté"], "unit_price": ["Prix unitaire", "P.U. HT", "Prix unit. HT"],
                 "amount": ["Montant", "Total HT", "Montant HT"], "unit": ["Unité"]},
        "subtotal": ["Total HT", "Montant HT", "Sous-total HT"],
        "tax": ["TVA {r}%", "TVA ({r} %)", "Montant TVA {r}%"],
        "total": ["Total TTC", "Montant TTC", "Net à payer"],
        "carry": "À reporter", "brought": "Report",
        "currency": [("EUR", "€"), ("EUR", "EUR")],
        "units": ["u.", "h", "pce"],
        "page": "Page {p} / {n}",
        "thanks": "Merci de votre confiance. Paiement à 30 jours.",
    },
}

SELLERS = {
    "en": ["Northwind Traders Ltd", "Blue Harbor Supplies Inc.", "Acme Office Goods LLC",
           "Greenfield Consulting Ltd"],
    "de": ["Musterhandel GmbH", "Schneider & Söhne KG", "Bergmann Bürobedarf GmbH",
           "Weber Elektrotechnik AG"],
    "fr": ["Dupont Fournitures SARL", "Atelier Lumière SAS", "Boulangerie Martin SA",
           "Comptoir Général SARL"],
}
BUYERS = {
    "en": ["Riverside Dental Clinic", "Oakwood Primary School", "Summit Logistics Ltd"],
    "de": ["Kunden AG Mitte", "Stadtwerke Neustadt GmbH", "Praxis Dr. Huber"],
    "fr": ["Mairie de Saint-Clair", "Société Bernard et Fils", "Cabinet Lefèvre"],
}
STREETS = {"en": ["12 High Street", "400 Market Ave"], "de": ["Hauptstraße 5", "Lindenweg 22"],
           "fr": ["8 rue de la Paix", "14 avenue Victor Hugo"]}
CITIES = {"en": ["London EC1A 1BB", "Springfield, IL 62701"], "de": ["80333 München", "10115 Berlin"],
          "fr": ["75002 Paris", "69001 Lyon"]}
PRODUCTS = {
    "en": ["Printer paper A4, 500 sheets", "Ballpoint pens blue", "Desk lamp LED", "Stapler heavy duty",
           "Consulting services", "Ink cartridge black", "USB-C cable 2 m", "Whiteboard markers",
           "Office chair ergonomic", "Filing cabinet 3 drawers", "Monitor stand adjustable",
           "Software support hours", "Coffee beans 1 kg", "Notebook spiral bound"],
    "de": ["Kopierpapier A4 weiß", "Kugelschreiber blau", "Schreibtischlampe LED", "Heftgerät groß",
           "Beratungsleistung", "Druckerpatrone schwarz", "USB-C Kabel 2 m", "Whiteboard-Marker",
           "Bürostuhl ergonomisch", "Aktenschrank 3 Schübe", "Monitorhalterung", "Wartungsstunden",
           "Kaffeebohnen 1 kg", "Notizblock kariert"],
    "fr": ["Papier A4 blanc", "Stylos bille bleus", "Lampe de bureau LED", "Agrafeuse grand modèle",
           "Prestation de conseil", "Cartouche d'encre noire", "Câble USB-C 2 m", "Feutres effaçables",
           "Chaise de bureau ergonomique", "Armoire de classement", "Support d'écran réglable",
           "Heures de maintenance", "Café en grains 1 kg", "Cahier à spirale"],
}
WRAP_TAILS = {"en": ["incl. delivery and setup", "colour: graphite grey", "per licence, 12 months"],
              "de": ["inkl. Lieferung und Montage", "Farbe: graphitgrau", "je Lizenz, 12 Monate"],
              "fr": ["livraison et installation incluses", "coloris : gris graphite",
                     "par licence, 12 mois"]}
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
             "Oktober", "November", "Dezember"]


def fmt_money(v: float, language: str, style: int = 0) -> str:
    s = f"{abs(v):,.2f}"  # 1,234.56
    if language == "de":
        s = s.replace(",", "X").replace(".", ",").replace("X", ".")
    elif language == "fr":
        s = s.replace(",", " ").replace(".", ",")
    return ("-" if v < 0 else "") + s


def fmt_qty(q: float, language: str) -> str:
    if abs(q - round(q)) < 1e-9:
        return str(int(round(q)))
    s = f"{q:.2f}".rstrip("0")
    return s.replace(".", ",") if language in ("de", "fr") else s


def fmt_date(d: date, language: str, style: int) -> str:
    if language == "en":
        return [f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}", d.isoformat(),
                f"{d.day:02d}-{MONTHS_EN[d.month - 1][:3]}-{d.year}",
                f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"][style % 4]
    if language == "de":
        return [f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.day}. {MONTHS_DE[d.month - 1]} {d.year}"][style % 2]
    return [f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day} {MONTHS_FR[d.month - 1]} {d.year}"][style % 2]


class _Writer:
    def __init__(self) -> None:
        self.doc = pymupdf.open()
        self.page = None

    def new_page(self) -> None:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)

    def text(self, x: float, y: float, s: str, size: float = 9, bold: bool = False,
             align: str = "left") -> None:
        font = BOLD if bold else FONT
        if align == "right":
            x = x - pymupdf.get_text_length(s, fontname=font, fontsize=size)
        self.page.insert_text((x, y), s, fontname=font, fontsize=size)

    def line(self, x0: float, y: float, x1: float) -> None:
        self.page.draw_line((x0, y), (x1, y), color=(0.6, 0.6, 0.6), width=0.5)


def make_invoice(*, seed: int = 0, language: str = "en", n_items: int = 5,
                 pages: int | None = None) -> tuple[bytes, dict[str, Any]]:
    """A PDF invoice and its truth (keys as in shared/eval/schema-invoice.json)."""
    if language not in LANG:
        raise ValueError(f"language must be one of {sorted(LANG)}")
    rnd = random.Random(f"{seed}-{language}-{n_items}-{pages}")
    L = LANG[language]
    pick = rnd.choice
    seller, buyer = pick(SELLERS[language]), pick(BUYERS[language])
    cc = {"en": "GB", "de": "DE", "fr": "FR"}[language]
    vat_id = cc + "".join(rnd.choice("0123456789") for _ in range(9))
    inv_no = pick(["INV-", "RE-", "F", ""]) + str(rnd.randint(2018, 2026)) + "-" + str(rnd.randint(100, 99999))
    issue = date(2024, 1, 1) + timedelta(days=rnd.randint(0, 700))
    due = issue + timedelta(days=pick([14, 30, 45]))
    po = "PO-" + str(rnd.randint(10000, 99999))
    currency, cur_sym = pick(L["currency"])
    rate = {"en": pick([20, 10, 0.0]) if currency == "GBP" else pick([20, 8.5, 10]),
            "de": pick([19, 7]), "fr": pick([20, 10, 5.5])}[language]
    date_style = rnd.randint(0, 3)
    same_line = rnd.random() < 0.6  # header labels: "Label: value" vs value below the label

    # items
    items = []
    for k in range(n_items):
        desc = pick(PRODUCTS[language])
        if rnd.random() < 0.25:
            desc = desc + " " + pick(WRAP_TAILS[language])
        qty = float(rnd.choice([1, 2, 3, 5, 10, 12, 20, 25])) if rnd.random() < 0.85 else rnd.choice([0.5, 1.5, 2.5, 7.25])
        price = round(rnd.uniform(0.5, 1500 if k % 4 == 0 else 120), 2)
        amount = round(qty * price, 2)
        items.append({"description": desc, "qty": qty, "unit_price": price, "amount": amount})
    subtotal = round(sum(i["amount"] for i in items), 2)
    tax = round(subtotal * rate / 100, 2)
    total = round(subtotal + tax, 2)

    truth = {
        "invoice_number": inv_no, "document_type_code": "380", "issue_date": issue.isoformat(),
        "due_date": due.isoformat(), "currency": currency, "seller_name": seller,
        "seller_vat_id": vat_id, "buyer_name": buyer, "purchase_order_number": po,
        "subtotal_amount": subtotal, "tax_amount": tax, "total_amount": total, "amount_due": total,
        "line_items": [dict(i) for i in items],
    }

    # column layout (description always left; numeric order varies)
    numeric = ["qty", "unit_price", "amount"]
    if rnd.random() < 0.4:
        numeric = ["unit_price", "qty", "amount"]
    with_pos = rnd.random() < 0.5
    with_unit = rnd.random() < 0.4 and numeric[0] == "qty"
    col_labels = {k: pick(v) for k, v in L["cols"].items()}
    if language == "en" and col_labels["amount"] == "Total" and col_labels["unit_price"] == "Price":
        col_labels["amount"] = "Amount"
    cols: list[tuple[str, float, str]] = []  # (key, right or left x, align)
    x = 50.0
    if with_pos:
        cols.append(("pos", 50.0, "left"))
        x = 80.0
    cols.append(("description", x, "left"))
    rights = {3: [380.0, 460.0, 545.0], 4: [350.0, 385.0, 460.0, 545.0]}
    if with_unit:
        cols += [("qty", 350.0, "right"), ("unit", 358.0, "left"), (numeric[1], 460.0, "right"),
                 (numeric[2], 545.0, "right")]
    else:
        cols += [(k, r, "right") for k, r in zip(numeric, rights[3])]
    desc_width = 230.0 if with_unit or numeric[0] == "qty" else 250.0

    def money(v: float) -> str:
        s = fmt_money(v, language)
        if cur_sym in ("$", "£") and rnd_sym:
            return cur_sym + s
        return s

    rnd_sym = rnd.random() < 0.5

    w = _Writer()
    # how many item rows fit on a page
    first_rows = 22 if pages is None else max(1, -(-n_items // pages))
    other_rows = 40 if pages is None else first_rows
    page_no = 0
    idx = 0
    total_pages_est = 1 if n_items <= first_rows else 1 + -(-(n_items - first_rows) // other_rows)
    running = 0.0

    def header_block() -> float:
        w.text(50, 60, seller, 14, bold=True)
        w.text(50, 76, STREETS[language][seed % 2], 9)
        w.text(50, 88, CITIES[language][seed % 2], 9)
        w.text(50, 100, f"{pick(L['vat'])}: {vat_id}", 9)
        w.text(545, 60, pick(L["title"]), 18, bold=True, align="right")
        # buyer
        w.text(50, 140, pick(L["bill_to"]), 9, bold=True)
        w.text(50, 153, buyer, 10)
        w.text(50, 165, STREETS[language][(seed + 1) % 2], 9)
        w.text(50, 177, CITIES[language][(seed + 1) % 2], 9)
        meta = [(pick(L["invoice_number"]), inv_no), (pick(L["issue_date"]), fmt_date(issue, language, date_style)),
                (pick(L["due_date"]), fmt_date(due, language, date_style)), (pick(L["po"]), po)]
        if same_line:
            y = 140.0
            for lab, val in meta:
                w.text(330, y, lab + ":", 9)
                w.text(440, y, val, 9)
                y += 13
            return 215.0
        xs = [50.0, 175.0, 300.0, 425.0]
        for (lab, val), xx in zip(meta, xs):
            w.text(xx, 210, lab, 8, bold=True)
            w.text(xx, 222, val, 9)
        return 255.0

    def table_header(y: float) -> float:
        for key, xx, align in cols:
            label = col_labels[key]
            w.text(xx, y, label, 9, bold=True, align=align)
        w.line(50, y + 4, 545)
        return y + 17

    def row(y: float, values: dict[str, str]) -> None:
        for key, xx, align in cols:
            if key in values:
                w.text(xx, y, values[key], 9, align=align)

    while True:
        w.new_page()
        page_no += 1
        y = header_block() if page_no == 1 else 60.0
        if page_no > 1:
            w.text(50, 45, f"{seller} - {pick(L['title'])} {inv_no}", 8)
        y = table_header(y)
        if page_no > 1 and rnd.random() < 0.7:
            row(y, {"description": L["brought"], cols[-1][0]: money(running)})
            y += 14
        limit = first_rows if page_no == 1 else other_rows
        count = 0
        while idx < n_items and count < limit:
            it = items[idx]
            desc = it["description"]
            # wrap long descriptions onto a second line
            lines = [desc]
            if pymupdf.get_text_length(desc, fontname=FONT, fontsize=9) > desc_width:
                words = desc.split()
                first = ""
                while words and pymupdf.get_text_length(first + " " + words[0], fontname=FONT, fontsize=9) < desc_width:
                    first = (first + " " + words.pop(0)).strip()
                lines = [first, " ".join(words)]
            vals = {"description": lines[0], "qty": fmt_qty(it["qty"], language),
                    "unit_price": money(it["unit_price"]), "amount": money(it["amount"]),
                    "pos": str(idx + 1), "unit": pick(L["units"])}
            row(y, vals)
            y += 12
            for extra in lines[1:]:
                row(y, {"description": extra})
                y += 12
            y += 2
            running = round(running + it["amount"], 2)
            idx += 1
            count += 1
        if idx < n_items:
            w.line(50, y - 6, 545)
            row(y + 4, {"description": L["carry"], cols[-1][0]: money(running)})
            w.text(545, 810, L["page"].format(p=page_no, n=total_pages_est), 8, align="right")
            continue
        # totals
        w.line(330, y - 4, 545)
        y += 12
        lab_x = 330.0
        w.text(lab_x, y, pick(L["subtotal"]), 9)
        w.text(545, y, money(subtotal), 9, align="right")
        y += 14
        rate_s = fmt_qty(rate, language)
        w.text(lab_x, y, pick(L["tax"]).format(r=rate_s), 9)
        w.text(545, y, money(tax), 9, align="right")
        y += 16
        code = f" {currency}" if not (rnd_sym and cur_sym in ("$", "£")) else ""
        w.text(lab_x, y, pick(L["total"]) + code, 10, bold=True)
        w.text(545, y, money(total), 10, bold=True, align="right")
        y += 40
        w.text(50, y, L["thanks"], 8)
        if page_no > 1 or pages:
            w.text(545, 810, L["page"].format(p=page_no, n=page_no), 8, align="right")
        break
    data = w.doc.tobytes(garbage=3, deflate=True)
    w.doc.close()
    return data, truth


def make_text_pdf(text: str, *, fontsize: float = 10) -> bytes:
    """A one-or-more-page PDF with ``text`` (lines split on newlines)."""
    doc = pymupdf.open()
    lines = text.split("\n")
    per_page = int((PAGE_H - 100) // (fontsize * 1.4))
    for start in range(0, max(1, len(lines)), per_page):
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        y = 60.0
        for ln in lines[start:start + per_page]:
            page.insert_text((50, y), ln, fontname=FONT, fontsize=fontsize)
            y += fontsize * 1.4
    data = doc.tobytes()
    doc.close()
    return data


def render_png(pdf_bytes: bytes, page: int = 0, dpi: int = 100) -> bytes:
    """One page of a PDF rendered as PNG bytes (a 'scan' without text layer)."""
    with pymupdf.open(stream=pdf_bytes, filetype="pdf") as doc:
        pix = doc[page].get_pixmap(dpi=dpi)
        return pix.tobytes("png")
