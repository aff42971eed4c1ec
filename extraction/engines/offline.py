"""An extraction engine that works offline from the words and their positions only.

No templates, no per-vendor rules: it reads a document the way a person skims an invoice.

* Rows: words are grouped into visual rows; a row is cut into segments at wide gaps.
* Labels: every field is mapped to a *concept* (by its key and description) whose multilingual
  synonyms (English, German, French, Dutch) are matched against the rows. Matching compares the
  concatenation of word pieces, so "Rechnungs-Nr.", "Rechnungsnr" and "Rechnungs Nr" are the same
  label. A longer label wins over a shorter one it contains ("Total HT" beats "Total").
* Values: right of the label on the same row (up to the next label) or directly below it,
  parsed per type with extraction.values. Candidates are scored by label quality, position and parse.
* Parties: a "Name"/"VAT id" label under a section heading ("Seller", "Käufer", "Bill to" ...)
  belongs to that party.
* Cross-checks: subtotal + tax = total picks between competing amount candidates and raises
  confidence; qty x unit price = amount does the same for line items.
* Line items: a header row whose words match the nested fields gives the columns' x-ranges; rows
  with numbers in the numeric columns start items, text-only rows below continue the description,
  subtotal/carry-over rows are skipped, totals end the table, and the table continues on the
  following pages (with or without a repeated header).
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

from extraction.result import Citation, EngineKind, RawResult
from extraction.pages import DocumentText, PageText
from core.schema import ExtractionSchema, FieldSpec
from extraction.values import (
    CURRENCY_CODES,
    coerce,
    detect_currency,
    find_date,
    fold,
    parse_number,
)

# ---------------------------------------------------------------------------------------------
# synonym tables (weights: 1.0 = unambiguous label, lower = generic word)

S = dict[str, float]

HEADER_CONCEPTS: dict[str, dict[str, Any]] = {
    "invoice_number": {
        "kind": "id",
        "aliases": ["invoice number", "invoice no", "invoice id", "document number", "bill number",
                    "receipt number", "credit note number", "number of the invoice"],
        "labels": {
            "invoice number": 1, "invoice no": 1, "invoice nr": 1, "invoice #": 1, "invoice id": 1,
            "invoice num": 1, "inv no": 1, "bill no": 0.9, "bill number": 0.9, "receipt no": 0.9,
            "document no": 0.8, "document number": 0.8, "doc no": 0.8, "reference number": 0.5,
            "credit note no": 1, "credit note number": 1, "receipt id": 0.9,
            "booking id": 0.5, "booking number": 0.5, "booking reference": 0.5,
            "rechnungsnummer": 1, "rechnungsnr": 1, "rechnung nr": 1, "rechnungs nr": 1,
            "rechnung nummer": 1, "belegnummer": 0.9, "belegnr": 0.9, "beleg nr": 0.9,
            "gutschriftsnummer": 1, "gutschrift nr": 1,
            "numero de facture": 1, "no de facture": 1, "n de facture": 1, "facture n": 1,
            "facture no": 1, "facture numero": 1, "n facture": 1, "numero facture": 1,
            "num facture": 1, "avoir n": 1,
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
        },
    },
    "currency": {
        "kind": "currency",
        "aliases": ["currency", "currency code", "invoice currency"],
        "labels": {"currency": 1, "currency code": 1, "wahrung": 1, "wahrungscode": 1,
                   "devise": 1, "monnaie": 0.8, "valuta": 1, "munteenheid": 1},
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
        },
    },
    "document_type_code": {
        "kind": "doctype",
        "aliases": ["document type code", "document type", "invoice type", "type code"],
        "labels": {"document type": 1, "belegart": 1, "rechnungsart": 1, "type de document": 1},
    },
}

# "Name" labels under a party heading, and the party headings themselves.
NAME_LABELS: S = {"name": 1, "firma": 0.9, "company": 0.8, "company name": 1, "firmenname": 1,
                  "nom": 0.9, "raison sociale": 1, "naam": 1, "bedrijfsnaam": 1}
PARTY_HEADINGS: dict[str, S] = {
    "seller": {"seller": 1, "verkaufer": 1, "lieferant": 0.9, "supplier": 1, "vendor": 1,
               "from": 0.6, "sold by": 1, "issued by": 1, "rechnungssteller": 1,
               "leistungserbringer": 1, "auftragnehmer": 0.8, "fournisseur": 1, "vendeur": 1,
               "emetteur": 1, "leverancier": 1, "verkoper": 1, "biller": 1, "seller name": 1,
               "supplier name": 1, "vendor name": 1, "merchant": 0.8, "absender": 0.8},
    "buyer": {"buyer": 1, "kaufer": 1, "kunde": 0.8, "customer": 0.9, "client": 0.9,
              "bill to": 1, "billed to": 1, "invoice to": 1, "sold to": 1, "invoiced to": 1,
              "rechnungsempfanger": 1, "leistungsempfanger": 1, "auftraggeber": 0.8,
              "rechnungsadresse": 0.9, "acheteur": 1, "destinataire": 0.9, "facture a": 1,
              "facturer a": 1, "factuuradres": 1, "afnemer": 1, "klant": 0.8, "koper": 1,
              "billing address": 1, "customer name": 1, "buyer name": 1, "client name": 1,
              "bill to address": 1, "kundin": 0.8, "empfanger": 0.7},
    "other": {"ship to": 1, "deliver to": 1, "delivery address": 1, "lieferadresse": 1,
              "warenempfanger": 1, "abweichender warenempfanger": 1, "afleveradres": 1,
              "adresse de livraison": 1, "livre a": 1, "zahlungsempfanger": 0.8, "payee": 0.8,
              "shipping address": 1, "bank": 0.5},
}
YOUR_WORDS = {"your", "ihre", "ihr", "votre", "uw", "je", "uwe"}

# labels that look like a field's label but mean something else (they win by containment)
BLOCKERS: S = {
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
}

# line-item columns
COLUMN_CONCEPTS: dict[str, dict[str, Any]] = {
    "description": {
        "aliases": ["description", "item", "item description", "name", "product", "article",
                    "designation", "text", "item name", "title"],
        "labels": {"description": 1, "item description": 1, "product description": 1,
                   "beschreibung": 1, "bezeichnung": 1, "artikelbezeichnung": 1,
                   "leistungsbeschreibung": 1, "leistung": 0.8, "designation": 1, "libelle": 1,
                   "omschrijving": 1, "product": 0.8, "product title": 1, "product name": 1,
                   "item": 0.7, "items": 0.7, "article": 0.5, "artikel": 0.5, "produkt": 0.8,
                   "service": 0.7, "services": 0.7, "details": 0.6, "text": 0.5,
                   "position": 0.3, "artikel omschrijving": 1, "item name": 1,
                   "description of goods": 1, "particulars": 0.8, "produit": 0.8},
    },
    "qty": {
        "aliases": ["qty", "quantity", "count", "units", "number of units", "invoiced quantity"],
        "labels": {"qty": 1, "quantity": 1, "menge": 1, "anzahl": 1, "anz": 0.9,
                   "quantite": 1, "qte": 1, "qt": 0.9, "aantal": 1, "hoeveelheid": 1,
                   "units": 0.5, "pcs": 0.5, "stk": 0.4, "nights": 0.5, "hours": 0.5,
                   "stunden": 0.5},
    },
    "unit_price": {
        "aliases": ["unit price", "price", "rate", "net price", "price per unit", "unit cost"],
        "labels": {"unit price": 1, "price": 0.7, "rate": 0.6, "unit cost": 1, "price per unit": 1,
                   "net price": 0.9, "unit net price": 1, "preis": 0.7, "einzelpreis": 1,
                   "e preis": 1, "ep": 0.8, "stuckpreis": 1, "nettopreis": 1, "vk preis": 1,
                   "preis je einheit": 1, "preis netto": 1, "prix unitaire": 1, "pu": 0.8,
                   "pu ht": 1, "prix unitaire ht": 1, "prix unit ht": 1, "prix": 0.7,
                   "prix ht": 0.8, "prijs": 0.6, "prijs per stuk": 1, "stukprijs": 1,
                   "eenheidsprijs": 1, "price each": 1, "unit": 0.3},
    },
    "amount": {
        "aliases": ["amount", "total", "line total", "line amount", "net amount", "price total",
                    "sum", "line net amount"],
        "labels": {"amount": 1, "total": 0.8, "line total": 1, "line amount": 1,
                   "net amount": 1, "amount net": 1, "total price": 1, "extended price": 1,
                   "ext price": 1, "gesamt": 0.9, "gesamtpreis": 1, "gesamtbetrag": 1,
                   "betrag": 0.9, "nettobetrag": 1, "zeilenbetrag": 1, "positionsbetrag": 1,
                   "summe": 0.7, "wert": 0.5, "montant": 1, "montant ht": 1, "total ht": 1,
                   "prix total": 1, "bedrag": 1, "totaal": 0.9, "totaalbedrag": 1, "subtotal": 0.5,
                   "total net": 1, "net": 0.6,
                   # gross line amounts ("price incl. VAT"): the line amount when no net one is printed
                   "price incl vat": 0.8, "price incl tax": 0.8, "amount incl vat": 0.8,
                   "total incl vat": 0.8, "prijs incl btw": 0.8, "bedrag incl btw": 0.8,
                   "totaal incl btw": 0.8, "preis inkl mwst": 0.8, "betrag inkl mwst": 0.8,
                   "gesamt inkl mwst": 0.8, "brutto": 0.6, "prix ttc": 0.8, "montant ttc": 0.8,
                   "total ttc": 0.8},
    },
}
OTHER_COLUMNS: S = {
    "pos": 1, "position": 0.4, "nr": 0.6, "no": 0.6, "#": 0.6, "line": 0.5, "item no": 1,
    "tax": 1, "vat": 1, "mwst": 1, "ust": 1, "tva": 1, "btw": 1, "taxes": 1, "tax rate": 1,
    "steuersatz": 1, "steuer": 0.9, "vat %": 1, "gst": 1, "tax %": 1, "disc": 1, "discount": 1,
    "rabatt": 1, "remise": 1, "korting": 1, "unit": 0.5, "einheit": 1, "unite": 1, "eenheid": 1,
    "uom": 1, "reference": 1, "referenz": 1, "referenzen": 1, "ref": 1, "sku": 1, "code": 1,
    "art nr": 1, "artikelnr": 1, "artikelnummer": 1, "item code": 1, "hsn": 1, "hsn sac": 1,
    "date": 0.8, "datum": 0.8,
}

SUBTOTAL_ROWS: S = {"ubertrag": 1, "carried forward": 1, "carry forward": 1, "brought forward": 1,
                    "zwischensumme": 1, "subtotal": 1, "sub total": 1, "sous total": 1,
                    "a reporter": 1, "report": 0.8, "transport": 0.7, "subtotaal": 1,
                    "vortrag": 1, "zwischentotal": 1, "seitensumme": 1, "page total": 1,
                    "exclusief btw": 1}
STOP_ROWS: S = {
    "total": 1, "grand total": 1, "total amount": 1, "gesamtbetrag": 1, "gesamtsumme": 1,
    "rechnungsbetrag": 1, "rechnungssumme": 1, "summe": 1, "gesamt": 1, "nettobetrag": 1,
    "bruttobetrag": 1, "total ht": 1, "total ttc": 1, "montant ht": 1, "montant ttc": 1,
    "net a payer": 1, "totaal": 1, "tax": 1, "vat": 1, "mwst": 1, "ust": 1, "umsatzsteuer": 1,
    "tva": 1, "btw": 1, "net total": 1, "total net": 1, "amount due": 1, "balance due": 1,
    "zahlbetrag": 1, "positionssumme": 1, "umsatzsteueraufschlusselung": 1, "vat breakdown": 1,
    "tax breakdown": 1, "tax summary": 1, "recapitulatif tva": 1, "belegsummen": 1,
    "zahlungsbedingungen": 1, "payment terms": 1, "conditions de paiement": 1,
    "steuerbetrag": 1, "bruttosumme": 1, "endbetrag": 1, "nettosumme": 1,
    "factuur totaal": 1, "grondslag": 1, "rechnungssumme ohne ust": 1,
}

DOC_TYPES: list[tuple[str, str]] = [
    ("rechnungskorrektur", "384"), ("corrected invoice", "384"), ("facture rectificative", "384"),
    ("korrekturrechnung", "384"), ("gutschrift", "381"), ("credit note", "381"), ("avoir", "381"),
    ("creditnota", "381"), ("self billed invoice", "389"), ("selbstfakturierung", "389"),
    ("autofacture", "389"), ("handelsrechnung", "380"), ("rechnung", "380"), ("invoice", "380"),
    ("facture", "380"), ("factuur", "380"),
]

LEGAL_FORMS = {"gmbh", "ag", "kg", "ohg", "ug", "ek", "gbr", "se", "bv", "nv", "vof", "inc", "ltd",
               "llc", "llp", "plc", "corp", "corporation", "limited", "sa", "sarl", "sas", "sasu",
               "eurl", "spa", "srl", "oy", "ab", "as", "aps", "pvt", "co", "company", "gmbh&co"}


# ---------------------------------------------------------------------------------------------
# normalisation and label index


def pieces_of(text: str) -> list[str]:
    """Fold a word and cut it into alphanumeric pieces ('USt.-Id.-Nr.:' -> ['ust','id','nr'])."""
    return list(_pieces(text))


@lru_cache(maxsize=65536)
def _pieces(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+|#", fold(text)))


@lru_cache(maxsize=8192)
def _key(phrase: str) -> str:
    return "".join(_pieces(phrase))


class LabelIndex:
    """Maps concatenated label pieces to (target, weight, n_pieces)."""

    def __init__(self) -> None:
        self.map: dict[str, list[tuple[str, float]]] = {}
        self.max_pieces = 1

    def add(self, phrase: str, target: str, weight: float) -> None:
        ps = pieces_of(phrase)
        if not ps:
            return
        self.max_pieces = max(self.max_pieces, len(ps) + 1)
        lst = self.map.setdefault("".join(ps), [])
        for i, (t, w) in enumerate(lst):
            if t == target:
                lst[i] = (t, max(w, weight))
                return
        lst.append((target, weight))

    def matches(self, pieces: list[str]) -> list[tuple[int, int, str, float]]:
        """All (start, end, target, weight) with pieces[start:end] spelling a label."""
        out = []
        n = len(pieces)
        for i in range(n):
            acc = ""
            for j in range(i, min(n, i + self.max_pieces + 2)):
                acc += pieces[j]
                if len(acc) > 48:
                    break
                hit = self.map.get(acc)
                if hit:
                    for target, w in hit:
                        out.append((i, j + 1, target, w))
        return out


# ---------------------------------------------------------------------------------------------
# layout


@dataclass
class W:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    page: int
    pieces: list[str] = field(default_factory=list)

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Row:
    page: int
    words: list[W]
    index: int = 0
    # flat piece list and, per piece, the index of its word
    pieces: list[str] = field(default_factory=list)
    piece_word: list[int] = field(default_factory=list)
    seg_of_word: list[int] = field(default_factory=list)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def height(self) -> float:
        return statistics.median([w.y1 - w.y0 for w in self.words])

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def build_rows(page: PageText) -> list[Row]:
    words = [
        W(w.text, w.x0, w.y0, w.x1, w.y1, page.number, pieces_of(w.text))
        for w in page.words
        if w.text.strip()
    ]
    words.sort(key=lambda w: ((w.y0 + w.y1) / 2, w.x0))
    rows: list[list[W]] = []
    centers: list[float] = []
    for w in words:
        yc = (w.y0 + w.y1) / 2
        h = max(w.y1 - w.y0, 1.0)
        if rows and abs(centers[-1] - yc) < 0.45 * h:
            rows[-1].append(w)
        else:
            rows.append([w])
            centers.append(yc)
    out: list[Row] = []
    for ws in rows:
        ws.sort(key=lambda w: w.x0)
        # drop exact duplicates (bold simulated by overprinting)
        dedup: list[W] = []
        for w in ws:
            if dedup and w.text == dedup[-1].text and abs(w.x0 - dedup[-1].x0) < 1.0:
                continue
            dedup.append(w)
        r = Row(page.number, dedup, len(out))
        h = r.height
        seg = 0
        for k, w in enumerate(dedup):
            if k and w.x0 - dedup[k - 1].x1 > max(0.9 * h, 6.0):
                seg += 1
            r.seg_of_word.append(seg)
            for p in w.pieces:
                r.pieces.append(p)
                r.piece_word.append(k)
        out.append(r)
    return out


# ---------------------------------------------------------------------------------------------
# field -> concept mapping


def _field_words(f: FieldSpec) -> str:
    return " ".join(re.split(r"[_\W]+", f.key)).strip().lower()


def map_concept(f: FieldSpec, concepts: dict[str, dict[str, Any]]) -> str | None:
    key = _key(_field_words(f))
    best, best_score = None, 0.0
    for name, c in concepts.items():
        score = 0.0
        if key == _key(name.replace("_", " ")):
            score = 3.0
        for a in c["aliases"]:
            if _key(a) == key:
                score = max(score, 2.5)
        if f.description:
            d = " " + " ".join(pieces_of(f.description)) + " "
            for a in c["aliases"]:
                ap = " ".join(pieces_of(a))
                if d.strip() == ap:
                    score = max(score, 2.0)
                elif len(ap.split()) >= 2 and " " + ap + " " in d:
                    score = max(score, 1.0 + 0.1 * len(a.split()))
        if score > best_score:
            best, best_score = name, score
    return best


# ---------------------------------------------------------------------------------------------
# candidates


@dataclass
class Cand:
    value: Any
    score: float
    page: int
    box: tuple[float, float, float, float]
    order: float = 0.0  # reading position (page, y) for tie-breaks


def _box(words: list[W]) -> tuple[float, float, float, float]:
    return (min(w.x0 for w in words), min(w.y0 for w in words),
            max(w.x1 for w in words), max(w.y1 for w in words))


_PERIOD_WORDS = {"day", "days", "tage", "tagen", "tag", "jours", "jour", "dagen", "dag", "months",
                 "monate", "mois", "weeks", "wochen", "semaines", "%", "x"}
_MONEY_TOKEN = re.compile(r"^[-+(]?[€$£¥₹]?[-+]?\d[\d.,'’]*\)?-?$")


def _amounts(words: list[W], language: str, decimal: str | None) -> list[tuple[float, list[W]]]:
    """Money-like numbers among words (percentages, dates and long ids skipped)."""
    out = []
    k = 0
    n = len(words)
    while k < n:
        t = words[k].text.strip(":;")
        if t.endswith("%") or (k + 1 < n and words[k + 1].text.startswith("%")):
            k += 1
            continue
        # merge "4 108,26" style digit groups and "1 234.50"
        grp = [words[k]]
        if _MONEY_TOKEN.match(t) and not re.search(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}", t):
            j = k + 1
            while j < n and re.fullmatch(r"\d{3}([.,]\d+)?", words[j].text) and \
                    words[j].x0 - grp[-1].x1 < 0.5 * (words[j].y1 - words[j].y0) and \
                    re.fullmatch(r"[-(]?[€$£]?\d{1,3}", grp[-1].text if len(grp) == 1 else grp[-1].text[:3]):
                grp.append(words[j])
                j += 1
            txt = "".join(w.text for w in grp) if len(grp) > 1 else t
            digits = re.sub(r"\D", "", txt)
            if j < n and fold(words[j].text).strip(".,") in _PERIOD_WORDS:
                k = j + 1
                continue
            v = parse_number(txt, language, decimal)
            if v is not None and len(digits) <= 12:
                out.append((v, grp))
            k = j
            continue
        k += 1
    return out


def _first_id(words: list[W]) -> list[W] | None:
    for k, w in enumerate(words):
        t = w.text.strip(":;,")
        if not t or t in {"#", "-", ":", "No", "No.", "Nr.", "Nr", "N°", "n°", "Nº", "nº"}:
            continue
        if re.fullmatch(r"\(.*\)|\[.*\]", t):
            continue  # an annotation such as a type code "(380)"
        if re.search(r"\d", t) and len(t) <= 40 and not t.endswith("%"):
            if find_date([t])[0] and not re.search(r"[A-Za-z]", t):
                return None
            # pieces of one identifier printed without a space ("IBZY" "2087" from OCR): join
            grp = [w]
            h = max(w.y1 - w.y0, 1.0)
            while k > 0 and re.fullmatch(r"[A-Z]{2,}[-/_]?", words[k - 1].text) and \
                    0 <= grp[0].x0 - words[k - 1].x1 < 0.2 * h and len(grp) < 3:
                k -= 1
                grp.insert(0, words[k])
            return grp
        if k >= 2:
            return None
    return None


def _id_text(w: W) -> str:
    t = w.text.strip(":;,")
    return re.sub(r"^(?i:n[°º]|no\.|nr\.|#)\s*(?=\w)", "", t)


_VAT_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,14}$")


def _vat(words: list[W]) -> list[W] | None:
    toks = [w for w in words if w.text not in {":", "-", "#"}]
    for k, w in enumerate(toks[:4]):
        t = w.text.strip(":;,.")
        if _VAT_RE.match(t) and re.search(r"\d", t):
            return [w]
        if re.fullmatch(r"[A-Z]{2}", t) and k + 1 < len(toks) and re.fullmatch(r"[0-9]{2,}", toks[k + 1].text):
            grp = [w]
            for nxt in toks[k + 1:k + 6]:
                if re.fullmatch(r"[0-9A-Z]{1,12}", nxt.text.strip(".,")) and re.search(r"\d", nxt.text):
                    grp.append(nxt)
                else:
                    break
            return grp
    return None


def _name(words: list[W]) -> list[W] | None:
    toks = [w for w in words if w.text not in {":", "-"}]
    if not toks:
        return None
    txt = " ".join(w.text for w in toks)
    if not re.search(r"[A-Za-zÀ-ÿ]{2}", txt) or len(txt) > 80:
        return None
    if any(w.text.endswith(":") for w in toks):
        return None
    return toks


class _Doc:
    """Rows of every page plus document-wide hints (decimal separator, currency)."""

    def __init__(self, document: DocumentText, language: str) -> None:
        self.pages = document.pages
        self.rows_by_page: list[list[Row]] = [build_rows(p) for p in document.pages]
        self.rows: list[Row] = [r for rows in self.rows_by_page for r in rows]
        self.size = {p.number: (p.width or 1.0, p.height or 1.0) for p in document.pages}
        self.language = language
        text = " ".join(w.text for r in self.rows for w in r.words)
        comma = len(re.findall(r"\d,\d{2}(?!\d)", text))
        dot = len(re.findall(r"\d\.\d{2}(?!\d)", text))
        self.decimal = "," if comma > dot else "." if dot > comma else None
        self.heights = [r.height for r in self.rows] or [10.0]
        self.line_h = statistics.median(self.heights)

    def cite(self, page: int, box: tuple[float, float, float, float]) -> Citation:
        w, h = self.size.get(page, (1.0, 1.0))
        x0, y0, x1, y1 = box
        clamp = lambda v: max(0.0, min(1.0, v))  # noqa: E731
        return Citation(page=page, bbox=(clamp(x0 / w), clamp(y0 / h), clamp(x1 / w), clamp(y1 / h)))


# ---------------------------------------------------------------------------------------------
# engine


class OfflineEngine:
    kind = EngineKind.OFFLINE
    name = "docparse-offline-v1"

    def extract(self, schema: ExtractionSchema, document: DocumentText) -> RawResult:
        language = schema.language or "auto"
        doc = _Doc(document, language)
        result: dict[str, Any] = {}
        confidence: dict[str, float] = {}
        citations: dict[str, Citation] = {}
        warnings: list[str] = []

        scalar_fields = [f for f in schema.fields if f.type != "list<object>"]
        list_fields = [f for f in schema.fields if f.type == "list<object>"]

        table_rows = {id(r) for f in list_fields for r in _TableReader(doc, f).header_rows()}
        header = _HeaderReader(doc, scalar_fields, table_rows)
        cands = header.candidates()
        chosen = _choose(scalar_fields, cands, header.concept)

        for f in scalar_fields:
            c = chosen.get(f.key)
            if c is None:
                result[f.key] = None
                confidence[f.key] = 0.0
                continue
            value, problem = coerce(c.value, f, language)
            if problem:
                warnings.append(problem)
            result[f.key] = value
            confidence[f.key] = round(max(0.0, min(1.0, c.score)), 3) if value is not None else 0.0
            if value is not None and c.page:
                citations[f.key] = doc.cite(c.page, c.box)

        for f in list_fields:
            items, conf, cites = _TableReader(doc, f).read()
            result[f.key] = items
            confidence.update(conf)
            citations.update(cites)

        _cross_check(schema, header.concept, result, confidence, list_fields)
        _derive_subtotal(header.concept, result, confidence, citations, list_fields)
        return RawResult(engine=self.kind, result=result, confidence=confidence, citations=citations,
                         model_used=self.name, warnings=warnings)


def _whole(r: Row, i: int, j: int) -> bool:
    """pieces[i:j] of a row cover whole words."""
    if i > 0 and r.piece_word[i - 1] == r.piece_word[i]:
        return False
    return not (j < len(r.pieces) and r.piece_word[j] == r.piece_word[j - 1])


class _HeaderReader:
    def __init__(self, doc: _Doc, fields: list[FieldSpec], skip_rows: set[int] | None = None) -> None:
        self.doc = doc
        self.fields = fields
        self.skip_rows = skip_rows or set()
        self.concept: dict[str, str | None] = {}
        self.index = LabelIndex()
        self.kind: dict[str, str] = {}
        for f in fields:
            c = map_concept(f, HEADER_CONCEPTS)
            self.concept[f.key] = c
            if c:
                spec = HEADER_CONCEPTS[c]
                self.kind[f.key] = spec["kind"]
                for phrase, w in spec["labels"].items():
                    self.index.add(phrase, f.key, float(w))
                for a in spec["aliases"][:1]:
                    self.index.add(a, f.key, 0.9)
            else:
                self.kind[f.key] = {"number": "amount", "integer": "amount", "date": "date",
                                    "enum": "enum", "boolean": "bool"}.get(f.type, "text")
            self.index.add(_field_words(f), f.key, 1.0)
            if f.description and len(f.description.split()) <= 4:
                self.index.add(f.description, f.key, 0.9)
        for phrase, w in BLOCKERS.items():
            self.index.add(phrase, "__block__", w)
        self.name_index = LabelIndex()
        for phrase, w in NAME_LABELS.items():
            self.name_index.add(phrase, "name", w)
        self.party_index = LabelIndex()
        for party, phrases in PARTY_HEADINGS.items():
            for phrase, w in phrases.items():
                self.party_index.add(phrase, party, w)
        self.sections = self._sections()

    # -- party sections ------------------------------------------------------------------------
    def _sections(self) -> dict[tuple[int, int], list[tuple[Row, str, float, float]]]:
        """Per page: heading rows that open a party section: (row, party, x0, x1 of heading)."""
        out: dict[tuple[int, int], list] = {}
        for rows in self.doc.rows_by_page:
            for r in rows:
                # a heading is a short segment made of the party label (and maybe a colon)
                segs: dict[int, list[int]] = {}
                for k, s in enumerate(r.seg_of_word):
                    segs.setdefault(s, []).append(k)
                for s, ks in segs.items():
                    ps = [p for k in ks for p in r.words[k].pieces]
                    if not ps or len(ps) > 5:
                        continue
                    ms = self.party_index.matches(ps)
                    for party in ("seller", "buyer", "other"):
                        cover = [False] * len(ps)
                        for i, j, p2, _ in ms:
                            if p2 == party:
                                cover[i:j] = [True] * (j - i)
                        for k2, p in enumerate(ps):
                            if p in ("address", "adresse", "details", "information", "daten", "angaben", "und", "and", "et"):
                                cover[k2] = True
                        if cover[0] and all(cover) and any(p2 == party for _, _, p2, _ in ms):
                            ws = [r.words[k] for k in ks]
                            out.setdefault((r.page, 0), []).append((r, party, ws[0].x0, ws[-1].x1))
                            break
        return out

    def party_of(self, row: Row, x0: float) -> tuple[str | None, Row | None]:
        heads = self.sections.get((row.page, 0), [])
        best = None
        for hr, party, hx0, hx1 in heads:
            if hr.y0 > row.y0 + 1:
                continue
            if hr is row:
                if hx1 <= x0 + 2:
                    return party, hr
                continue
            dy = row.y0 - hr.y1
            if dy > 260:
                continue
            if hx0 > x0 + 40 or hx1 < x0 - 250:
                continue
            if best is None or hr.y0 > best[0].y0:
                best = (hr, party)
        return (best[1], best[0]) if best else (None, None)

    # -- candidates ------------------------------------------------------------------------------
    def candidates(self) -> dict[str, list[Cand]]:
        out: dict[str, list[Cand]] = {f.key: [] for f in self.fields}
        kinds = self.kind
        doc = self.doc
        for rows in doc.rows_by_page:
            for ri, r in enumerate(rows):
                if id(r) in self.skip_rows:
                    continue  # the header row of an item table: its labels name columns
                ms = [m for m in self.index.matches(r.pieces) if self._valid_label(r, m[0], m[1])]
                if not ms:
                    continue
                # drop matches contained in a longer match of another target
                keep = []
                for m in ms:
                    i, j, t, w = m
                    dominated = False
                    for m2 in ms:
                        if m2 is m:
                            continue
                        i2, j2, t2, w2 = m2
                        if i2 <= i and j <= j2 and (j2 - i2) > (j - i) and t2 != t:
                            dominated = True
                            break
                    if not dominated and t != "__block__":
                        keep.append(m)
                label_starts = sorted({r.piece_word[i] for i, j, _, _ in ms
                                       if r.pieces[i:j] != ["#"] and _whole(r, i, j)})
                doc_row = any(self.concept.get(t) == "invoice_number" for _, _, t, _ in keep)
                for i, j, key, w in keep:
                    wi, wj = r.piece_word[i], r.piece_word[j - 1]
                    if any(r.words[k].text.endswith(":") for k in range(wi, wj)):
                        continue  # a label never runs across a colon
                    if r.seg_of_word[wi] != r.seg_of_word[wj]:
                        continue  # ... nor across a wide gap
                    # a label is a whole word sequence: pieces must cover whole words
                    if i > 0 and r.piece_word[i - 1] == wi:
                        continue
                    if j < len(r.pieces) and r.piece_word[j] == wj:
                        continue
                    weight = w
                    seg = r.seg_of_word[wi]
                    if w < 0.7 and self.kind.get(key) == "date" and doc_row:
                        weight = min(1.0, w + 0.3)  # "Rechnung Nr. 123 vom 05.03.2018"
                    # generic word preceded by another word of the same label phrase -> weaker
                    if wi > 0 and r.seg_of_word[wi - 1] == seg and w < 1:
                        prev = r.words[wi - 1].text
                        if re.fullmatch(r"[A-Za-zÀ-ÿ-]{2,}\.?", prev):
                            weight *= 0.6
                    if wi > 0 and fold(r.words[wi - 1].text).strip(":.") in YOUR_WORDS and \
                            HEADER_CONCEPTS.get(self.concept.get(key) or "", {}).get("party") == "seller":
                        continue  # "Your VAT number" is the customer's, never the seller's
                    # extend the label over trailing label words up to a colon ("Nr. Kunde:")
                    end = wj
                    # labels that overlap this one form one phrase ("TOTAL AMOUNT DUE ON"): the
                    # value follows the whole phrase, not the first label inside it
                    grown = True
                    while grown:
                        grown = False
                        for i2, j2, _t2, _w2 in ms:
                            a, b = r.piece_word[i2], r.piece_word[j2 - 1]
                            if a <= end < b and r.seg_of_word[b] == seg and b - wi <= 6:
                                end, grown = b, True
                    for k in range(end + 1, min(end + 3, len(r.words))):
                        if r.seg_of_word[k] != seg:
                            break
                        if r.words[k].text.endswith(":") and not re.search(r"\d", r.words[k].text):
                            end = k
                            break
                    nxt = [s for s in label_starts if s > end]
                    stop = nxt[0] if nxt else len(r.words)
                    right = r.words[end + 1:stop]
                    label_words = r.words[wi:end + 1]
                    self._emit(out, key, kinds[key], weight, right, r, label_words, 1.0)
                    # value directly below the label (less likely when text follows the label)
                    below = self._below(rows, ri, label_words, r, end, label_starts)
                    if below:
                        pos = 0.85 if not [x for x in right if x.text not in (":", "-")] else 0.55
                        self._emit(out, key, kinds[key], weight, below[1], below[0], label_words, pos)
        self._party_names(out)
        self._doc_type(out)
        self._currency_fallback(out)
        self._seller_fallback(out)
        return out

    @staticmethod
    def _valid_label(r: Row, i: int, j: int) -> bool:
        """Whole words, one segment, no colon inside."""
        if not _whole(r, i, j):
            return False
        wi, wj = r.piece_word[i], r.piece_word[j - 1]
        if r.seg_of_word[wi] != r.seg_of_word[wj]:
            return False
        return not any(r.words[k].text.endswith(":") for k in range(wi, wj))

    def _below(self, rows: list[Row], ri: int, label_words: list[W], r: Row, end: int,
               label_starts: list[int]) -> tuple[Row, list[W]] | None:
        x0 = label_words[0].x0
        nxt = [s for s in label_starts if s > end]
        x1 = r.words[nxt[0]].x0 - 2 if nxt else max(label_words[-1].x1 + 120, label_words[-1].x1)
        if not nxt and end + 1 < len(r.words):
            x1 = max(label_words[-1].x1 + 40, r.words[end + 1].x0 - 2)
        h = r.height
        for r2 in rows[ri + 1: ri + 3]:
            if r2.y0 - r.y1 > 2.2 * h:
                return None
            ws = [w for w in r2.words if w.x1 > x0 - 4 and w.x0 < x1]
            if ws:
                # keep only the segment(s) starting under the label
                first_seg = r2.seg_of_word[r2.words.index(ws[0])]
                ws = [w for w in ws if r2.seg_of_word[r2.words.index(w)] == first_seg]
                return r2, ws
        return None

    def _emit(self, out: dict[str, list[Cand]], key: str, kind: str, weight: float,
              words: list[W], row: Row, label_words: list[W], pos: float) -> None:
        if not words:
            return
        doc = self.doc
        order = row.page * 10000 + row.y0
        conc = HEADER_CONCEPTS.get(self.concept.get(key) or "", {})
        party = conc.get("party")
        if party:
            sec, _ = self.party_of(row, label_words[0].x0)
            if sec and sec != party:
                weight *= 0.3
            elif sec == party:
                weight = min(1.0, weight * 1.15)
        if kind == "amount":
            amts = _amounts(words, doc.language, doc.decimal)
            for n, (v, ws) in enumerate(reversed(amts)):
                s = weight * pos * (0.95 if n == 0 else 0.7)
                out[key].append(Cand(v, s, row.page, _box(ws), order))
                if n >= 1:
                    break
        elif kind == "date":
            toks = [w.text for w in words[:8]]
            iso, a, b = find_date(toks, doc.language)
            if iso and a <= 2:
                out[key].append(Cand(iso, weight * pos * 0.95, row.page, _box(words[a:b]), order))
        elif kind == "id":
            ws = _first_id(words)
            if ws:
                out[key].append(Cand("".join(_id_text(x) for x in ws), weight * pos * 0.95, row.page, _box(ws), order))
        elif kind == "vat":
            ws = _vat(words)
            if ws:
                out[key].append(Cand(" ".join(w.text.strip(",;") for w in ws), weight * pos * 0.95,
                                     row.page, _box(ws), order))
        elif kind == "currency":
            txt = " ".join(w.text for w in words[:3])
            cur = detect_currency(txt)
            if cur:
                out[key].append(Cand(cur, weight * pos, row.page, _box(words[:3]), order))
        elif kind == "party_name":
            ws = _name(words)
            if ws:
                out[key].append(Cand(" ".join(w.text for w in ws), weight * pos * 0.8, row.page, _box(ws), order))
        elif kind == "doctype":
            pass
        else:
            ws = [w for w in words if w.text not in {":", "-"}]
            if ws:
                txt = " ".join(w.text for w in ws)
                out[key].append(Cand(txt, weight * pos * 0.8, row.page, _box(ws), order))

    # -- parties ---------------------------------------------------------------------------------
    def _party_names(self, out: dict[str, list[Cand]]) -> None:
        keys = {HEADER_CONCEPTS[c]["party"]: k for k, c in self.concept.items()
                if c and HEADER_CONCEPTS[c]["kind"] == "party_name"}
        if not keys:
            return
        for rows in self.doc.rows_by_page:
            for ri, r in enumerate(rows):
                # "Name: X" under a party heading
                for i, j, _, w in self.name_index.matches(r.pieces):
                    wi, wj = r.piece_word[i], r.piece_word[j - 1]
                    if i != 0 and r.seg_of_word[wi] == r.seg_of_word[max(wi - 1, 0)] and wi > 0:
                        continue
                    if j < len(r.pieces) and r.piece_word[j] == wj:
                        continue
                    party, _ = self.party_of(r, r.words[wi].x0)
                    if party in keys:
                        right = [x for x in r.words[wj + 1:]]
                        right = [x for x in right if r.seg_of_word[r.words.index(x)] == r.seg_of_word[r.words.index(right[0])]] if right else []
                        ws = _name(right)
                        if ws:
                            out[keys[party]].append(Cand(" ".join(x.text for x in ws), 0.9 * w, r.page, _box(ws), r.page * 10000 + r.y0))
                # party heading followed by the name (same line or the next lines)
                for hr, party, hx0, hx1 in self.sections.get((r.page, 0), []):
                    if hr is not r or party not in keys:
                        continue
                    right = [x for x in r.words if x.x0 > hx1 + 1]
                    if right and right[0].x0 - hx1 > 3 * r.height:
                        right = []
                    right = [x for x in right if r.seg_of_word[r.words.index(x)] == r.seg_of_word[r.words.index(right[0])]] if right else []
                    ws = _name(right) if right else None
                    if ws and not re.search(r"\d", ws[0].text):
                        out[keys[party]].append(Cand(" ".join(x.text for x in ws), 0.75, r.page, _box(ws), r.page * 10000 + r.y0))
                        continue
                    for r2 in rows[ri + 1: ri + 4]:
                        if r2.y0 - r.y1 > 2.5 * r.height:
                            break
                        ws2 = [x for x in r2.words if x.x1 > hx0 - 4 and x.x0 < hx0 + 200]
                        if not ws2:
                            continue
                        seg = r2.seg_of_word[r2.words.index(ws2[0])]
                        ws2 = [x for x in ws2 if r2.seg_of_word[r2.words.index(x)] == seg]
                        if ws2[0].text.endswith(":") or ":" in " ".join(x.text for x in ws2[:2]):
                            continue  # a "Label: value" line of the section, not the name
                        ws = _name(ws2)
                        if ws:
                            txt = " ".join(x.text for x in ws)
                            if txt.lower().startswith(("attn", "z.hd", "t.a.v", "a l'attention")):
                                continue
                            out[keys[party]].append(Cand(txt, 0.7, r.page, _box(ws), r.page * 10000 + r.y0))
                        break

    def _seller_fallback(self, out: dict[str, list[Cand]]) -> None:
        key = next((k for k, c in self.concept.items() if c == "seller_name"), None)
        if not key or out[key]:
            return
        if self._sender_line(out[key]) or self._legal_form_name(out, key):
            return
        self._letterhead(out[key])

    def _sender_line(self, cands: list[Cand]) -> bool:
        """The one-line return address above a window-envelope address ("Name - Street 1 - 12345
        City"): its first part names the sender."""
        for r in (self.doc.rows_by_page[0] if self.doc.rows_by_page else [])[:40]:
            txt = r.text
            parts = [p.strip() for p in re.split(r"\s+[-–|·•]\s+|\s*\|\s*", txt) if p.strip()]
            if len(parts) < 3 or len(parts) > 6:
                continue
            if re.search(r"\d", parts[0]) or not re.search(r"[A-Za-zÀ-ÿ]{2}", parts[0]) or len(parts[0]) > 60:
                continue
            if not any(re.search(r"\b\d{4,5}\b|\b[A-Z]{1,2}\d", p) for p in parts[1:]):
                continue  # no postcode: not an address line
            if r.height > 1.05 * self.doc.line_h:
                continue  # a return-address line is printed small
            n = len(parts[0].split())
            ws = r.words[:n]
            cands.append(Cand(parts[0], 0.55, r.page, _box(ws), r.page * 10000 + r.y0))
            return True
        return False

    def _letterhead(self, cands: list[Cand]) -> None:
        """The topmost name-and-address block of the first page (a name line followed by street
        and postcode lines) is the letterhead of the sender, unless a heading says otherwise."""
        rows = self.doc.rows_by_page[0] if self.doc.rows_by_page else []
        for k, r in enumerate(rows[:25]):
            segs: dict[int, list[W]] = {}
            for i, w in enumerate(r.words):
                segs.setdefault(r.seg_of_word[i], []).append(w)
            for ws in segs.values():
                txt = " ".join(w.text for w in ws)
                if re.search(r"\d|:|@|www\.|https?", txt) or not (1 <= len(ws) <= 6):
                    continue
                if any(fold(w.text).strip(".") in {t for t, _ in DOC_TYPES} for w in ws):
                    continue  # the document title
                if self.party_index.matches([p for w in ws for p in w.pieces]):
                    continue  # a section heading ("Bill to"), not a name
                below = [r2 for r2 in rows[k + 1:k + 4] if r2.y0 - r.y1 < 2.5 * r.height]
                addr = [r2 for r2 in below if any(abs(w.x0 - ws[0].x0) < 3 and re.search(r"\d", " ".join(
                    x.text for x in r2.words if abs(x.x0 - ws[0].x0) < 3 or x.x0 > ws[0].x0)) for w in r2.words)]
                if len(addr) < 2:
                    continue
                party, _ = self.party_of(r, ws[0].x0)
                if party in ("buyer", "other"):
                    return
                cands.append(Cand(txt, 0.35, r.page, _box(ws), r.page * 10000 + r.y0))
                return

    def _legal_form_name(self, out: dict[str, list[Cand]], key: str) -> bool:
        buyer_texts = set()
        bkey = next((k for k, c in self.concept.items() if c == "buyer_name"), None)
        if bkey:
            buyer_texts = {fold(str(c.value)) for c in out[bkey]}
        for rows in self.doc.rows_by_page[:1] + self.doc.rows_by_page[-1:]:
            for r in rows:
                segs: dict[int, list[W]] = {}
                for k, w in enumerate(r.words):
                    segs.setdefault(r.seg_of_word[k], []).append(w)
                for ws in segs.values():
                    if len(ws) > 6 or len(ws) < 2:
                        continue
                    last = "".join(pieces_of(ws[-1].text))
                    if last in LEGAL_FORMS and not re.search(r"\d", " ".join(w.text for w in ws)):
                        start = 0
                        for k, w in enumerate(ws):
                            if w.text.endswith(":"):
                                start = k + 1
                        ws = ws[start:]
                        if len(ws) < 2:
                            continue
                        txt = " ".join(w.text for w in ws).strip(",;")
                        party, _ = self.party_of(r, ws[0].x0)
                        if party in ("buyer", "other") or fold(txt) in buyer_texts:
                            continue
                        out[key].append(Cand(txt, 0.4, r.page, _box(ws), r.page * 10000 + r.y0))
                        return True
        return False

    # -- document type and currency ------------------------------------------------------------
    def _doc_type(self, out: dict[str, list[Cand]]) -> None:
        """UNTDID 1001 code: printed as "(380)" next to the title, else inferred from the title."""
        key = next((k for k, c in self.concept.items() if c == "document_type_code"), None)
        if not key:
            return
        dt_index = LabelIndex()
        for phrase, code in DOC_TYPES:
            dt_index.add(phrase, code, 1.0)
        titles = {_key(p) for p, _ in DOC_TYPES}

        def is_title(w: W) -> bool:
            k = "".join(w.pieces)
            return k in titles or (k.endswith("rechnung") and len(k) > 8)

        for rows in self.doc.rows_by_page[:1]:
            for r in rows[:60]:
                for k, w in enumerate(r.words[:6]):
                    if not is_title(w):
                        continue
                    for w2 in r.words[k + 1:k + 8]:
                        m = re.fullmatch(r"\((\d{3})\)", w2.text)
                        if m:
                            out[key].append(Cand(m[1], 0.9, r.page, _box([w, w2]), r.y0))
                            return
            for r in rows[:60]:
                segs: dict[int, list[W]] = {}
                for k, w in enumerate(r.words):
                    segs.setdefault(r.seg_of_word[k], []).append(w)
                for ws in segs.values():
                    if len(ws) > 4:
                        continue  # a sentence, not a title
                    ps = [p for w in ws for p in w.pieces]
                    for i, j, code, _ in dt_index.matches(ps):
                        if j == len(ps) and (i == 0 or len(ps) <= 3):  # "Invoice", "Tax Invoice"
                            out[key].append(Cand(code, 0.45, r.page, _box(ws), r.y0))
                            return

    def _currency_fallback(self, out: dict[str, list[Cand]]) -> None:
        key = next((k for k, c in self.concept.items() if c == "currency"), None)
        if not key or out[key]:
            return
        counts: dict[str, int] = {}
        first: dict[str, tuple[int, W]] = {}
        for r in self.doc.rows:
            for w in r.words:
                t = w.text.strip(".,:;()")
                cur = None
                if t in CURRENCY_CODES:
                    cur = t
                elif re.match(r"^[-(]?(US\$|[€$£₹])", t) or re.search(r"\d[€$£]$", t) or t in {"€", "$", "£", "₹"}:
                    cur = detect_currency(t)
                elif t in ("Rs", "Rs.", "INR"):
                    cur = "INR"
                if cur:
                    counts[cur] = counts.get(cur, 0) + 1
                    first.setdefault(cur, (r.page, w))
        if counts:
            cur = max(counts, key=lambda c: counts[c])
            page, w = first[cur]
            out[key].append(Cand(cur, 0.6 if len(counts) == 1 else 0.45, page, _box([w]), 0))


def _choose(fields: list[FieldSpec], cands: dict[str, list[Cand]],
            concept: dict[str, str | None]) -> dict[str, Cand]:
    chosen: dict[str, Cand] = {}
    for f in fields:
        cs = cands.get(f.key) or []
        if not cs:
            continue
        kind_amount = f.type in ("number", "integer")
        # same value seen under several labels -> more credible
        agg: dict[str, Cand] = {}
        for c in cs:
            k = repr(c.value)
            if k not in agg:
                agg[k] = Cand(c.value, c.score, c.page, c.box, c.order)
            else:
                a = agg[k]
                if c.score > a.score:
                    agg[k] = Cand(c.value, c.score + 0.05 * a.score, c.page, c.box, c.order)
                else:
                    a.score += 0.05 * c.score
        ranked = sorted(agg.values(), key=lambda c: (-round(c.score, 3),
                                                     -c.order if kind_amount and concept.get(f.key) in ("total_amount", "amount_due") else c.order))
        chosen[f.key] = ranked[0]
        cands[f.key] = ranked
    # subtotal + tax = total: pick the consistent combination among the top candidates
    keys = {concept.get(f.key): f.key for f in fields}
    ks, kt, kT = keys.get("subtotal_amount"), keys.get("tax_amount"), keys.get("total_amount")
    if kT and cands.get(kT):
        sub = (cands.get(ks) or [])[:4] if ks else []
        tax = (cands.get(kt) or [])[:4] if kt else []
        tot = cands[kT][:4]
        best = None
        for T in tot:
            for s in sub:
                for t in tax or [Cand(0.0, 0.3, 0, (0, 0, 0, 0))]:
                    if abs(s.value + t.value - T.value) <= 0.011 and T.value != 0:
                        sc = T.score + s.score + t.score
                        if best is None or sc > best[0]:
                            best = (sc, s, t, T)
        if best:
            _, s, t, T = best
            chosen[ks] = Cand(s.value, min(1.0, s.score + 0.25), s.page, s.box, s.order)
            if kt and t.page:
                chosen[kt] = Cand(t.value, min(1.0, t.score + 0.25), t.page, t.box, t.order)
            chosen[kT] = Cand(T.value, min(1.0, T.score + 0.25), T.page, T.box, T.order)
    ka = keys.get("amount_due")
    if ka and kT and chosen.get(kT):
        T = chosen[kT]
        if ka not in chosen:
            chosen[ka] = Cand(T.value, 0.35, T.page, T.box, T.order)
        elif chosen[ka].value == T.value:
            chosen[ka].score = min(1.0, chosen[ka].score + 0.1)
    return chosen


# ---------------------------------------------------------------------------------------------
# line items


@dataclass
class Col:
    target: str  # nested field key, or "" for a column we do not extract
    x0: float
    x1: float
    weight: float


class _TableReader:
    def __init__(self, doc: _Doc, f: FieldSpec) -> None:
        self.doc = doc
        self.field = f
        self.subs = list(f.fields or [])
        self.index = LabelIndex()
        self.role: dict[str, str] = {}  # nested key -> concept
        for s in self.subs:
            c = map_concept(s, COLUMN_CONCEPTS)
            if c:
                self.role[s.key] = c
                for phrase, w in COLUMN_CONCEPTS[c]["labels"].items():
                    self.index.add(phrase, s.key, float(w))
            self.index.add(_field_words(s), s.key, 1.0)
            if s.description and len(s.description.split()) <= 4:
                self.index.add(s.description, s.key, 0.9)
        for phrase, w in OTHER_COLUMNS.items():
            self.index.add(phrase, "", float(w) * 0.99)
        self.sub_index = LabelIndex()
        for phrase, w in SUBTOTAL_ROWS.items():
            self.sub_index.add(phrase, "sub", w)
        self.stop_index = LabelIndex()
        for phrase, w in STOP_ROWS.items():
            self.stop_index.add(phrase, "stop", w)
        self.numeric = {s.key for s in self.subs if s.type in ("number", "integer")}
        self.text_keys = [s.key for s in self.subs if s.type not in ("number", "integer")]
        by_role = {v: k for k, v in self.role.items()}
        self.k_desc = by_role.get("description") or (self.text_keys[0] if self.text_keys else None)
        self.k_qty = by_role.get("qty")
        self.k_price = by_role.get("unit_price")
        self.k_amount = by_role.get("amount")

    # -- header detection ------------------------------------------------------------------------
    def header(self, r: Row) -> list[Col] | None:
        ms = self.index.matches(r.pieces)
        if not ms:
            return None
        # greedy: longest match first, no overlaps, whole words only
        ms = [m for m in ms if (m[0] == 0 or r.piece_word[m[0] - 1] != r.piece_word[m[0]])
              and (m[1] == len(r.pieces) or r.piece_word[m[1]] != r.piece_word[m[1] - 1])]
        ms.sort(key=lambda m: (-(m[1] - m[0]), -m[3]))
        used = [False] * len(r.pieces)
        picked = []
        for i, j, t, w in ms:
            if any(used[i:j]):
                continue
            wi, wj = r.piece_word[i], r.piece_word[j - 1]
            # a column label lies inside one segment
            if r.seg_of_word[wi] != r.seg_of_word[wj] and j - i > 1:
                gap = max(r.words[k + 1].x0 - r.words[k].x1 for k in range(wi, wj)) if wj > wi else 0
                if gap > 2.5 * r.height:
                    continue
            for k in range(i, j):
                used[k] = True
            picked.append((wi, wj, t, w))
        fields_hit = {t for _, _, t, _ in picked if t}
        if len(fields_hit) < 2 or not (fields_hit & self.numeric):
            return None
        # every word of a header is a label word (or small filler): reject prose rows
        covered = set()
        for wi, wj, _, _ in picked:
            covered.update(range(wi, wj + 1))
        uncovered = [w for k, w in enumerate(r.words) if k not in covered]
        if any(re.search(r"\d", w.text) and not re.search(r"%|\[", w.text) for w in uncovered):
            return None
        if len(uncovered) > max(2, len(r.words) // 2):
            return None
        cols: list[Col] = []
        for wi, wj, t, w in sorted(picked):
            cols.append(Col(t, r.words[wi].x0, r.words[wj].x1, w))
        for k, w in enumerate(r.words):
            if k not in covered:
                # filler word: glue to the column it touches, else an unknown column
                near = [c for c in cols if abs(c.x1 - w.x0) < 0.8 * r.height or abs(w.x1 - c.x0) < 0.8 * r.height]
                if near and not w.text[0].isupper():
                    near[0].x0, near[0].x1 = min(near[0].x0, w.x0), max(near[0].x1, w.x1)
                else:
                    cols.append(Col("", w.x0, w.x1, 0.5))
        cols.sort(key=lambda c: c.x0)
        # one column per field: the best label wins; duplicates become unknown
        best: dict[str, Col] = {}
        for c in cols:
            if c.target and (c.target not in best or c.weight > best[c.target].weight):
                best[c.target] = c
        spare: list[Col] = []
        for c in cols:
            if c.target and best[c.target] is not c:
                spare.append(c)
                c.target = ""
        if self.k_amount and self.k_amount not in best and spare:
            # the rightmost money column is the line amount
            right = max(spare, key=lambda c: c.x1)
            if all(right.x0 > b.x1 for b in best.values() if b.target != self.k_desc):
                right.target = self.k_amount
        return cols

    def header_rows(self) -> list[Row]:
        """Table header rows, with the lines their labels wrap onto ("VK-Preis / ohne MwSt.")."""
        out = []
        for rows in self.doc.rows_by_page:
            for k, r in enumerate(rows):
                if not self.header(r):
                    continue
                out.append(r)
                hdr = r
                for r2 in rows[k + 1:k + 3]:
                    if r2.y0 - hdr.y1 < 0.6 * hdr.height and not any(re.search(r"\d", w.text) for w in r2.words):
                        out.append(r2)
                        hdr = r2
                    else:
                        break
        return out

    # -- cells -----------------------------------------------------------------------------------
    def cells(self, r: Row, cols: list[Col]) -> dict[int, list[W]]:
        out: dict[int, list[W]] = {}
        for w in r.words:
            best, best_ov = None, 0.0
            for ci, c in enumerate(cols):
                ov = min(w.x1, c.x1 + 2) - max(w.x0, c.x0 - 2)
                if ov > best_ov:
                    best, best_ov = ci, ov
            if best is None:
                numeric = bool(re.search(r"\d", w.text))
                if numeric:
                    gaps = [(max(c.x0 - w.x1, w.x0 - c.x1), ci) for ci, c in enumerate(cols)]
                    g, ci = min(gaps)
                    if g < 45:
                        best = ci
                if best is None:
                    left = [ci for ci, c in enumerate(cols) if c.x0 <= w.x0 + 3]
                    if left:
                        best = left[-1]
                    elif cols and w.x1 > cols[0].x0 - 60:
                        best = 0
            if best is not None:
                out.setdefault(best, []).append(w)
        return out

    def _num(self, ws: list[W], last: bool) -> tuple[float | None, bool]:
        """A number from a cell; second value False when the cell holds other text."""
        if not ws:
            return None, True
        amts = _amounts(ws, self.doc.language, self.doc.decimal)
        clean = all(
            re.fullmatch(r"[-+(]?[€$£¥₹]?[-+]?[\d.,'’]+\)?-?%?|[€$£¥₹]|[A-Za-z]{1,5}\.?|x|@|/|-|\*+", w.text)
            for w in ws
        )
        if not amts:
            return None, clean and not any(re.search(r"[A-Za-z]{6,}", w.text) for w in ws)
        return (amts[-1][0] if last else amts[0][0]), clean

    # -- reading ---------------------------------------------------------------------------------
    def read(self) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, Citation]]:
        doc = self.doc
        items: list[dict[str, Any]] = []
        meta: list[dict[str, Any]] = []
        cols: list[Col] | None = None
        stopped = False
        for rows in doc.rows_by_page:
            if stopped:
                break
            start = 0
            page_cols = None
            for ri, r in enumerate(rows):
                c = self.header(r)
                if c:
                    page_cols, start = c, ri + 1
                    break
            if page_cols is None and cols is None:
                continue
            if page_cols is not None:
                cols = page_cols
                fresh = True
            else:
                fresh = False  # continuation page without a repeated header: anchors only
            current = None
            last_row: Row | None = None
            if page_cols is not None:
                # header labels wrapped onto a second line ("VK-Preis / ohne MwSt.")
                hdr = rows[start - 1]
                while start < len(rows) and rows[start].y0 - hdr.y1 < 0.6 * hdr.height and \
                        not any(re.search(r"\d", w.text) for w in rows[start].words):
                    hdr = rows[start]
                    start += 1
            desc_ci = next((i for i, c in enumerate(cols) if c.target == self.k_desc), None)
            for r in rows[start:]:
                cells = self.cells(r, cols)
                # totals / subtotal rows
                first_seg = [w for k, w in enumerate(r.words) if r.seg_of_word[k] == r.seg_of_word[0]]
                fps = [p for w in first_seg for p in w.pieces]
                is_sub = any(i == 0 for i, _, _, _ in self.sub_index.matches(fps))
                is_stop = any(i == 0 for i, _, _, _ in self.stop_index.matches(fps))
                values: dict[str, float] = {}
                clean = True
                for ci, ws in cells.items():
                    t = cols[ci].target
                    if t in self.numeric:
                        v, ok = self._num(ws, last=(t == self.k_amount))
                        clean = clean and ok
                        if v is not None:
                            values[t] = v
                has_amount = self.k_amount in values if self.k_amount else bool(values)
                n_num = len(values)
                anchor = clean and (has_amount or n_num >= 2) and (
                    n_num >= 2 or not any(c.target == self.k_price or c.target == self.k_qty for c in cols))
                if anchor and (is_sub or is_stop):
                    # "Subtotal hardware 1 1.000,00 1.000,00" can be an item; "Subtotal $ 112.00" not
                    desc_words = cells.get(desc_ci, []) if desc_ci is not None else []
                    if n_num < 2 or not desc_words or desc_words[0] is not r.words[0]:
                        anchor = False
                if not anchor and is_stop and not is_sub:
                    stopped = True
                    break
                if not anchor and is_sub:
                    current = None
                    last_row = r
                    continue
                if not anchor and fresh is False and current is None:
                    # continuation page: a new table header ends the table
                    if self._looks_like_header(r):
                        stopped = True
                        break
                    continue
                if anchor:
                    desc_ws = cells.get(desc_ci, []) if desc_ci is not None else []
                    item = {s.key: None for s in self.subs}
                    for k2, v in values.items():
                        item[k2] = v
                    for ci, ws in cells.items():
                        t = cols[ci].target
                        if t and t not in self.numeric and t != self.k_desc:
                            item[t] = " ".join(w.text for w in ws)
                    if self.k_desc:
                        item[self.k_desc] = " ".join(w.text for w in desc_ws) or None
                    items.append(item)
                    current = {"desc": list(desc_ws), "rows": [r], "cells": cells, "page": r.page,
                               "values_box": {t: _box(ws) for ci, ws in cells.items()
                                              for t in [cols[ci].target] if t}}
                    meta.append(current)
                    last_row = r
                    fresh = True
                    continue
                # text-only row: continuation of the current item's description
                if current is None or desc_ci is None:
                    if self._looks_like_header(r) and items and not self.header(r):
                        stopped = True
                        break
                    continue
                other = [w for ci, ws in cells.items() if ci != desc_ci and cols[ci].target for w in ws]
                dws = cells.get(desc_ci, [])
                prev = last_row or current["rows"][-1]
                if r.y0 - prev.y1 > 1.2 * max(r.height, prev.height):
                    current = None
                    continue
                if other and any(re.search(r"\d", w.text) for w in other):
                    current = None
                    continue
                if not dws:
                    last_row = r
                    continue
                txt = " ".join(w.text for w in dws)
                last_row = r
                if re.match(r"^\W{0,2}\s*[\w .\-/]{1,30}\s?:", txt) or dws[0].text.startswith(":"):
                    continue  # "Label: value" attribute line, not the item name
                if re.search(r"\d+[.,]\d{2}", txt) and re.search(r"(?i)preis|price|prix|prijs", txt):
                    continue
                current["desc"].extend(dws)
                if self.k_desc:
                    items[-1][self.k_desc] = " ".join(w.text for w in current["desc"])
                current["rows"].append(r)
        return self._finish(items, meta)

    def _looks_like_header(self, r: Row) -> bool:
        segs = set(r.seg_of_word)
        return len(segs) >= 3 and not any(re.search(r"\d", w.text) for w in r.words)

    def _finish(self, items: list[dict[str, Any]], meta: list[dict[str, Any]]):
        doc = self.doc
        key = self.field.key
        conf: dict[str, float] = {}
        cites: dict[str, Citation] = {}
        lang = doc.language
        for n, (item, m) in enumerate(zip(items, meta)):
            q, p, a = (item.get(self.k_qty) if self.k_qty else None,
                       item.get(self.k_price) if self.k_price else None,
                       item.get(self.k_amount) if self.k_amount else None)
            check = None
            if q is not None and p is not None and a is not None:
                check = abs(q * p - a) <= max(0.011, 0.006 * abs(a))
            for s in self.subs:
                v = item.get(s.key)
                cv, _problem = coerce(v, s, lang)
                item[s.key] = cv
                path = f"{key}[{n}].{s.key}"
                if cv is None:
                    conf[path] = 0.0
                    continue
                base = 0.7
                if s.key in (self.k_qty, self.k_price, self.k_amount):
                    base = 0.95 if check else (0.5 if check is False else 0.7)
                elif s.key == self.k_desc:
                    base = 0.8 if check is not False else 0.6
                conf[path] = base
                vb = m["values_box"].get(s.key)
                if s.key == self.k_desc and m["desc"]:
                    vb = _box(m["desc"])
                if vb:
                    cites[path] = doc.cite(m["page"], vb)
        if items:
            leafs = [v for k, v in conf.items() if k.startswith(key + "[")]
            conf[key] = round(sum(leafs) / len(leafs), 3) if leafs else 0.5
            first = meta[0]
            cites[key] = doc.cite(first["page"], _box([w for r in first["rows"] for w in r.words]))
        else:
            conf[key] = 0.0
        return items, conf, cites


