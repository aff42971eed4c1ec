"""Grounding: where each value of a result is printed, as hits on the word index.

Scalars: the exact value, else an id glued to a prefix, else (words) a cluster of nearby words
sharing its tokens; the occurrence cited is the one nearest the engine's own citation. Line items
are grounded together: the item's most specific value is placed first (after the previous item),
its other values nearest to it; a value only found far from its item counts FAR_ITEM_GROUNDING.
"""

from __future__ import annotations

import bisect
from typing import Any

from core.schema import FieldSpec
from extraction.confidence.index import Hit, Span, WordIndex, cents, compact_text
from extraction.result import Citation
from extraction.values import parse_date, parse_number

FAR_ITEM_GROUNDING = 0.7  # an item value found on the page, but not near the rest of its item


def is_empty(v: Any) -> bool:
    """No value: None, blank text or an empty list."""
    return v is None or (isinstance(v, str) and not v.strip()) or v == []


def span_words(span: Span) -> tuple[int, ...]:
    """The word indices of a span."""
    return tuple(range(span[0], span[1]))


def specificity(value: Any, ftype: str) -> float:
    """How much finding a value proves, 0..1: min(1, significant characters / 4)."""
    if ftype == "date":
        return 1.0
    if ftype in ("number", "integer") and isinstance(value, (int, float)):
        digits = str(cents(value)).strip("0")
        return min(1.0, len(digits) / 4)
    return min(1.0, len(compact_text(str(value))) / 4)


def exact_spans(index: WordIndex, value: Any, ftype: str) -> list[Span]:
    """Every place a value is printed exactly (as a number, a date or its letters and digits)."""
    if value is None or isinstance(value, bool):
        return []
    if ftype in ("number", "integer"):
        v = float(value) if isinstance(value, (int, float)) else parse_number(value)
        return index.find_number(v) if v is not None else []
    if ftype == "date":
        iso = parse_date(value)
        return index.find_date(iso) if iso else []
    return index.find_text(str(value))


def ground_scalar(index: WordIndex, f: FieldSpec, value: Any,
                  hint: Citation | None) -> Hit | None:
    """Where a scalar value is printed: exactly, glued to a prefix (0.95), or as nearby words."""
    cands = exact_spans(index, value, f.type)
    quality = 1.0
    if not cands and f.type in ("string", "enum"):
        cands, quality = index.find_inside(str(value)), 0.95
    if cands:
        return Hit(span_words(_choose_occurrence(cands, index, f, hint)), quality)
    if f.type in ("string", "enum") and len(str(value).split()) >= 2:  # words, not an id
        return index.find_tokens(str(value))
    return None


def _choose_occurrence(cands: list[Span], index: WordIndex, f: FieldSpec,
                       hint: Citation | None) -> Span:
    """Which occurrence to cite: the one nearest the engine's own citation, else by position."""
    if hint is not None:
        w, h = index.size.get(hint.page, (1.0, 1.0))
        hx, hy = (hint.bbox[0] + hint.bbox[2]) / 2 * w, (hint.bbox[1] + hint.bbox[3]) / 2 * h

        def dist(c: Span) -> float:
            if index.page[c[0]] != hint.page:
                return 1e9
            b = index.box[c[0]]
            return abs((b[0] + b[2]) / 2 - hx) + abs((b[1] + b[3]) / 2 - hy)

        return min(cands[:200], key=dist)
    # amounts: the last occurrence (totals close the document); others: the first
    return cands[-1] if f.type in ("number", "integer") else cands[0]


def _x_center(index: WordIndex, span: Span) -> float:
    """The horizontal centre of a span."""
    b = index.box[span[0]]
    return (b[0] + index.box[span[1] - 1][2]) / 2


def _nearest_span(cands: list[Span], index: WordIndex, anchor: int, used: set[int],
                  col: float | None) -> Span | None:
    """The candidate on the rows nearest the anchor; on one row, the one in the key's column."""
    k = bisect.bisect_left(cands, (anchor,))
    pool = [c for c in cands[max(0, k - 8):k + 8] if c[0] not in used]
    if not pool:
        return None

    def dist(c: Span) -> float:
        d = index.row_distance(c[0], anchor)
        return d + (abs(_x_center(index, c) - col) / 1e4 if col is not None else 0.0)

    return min(pool, key=dist)


def ground_items(index: WordIndex, f: FieldSpec, items: list[Any]) -> dict[int, dict[str, Hit]]:
    """Per item, per sub-key: the hit, placed near the item's most specific value.

    Items are read in order: an item's anchor (its value with the fewest occurrences) is taken on
    the first row after the previous item's; its other values nearest to that row and, when a value
    occurs twice on the row (unit price = amount), in the column where that key was found before.
    """
    out: dict[int, dict[str, Hit]] = {}
    subs = [s for s in f.fields or [] if s.type != "boolean"]
    prev: int | None = None
    col_sum: dict[str, tuple[float, int]] = {}

    def col(key: str) -> float | None:
        s_n = col_sum.get(key)
        return s_n[0] / s_n[1] if s_n else None

    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        hits: dict[str, Hit] = {}
        spans: dict[str, Span] = {}
        cands: dict[str, list[Span]] = {}
        for s in subs:
            v = item.get(s.key)
            if not is_empty(v):
                cands[s.key] = exact_spans(index, v, s.type)
        # the anchor: the value with the fewest places on the page, after the previous item
        have = [(len(c), k) for k, c in cands.items() if c]
        anchor: int | None = None
        used: set[int] = set()
        if have:
            ak = min(have)[1]
            cs = cands[ak]
            if prev is None:
                pick = cs[0]
            else:
                pos = bisect.bisect_left(cs, (prev,))
                while pos < len(cs) and index.page[cs[pos][0]] == index.page[prev] and \
                        index.row[cs[pos][0]] <= index.row[prev]:
                    pos += 1
                pick = cs[pos] if pos < len(cs) else cs[-1]
            cx = col(ak)
            if cx is not None:  # the same value twice on that row: the one in the key's column
                same = [c for c in cs[max(0, cs.index(pick) - 4):cs.index(pick) + 5]
                        if index.page[c[0]] == index.page[pick[0]]
                        and index.row[c[0]] == index.row[pick[0]]]
                pick = min(same, key=lambda c: abs(_x_center(index, c) - cx))
            spans[ak] = pick
            anchor = pick[0]
            used.add(pick[0])
        for s in subs:
            if s.key in spans or s.key not in cands:
                continue
            cs = cands[s.key]
            c = _nearest_span(cs, index, anchor, used, col(s.key)) if cs and anchor is not None else \
                (cs[0] if cs else None)
            if c is not None:
                spans[s.key] = c
                used.add(c[0])
                if anchor is None:
                    anchor = c[0]
            elif s.type in ("string", "enum") and len(str(item[s.key]).split()) >= 2:
                h = index.find_tokens(str(item[s.key]), anchor if anchor is not None else prev)
                if h is not None:
                    hits[s.key] = h
                    if anchor is None:
                        anchor = h.start
        for k, c in spans.items():
            hits[k] = Hit(span_words(c))
        if anchor is not None:
            for k, h in hits.items():
                if index.row_distance(h.start, anchor) > 3:
                    h.quality = min(h.quality, FAR_ITEM_GROUNDING)
                elif k in spans:
                    x, m = col_sum.get(k, (0.0, 0))
                    col_sum[k] = (x + _x_center(index, spans[k]), m + 1)
            prev = anchor
        out[n] = hits
    return out
