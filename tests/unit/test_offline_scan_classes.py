"""The offline engine on what OCR does to an invoice (evals/holdout/FINDINGS.md, S4-S7), each on a
small page of OCR words written for the test: VAT ids never an IBAN group and mended by their
national format, totals never a fragment, a rate or a year, the amount due after a deposit, and a
party's name never a label, a country or an unreadable logo."""

from __future__ import annotations

from core.schema import ExtractionSchema
from extraction.engines.offline import OfflineEngine
from extraction.engines.offline.layout import PlacedWord
from extraction.engines.offline.value_words import money_amounts
from extraction.engines.offline.vat_ids import mend_vat
from extraction.pages import DocumentText, PageText, Word
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def read(*pages):
    return ENGINE.extract(SCHEMA, DocumentText(pages=list(pages)))


def ocr(lines: list[list[tuple]], conf: float = 0.92):
    return phrase_page(lines, conf=conf)


def test_s4_vat_id_beside_an_iban_and_an_ocr_slip_mended_by_its_national_format():
    page = ocr([
        [(40, "Totaal incl. BTW"), (510, "€ 4.872,65")],
        [(116, "Polder Adviesbureau B.V. - KvK 25431847 - BTW NLB40338186B01 : IBAN NL19 ABNA 1259 2482 15")],
    ])
    assert read(page).result["seller_vat_id"] == "NL840338186B01"
    # a tax-number label whose value is followed by an IBAN: the IBAN's first group is no VAT id
    german = ocr([
        [(330, "Gesamtbetrag"), (492, "1.725,00 €")],
        [(311, "Steuernummer: 190/743/73028"), (436, "IBAN: DE60 7296 1530 2454 6586 03")],
    ])
    assert read(german).result["seller_vat_id"] is None


def test_s4_national_formats_mend_look_alike_characters_and_keep_grouped_ids():
    assert mend_vat("DEO43000872") == "DE043000872"
    assert mend_vat("DEB26738099") == "DE826738099"
    assert mend_vat("NL612421979801") == "NL612421979B01"
    assert mend_vat("GB 889 4374 38") == "GB 889 4374 38"  # fits: printed as it is
    assert mend_vat("DE12345") == "DE12345"  # no format fits: left as read
    page = ocr([[(442, "VAT Reg No. GB 644 1535 70")], [(380, "Invoice total"), (515, "£1,415.76")]])
    assert read(page).result["seller_vat_id"].replace(" ", "") == "GB644153570"


def _words(row: list[tuple[float, str]], y: float = 300, h: float = 7.0, conf: float = 0.9) -> list[Word]:
    return [Word(text=t, x0=x, y0=y, x1=x + 0.55 * h * len(t), y1=y + h, conf=conf) for x, t in row]


def test_s5_digit_groups_ocr_set_apart_are_one_amount_never_a_fragment():
    # "8 391,48" with a gap of 0.6 word heights (a thin space as OCR boxes it)
    rows = [
        _words([(398, "Total"), (420, "HT"), (510, "41"), (521.9, "957,40"), (556, "€")], y=280),
        _words([(398, "Total"), (420, "TVA"), (516, "8"), (524.0, "391,48"), (556, "€")], y=300),
        _words([(398, "Total"), (420, "TTC"), (510, "50"), (521.9, "348,88"), (556, "€")], y=320),
    ]
    page = PageText(number=1, width=595, height=842, words=[w for r in rows for w in r], source="ocr")
    r = read(page).result
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (41957.40, 8391.48, 50348.88)


def test_s5_a_year_after_a_month_is_no_amount():
    ws = [PlacedWord(t, x, 0, x + 30, 10, 1) for x, t in [(0, "March"), (40, "2025"), (80, "1,200.00")]]
    assert [v for v, _ in money_amounts(ws, "en", ".")] == [1200.0]
    ws = [PlacedWord(t, x, 0, x + 30, 10, 1) for x, t in [(0, "March"), (40, "2025")]]
    assert money_amounts(ws, "en", ".") == []


