"""The document type (UNTDID 1001 code): printed as "(380)" beside the title, else read from the
title ("Invoice", "Gutschrift", "Nota di credito" ...), the largest such heading winning, else
inferred from the labels (an "Invoice #" label on a page without a title is an invoice's)."""

from __future__ import annotations

import re

from extraction.engines.offline.candidates import Candidate
from extraction.engines.offline.layout import DocumentRows, PlacedWord, box_of, segments
from extraction.vocabulary import DOC_TYPES, LabelIndex, label_key

_NUMBER_WORDS = {"nr", "no", "n", "num", "numero", "number", "nummer", "#", "nro"}
_INDEX = LabelIndex()
for _phrase, _code in DOC_TYPES:
    _INDEX.add(_phrase, _code, 1.0)
_TITLES = {label_key(p) for p, _ in DOC_TYPES}
_TITLE_CODES = {label_key(p): c for p, c in DOC_TYPES if " " not in p}
# the Italian e-invoice's TipoDocumento (FatturaPA): TD01 invoice, TD02 advance invoice, TD04
# credit note, TD05 debit note, TD06 fee note (parcella), TD24/TD25 deferred invoices
_FATTURAPA = {"TD01": "380", "TD02": "386", "TD04": "381", "TD05": "383", "TD06": "380",
              "TD24": "380", "TD25": "380"}


def _is_title_word(w: PlacedWord) -> bool:
    k = "".join(w.pieces)
    return k in _TITLES or (k.endswith("rechnung") and len(k) > 8)


def _compound_label(words: list[PlacedWord]) -> Candidate | None:
    """A label that is one word made of a title and a number word ("Rechnungsnummer",
    "Factuurnummer", "Gutschriftsnr."): an inference of the type, as "Rechnung Nr." gives one."""
    for w in words[:6]:
        key = "".join(w.pieces)
        for title, code in _TITLE_CODES.items():
            if len(title) >= 6 and key.startswith(title) and key[len(title):].removeprefix("s") in _NUMBER_WORDS:
                return Candidate(code, 0.3, w.page, box_of([w]), w.y0, derived=True)
    return None


def document_type(doc: DocumentRows) -> Candidate | None:
    """The document's type code as a candidate, or None."""
    rows = (doc.rows_by_page[0] if doc.rows_by_page else [])[:60]
    for r in rows:
        for k, w in enumerate(r.words[:6]):
            if not _is_title_word(w):
                continue
            for w2 in r.words[k + 1:k + 8]:
                m = re.fullmatch(r"\((\d{3})\)", w2.text)
                if m:
                    return Candidate(m[1], 0.9, r.page, box_of([w, w2]), r.y0, label=1.0)
    for r in rows:
        for w in r.words:
            code = _FATTURAPA.get(w.text.strip(",;:()"))
            if code:  # an Italian e-invoice's own type code, printed by every rendering of it
                return Candidate(code, 0.8, r.page, box_of([w]), r.y0, label=1.0)
    found: list[tuple[float, float, Candidate]] = []  # (-type size, position, candidate)
    labelled: Candidate | None = None
    for r in rows:
        for ws in segments(r):
            if len(ws) > 6:
                continue  # a sentence, not a title
            ps = [p for w in ws for p in w.pieces]
            for i, j, code, _ in sorted(_INDEX.matches(ps), key=lambda m: (m[0], m[0] - m[1])):
                rest = ps[j:]
                if i == 0 and not rest or (i > 0 and j == len(ps) and len(ps) <= 3):
                    # "Invoice", "Tax Invoice", "RECHNUNG": a title
                    size = max(w.y1 - w.y0 for w in ws)
                    found.append((-size, r.page * 10000 + r.y0, Candidate(code, 0.45, r.page, box_of(ws), r.y0)))
                elif i == 0 and (rest[0] in _NUMBER_WORDS or re.search(r"\d", "".join(rest[:3]))):
                    # "Rechnung Nr. 4711", "Invoice #: 123": a title with its number, or a label
                    size = max(w.y1 - w.y0 for w in ws)
                    if size > 1.15 * doc.line_h:
                        found.append((-size, r.page * 10000 + r.y0, Candidate(code, 0.45, r.page, box_of(ws), r.y0)))
                    elif labelled is None:
                        labelled = Candidate(code, 0.3, r.page, box_of(ws), r.y0, derived=True)
                break
        if labelled is None:
            labelled = _compound_label(r.words)
    if found:
        found.sort(key=lambda f: (round(f[0], 1), f[1]))
        return found[0][2]
    return labelled
