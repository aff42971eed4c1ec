"""The seller's VAT id, the totals and the currency printed the many ways real invoices print them
(tests/support/field_variants.py draws each as a text PDF), read by the offline engine: national
VAT id labels and spellings (grouped, dotted, without country code where the label names the
country, without a label in a letterhead), totals qualified by the tax they include or leave out
in six languages, in a box or a band of labels above values, and currencies shown by code, sign,
a dollar of another country, or in words."""

from __future__ import annotations

import pytest

from core.schema import ExtractionSchema
from extraction.engines.offline import OfflineEngine
from extraction.engines.offline.layout import PlacedWord
from extraction.engines.offline.vat_ids import read_vat
from tests.support.field_variants import Variant, draw, truth
from tests.support.invoices import schema_invoice
from tests.support.pages import read_pdf

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")
TOTALS = [("Subtotal", "sub"), ("VAT 20%", "tax"), ("Total", "total")]


def read(v: Variant) -> dict:
    return ENGINE.extract(SCHEMA, read_pdf(draw(v))).result


def compact(s: str | None) -> str | None:
    return s.replace(" ", "") if s else s


VAT_LINES = [
    ("USt-IdNr. DE 123 456 789", "DE123456789"),
    ("UID: ATU12345678", "ATU12345678"),
    ("UID-Nr.: ATU 12345678", "ATU12345678"),
    ("VAT Reg. No.: GB 123 4567 89", "GB123456789"),
    ("VAT: GB123 4567 89", "GB123456789"),
    ("VAT Registration No: 123456789", "GB123456789"),
    ("TVA intracommunautaire : FR 12 345678901", "FR12345678901"),
    ("SIRET : 123 456 789 00012 - TVA : FR12345678901", "FR12345678901"),
    ("P.IVA 01234567890", "IT01234567890"),
    ("C.F. e P.IVA: 01234567890", "IT01234567890"),
    ("C.F./P.IVA 01234567890", "IT01234567890"),
    ("Identificativo fiscale ai fini IVA: IT01234567890", "IT01234567890"),
    ("NIF: B12345678", "ESB12345678"),
    ("CIF: B-12345678", "ESB12345678"),
    ("N.I.F. B-12.345.678", "ESB12345678"),
    ("CIF: B 12345678", "ESB12345678"),
    ("NIF: 12345678Z", "ES12345678Z"),
    ("CVR-nr. 12345678", "DK12345678"),
    ("BTW-nummer: NL123456789B01", "NL123456789B01"),
    ("Btw-nr. NL 1234.56.789.B01", "NL123456789B01"),
    ("BTW BE 0123.456.789", "BE0123456789"),
    ("N° d'entreprise / TVA : BE 0123.456.789", "BE0123456789"),
    ("Ondernemingsnummer 0123.456.789", "BE0123456789"),
    ("MwSt-Nr.: CHE-123.456.789 MWST", "CHE-123.456.789"),
    ("UID: CHE-123.456.789", "CHE-123.456.789"),
    ("ABN 12 345 678 901", "12345678901"),
    ("Steuernummer: 12/345/67890  USt-IdNr.: DE123456789", "DE123456789"),
    ("DE123456789", "DE123456789"),  # no label: under the letterhead's address
    ("CHE-123.456.789 MWST", "CHE-123.456.789"),
]


@pytest.mark.parametrize("place", ["letterhead", "footer", "footer_column"])
@pytest.mark.parametrize(("line", "want"), VAT_LINES)
def test_seller_vat_id_by_label_spelling_and_place(line, want, place):
    kw: dict = {"letterhead_ids": [line]} if place == "letterhead" else \
        {"footer": ["Northwind Components - 12 Harbour Road - Bristol", line]} if place == "footer" else \
        {"footer_columns": [["Northwind Components", "12 Harbour Road"],
                            ["IBAN DE89 3704 0044 0532 0130 00"], [line]]}
    assert compact(read(Variant(totals=TOTALS, **kw))["seller_vat_id"]) == want


