"""An extraction engine that works offline from the words and their positions only.

No templates, no per-vendor rules: it reads a document the way a person skims an invoice.

* Rows: words are grouped into visual rows; a row is cut into segments at wide gaps.
* Labels: every field is mapped to a *concept* (by its key and description) whose multilingual
  synonyms (English, German, French, Dutch) are matched against the rows. Matching compares the
  concatenation of word pieces, so "Rechnungs-Nr.", "Rechnungsnr" and "Rechnungs Nr" are the same
  label. A longer label wins over a shorter one it contains ("Total HT" beats "Total").
* Values: right of the label on the same row (up to the next label) or directly below it,
  parsed per type with extraction.values. Candidates are scored by label quality, position and parse.
* Parties: a "Name"/"VAT id" label under a section heading ("Seller", "Käufer", "Bill to" ...)
  belongs to that party.
* Cross-checks: subtotal + tax = total picks between competing amount candidates and raises
  confidence; qty x unit price = amount does the same for line items.
* Line items: a header row whose words match the nested fields gives the columns' x-ranges; rows
  with numbers in the numeric columns start items, text-only rows below continue the description,
  subtotal/carry-over rows are skipped, totals end the table, and the table continues on the
  following pages (with or without a repeated header).

Modules: ``layout`` (words -> rows and segments), ``value_words`` (the words of a value),
``vat_ids`` (VAT ids and their national formats), ``header`` (label matches and scalar
candidates), ``parties`` (party sections and names), ``names`` (what is never a name),
``addresses`` (address blocks), ``regions`` (a payment slip at a page's foot), ``prepaid``
(payments already made), ``candidates`` (choosing between candidates), ``tables`` and ``cells``
(line items), ``label_indexes`` (label indexes built once, not per document), ``checks``
(cross-field consistency), ``engine`` (OfflineEngine). The label synonyms
are the shared vocabulary, extraction.vocabulary.
"""

from extraction.engines.offline.engine import OfflineEngine

__all__ = ["OfflineEngine"]
