"""Candidate values of scalar fields, and the choice between them.

The same value seen under several labels is more credible. Amounts are chosen together: among the
top candidates of subtotal, tax and total the combination that adds up (subtotal + tax = total,
tax = rate x subtotal, lines sum to the subtotal) wins, and impossible combinations (a tax larger
than the total or than the net amount, a total equal to the tax) are refused even when nothing
adds up. The amount due defaults to the total.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from typing import Any

from core.schema import FieldSpec
from extraction.vocabulary.index import one_edit_apart

# bonuses of an amount combination, in units of a candidate's score
ADDS_UP = 1.0  # subtotal + tax = total
RATE_FITS = 0.5  # tax = printed rate x subtotal
LINES_FIT = 0.4  # the line amounts sum to the subtotal (or to the total when there is no tax)
TOP_N = 4


@dataclass
class Candidate:
    """A value read for a field, its score and where it is printed."""

    value: Any
    score: float
    page: int
    box: tuple[float, float, float, float]
    order: float = 0.0  # reading position (page, y) for tie-breaks
    label: float = 0.0  # how well the label matched (0: found by position, not by a label)
    raw: str = ""  # the printed text, where the reading of it was a choice (dates)
    ocr: float | None = None  # mean OCR confidence of the value's words
    derived: bool = False  # inferred, not printed
    rate: float | None = None  # a percentage printed beside a tax amount
    seen: int = 1  # how many places print this value for this field
    label_x: float | None = None  # left edge of the label the value was read beside


@dataclass
class Arithmetic:
    """What the amount check found: which fields it confirmed, and which it contradicted."""

    confirmed: set[str]
    contradicted: set[str]


def close(a: float, b: float) -> bool:
    """Equal as printed amounts (a cent, or a rounding of large sums)."""
    return abs(a - b) <= 0.011 + 0.00005 * max(abs(a), abs(b))


def rank(cs: list[Candidate], latest_first: bool) -> list[Candidate]:
    """Candidates merged by value (a value seen again adds 5% of its score), best first; ties go
    to the first printed, or the last for totals (a final total follows the intermediate ones)."""
    agg: dict[str, Candidate] = {}
    for c in cs:
        k = repr(c.value)
        a = agg.get(k)
        if a is None:
            agg[k] = replace(c)
        elif c.score > a.score:
            agg[k] = replace(c, score=c.score + 0.05 * a.score, seen=a.seen + 1, label=max(a.label, c.label))
        else:
            a.score += 0.05 * c.score
            a.seen += 1
            a.label = max(a.label, c.label)
    return sorted(agg.values(), key=lambda c: (-round(c.score, 3), -c.order if latest_first else c.order))


def choose_candidates(fields: list[FieldSpec], cands: dict[str, list[Candidate]],
                      concept: dict[str, str | None], lines: float | None = None,
                      paid: float | None = None, rate_lines: dict[str, list[Candidate]] | None = None,
                      printed: set[float] | None = None) -> tuple[dict[str, Candidate], Arithmetic]:
    """The best candidate per field (``cands`` is left ranked, best first) and what the amount
    arithmetic said; ``lines`` is the sum of the line items' amounts, ``paid`` the payments
    already made (a deposit), when known; ``rate_lines``: per field, labels printing a rate
    without an amount read."""
    chosen: dict[str, Candidate] = {}
    for f in fields:
        cs = cands.get(f.key) or []
        if not cs:
            continue
        latest = f.type in ("number", "integer") and concept.get(f.key) in ("total_amount", "amount_due")
        cands[f.key] = rank(cs, latest)
        chosen[f.key] = cands[f.key][0]
    keys = {concept.get(f.key): f.key for f in fields}
    ka, kT = keys.get("amount_due"), keys.get("total_amount")
    if kT and ka and cands.get(ka):
        # the amount to pay is the total, unless a prepayment shows: a candidate for the total
        # where none is printed as such, or where the printed ones do not add up
        seen = {repr(c.value) for c in cands.get(kT) or []}
        extra = [replace(c, score=0.6 * c.score, derived=True) for c in cands[ka][:2] if repr(c.value) not in seen]
        cands[kT] = [*(cands.get(kT) or [])[:TOP_N - len(extra[:1])], *extra]
        chosen.setdefault(kT, cands[kT][0])
    arith = choose_amounts(chosen, cands, keys.get("subtotal_amount"), keys.get("tax_amount"),
                           keys.get("total_amount"), lines, (rate_lines or {}).get(keys.get("tax_amount") or ""),
                           printed)
    if ka and kT and chosen.get(kT):
        T = chosen[kT]
        # a deposit paid before: the amount due is the total less it
        rest = round(T.value - paid, 2) if paid and 0 < paid < T.value else None
        if ka not in chosen:
            chosen[ka] = replace(T, value=rest, score=0.45) if rest is not None else replace(T, score=0.35)
            chosen[ka].derived, chosen[ka].label = True, 0.0
        elif chosen[ka].value == T.value or (rest is not None and close(chosen[ka].value, rest)):
            chosen[ka].score = min(1.0, chosen[ka].score + 0.1)
            arith.confirmed.add(ka)
        elif kT in arith.confirmed and rest is None and one_figure_off(chosen[ka], T.value) and \
                not _printed(T.value - chosen[ka].value, printed):  # a round payment ($100.00) printed
            # a scanned amount due that is the (checked) total with one figure misread is the total
            chosen[ka] = replace(chosen[ka], value=T.value, score=min(1.0, chosen[ka].score), derived=True)
            arith.confirmed.add(ka)
    return chosen, arith


def choose_amounts(chosen: dict[str, Candidate], cands: dict[str, list[Candidate]], ks: str | None,
                   kt: str | None, kT: str | None, lines: float | None,
                   tax_rates: list[Candidate] | None = None, printed: set[float] | None = None) -> Arithmetic:
    """Subtotal, tax and total chosen together among their top candidates (see the module doc);
    ``tax_rates``: tax labels that print a rate but no amount."""
    arith = Arithmetic(set(), set())
    if not kT and not ks:
        return arith
    options: list[list[Candidate | None]] = []
    tops: list[float] = []
    for k in (ks, kt, kT):
        cs = (cands.get(k) or [])[:TOP_N] if k else []
        extra = [s] if k is not None and k == kt and (s := _tax_sum(cands.get(k) or [])) else []
        options.append([*cs, *extra, None])
        tops.append(cs[0].score if cs else 0.0)
    best: tuple[float, tuple[Candidate | None, ...], set[str]] | None = None
    for combo in product(*options):
        s, t, T = combo
        if _impossible(s, t, T):
            continue
        score = sum(c.score if c is not None else -top for c, top in zip(combo, tops))
        fits: set[str] = set()
        if s is not None and t is not None and T is not None and close(s.value + t.value, T.value):
            score += ADDS_UP
            fits |= {"s", "t", "T"}
        if s is not None and t is not None and t.rate and close(s.value * t.rate / 100, t.value):
            score += RATE_FITS
            fits |= {"s", "t"}
        if lines is not None:
            if s is not None and close(lines, s.value):
                score += LINES_FIT
                fits.add("s")
            elif s is None and t is None and T is not None and close(lines, T.value):
                score += LINES_FIT
                fits.add("T")
        if best is None or score > best[0] + 1e-9:
            best = (score, combo, fits)
    if best is None:
        return arith
    _, combo, fits = best
    for k, c, tag in zip((ks, kt, kT), combo, ("s", "t", "T")):
        if k is None:
            continue
        if c is None:
            chosen.pop(k, None)
            continue
        chosen[k] = replace(c, score=min(1.0, c.score + 0.25)) if tag in fits else c
        if tag in fits:
            arith.confirmed.add(k)
    s, t, T = combo
    if kt and s is not None and T is not None and "t" not in fits:
        derived = _tax_by_rate(s, T, [*(cands.get(kt) or []), *(tax_rates or [])])
        if derived is not None:  # the printed tax was misread: net x rate = total - net
            chosen[kt], t, fits = derived, derived, fits | {"s", "T"}
            arith.confirmed |= {k for k in (ks, kt, kT) if k}
    if not {"s", "t", "T"} <= fits and [s, t, T].count(None) <= 1:
        fixed = _one_misread(s, t, T, cands, ks, kt, kT, printed)
        k = fixed and {"s": ks, "t": kt, "T": kT}[fixed[0]]
        if fixed is not None and k:  # one scanned figure misread: the other two say what it is
            tag, c = fixed
            s, t, T = (c if tag == "s" else s), (c if tag == "t" else t), (c if tag == "T" else T)
            chosen[k], fits = c, {"s", "t", "T"}
            arith.confirmed |= {k2 for k2 in (ks, kt, kT) if k2}
    # printed amounts that do not add up (all three present, none confirmed) contradict each other
    if s is not None and t is not None and T is not None and not fits:
        arith.contradicted |= {k for k in (ks, kt, kT) if k}
    return arith


def one_figure_off(c: Candidate, value: float) -> bool:
    """A value OCR read (``c``) whose figures are ``value``'s with one digit dropped, added or
    changed ("17.833,35" for 117.833,35): a misreading of it, not another amount."""
    if c.ocr is None or not isinstance(c.value, (int, float)) or c.value == value or (c.value < 0) != (value < 0):
        return False
    return one_edit_apart(f"{abs(c.value):.2f}".replace(".", ""), f"{abs(value):.2f}".replace(".", ""))


def _printed(amount: float, printed: set[float] | None) -> bool:
    """The amount (either sign) is printed on the document."""
    return printed is not None and round(abs(amount), 2) in printed


def _one_misread(s: Candidate | None, t: Candidate | None, T: Candidate | None,
                 cands: dict[str, list[Candidate]], ks: str | None, kt: str | None, kT: str | None,
                 printed: set[float] | None = None) -> tuple[str, Candidate] | None:
    """Net, tax and total that do not add up (or one left out as impossible beside the others),
    where exactly one of them, read by OCR, is the other two's sum or difference with one figure
    misread: that one as the other two make it."""
    fixes = []
    for tag, c, k, a, b, sign in (("T", T, kT, s, t, 1), ("s", s, ks, T, t, -1), ("t", t, kt, T, s, -1)):
        if a is None or b is None or k is None:
            continue
        value = round(a.value + sign * b.value, 2)
        options = [c] if c is not None else (cands.get(k) or [])[:TOP_N]
        # the difference printed elsewhere (shipping, a payment) is another amount, not a misreading
        hits = [x for x in options if value > 0 and one_figure_off(x, value) and not _printed(x.value - value, printed)]
        if len(hits) == 1:
            fixes.append((tag, replace(hits[0], value=value, derived=True)))
    return fixes[0] if len(fixes) == 1 else None


def _tax_by_rate(s: Candidate, T: Candidate, cs: list[Candidate]) -> Candidate | None:
    """The tax as total - net when a rate printed beside a tax label says so (net x rate =
    total - net) and no printed tax amount does: derived, cited where the rate is printed."""
    tax = round(T.value - s.value, 2)
    for c in cs:
        if c.rate and tax > 0 and close(s.value * c.rate / 100, tax):
            return replace(c, value=tax, score=0.5, derived=True, seen=1)
    return None


def _tax_sum(cs: list[Candidate]) -> Candidate | None:
    """Tax printed per rate ("VAT 19%", "VAT 7%") without a sum line: their sum, as a candidate."""
    per_rate: dict[float, Candidate] = {}
    for c in cs:
        if c.rate is not None and c.rate not in per_rate:
            per_rate[c.rate] = c
    if len(per_rate) < 2:
        return None
    first = min(per_rate.values(), key=lambda c: c.order)
    return replace(first, value=round(sum(c.value for c in per_rate.values()), 2),
                   score=min(c.score for c in per_rate.values()), derived=True, rate=None)


def _impossible(s: Candidate | None, t: Candidate | None, T: Candidate | None) -> bool:
    """A combination no invoice prints: a tax as large as the total or larger than the net
    amount, a net amount above a total that includes a positive tax, or nothing at all."""
    if s is None and T is None:
        return True
    if t is not None and T is not None and t.value != 0 and abs(t.value) >= abs(T.value):
        return True
    if t is not None and s is not None and abs(t.value) > abs(s.value) > 0:
        return True
    return (s is not None and T is not None and t is not None and t.value > 0
            and s.value > T.value + 0.011 and T.value > 0)