# ---------------------------------------------------------------------------------------------
# document-level cross checks


def _cross_check(schema: ExtractionSchema, concept: dict[str, str | None], result: dict[str, Any],
                 confidence: dict[str, float], list_fields: list[FieldSpec]) -> None:
    keys = {c: k for k, c in concept.items() if c}
    sub = result.get(keys.get("subtotal_amount", ""))
    tot = result.get(keys.get("total_amount", ""))
    for f in list_fields:
        items = result.get(f.key) or []
        amount_key = None
        for s in f.fields or []:
            if map_concept(s, COLUMN_CONCEPTS) == "amount":
                amount_key = s.key
        if not items or not amount_key:
            continue
        amounts = [it.get(amount_key) for it in items]
        if any(a is None for a in amounts):
            continue
        total = sum(amounts)
        for ref, k in ((sub, keys.get("subtotal_amount")), (tot, keys.get("total_amount"))):
            if isinstance(ref, (int, float)) and abs(total - ref) <= 0.011 + 0.0005 * abs(ref):
                confidence[f.key] = round(min(1.0, confidence.get(f.key, 0.5) + 0.2), 3)
                for n in range(len(items)):
                    p = f"{f.key}[{n}].{amount_key}"
                    if p in confidence:
                        confidence[p] = max(confidence[p], 0.9)
                if k:
                    confidence[k] = round(min(1.0, confidence.get(k, 0) + 0.1), 3)
                break


