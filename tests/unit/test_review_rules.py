"""Review that protects the user (extraction/review.py): a mostly empty reading goes to review with
a reason naming the empty fields; a field many documents lack does not send a file by itself."""

from __future__ import annotations

from core.schema import ExtractionSchema
from evals.synth import schema_invoice
from extraction.review import mostly_empty, review_reasons

INVOICE = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")
FULL = {"invoice_number": "A-17", "document_type_code": "380", "issue_date": "2026-03-05",
        "due_date": "2026-04-04", "currency": "EUR", "seller_name": "Lieferant GmbH",
        "seller_vat_id": "DE123456789", "buyer_name": "Kunde AG", "purchase_order_number": "PO-1",
        "subtotal_amount": 100.0, "tax_amount": 19.0, "total_amount": 119.0, "amount_due": 119.0,
        "line_items": [{"description": "Pens", "qty": 1.0, "unit_price": 100.0, "amount": 100.0}]}


def conf_of(result: dict, c: float = 0.99) -> dict:
    out = {k: c for k, v in result.items() if v not in (None, [], "")}
    for n, item in enumerate(result.get("line_items") or []):
        for k in item:
            out[f"line_items[{n}].{k}"] = c
    return out


def test_a_scan_that_read_only_the_letterhead_goes_to_review_naming_the_empty_fields():
    scan = {**FULL, "issue_date": None, "total_amount": None, "line_items": [], "subtotal_amount": None,
            "tax_amount": None, "amount_due": None}
    reasons = review_reasons(INVOICE, scan, conf_of(scan), [], 0.8)
    assert len(reasons) == 1
    assert "issue_date" in reasons[0] and "total_amount" in reasons[0] and "line_items" in reasons[0]
    assert "invoice_number" not in reasons[0] and "(3 of 5)" in reasons[0]


def test_fields_many_documents_lack_do_not_send_a_file_to_review():
    for missing in (["purchase_order_number"], ["purchase_order_number", "due_date", "seller_vat_id",
                                                 "buyer_name", "document_type_code", "amount_due"]):
        r = {**FULL, **{k: None for k in missing}}
        assert review_reasons(INVOICE, r, conf_of(r), [], 0.8) == [], missing
    # one core field alone is not "mostly empty" either (an invoice without items happens)
    r = {**FULL, "line_items": []}
    assert mostly_empty(INVOICE, r) is None
    # review off: nothing (finalize does not call review_reasons with threshold 0)


def test_required_and_low_values_still_count_and_unknown_schemas_use_all_fields():
    r = {**FULL, "purchase_order_number": None}
    s = ExtractionSchema(fields=[{**f, "required": f["key"] == "purchase_order_number"}
                                 for f in schema_invoice()["fields"]], language="auto")
    assert review_reasons(s, r, conf_of(r), [], 0.8) == ["required field 'purchase_order_number' was not found"]
    low = conf_of(FULL)
    low["line_items[0].amount"] = 0.5
    assert "below 0.8" in review_reasons(INVOICE, FULL, low, [], 0.8)[0]
    custom = ExtractionSchema(fields=[{"key": "colour", "type": "string"}, {"key": "size", "type": "number"},
                                      {"key": "maker", "type": "string"}])
    assert "colour, maker" in (mostly_empty(custom, {"colour": None, "size": 3, "maker": ""}) or "")
    assert mostly_empty(custom, {"colour": "red", "size": None, "maker": "ACME"}) is None

