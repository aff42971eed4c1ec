"""A payment already made ("Acompte versé -500,00", "Anzahlung", "Deposit", "Payments/Credits"):
printed between the total and the amount still due, it says what the amount due is when the line
that prints it was not read (total less the payment)."""

from __future__ import annotations

from extraction.engines.offline.layout import DocumentRows, segments
from extraction.engines.offline.value_words import money_amounts
from extraction.vocabulary import PREPAID_LABELS, LabelIndex

_INDEX = LabelIndex()
for _phrase, _w in PREPAID_LABELS.items():
    _INDEX.add(_phrase, "paid", _w)


def prepaid(doc: DocumentRows, skip_rows: set[int]) -> float | None:
    """The sum of the payments already made, each read right of its label on its row; None when
    none is printed (or every one printed is zero)."""
    total = 0.0
    for r in doc.rows:
        if id(r) in skip_rows:
            continue
        segs = segments(r)
        for n, ws in enumerate(segs):
            ps = [p for w in ws for p in w.pieces]
            hit = [j for i, j, _, _ in _INDEX.matches(ps) if i == 0]
            if not hit:
                continue
            # the words after the label in its segment, then the segments right of it
            seen, k = 0, 0
            while k < len(ws) and seen < max(hit):
                seen += len(ws[k].pieces)
                k += 1
            rest = ws[k:] + [w for s in segs[n + 1:] for w in s]
            amounts = money_amounts(rest, doc.language, doc.decimal)
            if amounts:
                total += abs(amounts[-1][0])
            break
    return round(total, 2) if total else None
