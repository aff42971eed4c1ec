"""Header labels: concepts of invoice header fields with their multilingual labels, party headings
and name labels, blockers, document-type titles and legal forms."""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------------
# synonym tables (weights: 1.0 = unambiguous label, lower = generic word)

Weights = dict[str, float]

HEADER_CONCEPTS: dict[str, dict[str, Any]] = {
    "invoice_number": {
        "kind": "id",
        "aliases": ["invoice number", "invoice no", "invoice id", "document number", "bill number",
                    "receipt number", "credit note number", "number of the invoice"],
        "labels": {
            "invoice number": 1, "invoice no": 1, "invoice nr": 1, "invoice #": 1, "invoice id": 1,
            "invoice num": 1, "inv no": 1, "bill no": 0.9, "bill number": 0.9, "receipt no": 0.9,
            "document no": 0.8, "document number": 0.8, "doc no": 0.8, "reference number": 0.5,
            "credit note no": 1, "credit note number": 1, "receipt id": 0.9, "credit note #": 1,
            "creditnotanummer": 1, "creditnota nr": 1, "gutschriftnummer": 1, "numero d avoir": 1,
            "avoir no": 1, "nota de credito n": 1, "nota di credito n": 1, "credit memo": 0.5,
            "n nota credito": 1, "n nota di credito": 1, "nota credito n": 1, "numero nota di credito": 1,
            "credit no": 1, "credit number": 1, "credit #": 1, "credit nr": 1, "credit memo id": 1,
            "n d avoir": 1, "no d avoir": 1, "n de abono": 1, "numero de abono": 1, "abono n": 1, "n abono": 1, "credit memo no": 1, "credit memo #": 1, "credit memo number": 1,
            "booking id": 0.5, "booking number": 0.5, "booking reference": 0.5,
            "rechnungsnummer": 1, "rechnungsnr": 1, "rechnung nr": 1, "rechnungs nr": 1,
            "rechnung nummer": 1, "belegnummer": 0.9, "belegnr": 0.9, "beleg nr": 0.9,
            "gutschriftsnummer": 1, "gutschrift nr": 1,
            "numero de facture": 1, "no de facture": 1, "n de facture": 1, "facture n": 1,
            "facture no": 1, "facture numero": 1, "n facture": 1, "numero facture": 1,
            "num facture": 1, "avoir n": 1,
            "numero de factura": 1, "n factura": 1, "factura n": 1, "factura no": 1,
            "num factura": 1, "factura num": 1, "numero fattura": 1, "n fattura": 1,
            "fattura n": 1, "fattura numero": 1, "nr fattura": 1, "factura": 0.55, "fattura": 0.55,
            "factuurnummer": 1, "factuurnr": 1, "factuur nr": 1, "factuur nummer": 1,
            "invoice": 0.55, "rechnung": 0.55, "handelsrechnung": 0.55, "gutschrift": 0.5,
            "rechnungskorrektur": 0.5, "facture": 0.55, "factuur": 0.55, "avoir": 0.4,
            "credit note": 0.5, "nr": 0.45, "no": 0.4, "number": 0.4, "nummer": 0.4, "numero": 0.4,
            "#": 0.3,
        },
    },
    "issue_date": {
        "kind": "date",
        "aliases": ["issue date", "invoice date", "date of issue", "document date", "billing date",
                    "date"],
        "labels": {
            "invoice date": 1, "date of invoice": 1, "issue date": 1, "date of issue": 1,
            "issued on": 0.9, "billing date": 0.9, "bill date": 0.9, "document date": 0.9,
            "invoice dated": 1, "rechnungsdatum": 1, "belegdatum": 0.9, "ausstellungsdatum": 1,
            "rechnungs datum": 1, "datum der rechnung": 1, "date de facture": 1,
            "date facture": 1, "date d emission": 1, "date de facturation": 1, "factuurdatum": 1,
            "factuur datum": 1, "datum factuur": 1, "date": 0.7, "datum": 0.7, "dated": 0.6,
            "vom": 0.55, "du": 0.4, "den": 0.3,
            "emise le": 0.9, "emis le": 0.9, "ausgestellt am": 0.9, "fecha emision": 1,
            "emessa il": 0.9, "data di emissione": 1, "uitgiftedatum": 1, "issued date": 1,
            "created": 0.8, "created on": 0.9, "date created": 0.9, "issued": 0.8,
            "date issued": 1, "fecha de emision": 1, "fecha factura": 1, "fecha de factura": 1,
            "fecha de expedicion": 1, "fecha": 0.7, "data fattura": 1, "data emissione": 1,
            "data documento": 0.9, "data del documento": 0.9, "data": 0.6,
        },
    },
    "due_date": {
        "kind": "date",
        "aliases": ["due date", "payment due", "due", "payment date", "deadline"],
        "labels": {
            "due date": 1, "payment due": 1, "date due": 1, "due on": 0.9, "due by": 0.9,
            "pay by": 0.8, "payable by": 0.8, "payment date": 0.6, "due": 0.6,
            "falligkeitsdatum": 1, "fallig am": 1, "fallig bis": 1, "falligkeit": 0.9,
            "zahlungsziel": 0.8, "zahlbar bis": 0.9, "zahlbar bis zum": 0.9, "netto bis": 0.8,
            "ohne abzug bis": 0.8, "zahlungstermin": 0.8, "date d echeance": 1, "echeance": 0.9,
            "date limite de paiement": 1, "a payer avant le": 0.9, "payable le": 0.8,
            "vervaldatum": 1, "uiterste betaaldatum": 1, "te betalen voor": 0.9,
            "fecha de vencimiento": 1, "fecha vencimiento": 1, "vencimiento": 0.9,
            "data scadenza": 1, "scadenza": 0.9, "data di scadenza": 1, "vervaldag": 1,
            "pagar antes de": 1, "a pagar antes de": 1, "fecha limite de pago": 1, "vence el": 0.9,
            "pagare entro": 1, "pagabile entro": 1, "pay before": 0.9, "payable before": 0.9,
        },
    },
    "currency": {
        "kind": "currency",
        "aliases": ["currency", "currency code", "invoice currency"],
        "labels": {"currency": 1, "currency code": 1, "wahrung": 1, "wahrungscode": 1,
                   "devise": 1, "monnaie": 0.8, "valuta": 1, "munteenheid": 1, "moneda": 1,
                   "divisa": 1},
    },
    "seller_name": {
        "kind": "party_name", "party": "seller",
        "aliases": ["seller name", "seller", "supplier name", "supplier", "vendor name", "vendor",
                    "issuer", "company name", "merchant"],
        "labels": {},
    },
    "buyer_name": {
        "kind": "party_name", "party": "buyer",
        "aliases": ["buyer name", "buyer", "customer name", "customer", "client name", "client",
                    "recipient", "bill to"],
        "labels": {},
    },
    "seller_vat_id": {
        "kind": "vat", "party": "seller",
        "aliases": ["seller vat id", "vat id", "vat number", "tax id", "seller tax id",
                    "vat identifier"],
        "labels": {
            "vat id": 1, "vat no": 1, "vat number": 1, "vat reg no": 1, "vat registration number": 1,
            "vat registration no": 1, "vat": 0.6, "tax id": 0.7, "gstin": 0.8, "gst no": 0.8,
            "ust idnr": 1, "ust id nr": 1, "ust id": 1, "ustid": 1, "ustidnr": 1,
            "umsatzsteuer identifikationsnummer": 1, "umsatzsteuer id": 1, "ust ident nr": 1,
            "mwst nr": 0.9, "steuernummer": 0.4, "st nr": 0.3,
            "tva intracommunautaire": 1, "n tva intracommunautaire": 1, "numero de tva": 1,
            "n tva": 1, "no tva": 1, "tva": 0.6, "numero tva": 1, "id tva": 1,
            "btw nummer": 1, "btw nr": 1, "btw id": 1, "btw": 0.6, "btw identificatienummer": 1,
            "nif": 0.9, "cif": 0.9, "nif cif": 0.9, "nif iva": 1, "n iva": 0.8, "partita iva": 1,
            "p iva": 1, "piva": 1, "no iva": 0.9,
            # Austria and Switzerland ("UID: ATU12345678", "UID-Nr. CHE-123.456.789"), Italy's
            # e-invoice print ("Identificativo fiscale ai fini IVA"), Australia's ABN (the id a tax
            # invoice must print), Spain and Belgium's longer names
            "uid": 1, "uid nr": 1, "uid nummer": 1, "mwst nummer": 1, "mwst id": 1, "mehrwertsteuernummer": 1,
            "identificativo fiscale ai fini iva": 1, "identificativo iva": 1, "codice iva": 0.9,
            "numero partita iva": 1, "n partita iva": 1, "abn": 1, "australian business number": 1,
            "numero de identificacion fiscal": 1, "n i f": 0.9, "c i f": 0.9,
            "numero d entreprise": 0.7, "n d entreprise": 0.7, "ondernemingsnummer": 0.7,
            "n tva intracom": 1, "tva intracom": 1, "numero tva intracommunautaire": 1,
            "vat reg": 1, "vat registration": 1, "vat reg number": 1,
            "c f p iva": 1, "p iva c f": 1, "cod fisc p iva": 1, "cvr": 0.9, "cvr nr": 1,
            "momsnummer": 1, "moms nr": 1,
        },
    },
    "purchase_order_number": {
        "kind": "id",
        "aliases": ["purchase order number", "purchase order", "po number", "order number",
                    "order reference", "buyer order"],
        "labels": {
            "purchase order": 1, "purchase order number": 1, "purchase order no": 1, "po number": 1,
            "po no": 1, "po #": 1, "po": 0.8, "order number": 0.8, "order no": 0.8,
            "your order": 0.8, "order ref": 0.7, "customer order": 0.8, "order": 0.4,
            "bestellnummer": 1, "bestellnr": 1, "bestellung nr": 1, "bestell nr": 1,
            "ihre bestellung": 0.9, "bestellung": 0.6, "auftragsnummer": 0.7, "auftrag nr": 0.7,
            "numero de commande": 1, "n de commande": 1, "bon de commande": 1, "commande n": 1,
            "commande": 0.6, "votre commande": 0.9, "ordernummer": 0.8, "bestelnummer": 1,
            "uw bestelling": 0.9, "order id": 0.7,
            "customer po": 1, "client po": 1, "buyer po": 1, "pedido": 0.6, "numero de pedido": 1, "n pedido": 1, "pedido n": 1, "pedido no": 1, "no pedido": 1,
            "numero pedido": 1, "su pedido n": 1, "su pedido no": 1, "n de pedido": 1, "no de pedido": 1, "ordine": 0.6,
            "numero ordine": 1, "ordine n": 1, "rif ordine": 1, "vostro ordine": 0.9,
            "su pedido": 0.9, "inkoopordernummer": 1, "inkooporder": 1, "inkoopnummer": 1,
            "inkoopordernr": 1, "auftragsnr": 0.7, "your reference": 0.6, "uw referentie": 0.6, "ihre referenz": 0.6,
            "votre reference": 0.6, "su referencia": 0.6, "vostro riferimento": 0.6,
        },
    },
    "subtotal_amount": {
        "kind": "amount",
        "aliases": ["subtotal amount", "subtotal", "net amount", "net total", "total net",
                    "amount without vat", "total without tax", "tax basis", "taxable amount",
                    "total excluding vat"],
        "labels": {
            "subtotal": 1, "sub total": 1, "net amount": 0.9, "net total": 1, "total net": 1,
            "total excl vat": 1, "total excl tax": 1, "total excluding vat": 1,
            "total excluding tax": 1, "amount excl vat": 1, "total before tax": 1,
            "total without vat": 1, "taxable amount": 0.8, "net": 0.5,
            "nettobetrag": 0.9, "nettosumme": 1, "summe netto": 1, "gesamt netto": 1,
            "netto": 0.6, "zwischensumme": 0.7, "rechnungssumme ohne ust": 1,
            "rechnungsbetrag netto": 1, "rechnungsbetrag ohne ust": 1, "summe ohne ust": 1,
            "gesamtbetrag netto": 1, "nettowarenwert": 0.9, "warenwert": 0.5, "positionssumme": 0.45,
            "total ht": 1, "montant ht": 1, "total hors taxes": 1, "montant hors taxes": 1,
            "sous total": 1, "total hors tva": 1, "hors taxes": 0.9, "ht": 0.4,
            "subtotaal": 1, "exclusief btw": 1, "excl btw": 1, "totaal excl btw": 1,
            "bedrag excl btw": 1, "netto bedrag": 1,
            "base imponible": 1, "imponible": 0.8, "subtotale": 1, "imponibile": 0.9,
            "totale imponibile": 1, "total sin iva": 1, "totale senza iva": 1,
        },
    },
    "tax_amount": {
        "kind": "amount",
        "aliases": ["tax amount", "tax", "vat amount", "vat", "total tax", "total vat",
                    "sales tax"],
        "labels": {
            "tax": 0.8, "tax amount": 1, "vat": 0.8, "vat amount": 1, "total vat": 1,
            "total tax": 1, "sales tax": 0.9, "gst": 0.7, "mwst": 0.8, "ust": 0.8,
            "umsatzsteuer": 0.8, "mehrwertsteuer": 0.8, "steuer": 0.6, "steuerbetrag": 1,
            "mwst betrag": 1, "ust betrag": 1, "summe mwst": 1, "summe ust": 1,
            "umsatzsteuerbetrag": 1, "tva": 0.8, "montant tva": 1, "total tva": 1,
            "montant de la tva": 1, "btw": 0.8, "btw bedrag": 1, "totaal btw": 1,
            "iva": 0.8, "cuota iva": 1, "importe iva": 1, "total iva": 1, "totale iva": 1,
            "importo iva": 1, "imposta": 0.8,
            "mwst gesamt": 1, "ust gesamt": 1, "mwst summe": 1, "steuer gesamt": 1, "gesamte mwst": 1,
            "tax total": 1, "vat total": 1, "btw totaal": 1, "iva totale": 1, "tva totale": 1,
            # the sum over several rates, printed after one line per rate
            "umsatzsteuer gesamt": 1, "mehrwertsteuer gesamt": 1, "gesamt umsatzsteuer": 1,
            "summe umsatzsteuer": 1, "summe mehrwertsteuer": 1, "gesamtsumme ust": 1,
            "total taxes": 1, "total des taxes": 1, "montant total tva": 1, "total gst": 1,
            "totaal btw bedrag": 1, "total impuestos": 1, "totale imposte": 1,
        },
    },
    "total_amount": {
        "kind": "amount",
        "aliases": ["total amount", "total", "grand total", "gross amount", "total with vat",
                    "invoice total", "amount including vat"],
        "labels": {
            "total": 0.8, "grand total": 1, "total amount": 1, "invoice total": 1,
            "total incl vat": 1, "total including vat": 1, "total incl tax": 1, "amount total": 1,
            "total gross": 1, "gross amount": 0.9, "gross total": 1, "total due": 0.75,
            "gesamtbetrag": 0.9, "gesamtsumme": 1, "rechnungsbetrag": 0.9, "rechnungssumme": 0.9,
            "bruttobetrag": 1, "bruttosumme": 1, "brutto": 0.7, "endbetrag": 1, "endsumme": 1,
            "summe": 0.6, "gesamt": 0.6, "gesamtbetrag brutto": 1, "rechnungsbetrag brutto": 1,
            "total ttc": 1, "montant ttc": 1, "net a payer": 0.8, "total toutes taxes comprises": 1, "ttc": 0.6,
            "montant total": 1, "total facture": 1, "totaal": 0.8, "totaal incl btw": 1,
            "factuur totaal": 1, "factuurtotaal": 1, "totaalbedrag": 1, "inclusief btw": 0.9,
            "incl btw": 0.8, "total for this invoice": 1, "invoice amount": 0.9,
            "total for this period": 0.8,
            "total factura": 1, "importe total": 1, "total con iva": 1, "totale fattura": 1,
            "totale documento": 1, "importo totale": 1, "totale": 0.8,
            "factuurbedrag": 1, "total a payer": 0.9, "total a pagar": 0.9, "totale da pagare": 0.9,
            "gesamt brutto": 1, "brutto gesamt": 1, "total general": 1, "totale generale": 1,
        },
    },
    "amount_due": {
        "kind": "amount",
        "aliases": ["amount due", "balance due", "amount payable", "due payable amount",
                    "amount to pay"],
        "labels": {
            "amount due": 1, "balance due": 1, "amount payable": 1, "total due": 0.8,
            "balance": 0.6, "amount to pay": 1, "zahlbetrag": 1,
            "zu zahlen": 1, "zu zahlender betrag": 1, "offener betrag": 1, "restbetrag": 0.9,
            "noch zu zahlen": 1, "net a payer": 1, "reste a payer": 1, "montant du": 1,
            "montant a payer": 1, "a payer": 0.8, "te betalen": 1, "openstaand bedrag": 1,
            "total a pagar": 1, "importe a pagar": 1, "totale da pagare": 1,
            "netto a pagare": 1, "da pagare": 0.8, "importo dovuto": 1, "importe adeudado": 1,
            "saldo a pagare": 1, "saldo da pagare": 1, "reste du": 1, "restant du": 1,
        },
    },
    "document_type_code": {
        "kind": "doctype",
        "aliases": ["document type code", "document type", "invoice type", "type code"],
        "labels": {"document type": 1, "belegart": 1, "rechnungsart": 1, "type de document": 1},
    },
}

