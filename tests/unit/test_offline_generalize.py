"""The offline engine on layouts it was not tuned on, one failure class of issue 13 per test:
party blocks by heading and geometry, day/month order, month names, the date next to its label,
amounts chosen by arithmetic, table columns in six languages, and the evidence per value."""

from __future__ import annotations

import pytest

from core.schema import ExtractionSchema
from extraction.engines.offline import OfflineEngine
from extraction.pages import DocumentText
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page, rotated

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def read(*pages, schema: ExtractionSchema = SCHEMA):
    return ENGINE.extract(schema, DocumentText(pages=list(pages)))


US_TEMPLATE = [
    [(40, "Acme Industrial Supply Group LLC", 16)],
    [(40, "1200 Commerce Blvd, Suite 400")],
    [(40, "Austin, TX 78701")],
    [(40, "Phone: (512) 555-0100")],
    [(420, "INVOICE", 20)],
    [],
    [(40, "BILL TO"), (220, "SHIP TO"), (400, "INVOICE #"), (490, "US-1042")],
    [(40, "Riverside Dental Clinic"), (220, "Riverside Dental Clinic"), (400, "INVOICE DATE"), (490, "04/05/2025")],
    [(40, "55 Elm Street"), (220, "77 Oak Road"), (400, "P.O.#"), (490, "2312/2019")],
    [(40, "Springfield, IL 62701"), (220, "Springfield, IL 62704"), (400, "DUE DATE"), (490, "05/20/2025")],
    [],
    [(40, "QTY"), (90, "DESCRIPTION"), (380, "UNIT PRICE"), (490, "AMOUNT")],
    [(40, "1"), (90, "Front and rear brake cables"), (380, "100.00"), (490, "100.00")],
    [(40, "2"), (90, "New set of pedal arms"), (380, "15.00"), (490, "30.00")],
    [(40, "3"), (90, "Labor 3hrs"), (380, "5.00"), (490, "15.00")],
    [],
    [(380, "Subtotal"), (490, "145.00")],
    [(380, "Sales Tax 6.25%"), (490, "9.06")],
    [(380, "TOTAL"), (490, "$154.06")],
    [],
    [(40, "Terms & Conditions")],
    [(40, "Payment is due within 45 days")],
]


def test_us_template_party_blocks_month_first_dates_and_items():
    res = read(phrase_page(US_TEMPLATE))
    r = res.result
    assert r["seller_name"] == "Acme Industrial Supply Group LLC"
    assert r["buyer_name"] == "Riverside Dental Clinic"
    assert r["issue_date"] == "2025-04-05"  # month first: a US layout, and due after issue
    assert r["due_date"] == "2025-05-20"
    assert r["invoice_number"] == "US-1042"
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (145.0, 9.06, 154.06)
    assert r["currency"] == "USD"
    assert [it["description"] for it in r["line_items"]] == [
        "Front and rear brake cables", "New set of pedal arms", "Labor 3hrs"]
    assert [it["amount"] for it in r["line_items"]] == [100.0, 30.0, 15.0]


def test_ambiguous_dates_follow_the_unambiguous_ones_on_the_page():
    # both dates read either way; a third date on the page (day 25 in second place) says month first
    page = phrase_page([
        [(40, "Invoice Date:"), (160, "03/04/2025")],
        [(40, "Due Date:"), (160, "04/03/2025")],
        [(40, "Ship Date:"), (160, "03/25/2025")],
        [(40, "Total"), (160, "10.00")],
    ])
    r = read(page).result
    assert (r["issue_date"], r["due_date"]) == ("2025-03-04", "2025-04-03")


def test_due_date_after_issue_date_decides_the_order():
    # dollars say month first, but October 2 to January 3 runs backwards: day first it is
    page = phrase_page([
        [(40, "Invoice date"), (160, "10/02/2025")],
        [(40, "Due date"), (160, "01/03/2025")],
        [(40, "Total"), (160, "$10.00")],
    ])
    r = read(page).result
    assert (r["issue_date"], r["due_date"]) == ("2025-02-10", "2025-03-01")


