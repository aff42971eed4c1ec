"""Line-item table vocabulary: column concepts with their multilingual labels, other columns, and
the rows that carry a subtotal over or end an item table."""

from __future__ import annotations

from typing import Any

from extraction.vocabulary.labels import Weights

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
                   "description of goods": 1, "particulars": 0.8, "produit": 0.8,
                   "descripcion": 1, "concepto": 1, "articulo": 0.6, "producto": 0.8,
                   "descrizione": 1, "articolo": 0.6, "prodotto": 0.8, "denominazione": 0.9,
                   "prestation": 0.8, "prestations": 0.8, "activity": 0.6, "work description": 1,
                   "beschrijving": 1, "detalle": 0.8, "detalles": 0.8, "dettaglio": 0.8,
                   "product service": 1, "artikel beschreibung": 1},
    },
    "qty": {
        "aliases": ["qty", "quantity", "count", "units", "number of units", "invoiced quantity"],
        "labels": {"qty": 1, "quantity": 1, "menge": 1, "anzahl": 1, "anz": 0.9,
                   "quantite": 1, "qte": 1, "qt": 0.9, "aantal": 1, "aant": 1, "hoeveelheid": 1,
                   "units": 0.5, "pcs": 0.5, "stk": 0.4, "nights": 0.5, "hours": 0.5,
                   "stunden": 0.5, "cantidad": 1, "cant": 0.9, "uds": 0.6, "unidades": 0.6,
                   "quantita": 1, "qta": 1, "q ta": 1, "hrs": 0.5, "heures": 0.5, "uren": 0.5,
                   "ore": 0.5, "horas": 0.5, "qte facturee": 1, "hrs qty": 1, "qty hrs": 1,
                   "hours qty": 1, "qty hours": 1, "std menge": 1},
    },
    "unit_price": {
        "aliases": ["unit price", "price", "rate", "net price", "price per unit", "unit cost"],
        "labels": {"unit price": 1, "price": 0.7, "rate": 0.6, "unit cost": 1, "price per unit": 1,
                   "net price": 0.9, "unit net price": 1, "preis": 0.7, "einzelpreis": 1,
                   "e preis": 1, "ep": 0.8, "stuckpreis": 1, "nettopreis": 1, "vk preis": 1,
                   "preis je einheit": 1, "preis netto": 1, "prix unitaire": 1, "pu": 0.8,
                   "pu ht": 1, "prix unitaire ht": 1, "prix unit ht": 1, "prix": 0.7,
                   "prix ht": 0.8, "prijs": 0.6, "prijs per stuk": 1, "stukprijs": 1,
                   "eenheidsprijs": 1, "price each": 1, "unit": 0.3,
                   "precio unitario": 1, "precio": 0.7, "precio unidad": 1, "prezzo unitario": 1,
                   "prezzo": 0.7, "prezzo unit": 1, "stuksprijs": 1, "prijs per eenheid": 1,
                   "tarif": 0.6, "tarif unitaire": 1, "unit rate": 1, "hourly rate": 1,
                   "tarifa": 0.6, "tariffa": 0.6, "uurtarief": 1, "p unit": 1, "prix unit": 1,
                   "p unit ht": 1, "pr unit": 1, "precio ud": 1, "prezzo cad": 1},
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
                   "total ttc": 0.8,
                   "importe": 1, "importe neto": 1, "base imponible": 0.9, "importo": 1,
                   "totale": 0.9, "imponibile": 0.9, "importo netto": 1, "totaal excl btw": 1,
                   "bedrag excl btw": 1, "netto bedrag": 1, "betrag netto": 1, "gesamt netto": 1,
                   "gesamtpreis netto": 1, "net total": 1, "amount excl vat": 1,
                   "total excl vat": 1, "line net": 1, "montant net": 1, "netto": 0.8, "regeltotaal": 1,
                   "regelbedrag": 1, "zeilensumme": 1, "totale riga": 1, "total linea": 1,
                   "total ligne": 1},
    },
}
OTHER_COLUMNS: Weights = {
    "pos": 1, "position": 0.4, "nr": 0.6, "no": 0.6, "#": 0.6, "line": 0.5, "item no": 1,
    "tax": 1, "vat": 1, "mwst": 1, "ust": 1, "tva": 1, "btw": 1, "taxes": 1, "tax rate": 1,
    "steuersatz": 1, "steuer": 0.9, "vat %": 1, "gst": 1, "tax %": 1, "disc": 1, "discount": 1,
    "rabatt": 1, "remise": 1, "korting": 1, "unit": 0.5, "einheit": 1, "unite": 1, "eenheid": 1,
    "uom": 1, "reference": 1, "referenz": 1, "referenzen": 1, "ref": 1, "sku": 1, "code": 1,
    "art nr": 1, "artikelnr": 1, "artikelnummer": 1, "item code": 1, "hsn": 1, "hsn sac": 1,
    "date": 0.8, "datum": 0.8, "iva": 1, "dto": 1, "descuento": 1, "sconto": 1, "codigo": 1,
    "codice": 1, "referencia": 1, "riferimento": 1, "unidad": 1, "unita": 1, "um": 0.8,
}

