"""The offline engine on the failure classes an independent generator found (evals/holdout/FINDINGS.md,
T1-T8), each on a small page written for the test, as a reader of invoices anywhere would name it:
a remittance slip, names wrapped before their legal form, tax printed per rate with a total, an id
in a sentence, tables across pages, credit notes, empty cells and a letterhead without a legal form."""

from __future__ import annotations

from core.schema import ExtractionSchema
from extraction.engines.offline import OfflineEngine
from extraction.pages import DocumentText
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def read(*pages):
    return ENGINE.extract(SCHEMA, DocumentText(pages=list(pages)))


def test_t1_a_remittance_slip_names_the_payer_not_the_seller():
    # the slip at the foot is filled in by the customer: its "From:" block is the buyer's
    page = phrase_page([
        [(40, "INVOICE", 14), (390, "Kestrel Ridge IT Services Ltd")],
        [(447, "Unit 11, Maple Business Park")],
        [(534, "Leeds")],
        [(522, "LS9 3AP")],
        [],
        [(40, "Invoice to:"), (340, "Invoice No:"), (435, "INV-01837")],
        [(40, "Ashford Web Design Ltd"), (340, "Date:"), (435, "26 March 2024")],
        [(40, "86 Church Lane")],
        [(40, "Bristol BS6 7JJ")],
        [],
        [(44, "Description"), (323, "Qty"), (382, "Unit price"), (539, "Net")],
        [(44, "Replace water heater, labor"), (332, "1"), (391, "405.00"), (526, "405.00")],
        [(380, "Net total"), (522, "£405.00")],
        [(380, "VAT @ 20%"), (528, "£81.00")],
        [(380, "Invoice total"), (522, "£486.00")],
    ] + [[]] * 14 + [
        [(219, "Please detach and return this slip with your payment")],
        [(40, "REMITTANCE ADVICE", 13)],
        [(40, "From:"), (330, "Invoice No:"), (430, "INV-01837")],
        [(40, "Ashford Web Design Ltd"), (330, "Amount due:"), (430, "£486.00")],
        [(40, "86 Church Lane")],
        [(40, "Bristol BS6 7JJ")],
    ])
    r = read(page).result
    assert r["seller_name"] == "Kestrel Ridge IT Services Ltd"
    assert r["buyer_name"] == "Ashford Web Design Ltd"
    assert (r["invoice_number"], r["amount_due"]) == ("INV-01837", 486.0)


def test_t2_a_name_wrapped_before_its_legal_form_is_read_whole():
    page = phrase_page([
        [(18, "Perrin & Rousseau", 14), (190, "FACTURE", 14)],
        [(18, "SARL", 14)],
        [(190, "N° F2024-9151", 12)],
        [(18, "133 rue Pasteur")],
        [(18, "18170 Rennes"), (190, "Date d'émission :"), (282, "22/12/2024")],
        [(18, "France"), (190, "Total TTC"), (282, "120,00 €")],
    ])
    assert read(page).result["seller_name"] == "Perrin & Rousseau SARL"


def test_t3_the_printed_tax_total_wins_over_one_rates_line():
    page = phrase_page([
        [(57, "Rechnung Nr."), (160, "RE-2025-001")],
        [(330, "Nettobetrag"), (493, "1.500,00 €")],
        [(330, "zzgl. 19 % USt. auf 1.000,00 €"), (497, "190,00 €")],
        [(330, "zzgl. 7 % USt. auf 500,00 €"), (505, "35,00 €")],
        [(330, "Umsatzsteuer gesamt"), (497, "225,00 €")],
        [(330, "Gesamtbetrag"), (492, "1.725,00 €")],
    ])
    res = read(page)
    assert (res.result["subtotal_amount"], res.result["tax_amount"], res.result["total_amount"]) == (
        1500.0, 225.0, 1725.0)
    assert res.evidence["tax_amount"]["agree"] == 1.0  # subtotal + tax = total