def test_french_dates_are_day_first():
    page = phrase_page([
        [(40, "FACTURE", 16)],
        [(40, "Date de facture :"), (200, "03/11/2017")],
        [(40, "Montant TTC"), (200, "120,00 €")],
    ])
    assert read(page).result["issue_date"] == "2017-11-03"


@pytest.mark.parametrize("printed, iso", [
    ("March 14, 2025", "2025-03-14"),
    ("March 5th, 2026", "2026-03-05"),
    ("5. März 2025", "2025-03-05"),
    ("14 mars 2025", "2025-03-14"),
    ("1er avril 2024", "2024-04-01"),
    ("14 de marzo de 2025", "2025-03-14"),
    ("14 marzo 2025", "2025-03-14"),
    ("14 maart 2025", "2025-03-14"),
    ("Mar 14 2025", "2025-03-14"),
    ("14-Mar-2025", "2025-03-14"),
    ("14. Mrz. 2025", "2025-03-14"),
    ("2 okt. 2025", "2025-10-02"),
])
def test_month_name_dates(printed, iso):
    page = phrase_page([[(40, "Invoice Date:"), (160, printed)], [(40, "Total"), (160, "10.00")]])
    assert read(page).result["issue_date"] == iso


def test_invoice_date_label_beats_footer_version_line():
    page = phrase_page([
        [(40, "Rechnung", 16)],
        [(40, "Rechnungsnummer"), (200, "R-77")],
        [(40, "Rechnungsdatum"), (200, "12.03.2025")],
        [(40, "Gesamtbetrag"), (200, "119,00 EUR")],
    ] + [[]] * 30 + [
        [(40, "Formular Version 2.3 vom 10.11.2025 - Seite 1 von 1", 7)],
    ])
    assert read(page).result["issue_date"] == "2025-03-12"


def test_buyer_block_first_and_seller_in_footer():
    page = phrase_page([
        [(40, "Nordlicht Handel GmbH - Am Hafen 3 - 20457 Hamburg", 6)],
        [(40, "Bäckerei Sonnenschein")],
        [(40, "Inh. Maria Weber")],
        [(40, "Lindenweg 22")],
        [(40, "10115 Berlin")],
        [],
        [(40, "Rechnung", 14), (380, "Rechnungsnr.:"), (470, "2025-118")],
        [(380, "Datum:"), (470, "05.03.2025")],
        [],
        [(40, "Pos."), (80, "Bezeichnung"), (300, "Menge"), (370, "Einzelpreis"), (470, "Gesamt")],
        [(40, "1"), (80, "Mehl Type 550, 25 kg"), (300, "4"), (370, "18,50"), (470, "74,00")],
        [(300, "Nettobetrag"), (470, "74,00")],
        [(300, "MwSt. 7 %"), (470, "5,18")],
        [(300, "Gesamtbetrag"), (470, "79,18 €")],
    ] + [[]] * 20 + [
        [(40, "Nordlicht Handel GmbH | Am Hafen 3 | 20457 Hamburg | USt-IdNr. DE811234567", 7)],
    ])
    r = read(page).result
    assert r["seller_name"] == "Nordlicht Handel GmbH"
    assert r["buyer_name"] == "Bäckerei Sonnenschein"
    assert r["seller_vat_id"] == "DE811234567"
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (74.0, 5.18, 79.18)


@pytest.mark.parametrize("heading", [
    "Adresse de facturation", "Facturé à", "Rechnungsempfänger", "Cliente", "Destinatario",
    "Klant", "Factuuradres", "Sold to", "Bill to:", "Customer",
])
def test_buyer_under_a_heading_in_many_languages(heading):
    page = phrase_page([
        [(40, "Harbor Lights Trading Company Ltd", 14)],
        [(40, "12 High Street")],
        [(40, "London EC1A 1BB")],
        [],
        [(40, heading)],
        [(40, "Meridian Logistics Group SA")],
        [(40, "8 rue de la Paix")],
        [(40, "75002 Paris")],
        [],
        [(40, "Total"), (300, "100.00")],
    ])
    r = read(page).result
    assert r["buyer_name"] == "Meridian Logistics Group SA"
    assert r["seller_name"] == "Harbor Lights Trading Company Ltd"