@pytest.mark.parametrize(("kw", "want"), [
    ({"letterhead_ids": ["USt-IdNr.: DE123456789"], "buyer_ids": ["USt-IdNr.: DE987654321"]}, "DE123456789"),
    ({"buyer_ids": ["USt-IdNr.: DE987654321"], "footer": ["USt-IdNr.: DE123456789"]}, "DE123456789"),
    ({"buyer_ids": ["DE987654321"], "letterhead_ids": ["DE123456789"]}, "DE123456789"),
    ({"letterhead_ids": ["Tel. 030 1234567  IBAN DE89 3704 0044 0532 0130 00"]}, None),
    ({"letterhead_ids": ["Codice Fiscale: RSSMRA80A01H501U", "Partita IVA: 01234567890"]}, "IT01234567890"),
    ({"letterhead_ids": ["Company No. 01234567 - VAT No. 123 4567 89"]}, "GB123456789"),
    ({"letterhead_ids": ["GST Reg. No. 123-456-789"]}, None),
])
def test_the_sellers_id_not_the_buyers_nor_an_iban_nor_another_number(kw, want):
    assert compact(read(Variant(totals=TOTALS, **kw))["seller_vat_id"]) == want


def _words(*texts: str) -> list[PlacedWord]:
    return [PlacedWord(text=t, x0=10.0 * k, y0=0, x1=10.0 * k + 8, y1=9, page=1) for k, t in enumerate(texts)]


def test_read_vat_groups_and_countries():
    assert read_vat(_words("BE", "0123.456.789"))[0] == "BE0123456789"
    assert read_vat(_words("GB123", "4567", "89", "Company", "No."))[0] == "GB123456789"
    assert read_vat(_words("01234567890"), ["P.IVA"])[0] == "IT01234567890"
    assert read_vat(_words("01234567890")) is None  # no country without a label naming it
    assert read_vat(_words("B12345678"), ["CIF:"])[0] == "ESB12345678"
    assert read_vat(_words("12345678"), ["CIF:"]) is None  # a Spanish id has a letter
    assert read_vat(_words("IBAN", "NL19", "RABO", "0123", "4567", "89")) is None


TOTAL_LABELS = {
    "en": [[("Subtotal", "sub"), ("Sales tax (8%)", "tax"), ("Total", "total")],
           [("Subtotal (ex GST)", "sub"), ("GST", "tax"), ("Total (inc GST)", "total")],
           [("Total ex GST", "sub"), ("GST 10%", "tax"), ("Total inc GST", "total"), ("Amount Due", "due")],
           [("Total excl. VAT", "sub"), ("VAT @ 20%", "tax"), ("Total incl. VAT", "total")],
           [("Subtotal", "sub"), ("VAT", "tax"), ("Total", "total"), ("Balance due", "due")]],
    "de": [[("Nettobetrag", "sub"), ("zzgl. 19 % MwSt.", "tax"), ("Gesamtbetrag", "total")],
           [("Summe exkl. USt.", "sub"), ("20 % USt.", "tax"), ("Gesamtbetrag inkl. USt.", "total")],
           [("Zwischensumme", "sub"), ("MwSt. 19%", "tax"), ("Endbetrag", "total")],
           [("Total exkl. MWST", "sub"), ("MWST 8.1 %", "tax"), ("Total inkl. MWST", "total")]],
    "fr": [[("Total HT", "sub"), ("TVA 20 %", "tax"), ("Total TTC", "total")],
           [("Total HTVA", "sub"), ("TVA 21 %", "tax"), ("Total TVAC", "total")],
           [("Montant hors TVA", "sub"), ("Montant TVA", "tax"), ("Montant TVA comprise", "total")]],
    "es": [[("Base imponible", "sub"), ("IVA 21%", "tax"), ("Total factura", "total")],
           [("Importe neto", "sub"), ("I.V.A. 21%", "tax"), ("Importe total", "total")]],
    "it": [[("Totale imponibile", "sub"), ("Totale imposta", "tax"), ("Totale documento", "total"),
            ("Netto a pagare", "due")],
           [("Imponibile", "sub"), ("IVA 22%", "tax"), ("Totale IVA inclusa", "total")]],
    "nl": [[("Totaal excl. BTW", "sub"), ("BTW 21%", "tax"), ("Te betalen", "total")],
           [("Subtotaal", "sub"), ("21% btw", "tax"), ("Totaal incl. btw", "total")]],
}
STYLE = {"en": ("en", "$", "before"), "de": ("de", "€", "after"), "fr": ("fr", "€", "after"),
         "es": ("de", "EUR", "after"), "it": ("de", "€", "before_space"), "nl": ("de", "€", "before_space")}


