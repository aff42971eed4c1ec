"""The word index: every word of a document in reading order, indexed once by number, date, text
and token, so that each value of a result is looked up, not searched for.

Numbers are indexed under every reading of the printed token (both separator readings when
ambiguous), dates under every reading (numeric, with a month name, day or month first), text by
its letters and digits across 1-6 adjacent words of a row.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from extraction.pages import DocumentText, PageText, Word
from extraction.result import Citation
from extraction.values import CURRENCY_SYMBOLS, MONTHS, fold, parse_date, parse_number

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
    """Every date a printed text can mean (day first, and month first as in the US)."""
    out = []
    for lang in ("auto", "en-us"):
        iso = parse_date(text, lang)
        if iso and iso not in out:
            out.append(iso)
    return tuple(out)


@lru_cache(maxsize=65536)
def _is_month(word: str) -> bool:
    return fold(word).strip(".,") in MONTHS


@lru_cache(maxsize=65536)
def compact_text(text: str) -> str:
    """Letters and digits only, folded: 'USt-IdNr. DE 123' -> 'ustidnrde123'."""
    return "".join(re.findall(r"[a-z0-9]+", fold(text)))


@lru_cache(maxsize=65536)
def tokens_of(text: str) -> tuple[str, ...]:
    """Letter and digit runs, folded: 'USt-IdNr. DE 123' -> ('ust', 'idnr', 'de', '123')."""
    return tuple(re.findall(r"[a-z0-9]+", fold(text)))


def cents(v: float) -> int:
    """An amount as whole cents without sign: the key numbers are indexed by."""
    return int(round(abs(v) * 100))


class Hit:
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
        self.conf: list[float | None] = []  # OCR word confidence (None on a text layer)
        self.row_height: list[float] = []  # per global row
        self.numbers: dict[int, list[Span]] = {}
        self.dates: dict[str, list[Span]] = {}
        self.compact: dict[str, list[Span]] = {}
        self.token: dict[str, list[int]] = {}
        self._toksets: list[frozenset[str]] | None = None
        for p in document.pages:
            for ws, h in visual_rows(p):
                row_no = len(self.row_height)
                self.row_height.append(h)
                first = len(self.text)
                for w in ws:
                    self.text.append(w.text)
                    self.page.append(p.number)
                    self.box.append((w.x0, w.y0, w.x1, w.y1))
                    self.row.append(row_no)
                    self.conf.append(w.conf)
                self._index_row(first, len(self.text), h)
        self.n = len(self.text)

    # -- building --------------------------------------------------------------------------------
    def _index_row(self, a: int, b: int, h: float) -> None:
        text, box = self.text, self.box
        compacts = [compact_text(text[i]) for i in range(a, b)]
        months = [_is_month(text[i]) for i in range(a, b)]
        compact, numbers, token = self.compact, self.numbers, self.token
        gap = 4 * h
        for i in range(a, b):
            t = text[i]
            for tok in tokens_of(t):
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
                numbers.setdefault(cents(v), []).append((i, i + 1))
            joined = t
            for j in range(i + 1, min(b, i + 3)):
                if not _DIGIT_GROUP.fullmatch(text[j]) or box[j][0] - box[j - 1][2] > 0.6 * h:
                    break
                joined += " " + text[j]
                for v in _number_readings(joined):
                    numbers.setdefault(cents(v), []).append((i, j + 1))

    # -- finding ---------------------------------------------------------------------------------
    def find_number(self, v: float) -> list[Span]:
        return self.numbers.get(cents(v), [])

    def find_date(self, iso: str) -> list[Span]:
        return self.dates.get(iso, [])

    def find_text(self, s: str) -> list[Span]:
        key = compact_text(s)
        hits = self.compact.get(key, []) if key else []
        code = s.strip().upper()
        if len(code) == 3 and code.isalpha():  # a currency code is also found as its symbol
            syms = [sym for sym, c in CURRENCY_SYMBOLS.items() if c == code and sym != code]
            signs = [sym for sym in syms if not _ALPHA.search(sym)]  # "€" anywhere, "Rs." as a word
            extra = [(i, i + 1) for i, t in enumerate(self.text) if any(sym in t for sym in signs)]
            for sym in syms:
                if _ALPHA.search(sym):
                    extra += self.compact.get(compact_text(sym), [])
            if extra:
                hits = sorted(set(hits) | set(extra))
        return hits

    def find_inside(self, s: str) -> list[Span]:
        """An id printed glued to a prefix ("Nr.471102", "#BLR_1")."""
        key = compact_text(s)
        if len(key) < 4 or not _DIGIT.search(key):
            return []
        return [(i, i + 1) for i, t in enumerate(self.text) if key in compact_text(t)]

    def _tokset(self, i: int) -> frozenset[str]:
        if self._toksets is None:
            self._toksets = [frozenset(tokens_of(t)) for t in self.text]
        return self._toksets[i]

    def find_tokens(self, s: str, near: int | None = None) -> Hit | None:
        """Best cluster of nearby words sharing the value's tokens (wrapped text, other order)."""
        want = frozenset(tokens_of(s))
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
        best: tuple[float, float, Hit] | None = None
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
                best = (cov, -dist, Hit(tuple(sorted(cluster)), cov))
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
        bx0, by0, bx1, by1 = (round(max(0.0, min(1.0, v)), 5) for v in (x0, y0, x1, y1))
        return Citation.model_construct(page=pg, bbox=(bx0, by0, bx1, by1))

    def row_distance(self, a: int, b: int) -> float:
        if self.page[a] != self.page[b]:
            return 1e6
        return abs(self.row[a] - self.row[b]) + abs(self.box[a][0] - self.box[b][0]) / 1e4


def visual_rows(page: PageText) -> list[tuple[list[Word], float]]:
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
