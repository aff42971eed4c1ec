"""Label words a scan misread by one letter ("Literste betaaldatum" for "Uiterste", "Fâlligkeit"
read "Falligkelt"): the label word it was, where exactly one label word is that close.

The words are the pieces of every label phrase of the vocabulary (header and column labels, party
headings, totals and stop rows, blockers, document titles), of at least MIN_LETTERS letters: a
shorter word is too often one letter from another word. Lookups use the words with one letter
deleted, so a word is checked against the few label words it could be, not all of them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from extraction.vocabulary.columns import ADJUSTMENT_ROWS, COLUMN_CONCEPTS, OTHER_COLUMNS, STOP_ROWS, SUBTOTAL_ROWS
from extraction.vocabulary.index import one_edit_apart, pieces_of
from extraction.vocabulary.labels import (
    BLOCKERS,
    DOC_TYPES,
    HEADER_CONCEPTS,
    NAME_LABELS,
    PARTY_HEADINGS,
    PREPAID_LABELS,
    SLIP_HEADINGS,
)

MIN_LETTERS = 6


def _phrases() -> list[str]:
    out: list[str] = []
    for concepts in (HEADER_CONCEPTS, COLUMN_CONCEPTS):
        for c in concepts.values():
            labels: dict[str, Any] = c.get("labels", {})
            out += list(labels)
    for weights in (OTHER_COLUMNS, SUBTOTAL_ROWS, STOP_ROWS, ADJUSTMENT_ROWS, BLOCKERS, PREPAID_LABELS,
                    SLIP_HEADINGS, NAME_LABELS, *PARTY_HEADINGS.values()):
        out += list(weights)
    return out + [p for p, _ in DOC_TYPES]


LABEL_WORDS = frozenset(p for phrase in _phrases() for p in pieces_of(phrase) if p.isalpha() and len(p) >= MIN_LETTERS)
_BY_DELETION: dict[str, set[str]] = {}
for _w in LABEL_WORDS:
    for _i in range(len(_w)):
        _BY_DELETION.setdefault(_w[:_i] + _w[_i + 1:], set()).add(_w)


@lru_cache(maxsize=16384)
def label_word(piece: str) -> str | None:
    """The label word one letter (changed, dropped or added) from ``piece``, when exactly one is;
    None for a label word itself, a short or non-alphabetic piece, or two label words as close."""
    if len(piece) < MIN_LETTERS or not piece.isalpha() or piece in LABEL_WORDS:
        return None
    near = set(_BY_DELETION.get(piece, ()))  # a letter dropped
    for i in range(len(piece)):
        shorter = piece[:i] + piece[i + 1:]
        if shorter in LABEL_WORDS:
            near.add(shorter)  # a letter added
        near |= _BY_DELETION.get(shorter, set())  # a letter changed
    near = {w for w in near if one_edit_apart(w, piece)}
    return next(iter(near)) if len(near) == 1 else None
