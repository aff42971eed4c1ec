"""Table cells: a table's columns, which column each word of a row belongs to, and the evidence
behind a cell's value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.engines.offline.layout import PlacedWord, Row, ocr_read
from extraction.engines.offline.value_words import group_gap, unglued

_LEAD_GROUP = re.compile(r"^[-(]?[€$£]?\d{1,3}$")
_NEXT_GROUP = re.compile(r"^\d{3}([.,]\d+)?[€$£)]?$")


def merge_same_target(r: Row, picked: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Neighbouring labels of the same column in one segment ("Descrizione articolo",
    "Item Description") are one label."""
    out: list[tuple[int, int, str, float]] = []
    for wi, wj, t, wt in picked:
        if out and t and out[-1][2] == t and out[-1][1] + 1 == wi and r.seg_of_word[out[-1][1]] == r.seg_of_word[wi]:
            a = out.pop()
            out.append((a[0], wj, t, max(a[3], wt)))
        else:
            out.append((wi, wj, t, wt))
    return out


def _units(words: list[PlacedWord]) -> list[list[PlacedWord]]:
    """Words in order, the digit groups of an amount printed with spaces kept together."""
    out: list[list[PlacedWord]] = []
    for w in words:
        prev = out[-1][-1] if out else None
        if prev is not None and _NEXT_GROUP.match(w.text) and (_LEAD_GROUP.match(prev.text) or (
                len(out[-1]) > 1 and _NEXT_GROUP.match(prev.text))) and \
                0 <= w.x0 - prev.x1 < group_gap(w):
            out[-1].append(w)
        else:
            out.append([w])
    return out


@dataclass
class Column:
    """A table column: the nested field it holds and its x-range (from the header row)."""

    target: str  # nested field key, or "" for a column we do not extract
    x0: float
    x1: float
    weight: float




def assign_cells(words: list[PlacedWord], cols: list[Column]) -> tuple[dict[int, list[PlacedWord]], dict[int, float]]:
    """A row's words per column index (by overlap, else the nearest column), the digit groups of
    one amount ("12 717,12") together; and per word (by id) how clearly it sits in its column:
    its overlap with it against the next best column's."""
    out: dict[int, list[PlacedWord]] = {}
    margins: dict[int, float] = {}
    for unit in _units(words):
        x0, x1 = unit[0].x0, unit[-1].x1
        best, best_ov, second = None, 0.0, 0.0
        for ci, c in enumerate(cols):
            ov = min(x1, c.x1 + 2) - max(x0, c.x0 - 2)
            if ov > best_ov:
                best, best_ov, second = ci, ov, best_ov
            elif ov > second:
                second = ov
        margin = (best_ov - max(second, 0.0)) / max(x1 - x0, 1.0) if best is not None else 0.3
        if best is None:
            if any(re.search(r"\d", w.text) for w in unit):
                g, ci = min((max(c.x0 - x1, x0 - c.x1), ci) for ci, c in enumerate(cols))
                if g < 45:
                    best = ci
            if best is None:
                left = [ci for ci, c in enumerate(cols) if c.x0 <= x0 + 3]
                if left:
                    best = left[-1]
                elif cols and x1 > cols[0].x0 - 60:
                    best = 0
        for w in unit:
            margins[id(w)] = margin
            if best is not None:
                out.setdefault(best, []).append(w)
    return out, margins


def cell_evidence(ws: list[PlacedWord], margins: dict[int, float], label: float,
                  check: bool | None) -> dict[str, float]:
    """A cell's evidence: its column label, how clearly its words sit in the column, whether
    qty x unit price = amount holds on its row (``check``; None: not checkable), and the OCR
    confidence of its words."""
    margin = min((margins.get(id(w), 0.3) for w in ws), default=0.3)
    ev = {"margin": round(max(0.0, min(1.0, margin)), 3), "label": round(max(0.0, min(1.0, label)), 3),
          "derived": 0.0}
    if check is not None:
        ev["agree"] = 1.0 if check else 0.0
    cs = [w.conf for w in ws if w.conf is not None]
    if cs:
        ev["ocr"] = round(sum(cs) / len(cs), 3)
    return ev


def unread_on_scan(ws: list[PlacedWord]) -> bool:
    """An OCRed cell of one mark without a digit ("+", "ı", "st", "a"): what tesseract makes of a
    lone figure ("1", "7") standing in its column; the figure was printed but not read."""
    marks = [w for w in ws if not re.fullmatch(r"[-−–]?[€$£¥₹]", w.text)]  # a price's currency may fall in it
    return len(marks) == 1 and marks[0].conf is not None and len(marks[0].text) <= 2 and \
        not any(ch.isdigit() for ch in marks[0].text)


def quantity_from_amount(price: float | None, amount: float | None) -> float | None:
    """The quantity that qty x unit price = amount gives, when it is a whole number of at least 1
    (a quantity printed on a scan but not read: the row's own arithmetic says what it was)."""
    if not price or not amount:
        return None
    q = abs(amount / price)  # a credit note's amounts may be printed negative
    return float(round(q)) if round(q) >= 1 and abs(q - round(q)) <= 0.0005 * max(q, 1) else None