def _line_sum(result: dict[str, Any], list_fields: list[FieldSpec]) -> float | None:
    for f in list_fields:
        items = result.get(f.key) or []
        amount_key = next((x.key for x in f.fields or [] if map_concept(x, COLUMN_CONCEPTS) == "amount"), None)
        if items and amount_key and all(isinstance(it.get(amount_key), (int, float)) for it in items):
            return round(sum(it[amount_key] for it in items), 2)
    return None


def _derive_subtotal(concept: dict[str, str | None], result: dict[str, Any], confidence: dict[str, float],
                     citations: dict[str, Citation], list_fields: list[FieldSpec]) -> None:
    """A net total that is not printed as such is still readable: total - tax, or (no tax shown)
    the sum of the lines when it equals the total. Low confidence; cited on the total."""
    keys = {c: k for k, c in concept.items() if c}
    ks, kt, kT = keys.get("subtotal_amount"), keys.get("tax_amount"), keys.get("total_amount")
    if not ks or not kT or result.get(ks) is not None:
        return
    total = result.get(kT)
    if not isinstance(total, (int, float)):
        return
    tax = result.get(kt) if kt else None
    lines = _line_sum(result, list_fields)
    value, conf = None, 0.0
    if isinstance(tax, (int, float)) and confidence.get(kt, 0) >= 0.5 and abs(tax) < abs(total):
        value = round(total - tax, 2)
        conf = 0.45 + (0.3 if lines is not None and abs(lines - value) <= 0.011 else 0.0)
    elif tax is None and lines is not None and abs(lines - total) <= 0.011:
        value, conf = float(total), 0.5
    if value is None:
        return
    result[ks] = value
    confidence[ks] = round(min(1.0, conf), 3)
    if kT in citations:
        citations[ks] = citations[kT]