def test_seller_heading_is_never_the_name_and_wrapped_names_stay_whole():
    page = phrase_page([
        [(40, "From"), (300, "Bill To")],
        [(40, "Acme Industrial Supply"), (300, "Firma")],
        [(40, "Group LLC"), (300, "Oakwood Primary School")],
        [(40, "1200 Commerce Blvd"), (300, "9 School Lane")],
        [(40, "Austin, TX 78701"), (300, "Dayton, OH 45402")],
        [],
        [(40, "Total"), (300, "$100.00")],
    ])
    r = read(page).result
    assert r["seller_name"] == "Acme Industrial Supply Group LLC"
    assert r["buyer_name"] == "Oakwood Primary School"


def test_buyer_is_the_second_address_block_when_no_heading_names_it():
    page = phrase_page([
        [(40, "Harbor Lights Trading Company Ltd", 14), (400, "INVOICE", 16)],
        [(40, "12 High Street")],
        [(40, "London EC1A 1BB")],
        [],
        [(40, "Meridian Logistics Group SA"), (380, "Invoice No:"), (460, "HL-88")],
        [(40, "8 rue de la Paix"), (380, "Date:"), (460, "02/03/2025")],
        [(40, "75002 Paris")],
        [],
        [(300, "Total"), (460, "£100.00")],
    ])
    r = read(page).result
    assert r["seller_name"] == "Harbor Lights Trading Company Ltd"
    assert r["buyer_name"] == "Meridian Logistics Group SA"
    assert r["issue_date"] == "2025-03-02"  # pounds: day first


def test_amounts_chosen_by_arithmetic_and_impossible_combinations_refused():
    # the tax line prints the rate basis first; the only consistent reading is 200 + 38 = 238
    page = phrase_page([
        [(40, "Invoice No"), (200, "A-1")],
        [(300, "Subtotal"), (470, "200.00")],
        [(300, "VAT 19% on 200.00"), (470, "38.00")],
        [(300, "Total"), (470, "238.00")],
        [],
        [(40, "Total paid with card ending 4411 on 2025-02-01:"), (470, "238.00")],
    ])
    r = read(page).result
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (200.0, 38.0, 238.0)


def test_tax_larger_than_total_is_refused():
    page = phrase_page([
        [(300, "Net amount"), (470, "50.00")],
        [(300, "Tax"), (470, "5012.00")],
        [(300, "Tax"), (470, "10.00")],
        [(300, "Total"), (470, "60.00")],
    ])
    r = read(page).result
    assert r["tax_amount"] == 10.0 and r["total_amount"] == 60.0


def test_total_equal_to_tax_is_refused():
    page = phrase_page([
        [(300, "Subtotal"), (470, "100.00")],
        [(300, "Total VAT"), (470, "20.00")],
        [(300, "Total"), (470, "20.00")],
        [(300, "Total"), (470, "120.00")],
    ])
    r = read(page).result
    assert (r["tax_amount"], r["total_amount"]) == (20.0, 120.0)


def test_credit_note_amounts_are_positive():
    page = phrase_page([
        [(40, "CREDIT NOTE", 16)],
        [(40, "Credit Note No"), (200, "CN-7")],
        [(40, "Description"), (250, "Qty"), (330, "Unit Price"), (470, "Amount")],
        [(40, "Returned chair"), (250, "1"), (330, "-80.00"), (470, "-80.00")],
        [(300, "Subtotal"), (470, "-80.00")],
        [(300, "VAT 20%"), (470, "-16.00")],
        [(300, "Total"), (470, "-96.00")],
    ])
    r = read(page).result
    assert r["document_type_code"] == "381"
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (80.0, 16.0, 96.0)
    assert r["line_items"][0]["amount"] == 80.0 and r["line_items"][0]["unit_price"] == 80.0