def test_t3_rates_printed_before_their_label_add_up_without_a_tax_total():
    page = phrase_page([
        [(57, "Rechnung Nr."), (160, "RE-2025-002")],
        [(330, "Nettobetrag"), (493, "1.500,00 €")],
        [(330, "zzgl. 19 % USt."), (497, "190,00 €")],
        [(330, "zzgl. 7 % USt."), (505, "35,00 €")],
        [(330, "Gesamtbetrag"), (492, "1.725,00 €")],
    ])
    assert read(page).result["tax_amount"] == 225.0


def test_t4_the_id_under_its_label_beats_the_one_in_a_sentence_without_its_full_stop():
    page = phrase_page([
        [(40, "FACTUUR", 20)],
        [(44, "Factuurnummer"), (147, "Factuurdatum"), (250, "Klantnummer")],
        [(44, "20256094"), (147, "22-04-2025"), (250, "C80068")],
        [],
        [(360, "Totaal incl. BTW"), (510, "€ 4.872,65")],
        [(40, "Wij verzoeken u het bedrag over te maken onder vermelding van het factuurnummer 20256095.")],
    ])
    res = read(page)
    assert res.result["invoice_number"] == "20256094"
    only_prose = phrase_page([
        [(360, "Totaal incl. BTW"), (510, "€ 4.872,65")],
        [(40, "Graag betalen onder vermelding van het factuurnummer 20256095.")],
    ])
    assert read(only_prose).result["invoice_number"] == "20256095"  # no sentence's full stop


TABLE_HEAD = [(65, "QTY"), (174, "DESCRIPTION"), (461, "RATE"), (533, "AMOUNT")]


def _rows(n: int, start: int = 0) -> list[list[tuple]]:
    return [[(76, "1"), (174, f"Service item {start + k}"), (457, f"{10 + k}.00"), (535, f"{10 + k}.00")]
            for k in range(n)]


def test_t5_a_page_footer_that_looks_like_a_header_ends_the_page_not_the_table():
    footer = [[(44, "Phone #"), (164, "Fax #"), (274, "E-mail"), (434, "Web Site")],
              [(44, "(846) 726-1796"), (274, "info@example.com")]]
    p1 = phrase_page([[(40, "Invoice #"), (120, "78084")], [], TABLE_HEAD, *_rows(20), *[[]] * 26,
                      [(548, "Page 1")], *footer])
    p2 = phrase_page([[(40, "Invoice 78084 (continued)")], [], TABLE_HEAD, *_rows(5, 20), [],
                      [(398, "Subtotal"), (521, "$545.00")], [(398, "Total"), (521, "$545.00")], *footer],
                     number=2)
    items = read(p1, p2).result["line_items"]
    assert len(items) == 25 and items[-1]["description"] == "Service item 24"


def test_t5_a_sidebars_value_level_with_the_table_header_does_not_hide_it():
    page = phrase_page([
        [(18, "Code APE 94.30C"), (194, "Désignation"), (338, "Qté"), (427, "PU HT"), (519, "Total HT")],
        [(194, "Formation bureautique"), (346, "8"), (418, "505,00 €"), (511, "4 040,00 €")],
        [(18, "SIRET"), (194, "Déplacement"), (346, "1"), (423, "40,00 €"), (523, "40,00 €")],
        [(395, "Total HT"), (507, "4 080,00 €")],
    ])
    items = read(page).result["line_items"]
    assert [(it["description"], it["amount"]) for it in items] == [
        ("Formation bureautique", 4040.0), ("Déplacement", 40.0)]


def test_t6_credit_note_number_label_and_the_corrected_invoices_number():
    page = phrase_page([
        [(40, "Pennine Web Design Co."), (439, "Credit Memo")],
        [(40, "119 Maple Street"), (396, "DATE"), (486, "CREDIT NO.")],
        [(40, "(367) 375-3637"), (396, "1/31/2026"), (486, "8709")],
        [],
        [(340, "Original invoice:"), (435, "INV-04293")],
        [(398, "Total Credit"), (521, "$120.00")],
        [],
        [(44, "Phone #"), (164, "Fax #")],
        [(44, "(367) 375-3637")],
    ])
    assert read(page).result["invoice_number"] == "8709"
    fr = phrase_page([
        [(190, "AVOIR", 14)],
        [(190, "N° F2024-9151", 12)],
        [(190, "Facture d'origine :"), (282, "F2024-9139 du 15/12/2024")],
        [(395, "Total TTC"), (507, "120,00 €")],
    ])
    assert read(fr).result["invoice_number"] == "F2024-9151"