def quantities_by_arithmetic(items: list[dict], spare: list[dict[float, float]], scanned: list[bool],
                             kq: str, kp: str, ka: str) -> None:
    """A table whose quantity column was not recognised by its heading ("Qy" for "Qty" on a
    scan, a word the vocabulary lacks): the unlabelled column whose figures times the unit price
    make the line amount on every row where it holds a figure (two rows at least, or the one row
    of a one-row table) is the quantity column. ``spare``: per item, its unlabelled columns'
    figures by column position; on a scanned row where that column's figure was not read, the
    row's arithmetic gives it (quantity_from_amount)."""
    if any(it.get(kq) is not None for it in items):
        return
    best: tuple[int, float] | None = None
    for x in sorted({x for s in spare for x in s}):
        rows = [(it, s[x]) for it, s in zip(items, spare) if x in s and it.get(kp) and it.get(ka) is not None]
        ok = [r for r in rows if r[1] > 0 and abs(r[1] * r[0][kp] - abs(r[0][ka])) <= max(0.011, 0.006 * abs(r[0][ka]))]
        if ok and len(ok) == len(rows) and (len(ok) >= 2 or len(items) == 1) and (best is None or len(ok) > best[0]):
            best = (len(ok), x)
    if best is not None:
        for it, s, scan in zip(items, spare, scanned):
            it[kq] = s[best[1]] if best[1] in s else (quantity_from_amount(it.get(kp), it.get(ka)) if scan else None)


_TWO_DECIMALS = re.compile(r"\d[.,]\d{2}$")


def points_lost_in_column(items: list[dict], words: list[dict[str, list[PlacedWord]]], keys: tuple[str | None, ...]) -> int:
    """A money column that prints two decimals ("586,24", "5.075,96") where OCR read some of its
    figures without any separator ("14656", "3745": a small serif comma lost; a row's own
    arithmetic cannot tell, since its price and amount lose theirs alike): those figures are
    read with the two decimals the column prints. Only scanned cells, only figures of three
    digits or more, and only where most of the column's cells show two decimals (as printed, or
    as a row's arithmetic already read them). Returns how many figures it changed."""
    changed = 0
    for k in keys:
        if not k:
            continue
        bare, shown = [], 0
        for n, ws in enumerate(words):
            t, v = "".join(w.text for w in ws.get(k, [])), items[n].get(k)
            if not t or v is None:
                continue
            digits = re.sub(r"[^\d.,'’-]", "", t).strip("-")
            as_read = re.fullmatch(r"\d{3,}", digits) is not None and abs(float(v)) == int(digits)
            if as_read and ocr_read(ws[k]):
                bare.append(n)
            shown += bool(_TWO_DECIMALS.search(t)) or (not as_read and abs(float(v)) != int(abs(float(v))))
        if bare and shown >= 2 and shown >= len(bare):
            for n in bare:
                items[n][k] = round(float(items[n][k]) / 100, 2)
            changed += len(bare)
    return changed


def mend_lost_points(item: dict, words: dict[str, list[PlacedWord]], kq: str | None, kp: str | None, ka: str | None) -> None:
    """OCR drops a decimal point ("1211850" for "12.118,50", "125" for "12,5"): on an OCRed
    row where qty x unit price = amount fails as read, and holds once figures printed without
    any separator are read with one (a price or amount with two decimals, a quantity with one,
    or two after a leading zero: "025"), the fewest such changes that make it hold are taken."""
    if not (kq and kp and ka) or any(item.get(k) is None for k in (kq, kp, ka)):
        return
    if not ocr_read(w for ws in words.values() for w in ws):
        return  # a text layer prints what it means ("150" at a price per 100 units)
    q, p, a = float(item[kq]), float(item[kp]), float(item[ka])

    def holds(q: float, p: float, a: float) -> bool:
        return abs(q * p - a) <= 0.011 + 0.0005 * abs(a)

    if holds(q, p, a) or not a:
        return

    def readings(k: str, v: float, divisors: tuple[int, ...]) -> list[tuple[float, int]]:
        txt = "".join(unglued(w.text) for w in words.get(k, []))
        bare = re.fullmatch(r"[-+]?\d{2,}", re.sub(r"[^\d+-]", "", txt)) and not re.search(r"[.,'’]", txt)
        if k == kq and not txt.lstrip("-+").startswith("0"):
            divisors = divisors[:1]  # "150" is no 1,50 (a price per 100 units); "025" is 0,25
        return [(v, 0)] + ([(v / d, 1) for d in divisors] if bare and v == int(v) else [])

    best = None
    for q2, cq in readings(kq, q, (10, 100)):
        for p2, cp in readings(kp, p, (100,)):
            for a2, ca in readings(ka, a, (100,)):
                n = cq + cp + ca
                if n and holds(q2, p2, a2) and (best is None or n < best[0]):
                    best = (n, q2, p2, a2)
    if best is not None:
        item[kq], item[kp], item[ka] = best[1], best[2], round(best[3], 2)