SUBTOTAL_ROWS: Weights = {"ubertrag": 1, "carried forward": 1, "carry forward": 1, "brought forward": 1,
                    "zwischensumme": 1, "subtotal": 1, "sub total": 1, "sous total": 1,
                    "a reporter": 1, "report": 0.8, "transport": 0.7, "subtotaal": 1,
                    "vortrag": 1, "zwischentotal": 1, "seitensumme": 1, "page total": 1,
                    "exclusief btw": 1, "subtotale": 1, "suma y sigue": 1, "riporto": 1}
STOP_ROWS: Weights = {
    "total": 1, "grand total": 1, "total amount": 1, "gesamtbetrag": 1, "gesamtsumme": 1,
    "rechnungsbetrag": 1, "rechnungssumme": 1, "summe": 1, "gesamt": 1, "nettobetrag": 1,
    "bruttobetrag": 1, "total ht": 1, "total ttc": 1, "montant ht": 1, "montant ttc": 1,
    "net a payer": 1, "totaal": 1, "tax": 1, "sales tax": 1, "vat": 1, "mwst": 1, "ust": 1, "umsatzsteuer": 1,
    "tva": 1, "btw": 1, "net total": 1, "total net": 1, "amount due": 1, "balance due": 1,
    "zahlbetrag": 1, "positionssumme": 1, "umsatzsteueraufschlusselung": 1, "vat breakdown": 1,
    "tax breakdown": 1, "tax summary": 1, "recapitulatif tva": 1, "belegsummen": 1,
    "zahlungsbedingungen": 1, "payment terms": 1, "conditions de paiement": 1,
    "steuerbetrag": 1, "bruttosumme": 1, "endbetrag": 1, "nettosumme": 1,
    "factuur totaal": 1, "grondslag": 1, "rechnungssumme ohne ust": 1,
    "base imponible": 1, "importe total": 1, "total factura": 1, "iva": 1, "imponibile": 1,
    "totale": 1, "totale fattura": 1, "totale documento": 1, "total a pagar": 1,
}

# words that mark a printed amount as without or with tax: a line total "HT", "netto", "excl. VAT"
# is the net line amount, one "TTC", "brutto", "incl. VAT" the gross one
NET_MARKERS = {"ht", "netto", "net", "excl", "exclusief", "excluding", "exkl", "exklusive",
               "hors", "sin", "senza", "imponible", "imponibile", "ohne", "zonder", "without"}
GROSS_MARKERS = {"ttc", "brutto", "gross", "incl", "inclusief", "including", "inkl",
                 "inklusive", "con", "ivato", "ivata", "incluida", "incluso", "met"}
# rows inside an item table that adjust the sum without quantity or price
ADJUSTMENT_ROWS: Weights = {
    "discount": 1, "rebate": 1, "rabatt": 1, "nachlass": 1, "preisnachlass": 1, "remise": 1,
    "rabais": 1, "reduction": 0.9, "descuento": 1, "bonificacion": 1, "sconto": 1, "abbuono": 1,
    "korting": 1, "shipping": 1, "freight": 1, "delivery": 0.8, "versand": 1, "versandkosten": 1,
    "fracht": 1, "frachtkosten": 1, "porto": 0.8, "frais de port": 1, "frais de livraison": 1,
    "envio": 1, "gastos de envio": 1, "spedizione": 1, "spese di spedizione": 1, "trasporto": 0.8,
    "verzendkosten": 1, "handling": 0.8, "surcharge": 1, "zuschlag": 1, "supplement": 0.8,
}