# Totals qualified by the tax they include or leave out, as every language prints them: "Total
# (inc. GST)", "Gesamtbetrag inkl. USt.", "Montant TVA comprise", "Importe IVA incluido" are the
# gross total; "Subtotal (ex GST)", "Summe exkl. MwSt.", "Total hors TVA" the net one. The tax word
# inside such a label is no tax label (a longer label wins over one it contains).
TAX_WORDS = ("vat", "tax", "taxes", "gst", "hst", "sales tax", "mwst", "ust", "mehrwertsteuer",
             "umsatzsteuer", "steuer", "steuern", "tva", "taxe", "taxes", "btw", "iva", "imposta", "impuestos",
             "igic")
GROSS_MARKERS_TAX = ("inc", "incl", "including", "inclusive", "inkl", "inklusive", "einschl",
                     "einschliesslich", "inclusief", "incluido", "incluida", "incluidos", "incluso",
                     "inclusa", "compresa", "con", "y", "avec", "tout compris")
NET_MARKERS_TAX = ("ex", "excl", "excluding", "exclusive", "before", "without", "exkl", "exklusive",
                   "ohne", "vor", "exclusief", "zonder", "hors", "sans", "sin", "senza", "escl", "esclusa",
                   "netto", "net of")
TOTAL_WORDS = ("total", "total amount", "amount", "invoice total", "grand total", "gesamt", "gesamtbetrag",
               "betrag", "summe", "gesamtsumme", "endbetrag", "rechnungsbetrag", "totaal", "bedrag",
               "totaalbedrag", "montant", "montant total", "importe", "importe total", "totale",
               "importo", "totale documento", "total factura")
