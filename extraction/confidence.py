"""One confidence per value, a citation per grounded value, and the validation issues of a result.

Every engine's output goes through :func:`assess` after extraction::

    a = assess(schema, result, engine_confidence, document, engine_kind="offline")
    a.confidence   # {"total_amount": 0.97, "line_items": 0.91, "line_items[2].qty": 0.88, ...}
    a.citations    # {"total_amount": Citation(page=1, bbox=(x0, y0, x1, y1) in 0..1), ...}
    a.issues       # [Issue(rule="subtotal_tax_total", paths=[...], message="...")]

Signals
-------
1. **Engine score** ``e``: what the engine reported for the path (offline engine: label and
   position match quality, raised by its own cross-checks; Gemini: the merged self-report; e-invoice
   XML: 1.0). A path the engine did not score starts from the kind's default. Gemini's self-report
   is shrunk halfway towards 0.7, as it says 0.9 for nearly everything.
2. **Grounding** ``g`` in [0, 1]: is the value printed on the page (text layer or OCR words)?
   The words are indexed once per document: numbers under every reading of the printed token
   (``1.234,50``, ``1,234.50``, ``1 234,50``, ``€1234.5`` -> 1234.5; an ambiguous ``1.234`` under
   both 1234 and 1.234), dates under every reading (``05.03.2024``, ``5 March 2024``,
   ``March 5, 2024``, ``03/05/2024`` day- and month-first, ``2024-03-05``), strings by their
   letters and digits across 1-6 adjacent words of a row (case, accents, spaces and punctuation
   ignored; a currency code also matches its symbol), else by token overlap of nearby words
   (wrapped descriptions), ``g`` = share of the value's token characters found. Line items are
   grounded together: the item's most specific value is placed first (after the previous item), the other
   values of the item are taken nearest to it; a value only found far from its item counts
   ``g = 0.7``. A grounded value gets a citation: the page and the union box of the matched words.
3. **Validation**: type coercion (``type``), dates between 1990 and one year ahead
   (``date_range``), due date not before issue date (``due_before_issue``), line items summing to
   the subtotal or the total within 0.01 x number of items, or to an amount printed elsewhere on
   the page (a "sum of lines" row before allowances) (``items_sum``), qty x unit price = amount
   per item, also with a price per 10/100/1000 units (``line_arithmetic``), subtotal + tax = total
   (``subtotal_tax_total``). Rules find their fields by concept (the offline engine's
   ``map_concept`` tables: a key ``total_amount``, ``grand_total`` or ``total`` is the total) and
   are skipped when a field is absent. A failed rule adds an :class:`Issue` naming the paths; a
   passed one counts as a cross-check for its paths.

Combination (per path, in this order; constants in ``PARAMS``)
---------------------------------------------------------------

| step | offline | gemini | einvoice |
|---|---|---|---|
| engine score ``e`` (default if missing) | ``c = 1 - 0.35 (1 - e)`` (e = 0.5) | ``c = 0.7 + 0.5 (e - 0.7)`` (e = 0.7) | ``c = e`` (e = 1.0) |
| grounded (``g >= 0.95``) | ``c += (1 - c) x 0.6 x s x g`` | ``c += (1 - c) x 0.6 x s x g`` | citation only |
| partly / not grounded | ``c *= 0.5 + 0.5 g`` | ``c *= 0.35 + 0.65 g`` | no penalty |
| each passed cross-check | ``c += (1 - c) x 0.5`` | ``c += (1 - c) x 0.5`` | ``c += (1 - c) x 0.5`` |
| each failed rule | ``c *= 0.6`` | ``c *= 0.6`` | ``c *= 0.9`` |

``s`` is the value's specificity, ``min(1, significant characters / 4)``: finding "1" on a page
proves little, finding "DE123456789" a lot. Empty values keep the engine's score and are never
grounded, penalised or cited; pages without any words (an image that was not OCR'd) give no
grounding signal either way. A list's own key gets the mean of its items' present leaf
confidences, then its ``items_sum`` cross-check. Results are clamped to [0, 1], 3 decimals.

Why these numbers: on ../shared/eval (``bench/calibrate.py``) the offline engine's values are right
~98.7% of the time whatever its raw match score (0.4-0.5 raw scores were still 97% right), so its
score is shrunk towards 1 and only orders values; what separates wrong values is a failed rule or
a value not on the page. Gemini's self-report is flat (0.9 for nearly everything), so it is shrunk
towards 0.7 and grounding weighs more: a model can write a value that is not printed. E-invoice
XML values are exact: a failed rule is reported as an issue but barely lowers them.
"""

