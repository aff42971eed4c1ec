"""Candidate values of scalar fields, and the choice between them.

The same value seen under several labels is more credible; among the top amount candidates the
combination with subtotal + tax = total wins; the amount due defaults to the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.schema import FieldSpec


@dataclass
class Candidate:
    """A value read for a field, its score and where it is printed."""

    value: Any
    score: float
    page: int
    box: tuple[float, float, float, float]
    order: float = 0.0  # reading position (page, y) for tie-breaks


def choose_candidates(fields: list[FieldSpec], cands: dict[str, list[Candidate]],
                      concept: dict[str, str | None]) -> dict[str, Candidate]:
    """The best candidate per field (``cands`` is left ranked, best first)."""
    chosen: dict[str, Candidate] = {}
    for f in fields:
        cs = cands.get(f.key) or []
        if not cs:
            continue
        kind_amount = f.type in ("number", "integer")
        # same value seen under several labels -> more credible
        agg: dict[str, Candidate] = {}
        for c in cs:
            k = repr(c.value)
            if k not in agg:
                agg[k] = Candidate(c.value, c.score, c.page, c.box, c.order)
            else:
                a = agg[k]
                if c.score > a.score:
                    agg[k] = Candidate(c.value, c.score + 0.05 * a.score, c.page, c.box, c.order)
                else:
                    a.score += 0.05 * c.score
        ranked = sorted(agg.values(), key=lambda c: (-round(c.score, 3),
                                                     -c.order if kind_amount and concept.get(f.key) in ("total_amount", "amount_due") else c.order))
        chosen[f.key] = ranked[0]
        cands[f.key] = ranked
    # subtotal + tax = total: pick the consistent combination among the top candidates
    keys = {concept.get(f.key): f.key for f in fields}
    ks, kt, kT = keys.get("subtotal_amount"), keys.get("tax_amount"), keys.get("total_amount")
    if kT and cands.get(kT):
        sub = (cands.get(ks) or [])[:4] if ks else []
        tax = (cands.get(kt) or [])[:4] if kt else []
        tot = cands[kT][:4]
        best = None
        for T in tot:
            for s in sub:
                for t in tax or [Candidate(0.0, 0.3, 0, (0, 0, 0, 0))]:
                    if abs(s.value + t.value - T.value) <= 0.011 and T.value != 0:
                        sc = T.score + s.score + t.score
                        if best is None or sc > best[0]:
                            best = (sc, s, t, T)
        if best:
            _, s, t, T = best
            assert ks is not None  # a best combination needs a subtotal candidate (sub is [] without ks)
            chosen[ks] = Candidate(s.value, min(1.0, s.score + 0.25), s.page, s.box, s.order)
            if kt and t.page:
                chosen[kt] = Candidate(t.value, min(1.0, t.score + 0.25), t.page, t.box, t.order)
            chosen[kT] = Candidate(T.value, min(1.0, T.score + 0.25), T.page, T.box, T.order)
    ka = keys.get("amount_due")
    if ka and kT and chosen.get(kT):
        T = chosen[kT]
        if ka not in chosen:
            chosen[ka] = Candidate(T.value, 0.35, T.page, T.box, T.order)
        elif chosen[ka].value == T.value:
            chosen[ka].score = min(1.0, chosen[ka].score + 0.1)
    return chosen