SUB_WORDS = ("subtotal", "sub total", "total", "amount", "net", "summe", "betrag", "gesamtbetrag",
             "zwischensumme", "totaal", "subtotaal", "bedrag", "montant", "total", "sous total",
             "importe", "base", "totale", "importo", "subtotale")


def _qualified_totals() -> tuple[dict[str, float], dict[str, float]]:
    gross: dict[str, float] = {}
    net: dict[str, float] = {}
    for tax in TAX_WORDS:
        for m in GROSS_MARKERS_TAX:
            gross[f"{m} {tax}"] = 0.8 if len(m) > 3 else 0.7
            for t in TOTAL_WORDS:
                gross[f"{t} {m} {tax}"] = 1
        gross[f"{tax} inclusa"] = 0.8
        gross[f"{tax} incluido"] = 0.8
        gross[f"{tax} compris"] = 0.8
        gross[f"{tax} comprise"] = 0.8
        gross[f"{tax} inbegriffen"] = 0.8
        for t in TOTAL_WORDS:
            for m in ("inclusa", "incluido", "incluida", "compris", "comprise", "inbegriffen", "inclusive",
                      "included", "incl", "inkl"):
                gross[f"{t} {tax} {m}"] = 1
        for m in NET_MARKERS_TAX:
            net[f"{m} {tax}"] = 0.8 if len(m) > 3 else 0.7
            for t in SUB_WORDS:
                net[f"{t} {m} {tax}"] = 1
        for t in SUB_WORDS:
            for m in ("esclusa", "excluida", "excluded", "exclusive", "excl", "exkl", "non compresa"):
                net[f"{t} {tax} {m}"] = 1
    # Belgian French: hors TVA / TVA comprise in one word
    net.update({"htva": 0.8, "total htva": 1, "montant htva": 1, "total hors tva": 1, "prix htva": 0.9})
    gross.update({"tvac": 0.8, "total tvac": 1, "montant tvac": 1, "prix tvac": 0.9})
    return gross, net