from __future__ import annotations

import bisect
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel

from extraction.result import Citation
from extraction.vocabulary import COLUMN_CONCEPTS, HEADER_CONCEPTS, map_concept
from extraction.pages import DocumentText, PageText, Word
from core.schema import ExtractionSchema, FieldSpec
from extraction.values import CURRENCY_SYMBOLS, coerce, fold, parse_date, parse_number

EngineKind = Literal["offline", "gemini", "einvoice"]

PARAMS: dict[str, dict[str, float]] = {
    # default: score of a path the engine did not score; shrink/prior: c = prior + shrink (e - prior)
    # raise: grounded raise towards 1 (times specificity); floor: factor of an ungrounded value
    # fail: factor per failed rule; passed: share of the remaining distance to 1 per passed check
    "offline": {"default": 0.5, "prior": 1.0, "shrink": 0.35, "raise": 0.6, "floor": 0.5,
                "fail": 0.6, "passed": 0.5},
    "gemini": {"default": 0.7, "prior": 0.7, "shrink": 0.5, "raise": 0.6, "floor": 0.35,
               "fail": 0.6, "passed": 0.5},
    "einvoice": {"default": 1.0, "prior": 1.0, "shrink": 1.0, "raise": 0.0, "floor": 1.0,
                 "fail": 0.9, "passed": 0.5},
}
GROUNDED = 0.95  # grounding quality that counts as found (an id glued to its label: 0.95)
FAR_ITEM_GROUNDING = 0.7  # an item value found on the page, but not near the rest of its item
PRICE_BASES = (1, 10, 100, 1000)  # qty x price / base = amount (a price per 100 units)
MIN_YEAR = 1990
MAX_FUTURE_DAYS = 365


class Issue(BaseModel):
    rule: str  # type, date_range, due_before_issue, items_sum, line_arithmetic, subtotal_tax_total
    paths: list[str]
    message: str


class Assessment(BaseModel):
    confidence: dict[str, float]
    citations: dict[str, Citation] = {}
    issues: list[Issue] = []


# ---------------------------------------------------------------------------------------------
# the word index

_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[A-Za-z]")
_DATE_TOKEN = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\.?|\d{8}|\d{4}-\d{2}-\d{2}T.*")
_DIGIT_GROUP = re.compile(r"\d{3}(?:[.,]\d+)?")
_SIMPLE_INT = re.compile(r"\d{1,12}")
_SIMPLE_DEC = re.compile(r"(\d{1,12})[.,](\d{1,2})")
_STRIP = ":;,*"


@lru_cache(maxsize=65536)
def _number_readings(text: str) -> tuple[float, ...]:
    """Every number a printed token can mean (both separator readings when ambiguous)."""
    t = text.strip(_STRIP)
    if not t or not _DIGIT.search(t):
        return ()
    if _SIMPLE_INT.fullmatch(t):
        return (float(t),)
    m = _SIMPLE_DEC.fullmatch(t)
    if m:
        return (float(m[1] + "." + m[2]),)
    out = []
    for dec in (".", ","):
        v = parse_number(t, decimal=dec)
        if v is not None and v not in out:
            out.append(v)
    return tuple(out)


@lru_cache(maxsize=65536)
def _date_readings(text: str) -> tuple[str, ...]:
    out = []
    for lang in ("auto", "en-us"):
        iso = parse_date(text, lang)
        if iso and iso not in out:
            out.append(iso)
    return tuple(out)


@lru_cache(maxsize=65536)
def _is_month(word: str) -> bool:
    from extraction.values import _MONTHS  # the same month names parse_date knows

    return fold(word).strip(".,") in _MONTHS


@lru_cache(maxsize=65536)
def _compact(text: str) -> str:
    """Letters and digits only, folded: 'USt-IdNr. DE 123' -> 'ustidnrde123'."""
    return "".join(re.findall(r"[a-z0-9]+", fold(text)))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", fold(text)))


