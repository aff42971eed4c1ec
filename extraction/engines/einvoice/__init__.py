"""Machine-readable e-invoices embedded in PDFs (Factur-X / ZUGFeRD / XRechnung).

* ``sniff_syntax(xml)``: "cii" or "ubl" by the root element: a UN/CEFACT CII
  ``CrossIndustryInvoice`` (ZUGFeRD 2.x / Factur-X / XRechnung-CII; the ZUGFeRD 1.0
  ``CrossIndustryDocument`` too) or a UBL ``Invoice`` / ``CreditNote``; None for other XML.
* ``parse_einvoice(syntax, xml)``: the EN 16931 business terms we extract, as an ``EInvoice``.
* ``EInvoiceEngine(xml).extract(schema, document)``: a ``RawResult`` for any client schema;
  fields are mapped to concepts with the shared vocabulary (extraction.vocabulary.map_concept),
  values come from the XML verbatim (confidence 1.0), nothing is invented.

Finding the XML in a PDF (``find_einvoice_xml``) needs PyMuPDF and lives in documents/attachments.py.

Hostile input: XML is parsed with the stdlib expat parser, refusing any DOCTYPE (so no entity
expansion, no external entities), with a size cap (``MAX_XML_BYTES``) and a nesting-depth cap.
Errors in XML are reported as ``EInvoiceError``.

Modules: ``safe_xml`` (hardened parsing, sniff_syntax), ``parse`` (CII / UBL -> EInvoice),
``engine`` (EInvoiceEngine).
"""

from extraction.engines.einvoice.engine import HEADER_TERMS, LINE_TERMS, EInvoiceEngine
from extraction.engines.einvoice.parse import EInvoice, EInvoiceLine, parse_einvoice
from extraction.engines.einvoice.safe_xml import (
    MAX_DEPTH,
    MAX_XML_BYTES,
    NS_CII,
    NS_UBL_CREDIT,
    NS_UBL_INVOICE,
    EInvoiceError,
    Syntax,
    sniff_syntax,
)

__all__ = [
    "HEADER_TERMS", "LINE_TERMS", "MAX_DEPTH", "MAX_XML_BYTES", "NS_CII", "NS_UBL_CREDIT",
    "NS_UBL_INVOICE", "EInvoice", "EInvoiceEngine", "EInvoiceError", "EInvoiceLine", "Syntax",
    "parse_einvoice", "sniff_syntax",
]