_GROSS, _NET = _qualified_totals()
for _k, _w in _GROSS.items():
    HEADER_CONCEPTS["total_amount"]["labels"].setdefault(_k, _w)
for _k, _w in _NET.items():
    HEADER_CONCEPTS["subtotal_amount"]["labels"].setdefault(_k, _w)
HEADER_CONCEPTS["subtotal_amount"]["labels"].update({
    "importe neto": 1, "suma": 0.6, "neto": 0.6, "total neto": 1, "base": 0.5, "totale netto": 1,
    "importo netto": 1, "totale imponibile": 1, "netto": 0.6, "summe netto": 1})
HEADER_CONCEPTS["tax_amount"]["labels"].update({
    "totale imposta": 1, "imposta": 0.8, "cuota": 0.7, "cuota iva": 1, "total iva": 1, "i v a": 0.8,
    "gst amount": 1, "total gst": 1, "gst total": 1, "mwst betrag": 1, "mehrwertsteuerbetrag": 1,
    "montant de tva": 1, "btw bedrag": 1, "bedrag btw": 1, "importe iva": 1, "importo iva": 1})
HEADER_CONCEPTS["total_amount"]["labels"].update({
    "total factura": 1, "totale fattura": 1, "importe": 0.5, "total general": 1, "gran total": 1,
    "total documento": 1, "totale complessivo": 1, "total a pagar": 0.9, "grand total due": 1})