def _cents(v: float) -> int:
    return int(round(abs(v) * 100))


class _Hit:
    """Matched words (indices into the index's word list) and how well they match (0..1)."""

    __slots__ = ("words", "quality", "start")

    def __init__(self, words: tuple[int, ...], quality: float = 1.0) -> None:
        self.words = words
        self.quality = quality
        self.start = min(words)


Span = tuple[int, int]  # words [a, b) of one row


class WordIndex:
    """Every word of a document in reading order, indexed once by number, date, text and token."""

    MAX_SPAN = 6

    def __init__(self, document: DocumentText) -> None:
        self.size = {p.number: (p.width or 1.0, p.height or 1.0) for p in document.pages}
        # flat word arrays in reading order (page, row, x)
        self.text: list[str] = []
        self.page: list[int] = []
        self.box: list[tuple[float, float, float, float]] = []
        self.row: list[int] = []  # global row number of each word
        self.row_height: list[float] = []  # per global row
        self.numbers: dict[int, list[Span]] = {}
        self.dates: dict[str, list[Span]] = {}
        self.compact: dict[str, list[Span]] = {}
        self.token: dict[str, list[int]] = {}
        self._toksets: list[frozenset[str]] | None = None
        for p in document.pages:
            for ws, h in _rows(p):
                row_no = len(self.row_height)
                self.row_height.append(h)
                first = len(self.text)
                for w in ws:
                    self.text.append(w.text)
                    self.page.append(p.number)
                    self.box.append((w.x0, w.y0, w.x1, w.y1))
                    self.row.append(row_no)
                self._index_row(first, len(self.text), h)
        self.n = len(self.text)

    # -- building --------------------------------------------------------------------------------
    def _index_row(self, a: int, b: int, h: float) -> None:
        text, box = self.text, self.box
        compacts = [_compact(text[i]) for i in range(a, b)]
        months = [_is_month(text[i]) for i in range(a, b)]
        compact, numbers, token = self.compact, self.numbers, self.token
        gap = 4 * h
        for i in range(a, b):
            t = text[i]
            for tok in _tokens(t):
                token.setdefault(tok, []).append(i)
            # text windows of 1..MAX_SPAN adjacent words
            acc = ""
            for j in range(i, min(b, i + self.MAX_SPAN)):
                if j > i and box[j][0] - box[j - 1][2] > gap:
                    break  # a wide gap: another column
                acc += compacts[j - a]
                if acc and len(acc) <= 80:
                    compact.setdefault(acc, []).append((i, j + 1))
            # dates written with a month name: "5 March 2024", "5. März 2024", "March 5, 2024"
            if any(months[i - a:min(b, i + 4) - a]):
                for k in (3, 2, 4):
                    j = i + k
                    if j > b or not any(months[i - a:j - a]):
                        continue
                    if any(box[m][0] - box[m - 1][2] > 2 * h for m in range(i + 1, j)):
                        continue
                    for iso in _date_readings(" ".join(text[i:j])):
                        self.dates.setdefault(iso, []).append((i, j))
            if not _DIGIT.search(t):
                continue
            # one-word dates: "05.03.2024", "2024-03-05", "05-Mar-2024"
            s = t.strip(",;()")
            if _DATE_TOKEN.fullmatch(s) or ("-" in s and _ALPHA.search(s)):
                for iso in _date_readings(s):
                    self.dates.setdefault(iso, []).append((i, i + 1))
            # numbers: the token, or digit groups split into words ("1 234,50")
            for v in _number_readings(t):
                numbers.setdefault(_cents(v), []).append((i, i + 1))
            joined = t
            for j in range(i + 1, min(b, i + 3)):
                if not _DIGIT_GROUP.fullmatch(text[j]) or box[j][0] - box[j - 1][2] > 0.6 * h:
                    break
                joined += " " + text[j]
                for v in _number_readings(joined):
                    numbers.setdefault(_cents(v), []).append((i, j + 1))

    # -- finding ---------------------------------------------------------------------------------
    def find_number(self, v: float) -> list[Span]:
        return self.numbers.get(_cents(v), [])

    def find_date(self, iso: str) -> list[Span]:
        return self.dates.get(iso, [])

    def find_text(self, s: str) -> list[Span]:
        key = _compact(s)
        hits = self.compact.get(key, []) if key else []
        code = s.strip().upper()
        if len(code) == 3 and code.isalpha():  # a currency code is also found as its symbol
            syms = [sym for sym, c in CURRENCY_SYMBOLS.items() if c == code and sym != code]
            signs = [sym for sym in syms if not _ALPHA.search(sym)]  # "€" anywhere, "Rs." as a word
            extra = [(i, i + 1) for i, t in enumerate(self.text) if any(sym in t for sym in signs)]
            for sym in syms:
                if _ALPHA.search(sym):
                    extra += self.compact.get(_compact(sym), [])
            if extra:
                hits = sorted(set(hits) | set(extra))
        return hits

    def find_inside(self, s: str) -> list[Span]:
        """An id printed glued to a prefix ("Nr.471102", "#BLR_1")."""
        key = _compact(s)
        if len(key) < 4 or not _DIGIT.search(key):
            return []
        return [(i, i + 1) for i, t in enumerate(self.text) if key in _compact(t)]

    def _tokset(self, i: int) -> frozenset[str]:
        if self._toksets is None:
            self._toksets = [frozenset(_tokens(t)) for t in self.text]
        return self._toksets[i]

    def find_tokens(self, s: str, near: int | None = None) -> _Hit | None:
        """Best cluster of nearby words sharing the value's tokens (wrapped text, other order)."""
        want = frozenset(_tokens(s))
        if not want:
            return None
        occ = {t: self.token.get(t, []) for t in want}
        found = [t for t in want if occ[t]]
        if not found:
            return None
        total = sum(len(t) for t in want)  # coverage counts characters: "1" proves little
        anchor_tok = min(found, key=lambda t: (len(occ[t]), -len(t), t))
        anchors = occ[anchor_tok]
        if near is not None:
            k = bisect.bisect_left(anchors, near)
            anchors = anchors[max(0, k - 3):k + 3]
        else:
            anchors = anchors[:20]
        best: tuple[float, float, _Hit] | None = None
        for a in anchors:
            pg, row = self.page[a], self.row[a]
            h = self.row_height[row]
            cluster = [a]
            covered = set(self._tokset(a) & want)
            x0, y0, x1, y1 = self.box[a]
            # outwards in reading order, two rows up and three down
            order = []
            lo, hi = a - 1, a + 1
            while lo >= 0 and self.page[lo] == pg and self.row[lo] >= row - 2:
                order.append(lo)
                lo -= 1
            while hi < self.n and self.page[hi] == pg and self.row[hi] <= row + 3:
                order.append(hi)
                hi += 1
            # its own row first, then the rows below (wrapped text goes on below), then above
            order.sort(key=lambda i: (abs(self.row[i] - row) + (0.5 if self.row[i] < row else 0),
                                      abs(i - a)))
            for i in order:
                toks = self._tokset(i) & want
                if not toks or toks <= covered:
                    continue
                bx = self.box[i]
                if max(bx[1] - y1, y0 - bx[3]) > 1.5 * h or max(bx[0] - x1, x0 - bx[2]) > 4 * h:
                    continue
                cluster.append(i)
                covered |= toks
                x0, y0, x1, y1 = min(x0, bx[0]), min(y0, bx[1]), max(x1, bx[2]), max(y1, bx[3])
                if len(covered) == len(want):
                    break
            cov = sum(len(t) for t in covered) / total
            dist = self.row_distance(a, near) if near is not None else a
            if best is None or (cov, -dist) > (best[0], best[1]):
                best = (cov, -dist, _Hit(tuple(sorted(cluster)), cov))
        return best[2] if best else None

    # -- geometry --------------------------------------------------------------------------------
    def cite(self, words: tuple[int, ...]) -> Citation:
        pg = self.page[words[0]]
        boxes = [self.box[i] for i in words if self.page[i] == pg]
        w, h = self.size.get(pg, (1.0, 1.0))
        x0 = min(b[0] for b in boxes) / w
        y0 = min(b[1] for b in boxes) / h
        x1 = max(b[2] for b in boxes) / w
        y1 = max(b[3] for b in boxes) / h
        bbox = tuple(round(max(0.0, min(1.0, v)), 5) for v in (x0, y0, x1, y1))
        return Citation.model_construct(page=pg, bbox=bbox)

    def row_distance(self, a: int, b: int) -> float:
        if self.page[a] != self.page[b]:
            return 1e6
        return abs(self.row[a] - self.row[b]) + abs(self.box[a][0] - self.box[b][0]) / 1e4


