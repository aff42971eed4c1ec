"""The shared vocabulary of invoices: label synonyms per concept, and how labels are compared.

Every engine and the confidence rules speak this vocabulary:

* Header concepts (``HEADER_CONCEPTS``: invoice number, dates, parties, amounts ...) and line-item
  column concepts (``COLUMN_CONCEPTS``), each with the aliases a client's field key or description
  may use and the multilingual labels (English, German, French, Dutch) printed on documents.
  Weights: 1.0 = an unambiguous label, lower = a generic word.
* Party headings and name labels, blockers (labels that contain a field's label but mean something
  else), other table columns, subtotal/stop rows of item tables, document-type titles, legal forms.
* Label normalisation: ``pieces_of`` folds a word into alphanumeric pieces and ``label_key``
  concatenates them, so "Rechnungs-Nr.", "Rechnungsnr" and "Rechnungs Nr" are the same label;
  ``LabelIndex`` finds labels in a row's pieces.
* ``map_concept``: which concept a client's field means, by its key and description.
"""

from extraction.vocabulary.columns import (
    ADJUSTMENT_ROWS,
    COLUMN_CONCEPTS,
    GROSS_MARKERS,
    NET_MARKERS,
    OTHER_COLUMNS,
    STOP_ROWS,
    SUBTOTAL_ROWS,
)
from extraction.vocabulary.index import LabelIndex, field_words, label_key, map_concept, pieces_of
from extraction.vocabulary.labels import (
    BLOCKERS,
    COUNTRIES,
    DOC_TYPES,
    DOLLAR_COUNTRIES,
    HEADER_CONCEPTS,
    HOME_CURRENCY,
    LEGAL_FORMS,
    NAME_LABELS,
    OTHER_DATE_WORDS,
    PARTY_HEADINGS,
    PREPAID_LABELS,
    SALUTATIONS,
    SLIP_HEADINGS,
    YOUR_WORDS,
    Weights,
)
from extraction.vocabulary.languages import LANGUAGE_MARKERS, detect_language

__all__ = [
    "ADJUSTMENT_ROWS", "GROSS_MARKERS", "NET_MARKERS",
    "BLOCKERS", "COLUMN_CONCEPTS", "DOLLAR_COUNTRIES", "COUNTRIES", "DOC_TYPES", "HEADER_CONCEPTS", "HOME_CURRENCY", "LANGUAGE_MARKERS", "LEGAL_FORMS",
    "NAME_LABELS", "OTHER_COLUMNS", "OTHER_DATE_WORDS", "PARTY_HEADINGS", "PREPAID_LABELS", "SALUTATIONS", "SLIP_HEADINGS", "STOP_ROWS", "SUBTOTAL_ROWS",
    "YOUR_WORDS", "LabelIndex", "Weights", "detect_language", "field_words", "label_key",
    "map_concept", "pieces_of",
]