# "Name" labels under a party heading, and the party headings themselves.
NAME_LABELS: Weights = {"name": 1, "firma": 0.9, "company": 0.8, "company name": 1, "firmenname": 1,
                  "nom": 0.9, "raison sociale": 1, "naam": 1, "bedrijfsnaam": 1,
                  "denominazione": 1, "ragione sociale": 1, "razon social": 1, "nombre": 0.9,
                  "nome": 0.8, "denominacion": 1, "nom de l entreprise": 1, "business name": 1}
PARTY_HEADINGS: dict[str, Weights] = {
    "seller": {"seller": 1, "verkaufer": 1, "lieferant": 0.9, "supplier": 1, "vendor": 1,
               "from": 0.6, "sold by": 1, "issued by": 1, "rechnungssteller": 1,
               "leistungserbringer": 1, "auftragnehmer": 0.8, "fournisseur": 1, "vendeur": 1,
               "emetteur": 1, "leverancier": 1, "verkoper": 1, "biller": 1, "seller name": 1,
               "supplier name": 1, "vendor name": 1, "merchant": 0.8, "absender": 0.8,
               "prestataire": 0.9, "expediteur": 0.8, "proveedor": 1, "emisor": 1, "vendedor": 1,
               "fornitore": 1, "cedente": 1, "cedente prestatore": 1, "emittente": 1, "venditore": 1,
               "mittente": 0.8, "afzender": 0.8, "billed by": 1, "invoice from": 1,
               "van": 0.5},
    "buyer": {"buyer": 1, "kaufer": 1, "kunde": 0.8, "customer": 0.9, "client": 0.9,
              "bill to": 1, "billed to": 1, "invoice to": 1, "sold to": 1, "invoiced to": 1,
              "rechnungsempfanger": 1, "leistungsempfanger": 1, "auftraggeber": 0.8,
              "rechnungsadresse": 0.9, "rechnung an": 1, "acheteur": 1, "destinataire": 0.9,
              "facture a": 1, "facturer a": 1, "adresse de facturation": 1, "factuuradres": 1,
              "afnemer": 1, "klant": 0.8, "koper": 1, "factuur aan": 1, "gefactureerd aan": 1,
              "billing address": 1, "customer name": 1, "buyer name": 1, "client name": 1,
              "bill to address": 1, "kundin": 0.8, "empfanger": 0.7, "to": 0.5,
              "cliente": 0.9, "destinatario": 0.9, "facturar a": 1, "facturado a": 1,
              "datos del cliente": 1, "direccion de facturacion": 1, "comprador": 1,
              "intestatario": 1, "committente": 1, "cessionario": 1, "cessionario committente": 1,
              "spett le": 0.9, "spettabile": 0.9, "indirizzo di fatturazione": 1,
              "fatturare a": 1, "acquirente": 1, "aan": 0.6},
    "other": {"ship to": 1, "deliver to": 1, "delivery address": 1, "lieferadresse": 1,
              "lieferanschrift": 1, "warenempfanger": 1, "abweichender warenempfanger": 1,
              "afleveradres": 1, "leveringsadres": 1, "adresse de livraison": 1, "livre a": 1,
              "zahlungsempfanger": 0.8, "payee": 0.8, "shipping address": 1, "bank": 0.5,
              "remit to": 0.8, "enviar a": 1, "direccion de envio": 1, "indirizzo di consegna": 1,
              "luogo di consegna": 1, "destinazione merce": 1, "ship from": 0.8,
              "verzendadres": 1, "leveradres": 1, "direccion de entrega": 1, "adresse d expedition": 1, "lieferung an": 1},
}
# a salutation line above a name in an address ("Firma", "Herrn"): not the name itself
SALUTATIONS = {"firma", "herrn", "herr", "frau", "monsieur", "madame", "m", "mme", "mr", "mrs",
               "ms", "dhr", "mevr", "sr", "sra", "sig", "sigra", "spett", "spettle", "attn"}