@pytest.mark.parametrize("cols", [
    ["Descripción", "Cantidad", "Precio unitario", "Importe"],
    ["Descrizione", "Quantità", "Prezzo unitario", "Importo"],
    ["Omschrijving", "Aantal", "Prijs", "Bedrag excl. BTW"],
    ["Désignation", "Qté", "P.U. HT", "Total HT"],
    ["Bezeichnung", "Menge", "Einzelpreis", "Betrag netto"],
    ["Item", "Hours", "Rate", "Line Total"],
])
def test_column_mapping_per_language(cols):
    page = phrase_page([
        [(40, cols[0]), (260, cols[1]), (330, cols[2]), (470, cols[3])],
        [(40, "Widget A"), (260, "2"), (330, "10,00"), (470, "20,00")],
        [(40, "Widget B"), (260, "1"), (330, "5,50"), (470, "5,50")],
        [(300, "Total"), (470, "25,50")],
    ])
    items = read(page).result["line_items"]
    assert [(i["description"], i["qty"], i["unit_price"], i["amount"]) for i in items] == [
        ("Widget A", 2, 10.0, 20.0), ("Widget B", 1, 5.5, 5.5)]


def test_net_column_preferred_over_gross_column():
    page = phrase_page([
        [(40, "Description"), (230, "Qty"), (280, "Price"), (350, "Total HT"), (420, "TVA"), (480, "Total TTC")],
        [(40, "Widget A"), (230, "2"), (280, "10,00"), (350, "20,00"), (420, "20%"), (480, "24,00")],
        [(300, "Total HT"), (480, "20,00")],
    ])
    items = read(page).result["line_items"]
    assert items[0]["amount"] == 20.0


def test_description_continuation_kept_and_footer_not_glued():
    page = phrase_page([
        [(40, "Omschrijving"), (300, "Aantal"), (370, "Prijs"), (470, "Bedrag")],
        [(40, "Onderhoud installatie"), (300, "1"), (370, "80,00"), (470, "80,00")],
        [(40, "incl. voorrijkosten")],
        [(40, "Filter vervangen"), (300, "2"), (370, "10,00"), (470, "20,00")],
        [],
        [(40, "Alle bedragen inclusief BTW")],
        [(300, "Totaal"), (470, "100,00")],
    ])
    items = read(page).result["line_items"]
    assert [i["description"] for i in items] == ["Onderhoud installatie incl. voorrijkosten",
                                                 "Filter vervangen"]


def test_discount_row_is_an_item_with_a_negative_amount():
    page = phrase_page([
        [(40, "Description"), (300, "Qty"), (370, "Unit Price"), (470, "Amount")],
        [(40, "Annual licence"), (300, "1"), (370, "500.00"), (470, "500.00")],
        [(40, "Discount 10%"), (470, "-50.00")],
        [(300, "Subtotal"), (470, "450.00")],
        [(300, "Total"), (470, "450.00")],
    ])
    items = read(page).result["line_items"]
    assert [i["amount"] for i in items] == [500.0, -50.0]


def test_evidence_for_every_value():
    res = read(phrase_page(US_TEMPLATE))
    for key, value in res.result.items():
        if key == "line_items":
            for n, item in enumerate(value):
                for sub, v in item.items():
                    if v is not None:
                        ev = res.evidence[f"line_items[{n}].{sub}"]
                        assert ev and all(0.0 <= x <= 1.0 for x in ev.values())
        elif value is not None:
            ev = res.evidence[key]
            assert {"margin", "label", "derived"} <= set(ev), key
            assert all(0.0 <= x <= 1.0 for x in ev.values())
    assert res.evidence["total_amount"]["agree"] == 1.0  # label and arithmetic agree
    assert res.evidence["total_amount"]["derived"] == 0.0
    assert "ocr" not in res.evidence["total_amount"]


