"""The invoice extraction schema of the synthetic sets: the keys of ../shared/eval/schema-invoice.json,
defined in code so that a set can be generated and scored where ../shared is absent."""

from __future__ import annotations

from typing import Any


def schema_invoice() -> dict[str, Any]:
    """An API extraction body equivalent to shared/eval/schema-invoice.json."""
    return {
        "name": "invoice",
        "description": "Invoice header fields and line items",
        "language": "auto",
        "fields": [
            {"key": "invoice_number", "type": "string", "description": "Invoice number as printed"},
            {"key": "document_type_code", "type": "string",
             "description": "UNTDID 1001 document type code (380 invoice, 381 credit note)"},
            {"key": "issue_date", "type": "date", "description": "Invoice issue date"},
            {"key": "due_date", "type": "date", "description": "Payment due date"},
            {"key": "currency", "type": "string", "description": "ISO 4217 currency code"},
            {"key": "seller_name", "type": "string", "description": "Seller / supplier name"},
            {"key": "seller_vat_id", "type": "string", "description": "Seller VAT identifier"},
            {"key": "buyer_name", "type": "string", "description": "Buyer / customer name"},
            {"key": "purchase_order_number", "type": "string", "description": "Buyer's purchase order reference"},
            {"key": "subtotal_amount", "type": "number", "description": "Total amount without VAT"},
            {"key": "tax_amount", "type": "number", "description": "Total VAT amount"},
            {"key": "total_amount", "type": "number", "description": "Total amount with VAT"},
            {"key": "amount_due", "type": "number", "description": "Amount due for payment"},
            {"key": "line_items", "type": "list<object>", "description": "Invoice lines in document order",
             "fields": [
                 {"key": "description", "type": "string", "description": "Item name"},
                 {"key": "qty", "type": "number", "description": "Invoiced quantity"},
                 {"key": "unit_price", "type": "number", "description": "Net unit price"},
                 {"key": "amount", "type": "number", "description": "Line net amount"},
             ]},
        ],
    }