@pytest.mark.parametrize("shape", ["right", "box", "band"])
@pytest.mark.parametrize(("lang", "n"), [(lang, n) for lang, sets in TOTAL_LABELS.items() for n in range(len(sets))])
def test_totals_by_label_and_shape(lang, n, shape):
    style, cur, place = STYLE[lang]
    v = Variant(style=style, totals=TOTAL_LABELS[lang][n], totals_shape=shape, currency=cur, place=place)
    r, t = read(v), truth(v, None, "")
    for k in ("subtotal_amount", "tax_amount", "total_amount", "amount_due"):
        assert r[k] == pytest.approx(t[k]), k
    if shape != "band" or (lang, n) == ("fr", 2):
        # the totals' rows end the table ("Montant hors TVA" among them). Not yet: a band whose
        # first label does not end a table ("Subtotal", "Net amount") gives its figures as an item
        assert len(r["line_items"]) == 3


@pytest.mark.parametrize(("kw", "want"), [
    ({"columns": ("Description", "Qty", "Price (EUR)", "Amount (EUR)")}, "EUR"),
    ({"columns": ("Description", "Qty", "Unit price £", "Total £")}, "GBP"),
    ({"currency": "US$", "place": "before"}, "USD"),
    ({"currency": "CA$", "place": "before"}, "CAD"),
    ({"currency": "A$", "place": "before"}, "AUD"),
    ({"currency": "NZ$", "place": "before"}, "NZD"),
    ({"currency": "Fr.", "place": "before_space", "style": "ch"}, "CHF"),
    ({"currency": "CHF", "place": "before_space", "style": "ch"}, "CHF"),
    ({"currency": "kr", "place": "after", "style": "fr"}, "SEK"),
    ({"currency": "zł", "place": "after", "style": "fr"}, "PLN"),
    ({"currency": "Kč", "place": "after", "style": "fr"}, "CZK"),
    ({"currency": "EUR", "place": "after", "style": "de", "total_only_currency": True}, "EUR"),
    ({"notes": ["All amounts are in euros."]}, "EUR"),
    ({"notes": ["Alle Preise in Schweizer Franken."], "style": "ch"}, "CHF"),
    ({"currency": "$", "place": "before"}, "USD"),
    ({"currency": "$", "place": "before", "title": "TAX INVOICE",
      "address": ["Level 4, 88 George Street", "Sydney NSW 2000", "ABN 12 345 678 901"]}, "AUD"),
    ({"currency": "$", "place": "before", "address": ["200 Bay Street", "Toronto, Ontario M5J 2J2", "Canada"]}, "CAD"),
    ({"currency": "$", "place": "before", "item_currency": "$", "item_place": "before",
      "notes": ["All prices in AUD."]}, "AUD"),
    ({"meta": [("Invoice No.", "INV-2041"), ("Date", "14/03/2025"), ("Currency", "Australian Dollar")]}, "AUD"),
    ({"notes": ["Amounts in Swiss francs."], "style": "ch"}, "CHF"),
])
def test_currency_by_code_sign_country_or_words(kw, want):
    r = read(Variant(totals=TOTALS, **kw))
    assert r["currency"] == want
    assert r["total_amount"] == pytest.approx(713.4)