def test_evidence_ocr_and_derived():
    page = phrase_page([
        [(300, "Total"), (470, "238.00")],
        [(300, "VAT"), (470, "38.00")],
    ], conf=0.8)
    res = read(page)
    assert res.result["subtotal_amount"] == 200.0
    assert res.evidence["subtotal_amount"]["derived"] == 1.0
    assert res.evidence["total_amount"]["ocr"] == pytest.approx(0.8)


def test_version_date_at_the_top_is_not_the_invoice_date():
    page = phrase_page([
        [(40, "Formular-Version:"), (160, "2.6 vom 10.11.2025")],
        [(40, "Teilrechnung Nr. 4711 mit Anlage vom"), (300, "30.05.2026")],
        [(40, "Gesamtbetrag"), (300, "100,00")],
    ])
    assert read(page).result["issue_date"] == "2026-05-30"


def test_two_line_name_with_its_label_beside_the_second_line():
    page = phrase_page([
        [(40, "Verkäufer")],
        [(40, "Nummer:"), (160, "549910")],
        [(160, "Nordlicht Handels- und")],
        [(40, "Name:"), (160, "Vertriebsgesellschaft mbH")],
        [(40, "Anschrift:"), (160, "Am Hafen 3")],
        [(40, "Gesamtbetrag"), (300, "100,00")],
    ])
    assert read(page).result["seller_name"] == "Nordlicht Handels- und Vertriebsgesellschaft mbH"


SPARK_LIKE = [
    [(40, "LOGO", 20), (400, "Invoice #: 123")],
    [(400, "Created: January 1, 2023")],
    [(400, "Due: February 1, 2023")],
    [],
    [(40, "Sparkline, Inc."), (400, "Acme Corp.")],
    [(40, "12345 Sunny Road"), (400, "John Doe")],
    [(40, "Sunnyville, TX 12345"), (400, "john@example.com")],
    [],
    [(40, "Payment Method"), (480, "Check #")],
    [(40, "Check"), (480, "1000")],
    [],
    [(40, "Item"), (480, "Price")],
    [(40, "Website design"), (480, "$300.00")],
    [(40, "Hosting (3 months)"), (480, "$75.00")],
    [(480, "Total: $375.00")],
]


def test_unlabelled_party_blocks_created_label_and_a_price_only_table():
    r = read(phrase_page(SPARK_LIKE)).result
    assert (r["seller_name"], r["buyer_name"]) == ("Sparkline, Inc.", "Acme Corp.")
    assert (r["issue_date"], r["due_date"]) == ("2023-01-01", "2023-02-01")
    assert [(i["description"], i["amount"]) for i in r["line_items"]] == [
        ("Website design", 300.0), ("Hosting (3 months)", 75.0)]
    assert r["total_amount"] == 375.0


def test_labels_above_values_and_a_po_box_is_not_an_order_number():
    page = phrase_page([
        [(40, "Brightline Creative Studio LLC", 14), (420, "INVOICE", 20)],
        [(40, "450 Sunset Ave, Los Angeles, CA 90028")],
        [],
        [(40, "INVOICE NO."), (160, "DATE"), (280, "DUE DATE"), (400, "TERMS")],
        [(40, "BL-2025-031"), (160, "03/04/2025"), (280, "04/03/2025"), (400, "Net 30")],
        [],
        [(40, "BILL TO:"), (300, "SHIP TO:")],
        [(40, "Northgate Property Management"), (300, "Northgate Property Management")],
        [(40, "PO Box 1180"), (300, "2200 Harbor Blvd")],
        [(40, "Irvine, CA 92618"), (300, "Costa Mesa, CA 92626")],
        [],
        [(370, "TOTAL DUE"), (470, "$1,900.00")],
    ])
    r = read(page).result
    assert (r["invoice_number"], r["issue_date"], r["due_date"]) == ("BL-2025-031", "2025-03-04", "2025-04-03")
    assert r["buyer_name"] == "Northgate Property Management"
    assert r["purchase_order_number"] is None