def _rows(page: PageText) -> list[tuple[list[Word], float]]:
    """Words grouped into visual rows (top to bottom, left to right) with each row's height."""
    words = sorted((w for w in page.words if w.text.strip()),
                   key=lambda w: ((w.y0 + w.y1) / 2, w.x0))
    rows: list[list[Word]] = []
    center = 0.0
    for w in words:
        yc = (w.y0 + w.y1) / 2
        if rows and abs(center - yc) < 0.45 * max(w.y1 - w.y0, 1.0):
            rows[-1].append(w)
        else:
            rows.append([w])
            center = yc
    out = []
    for ws in rows:
        ws.sort(key=lambda w: w.x0)
        dedup: list[Word] = []
        for w in ws:  # bold simulated by overprinting
            if dedup and w.text == dedup[-1].text and abs(w.x0 - dedup[-1].x0) < 1.0:
                continue
            dedup.append(w)
        hs = sorted(w.y1 - w.y0 for w in dedup)
        out.append((dedup, hs[len(hs) // 2] or 1.0))
    return out


# ---------------------------------------------------------------------------------------------
# grounding


def _words(span: Span) -> tuple[int, ...]:
    return tuple(range(span[0], span[1]))


def _specificity(value: Any, ftype: str) -> float:
    if ftype == "date":
        return 1.0
    if ftype in ("number", "integer") and isinstance(value, (int, float)):
        digits = str(_cents(value)).strip("0")
        return min(1.0, len(digits) / 4)
    return min(1.0, len(_compact(str(value))) / 4)


def _exact(index: WordIndex, value: Any, ftype: str) -> list[Span]:
    if value is None or isinstance(value, bool):
        return []
    if ftype in ("number", "integer"):
        v = float(value) if isinstance(value, (int, float)) else parse_number(value)
        return index.find_number(v) if v is not None else []
    if ftype == "date":
        iso = parse_date(value)
        return index.find_date(iso) if iso else []
    return index.find_text(str(value))


def _ground_scalar(index: WordIndex, f: FieldSpec, value: Any,
                   hint: Citation | None) -> _Hit | None:
    cands = _exact(index, value, f.type)
    quality = 1.0
    if not cands and f.type in ("string", "enum"):
        cands, quality = index.find_inside(str(value)), 0.95
    if cands:
        return _Hit(_words(_choose_scalar(cands, index, f, hint)), quality)
    if f.type in ("string", "enum") and len(str(value).split()) >= 2:  # words, not an id
        return index.find_tokens(str(value))
    return None


def _choose_scalar(cands: list[Span], index: WordIndex, f: FieldSpec,
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


def _xc(index: WordIndex, span: Span) -> float:
    b = index.box[span[0]]
    return (b[0] + index.box[span[1] - 1][2]) / 2


def _nearest(cands: list[Span], index: WordIndex, anchor: int, used: set[int],
             col: float | None) -> Span | None:
    """The candidate on the rows nearest the anchor; on one row, the one in the key's column."""
    k = bisect.bisect_left(cands, (anchor,))
    pool = [c for c in cands[max(0, k - 8):k + 8] if c[0] not in used]
    if not pool:
        return None

    def dist(c: Span) -> float:
        d = index.row_distance(c[0], anchor)
        return d + (abs(_xc(index, c) - col) / 1e4 if col is not None else 0.0)

    return min(pool, key=dist)


def _ground_items(index: WordIndex, f: FieldSpec, items: list[Any]) -> dict[int, dict[str, _Hit]]:
    """Per item, per sub-key: the hit, placed near the item's most specific value.

    Items are read in order: an item's anchor (its value with the fewest occurrences) is taken on
    the first row after the previous item's; its other values nearest to that row and, when a value
    occurs twice on the row (unit price = amount), in the column where that key was found before.
    """
    out: dict[int, dict[str, _Hit]] = {}
    subs = [s for s in f.fields or [] if s.type != "boolean"]
    prev: int | None = None
    col_sum: dict[str, tuple[float, int]] = {}

    def col(key: str) -> float | None:
        s_n = col_sum.get(key)
        return s_n[0] / s_n[1] if s_n else None

    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        hits: dict[str, _Hit] = {}
        spans: dict[str, Span] = {}
        cands: dict[str, list[Span]] = {}
        for s in subs:
            v = item.get(s.key)
            if not _empty(v):
                cands[s.key] = _exact(index, v, s.type)
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
                k = bisect.bisect_left(cs, (prev,))
                while k < len(cs) and index.page[cs[k][0]] == index.page[prev] and \
                        index.row[cs[k][0]] <= index.row[prev]:
                    k += 1
                pick = cs[k] if k < len(cs) else cs[-1]
            cx = col(ak)
            if cx is not None:  # the same value twice on that row: the one in the key's column
                same = [c for c in cs[max(0, cs.index(pick) - 4):cs.index(pick) + 5]
                        if index.page[c[0]] == index.page[pick[0]]
                        and index.row[c[0]] == index.row[pick[0]]]
                pick = min(same, key=lambda c: abs(_xc(index, c) - cx))
            spans[ak] = pick
            anchor = pick[0]
            used.add(pick[0])
        for s in subs:
            if s.key in spans or s.key not in cands:
                continue
            cs = cands[s.key]
            c = _nearest(cs, index, anchor, used, col(s.key)) if cs and anchor is not None else \
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
            hits[k] = _Hit(_words(c))
        if anchor is not None:
            for k, h in hits.items():
                if index.row_distance(h.start, anchor) > 3:
                    h.quality = min(h.quality, FAR_ITEM_GROUNDING)
                elif k in spans:
                    x, m = col_sum.get(k, (0.0, 0))
                    col_sum[k] = (x + _xc(index, spans[k]), m + 1)
            prev = anchor
        out[n] = hits
    return out


# ---------------------------------------------------------------------------------------------
# validation


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    return parse_number(v)


def _concepts(fields: list[FieldSpec], table: dict[str, dict[str, Any]],
              types: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """concept -> field key (the first field of a fitting type per concept)."""
    out: dict[str, str] = {}
    for f in fields:
        c = map_concept(f, table)
        if c and c not in out and f.type in types.get(c, ()):
            out[c] = f.key
    return out


_NUM = ("number", "integer")
_HEADER_TYPES = {"issue_date": ("date",), "due_date": ("date",), "subtotal_amount": _NUM,
                 "tax_amount": _NUM, "total_amount": _NUM, "amount_due": _NUM}
_COLUMN_TYPES = {"qty": _NUM, "unit_price": _NUM, "amount": _NUM}


class _Rules:
    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.failed: dict[str, int] = {}
        self.passed: dict[str, int] = {}

    def fail(self, rule: str, paths: list[str], message: str) -> None:
        self.issues.append(Issue(rule=rule, paths=paths, message=message))
        for p in paths:
            self.failed[p] = self.failed.get(p, 0) + 1

    def ok(self, paths: list[str]) -> None:
        for p in paths:
            self.passed[p] = self.passed.get(p, 0) + 1


def _printed_sum(index: WordIndex, total: float, hits: dict[int, dict[str, _Hit]],
                 amount_key: str) -> bool:
    """The items' sum is printed on the page, and not as one of the items' own amounts."""
    own = {h.start for hs in hits.values() for k, h in hs.items() if k == amount_key}
    return any(sp[0] not in own for sp in index.find_number(total)) if total else False


def _fmt(v: float) -> str:
    return f"{v:,.2f}"


def _validate(schema: ExtractionSchema, result: dict[str, Any], rules: _Rules, today: date,
              index: WordIndex, item_hits: dict[str, dict[int, dict[str, _Hit]]]) -> None:
    lang = schema.language or "auto"
    scalars = [f for f in schema.fields if f.type != "list<object>"]
    lists = [f for f in schema.fields if f.type == "list<object>"]
    # type coercion and date sanity, every leaf
    earliest, latest = date(MIN_YEAR, 1, 1), today + timedelta(days=MAX_FUTURE_DAYS)

    def leaf(path: str, f: FieldSpec, v: Any) -> None:
        if v is None or (v == "" and f.type != "string"):
            return
        cv, problem = coerce(v, f, lang)
        if problem or (cv is None and v not in ("", None)):
            rules.fail("type", [path], f"{path}: {problem or 'not a ' + f.type}")
            return
        if f.type == "date":
            d = date.fromisoformat(cv)
            if d < earliest or d > latest:
                rules.fail("date_range", [path],
                           f"{path}: {cv} is outside {earliest.isoformat()} .. {latest.isoformat()}")

    for f in scalars:
        leaf(f.key, f, result.get(f.key))
    for f in lists:
        items = result.get(f.key)
        if items is None:
            continue
        if not isinstance(items, list):
            rules.fail("type", [f.key], f"{f.key}: expected a list of objects")
            continue
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                rules.fail("type", [f"{f.key}[{n}]"], f"{f.key}[{n}]: expected an object")
                continue
            for s in f.fields or []:
                leaf(f"{f.key}[{n}].{s.key}", s, item.get(s.key))

    head = _concepts(scalars, HEADER_CONCEPTS, _HEADER_TYPES)
    val = {c: result.get(k) for c, k in head.items()}

    # due date not before issue date
    ki, kd = head.get("issue_date"), head.get("due_date")
    if ki and kd:
        di, dd = parse_date(val["issue_date"]), parse_date(val["due_date"])
        if di and dd:
            if dd < di:
                rules.fail("due_before_issue", [kd, ki], f"{kd} {dd} is before {ki} {di}")
            else:
                rules.ok([kd, ki])

    # subtotal + tax = total
    ks, kt, kT = head.get("subtotal_amount"), head.get("tax_amount"), head.get("total_amount")
    sub, tax, tot = (_num(val.get("subtotal_amount")), _num(val.get("tax_amount")),
                     _num(val.get("total_amount")))
    if ks and kt and kT and None not in (sub, tax, tot):
        if abs(sub + tax - tot) <= 0.011:
            rules.ok([ks, kt, kT])
        else:
            rules.fail("subtotal_tax_total", [ks, kt, kT],
                       f"{ks} {_fmt(sub)} + {kt} {_fmt(tax)} = {_fmt(sub + tax)}, "
                       f"but {kT} is {_fmt(tot)}")

    for f in lists:
        items = result.get(f.key)
        if not isinstance(items, list) or not items:
            continue
        cols = _concepts(list(f.fields or []), COLUMN_CONCEPTS, _COLUMN_TYPES)
        kq, kp, ka = cols.get("qty"), cols.get("unit_price"), cols.get("amount")
        # qty x unit price = amount, per item
        if kq and kp and ka:
            for n, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                q, p, a = _num(item.get(kq)), _num(item.get(kp)), _num(item.get(ka))
                if None in (q, p, a):
                    continue
                paths = [f"{f.key}[{n}].{k}" for k in (kq, kp, ka)]
                # a price may be per 10, 100 or 1000 units (price basis quantity)
                if any(abs(q * p / base - a) <= max(0.011, 0.005 * abs(a)) for base in PRICE_BASES):
                    rules.ok(paths)
                else:
                    rules.fail("line_arithmetic", paths,
                               f"{f.key}[{n}]: {kq} {q:g} x {kp} {p:g} = {_fmt(q * p)}, "
                               f"but {ka} is {_fmt(a)}")
        # items sum to the subtotal or the total
        if ka and (ks or kT):
            amounts = [_num(it.get(ka)) if isinstance(it, dict) else None for it in items]
            if any(a is None for a in amounts):
                continue
            total = sum(amounts)
            tol = max(0.011, 0.01 * len(items))
            refs = [(k, v) for k, v in ((ks, sub), (kT, tot)) if k and v is not None]
            if tot is not None and tax is not None and kT and not ks:
                refs.append((kT, tot - tax))
            if not refs:
                continue
            amount_paths = [f"{f.key}[{n}].{ka}" for n in range(len(items))]
            hit = next((k for k, v in refs if abs(total - v) <= tol), None)
            if hit:
                rules.ok([f.key, hit] + amount_paths)
            elif _printed_sum(index, total, item_hits.get(f.key, {}), ka):
                rules.ok([f.key] + amount_paths)  # a "sum of lines" row (before allowances)
            else:
                ref_k, ref_v = refs[0]
                rules.fail("items_sum", [f.key, ref_k],
                           f"the {len(items)} {f.key} {ka} values sum to {_fmt(total)}, "
                           f"but {ref_k} is {_fmt(ref_v)}")


# ---------------------------------------------------------------------------------------------
# combination


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or v == []


def assess(schema: ExtractionSchema, result: dict[str, Any], engine_confidence: dict[str, float],
           document: DocumentText, *, engine_kind: str,
           engine_citations: dict[str, Citation] | None = None,
           index: WordIndex | None = None, today: date | None = None) -> Assessment:
    """Confidence per top-level key and leaf path, citations of grounded values, issues.

    ``engine_kind``: "offline", "gemini" or "einvoice" (anything else is treated like "gemini").
    ``engine_citations`` (optional) steer which occurrence of a repeated value is cited;
    ``index`` lets a caller reuse one :class:`WordIndex` for several results of one document.
    """
    kind = engine_kind if engine_kind in PARAMS else "gemini"
    P = PARAMS[kind]
    idx = index or WordIndex(document)
    can_ground = idx.n > 0

    # 1. grounding
    hints = engine_citations or {}
    scalar_hits: dict[str, _Hit | None] = {}
    item_hits: dict[str, dict[int, dict[str, _Hit]]] = {}
    for f in schema.fields:
        value = result.get(f.key)
        if not can_ground or _empty(value):
            continue
        if f.type == "list<object>":
            if isinstance(value, list):
                item_hits[f.key] = _ground_items(idx, f, value)
        elif f.type != "boolean":
            scalar_hits[f.key] = _ground_scalar(idx, f, value, hints.get(f.key))

    # 2. validation
    rules = _Rules()
    _validate(schema, result, rules, today or date.today(), idx, item_hits)

    # 3. combination
    confidence: dict[str, float] = {}
    citations: dict[str, Citation] = {}

    def engine(path: str) -> float | None:
        e = engine_confidence.get(path)
        return None if e is None else max(0.0, min(1.0, float(e)))

    def combine(path: str, value: Any, ftype: str, hit: _Hit | None) -> None:
        e = engine(path)
        if _empty(value):  # nothing to ground or check: the engine's word
            confidence[path] = round(e if e is not None else 0.0, 3)
            return
        e = P["default"] if e is None else e
        c = P["prior"] + P["shrink"] * (e - P["prior"])
        if hit is not None:
            citations[path] = idx.cite(hit.words)
        if can_ground and P["floor"] < 1.0 and ftype != "boolean":
            g = hit.quality if hit is not None else 0.0
            if g >= GROUNDED:
                c += (1 - c) * P["raise"] * _specificity(value, ftype) * g
            else:
                c *= P["floor"] + (1 - P["floor"]) * g
        confidence[path] = _checked(path, c)

    def _checked(path: str, c: float) -> float:
        for _ in range(rules.passed.get(path, 0)):
            c += (1 - c) * P["passed"]
        for _ in range(rules.failed.get(path, 0)):
            c *= P["fail"]
        return round(max(0.0, min(1.0, c)), 3)

    for f in schema.fields:
        value = result.get(f.key)
        if f.type != "list<object>":
            combine(f.key, value, f.type, scalar_hits.get(f.key))
            continue
        items = value if isinstance(value, list) else []
        hits = item_hits.get(f.key, {})
        leafs: list[float] = []
        for n, item in enumerate(items):
            item = item if isinstance(item, dict) else {}
            for sub in f.fields or []:
                path = f"{f.key}[{n}].{sub.key}"
                v = item.get(sub.key)
                combine(path, v, sub.type, hits.get(n, {}).get(sub.key))
                if not _empty(v):
                    leafs.append(confidence[path])
        if hits.get(0):  # the list is cited by its first item
            words = sorted(i for h in hits[0].values() for i in h.words)
            pg = idx.page[words[0]]
            citations[f.key] = idx.cite(tuple(i for i in words if idx.page[i] == pg))
        if not leafs:
            e = engine(f.key)
            confidence[f.key] = round(e if e is not None else 0.0, 3)
            continue
        # the list itself: mean of its present leaves, then its own rules
        confidence[f.key] = _checked(f.key, sum(leafs) / len(leafs))
    return Assessment(confidence=confidence, citations=citations, issues=rules.issues)