def test_the_buyers_labelled_id_is_not_the_sellers_when_its_label_opens_with_a_sign():
    # "N° TVA" under the client's name: the label's word "TVA" starts right of the block's edge
    v = Variant(style="fr", buyer_heading="Client", buyer=["Lefèvre Ingénierie SARL", "45 boulevard Victor Hugo",
                                                           "59000 Lille"], buyer_ids=["N° TVA FR41092469670"],
                totals=[("Total HT", "sub"), ("TVA 20 %", "tax"), ("Total TTC", "total")], currency="€", place="after")
    assert read(v)["seller_vat_id"] is None


# an Italian e-invoice as its usual print shows it: both parties side by side under their
# headings with "Denominazione:" and "Identificativo fiscale ai fini IVA:", the type code TD01 /
# TD04 in the header grid, and figures without any currency
IT_PRINT = [
    [(40, "Cedente/prestatore (fornitore)", 10), (310, "Cessionario/committente (cliente)", 10)],
    [(40, "Identificativo fiscale ai fini IVA: IT01234567890"), (310, "Identificativo fiscale ai fini IVA: IT09876543210")],
    [(40, "Codice fiscale: 01234567890"), (310, "Codice fiscale: 09876543210")],
    [(40, "Denominazione: Rossi Forniture S.r.l."), (310, "Denominazione: Bianchi Costruzioni S.p.A.")],
    [(40, "Indirizzo: Via Milano 5"), (310, "Indirizzo: Via Roma 10")],
    [(40, "Cap: 20121 Nazione: IT"), (310, "Cap: 10121 Nazione: IT")],
    [],
    [(40, "Tipologia documento"), (200, "Numero documento"), (300, "Data documento"), (400, "Codice destinatario")],
    [(40, "TD01 fattura"), (200, "2025/123"), (300, "14-03-2025"), (400, "ABC1234")],
    [],
    [(40, "Descrizione"), (260, "Quantità"), (310, "Prezzo unitario"), (470, "%IVA"), (510, "Prezzo totale")],
    [(40, "Pompa idraulica"), (270, "2,00"), (320, "120,00"), (470, "22,00"), (515, "240,00")],
    [(40, "Manometro"), (270, "3,00"), (320, "118,17"), (470, "22,00"), (515, "354,50")],
    [],
    [(40, "Totale imponibile"), (150, "Totale imposta"), (300, "Totale documento")],
    [(40, "594,50"), (150, "130,79"), (300, "725,29")],
]


@pytest.mark.parametrize(("cell", "code"), [("TD01 fattura", "380"), ("TD04 nota di credito", "381")])
def test_an_italian_e_invoice_print_parties_side_by_side_type_code_and_no_currency(cell, code):
    from extraction.pages import DocumentText
    from tests.support.pages import phrase_page

    rows = [[(40, cell), *row[1:]] if row and row[0][1] == "TD01 fattura" else row for row in IT_PRINT]
    r = ENGINE.extract(SCHEMA, DocumentText(pages=[phrase_page(rows)])).result
    assert (r["seller_name"], r["buyer_name"]) == ("Rossi Forniture S.r.l.", "Bianchi Costruzioni S.p.A.")
    assert r["seller_vat_id"] == "IT01234567890"
    assert r["document_type_code"] == code
    assert r["currency"] == "EUR"  # printed nowhere: the seller's country's
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (594.5, 130.79, 725.29)


def test_no_currency_printed_is_the_sellers_countrys_only_when_its_id_or_iban_names_it():
    assert read(Variant(totals=TOTALS, letterhead_ids=["VAT No. GB123456789"]))["currency"] == "GBP"
    assert read(Variant(totals=TOTALS, footer=["IBAN CH93 0076 2011 6238 5295 7"]))["currency"] == "CHF"
    assert read(Variant(totals=TOTALS))["currency"] is None


@pytest.mark.parametrize("label", ["Pedido nº", "Nº pedido", "Su pedido", "PO #", "Vs. ordine n.", "Uw ordernummer"])
def test_order_number_labels(label):
    r = read(Variant(totals=TOTALS, meta=[("Invoice No.", "INV-2041"), ("Date", "14/03/2025"), (label, "PO-88231")]))
    assert (r["purchase_order_number"], r["invoice_number"]) == ("PO-88231", "INV-2041")
