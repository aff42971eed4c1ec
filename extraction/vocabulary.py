"""The shared vocabulary of invoices: label synonyms per concept, and how labels are compared.

Every engine and the confidence rules speak this vocabulary:

* Header concepts (``HEADER_CONCEPTS``: invoice number, dates, parties, amounts ...) and line-item
  column concepts (``COLUMN_CONCEPTS``), each with the aliases a client's field key or description
  may use and the multilingual labels (English, German, French, Dutch) printed on documents.
  Weights: 1.0 = an unambiguous label, lower = a generic word.
* Party headings and name labels, blockers (labels that contain a field's label but mean something
  else), other table columns, subtotal/stop rows of item tables, document-type titles, legal forms.
* Label normalisation: ``pieces_of`` folds a word into alphanumeric pieces and ``label_key``
  concatenates them, so "Rechnungs-Nr.", "Rechnungsnr" and "Rechnungs Nr" are the same label;
  ``LabelIndex`` finds labels in a row's pieces.
* ``map_concept``: which concept a client's field means, by its key and description.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from core.schema import FieldSpec
from extraction.values import fold

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
NAME_LABELS: Weights = {"name": 1, "firma": 0.9, "company": 0.8, "company name": 1, "firmenname": 1,
                  "nom": 0.9, "raison sociale": 1, "naam": 1, "bedrijfsnaam": 1}
PARTY_HEADINGS: dict[str, Weights] = {
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
OTHER_COLUMNS: Weights = {
    "pos": 1, "position": 0.4, "nr": 0.6, "no": 0.6, "#": 0.6, "line": 0.5, "item no": 1,
    "tax": 1, "vat": 1, "mwst": 1, "ust": 1, "tva": 1, "btw": 1, "taxes": 1, "tax rate": 1,
    "steuersatz": 1, "steuer": 0.9, "vat %": 1, "gst": 1, "tax %": 1, "disc": 1, "discount": 1,
    "rabatt": 1, "remise": 1, "korting": 1, "unit": 0.5, "einheit": 1, "unite": 1, "eenheid": 1,
    "uom": 1, "reference": 1, "referenz": 1, "referenzen": 1, "ref": 1, "sku": 1, "code": 1,
    "art nr": 1, "artikelnr": 1, "artikelnummer": 1, "item code": 1, "hsn": 1, "hsn sac": 1,
    "date": 0.8, "datum": 0.8,
}

SUBTOTAL_ROWS: Weights = {"ubertrag": 1, "carried forward": 1, "carry forward": 1, "brought forward": 1,
                    "zwischensumme": 1, "subtotal": 1, "sub total": 1, "sous total": 1,
                    "a reporter": 1, "report": 0.8, "transport": 0.7, "subtotaal": 1,
                    "vortrag": 1, "zwischentotal": 1, "seitensumme": 1, "page total": 1,
                    "exclusief btw": 1}
STOP_ROWS: Weights = {
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
def label_key(phrase: str) -> str:
    """A label as one comparable key: its pieces concatenated ("Rechnungs-Nr." -> "rechnungsnr")."""
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
# field -> concept mapping


def field_words(f: FieldSpec) -> str:
    """A field key as lower-case words ("total_amount" -> "total amount")."""
    return " ".join(re.split(r"[_\W]+", f.key)).strip().lower()


def map_concept(f: FieldSpec, concepts: dict[str, dict[str, Any]]) -> str | None:
    """The concept (a key of ``concepts``) a client's field means: by its key equal to a concept
    name or alias, else by its description naming an alias; None when nothing fits."""
    key = label_key(field_words(f))
    best, best_score = None, 0.0
    for name, c in concepts.items():
        score = 0.0
        if key == label_key(name.replace("_", " ")):
            score = 3.0
        for a in c["aliases"]:
            if label_key(a) == key:
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
# the language a document is printed in (folded words that mostly belong to one language)

LANGUAGE_MARKERS: dict[str, set[str]] = {
    "en": {"invoice", "the", "and", "of", "to", "bill", "amount", "due", "tax", "description",
           "qty", "quantity", "price", "date", "total", "subtotal", "thank", "you", "for", "payment",
           "ship", "terms", "balance", "please", "your", "sales"},
    "de": {"rechnung", "datum", "betrag", "und", "der", "die", "das", "gesamt", "menge", "preis",
           "mwst", "ust", "bitte", "zahlbar", "summe", "netto", "brutto", "ihre", "vielen", "dank",
           "bezeichnung", "einzelpreis", "rechnungsnummer", "rechnungsdatum", "mit", "von"},
    "fr": {"facture", "montant", "tva", "le", "la", "les", "et", "du", "des", "prix", "quantite",
           "total", "ht", "ttc", "date", "client", "designation", "echeance", "paiement", "merci",
           "votre", "unitaire", "reglement", "au", "pour"},
    "es": {"factura", "fecha", "importe", "cantidad", "precio", "iva", "el", "los", "las", "y",
           "del", "cliente", "descripcion", "total", "subtotal", "base", "imponible", "pago",
           "gracias", "numero", "vencimiento", "unitario", "por", "con"},
    "it": {"fattura", "data", "importo", "quantita", "prezzo", "iva", "il", "di", "e", "del",
           "della", "totale", "cliente", "descrizione", "imponibile", "pagamento", "grazie",
           "numero", "scadenza", "unitario", "per", "con"},
    "nl": {"factuur", "datum", "bedrag", "aantal", "prijs", "btw", "het", "en", "van", "totaal",
           "klant", "omschrijving", "betaling", "bedankt", "excl", "incl", "factuurnummer",
           "factuurdatum", "vervaldatum", "voor", "met", "uw"},
}


def detect_language(words: list[str]) -> str | None:
    """The language most of the marker words belong to (en, de, fr, es, it, nl), or None."""
    counts = dict.fromkeys(LANGUAGE_MARKERS, 0.0)
    for w in words:
        f = fold(w).strip(".,:;()")
        hits = [lang for lang, ms in LANGUAGE_MARKERS.items() if f in ms]
        for lang in hits:
            counts[lang] += 1.0 / len(hits)  # a word several languages share counts less
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 2 else None
