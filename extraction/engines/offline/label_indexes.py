"""Label indexes that depend on no document: the table's row labels (built at import) and the
header's labels per schema (built once per schema). The totals' labels run to thousands, so
indexing them for every document was most of the engine's time."""

from __future__ import annotations

from core.schema import FieldSpec
from extraction.vocabulary import (
    ADJUSTMENT_ROWS,
    BLOCKERS,
    HEADER_CONCEPTS,
    STOP_ROWS,
    SUBTOTAL_ROWS,
    LabelIndex,
    field_words,
    map_concept,
)


def _row_index(phrases: dict[str, float], target: str) -> LabelIndex:
    index = LabelIndex()
    for phrase, w in phrases.items():
        index.add(phrase, target, w)
    return index


# The table's row labels (no document or field changes them)
SUB_INDEX = _row_index(SUBTOTAL_ROWS, "sub")
ADJUST_INDEX = _row_index(ADJUSTMENT_ROWS, "adjust")
STOP_INDEX = _row_index(STOP_ROWS, "stop")
# the totals' own unambiguous labels of two words or more ("Montant hors TVA", "Total inc GST",
# "Totale imposta"): a row opening with one ends the table
for _concept in ("subtotal_amount", "tax_amount", "total_amount", "amount_due"):
    for _phrase, _w in HEADER_CONCEPTS[_concept]["labels"].items():
        if _w >= 1 and len(_phrase.split()) >= 2:
            STOP_INDEX.add(_phrase, "stop", 1.0)


_Labels = tuple[LabelIndex, dict[str, str | None], dict[str, str]]
_LABELS: dict[tuple[tuple[str, str, str | None], ...], _Labels] = {}  # by the fields they were built for


def header_labels(fields: list[FieldSpec]) -> _Labels:
    """The label index of these fields, each field's concept and kind of value. Built once per
    schema (the totals' labels run to thousands; every document of an extraction shares them);
    the index is only read afterwards."""
    sig = tuple((f.key, str(f.type), f.description) for f in fields)
    if sig in _LABELS:
        return _LABELS[sig]
    index, concept, kind = LabelIndex(), {}, {}
    for f in fields:
        c = map_concept(f, HEADER_CONCEPTS)
        concept[f.key] = c
        if c:
            spec = HEADER_CONCEPTS[c]
            kind[f.key] = spec["kind"]
            for phrase, w in spec["labels"].items():
                index.add(phrase, f.key, float(w))
            for a in spec["aliases"][:1]:
                index.add(a, f.key, 0.9)
        else:
            kind[f.key] = {"number": "amount", "integer": "amount", "date": "date",
                           "enum": "enum", "boolean": "bool"}.get(f.type, "text")
        index.add(field_words(f), f.key, 1.0)
        if f.description and len(f.description.split()) <= 4:
            index.add(f.description, f.key, 0.9)
    for phrase, w in BLOCKERS.items():
        index.add(phrase, "__block__", w)
    if len(_LABELS) >= 64:  # a worker serves many extractions: keep the latest few
        _LABELS.pop(next(iter(_LABELS)))
    _LABELS[sig] = (index, concept, kind)
    return _LABELS[sig]
