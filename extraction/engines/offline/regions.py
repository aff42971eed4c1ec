"""Regions of a page that are not the document's own header: a detachable payment slip.

A remittance slip or payment stub at the foot of a page ("Remittance advice", "Please return this
portion", "Zahlungsabschnitt", "Bulletin de paiement") is filled in and sent back by the payer: its
party block ("From: <customer>") names the buyer, never the seller, whose letterhead is above.
The slip runs from its heading to the foot of the page.
"""

from __future__ import annotations

from extraction.engines.offline.layout import DocumentRows, Row, segments
from extraction.vocabulary import SLIP_HEADINGS, LabelIndex

_INDEX = LabelIndex()
for _phrase, _w in SLIP_HEADINGS.items():
    _INDEX.add(_phrase, "slip", _w)
# a slip is detached from the lower part of a page, below the document's own content
_SLIP_TOP = 0.35


def slip_start(doc: DocumentRows, rows: list[Row]) -> float | None:
    """The top (y) of the payment slip on a page whose rows are ``rows``, or None."""
    if not rows:
        return None
    _w, h = doc.size.get(rows[0].page, (1.0, 1.0))
    for r in rows:
        if h <= 1 or r.y0 < _SLIP_TOP * h:
            continue
        for ws in segments(r):
            if len(ws) > 12:
                continue  # a sentence that mentions a remittance, not a slip's heading
            ps = [p for w in ws for p in w.pieces]
            if any(i == 0 for i, _, _, _ in _INDEX.matches(ps)):
                return r.y0 - 1
    return None


def slip_rows(doc: DocumentRows) -> set[int]:
    """The rows (by id) of every page's payment slip."""
    out: set[int] = set()
    for rows in doc.rows_by_page:
        top = slip_start(doc, rows)
        if top is not None:
            out |= {id(r) for r in rows if r.y0 >= top}
    return out