# a country alone on a line of an address: never a party's name
COUNTRIES = {"deutschland", "germany", "allemagne", "duitsland", "germania", "alemania", "france",
             "frankreich", "frankrijk", "francia", "nederland", "netherlands", "niederlande",
             "pays bas", "paesi bassi", "paises bajos", "belgie", "belgique", "belgien", "belgium",
             "belgio", "belgica", "osterreich", "austria", "autriche", "oostenrijk", "schweiz",
             "suisse", "svizzera", "switzerland", "zwitserland", "suiza", "espana", "spain",
             "spanien", "espagne", "spanje", "spagna", "italia", "italy", "italien", "italie",
             "united kingdom", "uk", "great britain", "england", "scotland", "wales", "ireland",
             "irland", "usa", "united states", "united states of america", "us", "canada",
             "australia", "luxembourg", "luxemburg", "portugal", "polska", "poland", "polen",
             "danmark", "denmark", "danemark", "sverige", "sweden", "schweden", "norge", "norway",
             "suomi", "finland", "ceska republika", "czech republic", "tschechien", "hungary",
             "magyarorszag", "ungarn", "romania", "rumanien", "greece", "griechenland", "liechtenstein"}
# words that make a date on their row something other than the document's date ("Version 2.6
# vom 10.11.2025", "Printed on", "Stand:")
OTHER_DATE_WORDS = {"version", "revision", "rev", "stand", "printed", "gedruckt", "druckdatum",
                    "generated", "erstellt", "stylesheet", "template", "formular", "release",
                    "copyright", "valid", "gultig", "geburtsdatum", "born"}
YOUR_WORDS = {"your", "ihre", "ihr", "votre", "uw", "je", "uwe"}