def test_t6_a_two_row_credit_note_table_with_signs_printed_apart():
    page = phrase_page([
        [(40, "CREDITNOTA", 20)],
        [(44, "Omschrijving"), (312, "Aantal"), (399, "Prijs"), (523, "Bedrag")],
        [(44, "Voorrijkosten"), (331, "1"), (388, "€ 27,03"), (520, "-€ 27,03")],
        [(44, "Afvoer en stortkosten"), (331, "1"), (383, "€ 145,00"), (515, "-€ 145,00")],
        [(360, "Totaal excl. BTW"), (515, "-€ 172,03")],
        [(360, "BTW 21%"), (520, "-€ 36,13")],
        [(360, "Totaal incl. BTW"), (515, "-€ 208,16")],
    ])
    r = read(page).result
    assert [(it["description"], it["amount"]) for it in r["line_items"]] == [
        ("Voorrijkosten", 27.03), ("Afvoer en stortkosten", 145.0)]
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (172.03, 36.13, 208.16)


def test_t7_an_empty_grid_cell_and_an_items_words_fill_no_field():
    page = phrase_page([
        [(44, "P.O. NUMBER"), (144, "TERMS"), (224, "DUE DATE")],
        [(144, "Net 30"), (224, "7/5/2024")],
        [],
        [(65, "QTY"), (174, "DESCRIPTION"), (461, "RATE"), (533, "AMOUNT")],
        [(72, "12"), (174, "Laptop setup, per signed work order"), (457, "202.46"), (535, "2,429.52")],
        [(398, "Total"), (526, "$2,429.52")],
    ])
    r = read(page).result
    assert r["purchase_order_number"] is None
    assert len(r["line_items"]) == 1 and r["due_date"] == "2024-07-05"
    # outside any table: a generic word ("order") takes no figure from a column far right of it
    loose = phrase_page([
        [(163, "per"), (207, "work order"), (377, "9.25"), (447, "$80.00")],
        [(398, "Total"), (447, "$740.00")],
    ])
    assert read(loose).result["purchase_order_number"] is None


def _flush_right(x1: float, phrase: str, size: float = 9.0) -> float:
    """The left edge that sets a phrase flush right at x1 (phrase_page's word widths)."""
    toks = phrase.split()
    return x1 - sum(0.5 * size * len(t) for t in toks) - 0.3 * size * (len(toks) - 1)


def test_t8_a_letterhead_name_without_a_legal_form_in_large_type():
    page = phrase_page([
        [(40, "INVOICE", 19), (_flush_right(560, "Lindqvist Landscaping", 19), "Lindqvist Landscaping", 19)],
        [(_flush_right(560, "44 Maple Street"), "44 Maple Street")],
        [(_flush_right(560, "Denver, CO 89060"), "Denver, CO 89060")],
        [],
        [(40, "BILL TO"), (393, "Invoice Number:"), (500, "INV-09197")],
        [(40, "Hannah Sullivan"), (407, "Invoice Date:"), (500, "Aug 19, 2026")],
        [(40, "248 Maple Road")],
        [(40, "Austin, TX 73519")],
        [],
        [(433, "Total:"), (500, "$346.40")],
    ])
    r = read(page).result
    assert (r["seller_name"], r["buyer_name"]) == ("Lindqvist Landscaping", "Hannah Sullivan")
    # no address block under it: the largest type at the top still names the seller
    alone = phrase_page([
        [(40, "Lindqvist Landscaping", 20), (420, "INVOICE", 14)],
        [(40, "www.lindqvist.example")],
        [],
        [(40, "BILL TO"), (393, "Invoice Number:"), (500, "INV-09197")],
        [(40, "Hannah Sullivan")],
        [(40, "248 Maple Road")],
        [(40, "Austin, TX 73519")],
        [(433, "Total:"), (500, "$346.40")],
    ])
    r = read(alone).result
    assert (r["seller_name"], r["buyer_name"]) == ("Lindqvist Landscaping", "Hannah Sullivan")