def test_s5_a_misread_tax_is_total_less_net_where_the_printed_rate_says_so():
    page = ocr([
        [(361, "Totaal excl. BTW"), (511, "€ 8.171,01")],
        [(361, "BTW 21%"), (511, "54531")],
        [(361, "Totaal incl. BTW"), (511, "€ 9.886,92")],
        [(108, "Timmerwerken de Boer B.V. - KVK 33444172 - BTW NL082953479B01 - IBAN NL17 RABO 4149 2737 80")],
    ])
    res = read(page)
    assert res.result["tax_amount"] == 1715.91
    assert res.evidence["tax_amount"]["derived"] == 1.0
    # the rate read apart from its line's amount is never the amount itself
    rate_only = ocr([
        [(330, "Nettobetrag"), (493, "1.000,00 €")],
        [(330, "MwSt. 19 %"), (497, "19")],
        [(330, "Gesamtbetrag"), (492, "1.190,00 €")],
    ])
    assert read(rate_only).result["tax_amount"] == 190.0


def test_s5_a_value_ocr_set_half_a_line_off_its_label():
    rows = [
        _words([(408, "Subtotal"), (535, "$6,839.41")], y=492),
        _words([(50, "Please"), (80, "make"), (110, "checks")], y=506) + _words([(541, "$410.36")], y=504, h=15),
        _words([(408, "Sales"), (432, "Tax"), (452, "(6%)")], y=509.5),
        _words([(408, "Total"), (535, "$7,249.77")], y=523),
    ]
    page = PageText(number=1, width=612, height=792, words=[w for r in rows for w in r], source="ocr")
    assert read(page).result["tax_amount"] == 410.36


def test_s6_the_amount_due_after_a_deposit_when_no_line_prints_it():
    page = ocr([
        [(398, "Total HT net"), (511, "61 053,10 €")],
        [(398, "TVA 20 %"), (511, "12 210,62 €")],
        [(398, "Total TTC"), (511, "73 263,72 €")],
        [(398, "Acompte versé"), (520, "-500,00 €")],
    ])
    res = read(page)
    assert (res.result["total_amount"], res.result["amount_due"]) == (73263.72, 72763.72)
    assert res.evidence["amount_due"]["derived"] == 1.0


def test_s7_a_seller_name_is_never_a_label_a_country_or_an_unreadable_logo():
    page = phrase_page([
        [(38, "a", 20), (212, "FACTURE", 20)],
        [(38, "175 bis boulevard des Artisans")],
        [(38, "76773 Rennes")],
        [(38, "France")],
        [(210, "Date de livraison"), (302, "18/12/2023")],
        [(210, "Date d'émission"), (302, "02/01/2024")],
        [(395, "Total TTC"), (507, "120,00 €")],
    ], conf=0.4)
    assert read(page).result["seller_name"] is None
    assert read(ocr([[(40, "Frau")], [(40, "Musterstraße 1")], [(40, "12345 Berlin")],
                     [(330, "Gesamtbetrag"), (492, "119,00 €")]])).result["seller_name"] is None


def test_s7_a_misread_party_heading_still_opens_the_buyers_section():
    page = ocr([
        [(40, "Acme Supply Group LLC", 16)],
        [(40, "1200 Commerce Blvd")],
        [(40, "Austin, TX 78701")],
        [],
        [(40, "Bi TO"), (400, "Invoice Number:"), (500, "INV-01705")],
        [(40, "Hannah Nguyen")],
        [(40, "248 Maple Road")],
        [(433, "Total:"), (500, "$346.40")],
    ], conf=0.75)
    assert read(page).result["buyer_name"] == "Hannah Nguyen"


def test_credit_note_whose_title_was_not_read_keeps_its_amounts_positive():
    page = ocr([
        [(360, "Totaal excl. BTW"), (515, "-€ 7.375,00")],
        [(360, "BTW 21%"), (520, "-€ 1.548,75")],
    ])
    r = read(page).result
    assert (r["subtotal_amount"], r["tax_amount"]) == (7375.0, 1548.75)


def test_a_totals_label_in_a_later_cell_ends_the_items():
    page = phrase_page([
        [(174, "DESCRIPTION"), (533, "AMOUNT")],
        [(174, "Brake pads"), (535, "100.00")],
        [(40, "Thank you for your business."), (398, "Subtotal"), (521, "$100.00")],
        [(40, "Please make checks payable to Acme."), (398, "Sales Tax (7%)"), (533, "$7.00")],
        [(398, "Total"), (521, "$107.00")],
    ])
    r = read(page).result
    assert len(r["line_items"]) == 1
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (100.0, 7.0, 107.0)