# labels that look like a field's label but mean something else (they win by containment)
BLOCKERS: Weights = {
    "order date": 1, "delivery date": 1, "lieferdatum": 1, "bestelldatum": 1,
    "leistungsdatum": 1, "liefer und leistungsdatum": 1, "date de livraison": 1,
    "orderdatum": 1, "due date": 1, "check in": 1, "check out": 1, "print date": 1,
    "tax rate": 1, "vat rate": 1, "steuersatz": 1,
    "mwst satz": 1, "taux tva": 1, "tax id": 1, "tax number": 1, "vat id": 1,
    "ust idnr": 1, "steuernummer": 1, "btw nummer": 1, "customer number": 1,
    "kundennummer": 1, "kundennr": 1, "klantnummer": 1, "numero client": 1, "account number": 1,
    "order number": 1, "ordernummer": 1, "bestellnummer": 1, "payment terms": 1,
    "zahlungsbedingungen": 1, "total quantity": 1, "tax total": 0, "vat no": 1,
    "service tax": 1, "account no": 1, "customer id": 1, "kunden nr": 1, "client no": 1,
    "vat invoice": 1, "tax invoice": 0, "tax exempt": 1, "taxes": 0, "tax excluded": 1,
    "bereits bezahlt": 1, "already paid": 1, "deja paye": 1, "acompte": 1, "anzahlung": 1,
    "deposit": 1, "prepayment": 1, "acconto": 1, "anticipo": 1, "vorauszahlung": 1, "gia pagato": 1, "ya pagado": 1,
    "reeds betaald": 1, "aanbetaling": 1,
    "totaal regels": 1, "total lines": 1, "totale righe": 1, "total lignes": 1,
    "summe positionen": 1, "total articles": 1, "totaal artikelen": 1, "total items": 1,
    "items total": 1, "total articulos": 1, "totale articoli": 1, "suma de lineas": 1, "somma righe": 1, "po box": 1,
    "data consegna": 1, "data di consegna": 1, "data ordine": 1, "data ddt": 1,
    "fecha de entrega": 1, "fecha entrega": 1, "fecha de pedido": 1, "fecha pedido": 1,
    "leverdatum": 1, "afleverdatum": 1, "besteldatum": 1, "date de commande": 1, "commande le": 1,
    "livre le": 1, "ship date": 1, "date shipped": 1, "shipping date": 1, "p o box": 1, "postfach": 1, "boite postale": 1, "apartado": 1,
    "created by": 1, "data di nascita": 1,
    # the invoice a credit note corrects: its number is not the document's own
    "original invoice": 1, "original invoice no": 1, "original invoice number": 1,
    "referenced invoice": 1, "related invoice": 1, "corrected invoice no": 1,
    "facture d origine": 1, "facture origine": 1, "facture initiale": 1, "facture de reference": 1,
    "facture rectifiee": 1, "bezug auf rechnung": 1, "bezug rechnung": 1, "ursprungsrechnung": 1,
    "originalrechnung": 1, "ursprungliche rechnung": 1, "korrektur zu rechnung": 1,
    "oorspronkelijke factuur": 1, "originele factuur": 1, "creditering van factuur": 1,
    "factura original": 1, "factura rectificada": 1, "fattura originale": 1,
    "fattura di riferimento": 1, "fattura rettificata": 1,
    # numbers of a telephone or fax line printed under "#" / "No." labels
    "phone #": 1, "phone no": 1, "phone number": 1, "tel no": 1, "tel nr": 1, "telephone no": 1,
    "telefon nr": 1, "telefonnummer": 1, "fax #": 1, "fax no": 1, "fax nr": 1, "faxnummer": 1,
    "mobile no": 1, "handy nr": 1,
}

# a payment already made, printed between the total and the amount still due ("Acompte versé",
# "Anzahlung", "Deposit", "Payments/Credits"): the amount due is the total less it
PREPAID_LABELS: Weights = {
    "already paid": 1, "amount paid": 1, "paid": 0.8, "payments credits": 1, "payment received": 1,
    "payments received": 1, "deposit": 1, "deposit paid": 1, "deposit received": 1, "less deposit": 1,
    "prepayment": 1, "prepaid": 1, "advance payment": 1, "down payment": 1, "less paid": 1,
    "bereits bezahlt": 1, "bereits gezahlt": 1, "anzahlung": 1, "erhaltene anzahlung": 1,
    "abzuglich anzahlung": 1, "abschlagszahlung": 1, "vorauszahlung": 1, "geleistete anzahlung": 1,
    "acompte": 1, "acompte verse": 1, "acompte recu": 1, "acompte deja verse": 1, "deja paye": 1,
    "deja regle": 1, "avance": 0.8, "reeds betaald": 1, "aanbetaling": 1, "voorschot": 1,
    "ya pagado": 1, "anticipo": 1, "pago a cuenta": 1, "gia pagato": 1, "acconto": 1,
    "acconto versato": 1,
}

