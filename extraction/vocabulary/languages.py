"""The language a document is printed in, from words that mostly belong to one language."""

from __future__ import annotations

from extraction.values import fold

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
