"""What can never be a party's name, however it is placed: a section heading ("Bill to"), a
document title, a field's label ("Date de livraison", "Invoice No."), a salutation ("Frau"), a
country ("France"), a word of fewer than two letters, or words OCR could hardly read (a logo's
strokes read as "Bee a DapiiEae")."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from extraction.engines.offline.layout import PlacedWord, mean_conf
from extraction.values import fold
from extraction.vocabulary import (
    BLOCKERS,
    COUNTRIES,
    DOC_TYPES,
    HEADER_CONCEPTS,
    PARTY_HEADINGS,
    SALUTATIONS,
    LabelIndex,
    label_key,
)

FILLERS = {"address", "adresse", "details", "information", "daten", "angaben", "und", "and", "et"}
_TITLES = {t for t, _ in DOC_TYPES}
_LABELS = LabelIndex()
for _c in HEADER_CONCEPTS.values():
    for _phrase in _c["labels"]:
        _LABELS.add(_phrase, "label", 1.0)
for _phrase in BLOCKERS:
    _LABELS.add(_phrase, "label", 1.0)
# party headings as compact keys ("billto"), for headings OCR misread ("Bi TO")
_HEADING_KEYS = [(label_key(p), party) for party, ps in PARTY_HEADINGS.items() for p, w in ps.items() if w >= 0.9]
# OCR words read this badly are not a name (a logo, a stamp, a coloured band's letters)
MIN_NAME_CONF = 0.5


def _covers(index: LabelIndex, ps: list[str]) -> bool:
    """The pieces are one label of the index from start to end (a filler word may follow)."""
    return any(i == 0 and j >= len(ps) - (1 if ps[-1] in FILLERS else 0) for i, j, _, _ in index.matches(ps))


def not_a_name(ws: list[PlacedWord], headings: tuple[LabelIndex, ...] = ()) -> bool:
    """Words that are never a name; ``headings``: the party heading and name label indexes."""
    ps = [p for w in ws for p in w.pieces]
    if not ps:
        return True
    text = " ".join(w.text for w in ws)
    if not re.search(r"[A-Za-zÀ-ÿ]{2}", text) or sum(c.isalpha() for c in text) < 3:
        return True
    if any(fold(w.text).strip(".:") in _TITLES for w in ws) and len(ws) <= 2:
        return True
    if any(_covers(index, ps) for index in headings) or _covers(_LABELS, [p for p in ps if p != "#"] or ps):
        return True
    if " ".join(ps) in COUNTRIES or (len(ws) <= 2 and all("".join(w.pieces) in SALUTATIONS for w in ws)):
        return True
    conf = mean_conf(ws)
    return conf is not None and conf < MIN_NAME_CONF


def misread_heading(ws: list[PlacedWord]) -> str | None:
    """The party of a short OCR line, read with little assurance, that reads almost as a party
    heading ("Bi TO" for "BILL TO", "Rechnungsempfiinger"): its letters match the heading's for
    80% and more, and it is no other label."""
    if ws[0].conf is None or len(ws) > 3:
        return None  # a text layer prints its headings as they are
    key = "".join(p for w in ws for p in w.pieces)
    conf = mean_conf(ws)
    if len(key) < 4 or re.search(r"\d", key) or (conf is not None and conf >= 0.9):
        return None  # read with assurance: what it says, not a heading misread
    if _covers(_LABELS, [p for w in ws for p in w.pieces]):
        return None  # a field's label read right ("Invoice date"), not "Invoiced to" misread
    for hk, party in _HEADING_KEYS:
        if key in hk or hk in key:
            continue  # a word of the heading ("Invoice" of "Invoice to"), not the heading misread
        if abs(len(hk) - len(key)) <= 2 and len(hk) >= 5 and SequenceMatcher(None, key, hk).ratio() >= 0.8:
            return party
    return None