# the heading of a detachable payment slip at a page's foot (filled in and sent back by the
# payer): its party block ("From: <customer>") is not the seller's
SLIP_HEADINGS: Weights = {
    "remittance advice": 1, "remittance slip": 1, "remittance": 0.9, "payment slip": 1,
    "payment stub": 1, "please detach": 1, "detach and return": 1, "please return this portion": 1,
    "return this portion": 1, "return this slip": 1, "zahlungsabschnitt": 1, "abschnitt bitte": 1,
    "bitte abtrennen": 1, "hier abtrennen": 1, "uberweisungstrager": 1, "zahlschein": 1,
    "bulletin de paiement": 1, "bulletin de versement": 1, "coupon a retourner": 1,
    "talon a retourner": 1, "talon de paiement": 1, "a detacher": 1, "partie a detacher": 1,
    "acceptgiro": 1, "betaalstrook": 1, "antwoordstrook": 1, "cedola di pagamento": 1,
    "tagliando": 0.9, "resguardo de pago": 1, "empfangsschein": 1, "zahlteil": 1,
}

DOC_TYPES: list[tuple[str, str]] = [
    ("rechnungskorrektur", "384"), ("corrected invoice", "384"), ("facture rectificative", "384"),
    ("korrekturrechnung", "384"), ("gutschrift", "381"), ("credit note", "381"), ("avoir", "381"),
    ("creditnota", "381"), ("self billed invoice", "389"), ("selbstfakturierung", "389"),
    ("autofacture", "389"), ("handelsrechnung", "380"), ("rechnung", "380"), ("invoice", "380"),
    ("facture", "380"), ("factuur", "380"), ("nota de credito", "381"), ("nota di credito", "381"),
    ("factura rectificativa", "384"), ("fattura", "380"), ("factura", "380"), ("credit memo", "381"),
    ("facture d avoir", "381"), ("tax invoice", "380"), ("commercial invoice", "380"),
    ("debit note", "383"), ("nota de debito", "383"), ("nota di debito", "383"),
    ("abono", "381"), ("factura de abono", "381"), ("nota de abono", "381"), ("nota credito", "381"),
    ("proforma invoice", "325"), ("pro forma invoice", "325"), ("proforma rechnung", "325"),
]

LEGAL_FORMS = {"gmbh", "ag", "kg", "ohg", "ug", "ek", "gbr", "se", "bv", "nv", "vof", "inc", "ltd",
               "llc", "llp", "plc", "corp", "corporation", "limited", "sa", "sarl", "sas", "sasu",
               "eurl", "spa", "srl", "oy", "ab", "as", "aps", "pvt", "co", "company", "gmbh&co",
               "mbh", "kgaa", "eg", "ag&co", "partg", "sl", "slu", "slne", "sc", "scp", "snc", "sapa",
               "scarl", "srls", "sprl", "bvba", "cv", "lp", "pllc", "pc", "ltda", "asa", "kft",
               "sro", "doo", "spzoo", "group", "gesmbh", "sagl"}

# what names the country of a bare "$" on a page (folded, matched inside a row's text with spaces
# around): an Australian Business Number or state, a Canadian province or GST/HST, ...
DOLLAR_COUNTRIES: dict[str, tuple[str, ...]] = {
    "AUD": (" australia ", " australian ", " abn ", " abn: ", " acn ", " nsw ", " qld ", " vic ",
            ".com.au", ".net.au", ".org.au", "+61 "),
    "CAD": (" canada ", " canadian ", " gst/hst ", " hst ", " qst ", " ontario ", " quebec ",
            " alberta ", " british columbia ", " manitoba ", " saskatchewan ", " nova scotia ", ".ca "),
    "NZD": (" new zealand ", " nzbn ", ".co.nz", "+64 ", " aotearoa "),
    "SGD": (" singapore ", ".com.sg", "+65 "),
    "HKD": (" hong kong ", ".com.hk", "+852 "),
}

# the currency of a country (ISO 3166 code, as a VAT id or an IBAN opens): what an invoice that
# prints no currency at all is paid in
HOME_CURRENCY: dict[str, str] = {
    **{c: "EUR" for c in ("AT", "BE", "CY", "DE", "EE", "EL", "GR", "ES", "FI", "FR", "HR", "IE", "IT",
                          "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK", "MC", "SM", "VA", "AD")},
    "GB": "GBP", "XI": "GBP", "CH": "CHF", "LI": "CHF", "SE": "SEK", "DK": "DKK", "NO": "NOK",
    "PL": "PLN", "CZ": "CZK", "HU": "HUF", "RO": "RON", "BG": "BGN", "AU": "AUD",
}