def test_flush_right_blocks_footer_address_line_and_glued_label():
    # letterhead and recipient set flush right; a footer address line is no return address
    def right(x1: float, text: str, size: float = 9.0) -> tuple:
        return (x1 - 0.5 * size * len(text) - 0.3 * size * (len(text.split()) - 1), text, size)

    page = phrase_page([
        [(40, "FACTURA", 20), right(545, "Suministros del Norte S.L.", 14)],
        [right(545, "Calle Mayor 12")],
        [right(545, "28013 Madrid")],
        [],
        [(40, "Clínica Dental Sonrisa"), (330, "Vencimiento:15/03/2025")],
        [(40, "Avenida Diagonal 211"), (330, "Fecha:"), (420, "01/03/2025")],
        [(40, "08018 Barcelona")],
        [],
        [(40, "Descripción"), (260, "Cantidad"), (330, "Precio"), (470, "Importe")],
        [(40, "Revisión anual"), (260, "1"), (330, "90,00"), (470, "90,00")],
        [(300, "Total"), (470, "108,90 EUR")],
    ] + [[]] * 30 + [
        [(40, "Suministros del Norte S.L. | Calle Mayor 12 | 28013 Madrid | NIF B12345674", 6)],
        [(40, "Gracias por su confianza")],
    ])
    r = read(page).result
    assert (r["seller_name"], r["buyer_name"]) == ("Suministros del Norte S.L.", "Clínica Dental Sonrisa")
    assert (r["issue_date"], r["due_date"]) == ("2025-03-01", "2025-03-15")


@pytest.mark.parametrize("title, code", [
    ("NOTA DI CREDITO", "381"), ("Nota de crédito", "381"), ("FATTURA", "380"), ("Factura", "380"),
    ("RECHNUNG R-2025-17", "380"), ("Facture d'avoir", "381"), ("Credit Memo", "381"),
])
def test_document_type_from_the_title_beside_the_letterhead(title, code):
    page = phrase_page([
        [(40, "Ferramenta Rossi S.r.l.", 14), (330, title, 20)],
        [(40, "Via Roma 15")],
        [(40, "20121 Milano")],
        [(300, "Totale"), (470, "100,00")],
    ])
    r = read(page).result
    assert r["document_type_code"] == code
    assert r["seller_name"] == "Ferramenta Rossi S.r.l."


def test_credit_note_signs_without_a_document_type_field():
    schema = ExtractionSchema(fields=[{"key": "total_amount", "type": "number"}], language="auto")
    page = phrase_page([[(40, "GUTSCHRIFT", 18)], [(300, "Gesamtbetrag"), (470, "-119,00")]])
    assert read(page, schema=schema).result["total_amount"] == 119.0


def test_buyer_block_first_seller_only_in_the_footer_and_the_buyers_vat_id():
    page = phrase_page([
        [(40, "VTB", 24)],
        [],
        [],
        [(40, "Maas Installatietechniek BVBA", 11), (360, "CREDITNOTA", 16)],
        [(40, "Lindenlaan 37")],
        [(40, "2000 Antwerpen"), (360, "Creditnotanummer:"), (460, "A-88194")],
        [(40, "Btw-id: BE0342471350"), (360, "Datum:"), (460, "11 juni 2022")],
        [(360, "Btw-id:"), (460, "BE0391653509")],
        [],
        [(300, "TOTAAL EUR"), (470, "-73,18")],
    ] + [[]] * 42 + [
        [(40, "Visser Techniek BV", 7), (200, "Tel. +32 3 000 68 13", 7), (380, "IBAN BE47 8230 8888 3821", 7)],
    ])
    r = read(page).result
    assert (r["seller_name"], r["buyer_name"]) == ("Visser Techniek BV", "Maas Installatietechniek BVBA")
    assert r["seller_vat_id"] == "BE0391653509"
    assert (r["invoice_number"], r["document_type_code"], r["total_amount"]) == ("A-88194", "381", 73.18)


