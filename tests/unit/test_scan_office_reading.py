"""Office scans, tolerant reading in the offline engine: a date's slashes read as ones, a figure
cut after its thousands separator, one misread figure the amounts' arithmetic puts right, the
German tax label with its w misread."""

from __future__ import annotations

from core.schema import ExtractionSchema
from extraction.engines.offline import OfflineEngine
from extraction.engines.offline.candidates import Candidate, one_figure_off
from extraction.engines.offline.dates import slash_read_as_one
from extraction.engines.offline.layout import ocr_label_pieces
from extraction.pages import DocumentText
from tests.support.invoices import schema_invoice
from tests.support.pages import phrase_page

ENGINE = OfflineEngine()
SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def _read(rows: list[list[tuple]], conf: float | None = 0.8) -> dict:
    page = phrase_page(rows, source="ocr", conf=conf) if conf is not None else phrase_page(rows)
    return ENGINE.extract(SCHEMA, DocumentText(pages=[page])).result


def test_a_dates_slashes_read_as_ones_are_slashes_again():
    assert slash_read_as_one("412812024", "en", "mdy") == "2024-04-28"
    assert slash_read_as_one("71/6/2025", "en", "mdy") == "2025-07-06"
    assert slash_read_as_one("4/2812024", "en", "mdy") == "2024-04-28"
    # a date as printed, an id, or a figure with more than one date in it: none
    assert slash_read_as_one("4/28/2024", "en", "mdy") is None
    assert slash_read_as_one("1521220293", "de", "dmy") is None
    assert slash_read_as_one("111112024", "en", "mdy") is None  # 1/11/2024 or 11/1/2024
    rows = [
        [(60, "Carter Consulting Corp."), (400, "Invoice")],
        [(400, "DATE"), (480, "INVOICE #")],
        [(400, "4/14/2024"), (480, "2963")],
        [],
        [(60, "TERMS"), (160, "DUE DATE"), (260, "SHIP DATE")],
        [(60, "Net 14"), (160, "412812024"), (260, "4/12/2024")],
        [],
        [(60, "DESCRIPTION"), (400, "RATE"), (500, "AMOUNT")],
        [(60, "Lawn mowing"), (400, "102.00"), (500, "408.00")],
        [(400, "Total"), (500, "$408.00")],
    ]
    assert _read(rows)["due_date"] == "2024-04-28"
    assert _read(rows, conf=None)["due_date"] is None  # a text layer prints what it means


def test_a_figure_cut_after_its_thousands_separator_is_one_amount():
    rows = [
        [(60, "Invoice"), (400, "Invoice No: 4471")],
        [(60, "Description"), (400, "Amount")],
        [(60, "Consulting"), (400, "$23,917.97")],
        [],
        [(300, "Total before tax"), (420, "$23,"), (442, "917.97")],
        [(300, "Tax 0%"), (420, "$0.00")],
        [(300, "Total Amount"), (420, "$23,"), (442, "917.97")],
    ]
    r = _read(rows)
    assert (r["subtotal_amount"], r["total_amount"]) == (23917.97, 23917.97)


def test_one_misread_figure_is_what_the_other_amounts_make_it():
    ocr = Candidate(17833.35, 0.8, 1, (0, 0, 1, 1), ocr=0.5)
    assert one_figure_off(ocr, 117833.35) and one_figure_off(ocr, 17833.36) and one_figure_off(ocr, 7833.35)
    assert not one_figure_off(ocr, 17833.35) and not one_figure_off(ocr, 17383.53)
    assert not one_figure_off(Candidate(17833.35, 0.8, 1, (0, 0, 1, 1)), 117833.35)  # a text layer's
    rows = [
        [(60, "Factuur"), (400, "Factuurnummer: RE737348")],
        [(60, "Omschrijving"), (500, "Bedrag")],
        [(60, "Whiteboardstiften"), (500, "97.382,93")],
        [],
        [(350, "Totaal excl. BTW"), (500, "97.382,93")],
        [(350, "21% btw"), (500, "20.450,42")],
        [(350, "Factuurbedrag"), (500, "€ 117.833,35")],
        [(350, "Te betalen"), (500, "17.833,35")],
    ]
    assert _read(rows)["amount_due"] == 117833.35  # the checked total, one figure lost
    assert _read(rows, conf=None)["amount_due"] == 17833.35  # a text layer is never second-guessed
    # a round payment printed on the page makes the difference: the amount due as printed
    paid = [*rows[:7], [(350, "Betaald op 31-01-2026"), (500, "100.000,00")], rows[7]]
    assert _read(paid)["amount_due"] == 17833.35
    rows[6] = [(350, "Factuurbedrag"), (500, "€ 17.833,35")]
    rows[7] = [(350, "Te betalen"), (500, "€ 17.833,35")]
    r = _read(rows)
    assert (r["total_amount"], r["amount_due"]) == (117833.35, 117833.35)  # net + tax say it


def test_the_german_tax_label_with_its_w_misread_is_still_a_label():
    assert ocr_label_pieces("Must.") == ["mwst"] and ocr_label_pieces("Mvst.") == ["mwst"]
    assert ocr_label_pieces("must") == ["must"] and ocr_label_pieces("Must") == ["must"]
    rows = [
        [(60, "Rechnung"), (400, "Rechnung Nr. 2024922508")],
        [(60, "Beschreibung"), (500, "Gesamtpreis")],
        [(60, "Wartungsvertrag"), (500, "78.871,86 €")],
        [],
        [(350, "Nettobetrag"), (500, "78.871,86 €")],
        [(350, "19% Must."), (500, "14.985,65 €")],
        [(350, "Gesamt brutto EUR"), (500, "93.857,51 €")],
    ]
    assert _read(rows)["tax_amount"] == 14985.65


def test_a_spanish_vat_ids_letter_read_as_a_digit_is_a_letter_again_on_a_scan():
    from extraction.engines.offline.vat_ids import mend_vat

    assert mend_vat("ES654240585", scanned=True) == "ESG54240585"  # G read as 6
    assert mend_vat("ES123456785", scanned=True) == "ES12345678S"  # a person's control letter
    assert mend_vat("ESB12345678", scanned=True) == "ESB12345678"
    assert mend_vat("ES654240585") == "ES654240585"  # a text layer prints what it means


def test_a_speck_between_a_label_and_its_value_below_is_no_value_on_a_scan():
    rows = [
        [(60, "FACTURA")],
        [(60, "Destinatario"), (300, "Nº Factura"), (420, "Fecha")],
        [(60, "Elena Ortega"), (300, "35861"), (420, "9 de diciembre de 2019")],
        [(60, "Plaza Real 39"), (300, "Fecha de pedido"), (420, "Vencimiento")],
        [(440, ".")],
        [(60, "46002 Valencia"), (300, "10 de noviembre de 2019"), (420, "19 de diciembre de 2019")],
        [],
        [(60, "Descripción"), (500, "Importe")],
        [(60, "Papel A4"), (500, "100,00")],
        [(400, "Total"), (500, "121,00")],
    ]
    assert _read(rows)["due_date"] == "2019-12-19"