def test_compound_and_two_word_column_labels():
    page = phrase_page([
        [(40, "Qtà"), (70, "Descrizione articolo"), (330, "Prezzo unit."), (470, "Regeltotaal")],
        [(40, "3"), (70, "Penne a sfera blu"), (330, "36,53"), (470, "109,59")],
        [(40, "1"), (70, "Cucitrice grande"), (330, "28,16"), (470, "28,16")],
        [(300, "Totale"), (470, "137,75")],
    ])
    items = read(page).result["line_items"]
    assert [(i["description"], i["qty"], i["unit_price"], i["amount"]) for i in items] == [
        ("Penne a sfera blu", 3, 36.53, 109.59), ("Cucitrice grande", 1, 28.16, 28.16)]


def test_amount_to_pay_is_the_total_and_tax_per_rate_is_summed():
    page = phrase_page([
        [(300, "Totaal regels"), (470, "1.000,00")],
        [(300, "Vrachtkosten"), (470, "10,00")],
        [(300, "Subtotaal"), (470, "1.010,00")],
        [(300, "BTW 21%"), (470, "105,00")],
        [(300, "BTW 9%"), (470, "45,90")],
        [(300, "Te betalen"), (470, "1.160,90")],
    ])
    r = read(page).result
    assert (r["subtotal_amount"], r["tax_amount"], r["total_amount"]) == (1010.0, 150.9, 1160.9)
    ev = read(page).evidence
    assert ev["total_amount"]["derived"] == 1.0 and ev["tax_amount"]["derived"] == 1.0


@pytest.mark.parametrize("degrees", [-2.5, -1.0, 1.0, 2.5])
def test_words_of_a_slightly_rotated_scan_are_levelled_before_rows(degrees):
    page = rotated(phrase_page(US_TEMPLATE, conf=0.9), degrees)
    r = read(page).result
    assert r["issue_date"] == "2025-04-05" and r["total_amount"] == 154.06
    assert [it["amount"] for it in r["line_items"]] == [100.0, 30.0, 15.0]
    assert r["line_items"][0]["description"] == "Front and rear brake cables"


def test_label_above_band_beside_an_address_and_delivery_dates():
    page = phrase_page([
        [(40, "Numero documento"), (170, "Data"), (300, "Cliente:")],
        [(40, "2021329357"), (170, "08/02/2021"), (300, "Lombarda Servizi S.p.A.")],
        [(40, "Data consegna"), (170, "P.O. #"), (300, "Corso Verdi 63")],
        [(300, "10121 Torino, TO 10121")],
        [(40, "02/02/2021"), (170, "PO-4310730")],
        [(300, "Totale"), (470, "100,00")],
    ])
    r = read(page).result
    assert (r["invoice_number"], r["issue_date"], r["purchase_order_number"]) == (
        "2021329357", "2021-02-08", "PO-4310730")


def test_price_and_net_headers_in_two_segments_are_two_columns():
    page = phrase_page([
        [(40, "Artikelbezeichnung"), (250, "Anzahl"), (330, "Preis"), (400, "Netto")],
        [(40, "Funktastatur"), (250, "5"), (330, "39,34"), (400, "196,70")],
        [(300, "Gesamtbetrag"), (400, "234,07")],
    ])
    items = read(page).result["line_items"]
    assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [(5, 39.34, 196.7)]


def test_a_tax_marker_after_a_label_qualifies_it_and_is_no_column():
    page = phrase_page([
        [(40, "Artikelbezeichnung"), (200, "Einzelpreis netto"), (330, "Anzahl"), (470, "Betrag")],
        [(40, "Druckerpatrone schwarz"), (200, "38.89"), (330, "10"), (470, "388.90")],
        [(300, "Gesamtbetrag"), (470, "388.90")],
    ])
    items = read(page).result["line_items"]
    assert [(i["qty"], i["unit_price"], i["amount"]) for i in items] == [(10, 38.89, 388.9)]
