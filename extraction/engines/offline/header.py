"""Header fields: label matches per row, values right of or below a label, candidates per field.

Every scalar field is mapped to a concept (extraction.vocabulary) whose labels are matched against
each row's pieces; a longer label wins over a shorter one it contains ("Total HT" beats "Total"),
blockers ("Order date") win over the labels they contain. Values are read right of the label on
the same row (up to the next label) or directly below it.
"""

from __future__ import annotations

import re

from core.schema import FieldSpec
from extraction.engines.offline.candidates import Candidate
from extraction.engines.offline.dates import slash_read_as_one
from extraction.engines.offline.doctype import document_type
from extraction.engines.offline.label_indexes import header_labels
from extraction.engines.offline.layout import (
    DocumentRows,
    PlacedWord,
    Row,
    box_of,
    covers_whole_words,
    mean_conf,
    segments,
)
from extraction.engines.offline.parties import PartyReader
from extraction.engines.offline.value_words import id_text, id_words, money_amounts, name_words
from extraction.engines.offline.vat_ids import read_vat, unlabelled_vat
from extraction.values import (
    CURRENCY_CODES,
    CURRENCY_WORDS,
    DOLLAR_PREFIX,
    WORD_SIGNS,
    detect_currency,
    find_date,
    fold,
)
from extraction.vocabulary import (
    DOLLAR_COUNTRIES,
    HEADER_CONCEPTS,
    HOME_CURRENCY,
    OTHER_DATE_WORDS,
    YOUR_WORDS,
)


class HeaderReader:
    """Candidates for the scalar fields: values right of or below their labels, the parties'
    names, the document type and the currency."""

    def __init__(self, doc: DocumentRows, fields: list[FieldSpec], skip_rows: set[int] | None = None) -> None:
        self.doc = doc
        self.fields = fields
        self.skip_rows = skip_rows or set()
        self.index, concept, kind = header_labels(fields)
        self.concept: dict[str, str | None] = dict(concept)
        self.kind: dict[str, str] = dict(kind)
        self.parties = PartyReader(doc, self.concept, self.skip_rows)
        self.doc_type: Candidate | None = None
        # per amount field, the lines that print a rate but no amount OCR could read ("Sales Tax
        # (6%)" and a blot): the rate still lets the arithmetic check a tax derived from the others
        self.rate_lines: dict[str, list[Candidate]] = {}

    # -- candidates ------------------------------------------------------------------------------
    def candidates(self) -> dict[str, list[Candidate]]:
        """Every candidate per field key: labelled values in reading order, then party names, the
        document type and the fallbacks for currency and seller."""
        out: dict[str, list[Candidate]] = {f.key: [] for f in self.fields}
        kinds = self.kind
        doc = self.doc
        for rows in doc.rows_by_page:
            for ri, r in enumerate(rows):
                if id(r) in self.skip_rows:
                    continue  # the header row of an item table: its labels name columns
                ms = [m for m in self.index.matches(r.pieces) if self._valid_label(r, m[0], m[1])]
                if not ms:
                    continue
                # drop matches contained in a longer match of another target
                keep = []
                for m in ms:
                    i, j, t, w = m
                    dominated = False
                    for m2 in ms:
                        if m2 is m:
                            continue
                        i2, j2, t2, w2 = m2
                        if i2 <= i and j <= j2 and (j2 - i2) > (j - i) and t2 != t:
                            dominated = True
                            break
                    if not dominated and t != "__block__":
                        keep.append(m)
                label_starts = sorted({r.piece_word[i] for i, j, _, _ in ms
                                       if r.pieces[i:j] != ["#"] and covers_whole_words(r, i, j)})
                doc_row = any(self.concept.get(t) == "invoice_number" for _, _, t, _ in keep)
                for i, j, key, w in keep:
                    wi, wj = r.piece_word[i], r.piece_word[j - 1]
                    if any(r.words[k].text.endswith(":") for k in range(wi, wj)):
                        continue  # a label never runs across a colon
                    if r.seg_of_word[wi] != r.seg_of_word[wj]:
                        continue  # ... nor across a wide gap
                    # a label is a whole word sequence: pieces must cover whole words
                    if i > 0 and r.piece_word[i - 1] == wi:
                        continue
                    if j < len(r.pieces) and r.piece_word[j] == wj:
                        continue
                    weight = w
                    seg = r.seg_of_word[wi]
                    if w < 0.7 and self.kind.get(key) == "date" and doc_row:
                        weight = min(1.0, w + 0.3)  # "Rechnung Nr. 123 vom 05.03.2018"
                    # generic word preceded by another word of the same label phrase -> weaker
                    if wi > 0 and r.seg_of_word[wi - 1] == seg and w < 1:
                        prev = r.words[wi - 1].text
                        if re.fullmatch(r"[A-Za-zÀ-ÿ-]{2,}\.?", prev):
                            weight *= 0.6
                    # words before the label in its segment: "zzgl. 19 % USt." prints the rate there
                    lead = [r.words[k] for k in range(wi) if r.seg_of_word[k] == seg]
                    prose = _in_sentence(lead)
                    if prose:
                        weight *= 0.6  # "... onder vermelding van het factuurnummer 2025": prose
                    if wi > 0 and fold(r.words[wi - 1].text).strip(":.") in YOUR_WORDS and \
                            HEADER_CONCEPTS.get(self.concept.get(key) or "", {}).get("party") == "seller":
                        continue  # "Your VAT number" is the customer's, never the seller's
                    # extend the label over trailing label words up to a colon ("Nr. Kunde:")
                    end = wj
                    # labels that overlap this one form one phrase ("TOTAL AMOUNT DUE ON"): the
                    # value follows the whole phrase, not the first label inside it
                    grown = True
                    while grown:
                        grown = False
                        for i2, j2, _t2, _w2 in ms:
                            a, b = r.piece_word[i2], r.piece_word[j2 - 1]
                            if a <= end < b and r.seg_of_word[b] == seg and b - wi <= 6:
                                end, grown = b, True
                    for k in range(end + 1, min(end + 3, len(r.words))):
                        if r.seg_of_word[k] != seg or re.search(r"\d", r.words[k].text):
                            break  # a value is never part of a label
                        if r.words[k].text.endswith(":") and not re.search(r"\d", r.words[k].text):
                            end = k
                            break
                    nxt = [s for s in label_starts if s > end]
                    stop = nxt[0] if nxt else len(r.words)
                    right = r.words[end + 1:stop]
                    if prose:  # a sentence's value is in the sentence, not in the next column
                        right = [w for k, w in enumerate(right, start=end + 1) if r.seg_of_word[k] == seg]
                    label_words = r.words[wi:end + 1]
                    if right and w < 0.5 and kinds[key] == "id" and not label_words[-1].text.endswith(":") and \
                            r.seg_of_word[end + 1] != seg and right[0].x0 - label_words[-1].x1 > 6 * r.height:
                        right = []  # a generic word ("order") far from a figure in another column: no id
                    below = self._below(rows, ri, label_words, r, end, label_starts)
                    # a value aligned under a label, while the words to its right lie in another
                    # column far off (a label-above header band beside an address): below wins
                    apart = bool(right) and kinds[key] in ("id", "date", "amount", "vat") and \
                        right[0].x0 - label_words[-1].x1 > 3 * r.height and below is not None and \
                        abs(below[1][0].x0 - label_words[0].x0) <= 4 and not self._is_label(below[1])
                    n_before = len(out[key])
                    self._emit(out, key, kinds[key], weight, right, r, label_words, 0.5 if apart else 1.0, lead)
                    if len(out[key]) == n_before and kinds[key] != "party_name" and \
                            all(_RATE_OR_MARK.fullmatch(x.text) for x in r.words[end + 1:]):
                        beside = _beside(rows, ri, label_words)
                        self._emit(out, key, kinds[key], weight, beside, r, label_words, 0.8, lead)
                    # value directly below the label (less likely when text follows the label)
                    if below:
                        pos = 0.85 if apart or not [x for x in right if x.text not in (":", "-")] else 0.55
                        self._emit(out, key, kinds[key], weight, below[1], below[0], label_words, pos, lead)
        self.parties.add_names(out)
        self._doc_type(out)
        self.parties.add_seller_fallback(out)
        self.parties.add_buyer_fallback(out)
        self.parties.buyers_own_ids(out)
        self._vat_fallback(out)
        self._currency_fallback(out)
        return out

    def _is_label(self, words: list[PlacedWord]) -> bool:
        """Words that open with a label (or hold one ending in a colon): a label line, no value."""
        if any(w.text.endswith(":") for w in words):
            return True
        if re.search(r"\d", words[0].text):
            return False  # "PO-4310730" opens with a label's letters but is a value
        return any(i == 0 for i, _, _, _ in self.index.matches([p for w in words for p in w.pieces]))

    @staticmethod
    def _valid_label(r: Row, i: int, j: int) -> bool:
        """Whole words, one segment, no colon inside."""
        if not covers_whole_words(r, i, j):
            return False
        wi, wj = r.piece_word[i], r.piece_word[j - 1]
        if r.seg_of_word[wi] != r.seg_of_word[wj]:
            return False
        return not any(r.words[k].text.endswith(":") for k in range(wi, wj))

    def _below(self, rows: list[Row], ri: int, label_words: list[PlacedWord], r: Row, end: int,
               label_starts: list[int]) -> tuple[Row, list[PlacedWord]] | None:
        """The words directly below a label (next two rows), up to the next label's column."""
        x0 = label_words[0].x0
        nxt = [s for s in label_starts if s > end]
        x1 = r.words[nxt[0]].x0 - 2 if nxt else max(label_words[-1].x1 + 120, label_words[-1].x1)
        if not nxt and end + 1 < len(r.words):
            x1 = max(label_words[-1].x1 + 40, r.words[end + 1].x0 - 2)
        h = r.height
        # the next two rows; three on a scan, whose OCR lines may split a row of the page in two
        for r2 in rows[ri + 1: ri + (4 if label_words[0].conf is not None else 3)]:
            if r2.y0 - r.y1 > 2.2 * h:
                return None
            ws = [w for w in r2.words if w.x1 > x0 - 4 and w.x0 < x1
                  and (w.conf is None or any(ch.isalnum() for ch in w.text))]  # a scan's speck is no value
            if ws and ws[0].x0 > label_words[-1].x1 + 4:
                continue  # starts right of the label: another column's line, not this value
            if ws:
                # keep only the segment(s) starting under the label
                first_seg = r2.seg_of_word[r2.words.index(ws[0])]
                ws = [w for w in ws if r2.seg_of_word[r2.words.index(w)] == first_seg]
                # a figure right-aligned under its label reaches further left than the label
                # ("Tax" over "118.90 USD"): the rest of its segment, up to the previous label
                lseg = r.seg_of_word[r.words.index(label_words[0])]
                left = max((w.x1 for k, w in enumerate(r.words) if r.seg_of_word[k] < lseg), default=float("-inf"))
                ws = [w for w in r2.words if r2.seg_of_word[r2.words.index(w)] == first_seg
                      and w.x0 > left and w.x0 < x1] or ws
                return r2, ws
            if _grid_values(r, r2, [s for s in label_starts if r.words[s] is not label_words[0]]):
                return None  # the values' row of a grid of labels: this label's cell is empty
        return None

    def _emit(self, out: dict[str, list[Candidate]], key: str, kind: str, weight: float,
              words: list[PlacedWord], row: Row, label_words: list[PlacedWord], pos: float,
              lead: list[PlacedWord] | None = None) -> None:
        """Candidates read from the words after a label, per kind of value; a party field's label
        outside its party's section counts less. ``lead``: the words before the label."""
        if not words:
            return
        doc = self.doc
        order = row.page * 10000 + row.y0
        conc = HEADER_CONCEPTS.get(self.concept.get(key) or "", {})
        party = conc.get("party")
        if party:
            sec, _ = self.parties.party_of(row, label_words[0].x0)
            if sec and sec != party:
                weight *= 0.3
            elif sec == party:
                weight = min(1.0, weight * 1.15)
        rate = _rate((lead or []) + label_words + words) if kind == "amount" else None

        def add(value: object, score: float, ws: list[PlacedWord], raw: str = "") -> None:
            out[key].append(Candidate(value, score, row.page, box_of(ws), order, label=weight, raw=raw,
                                      ocr=mean_conf(ws), rate=rate, label_x=label_words[0].x0))

        if kind == "amount":
            amts = [(v, ws) for v, ws in money_amounts(_before_id(words), doc.language, doc.decimal)
                    if v != rate or re.search(r"[.,]\d", ws[-1].text)]  # "VAT 19 %" read apart: no amount
            for n, (v, amount_ws) in enumerate(reversed(amts)):
                add(v, weight * pos * (0.95 if n == 0 else 0.7), amount_ws)
                if n >= 1:
                    break
            if not amts and rate is not None:
                self.rate_lines.setdefault(key, []).append(Candidate(
                    None, 0.0, row.page, box_of(label_words), order, label=weight, rate=rate))
        elif kind == "date":
            toks = [w.text for w in words[:8]]
            iso, a, b = find_date(toks, doc.language, doc.date_order)
            if not iso and words[0].conf is not None:  # a scan: slashes read as ones
                iso, a = next(((day, k) for k, t in enumerate(toks[:3])
                               if (day := slash_read_as_one(t, doc.language, doc.date_order))), (None, -1))
                b = a + 1
            if iso and a <= 2:
                place = self._page_place(row)
                before = {p for w in row.words if w.x1 <= label_words[0].x0 + 1 for p in w.pieces}
                if before & OTHER_DATE_WORDS:
                    place *= 0.5  # "Version 2.6 vom 10.11.2025": a version's date
                add(iso, weight * pos * 0.95 * place, words[a:b], " ".join(toks[a:b]))
        elif kind == "id":
            ws = id_words(words)
            if ws:
                add("".join(id_text(x) for x in ws), weight * pos * 0.95, ws)
        elif kind == "vat":
            found = read_vat(words, [w.text for w in label_words])
            if found:
                add(found[0], weight * pos * 0.95, found[1])
        elif kind == "currency":
            cur = detect_currency(" ".join(w.text for w in words[:3]))
            if cur:
                add(cur, weight * pos, words[:3])
        elif kind == "party_name":
            ws = name_words(words)
            if ws:
                add(" ".join(w.text for w in ws), weight * pos * 0.8, ws)
        elif kind != "doctype":
            ws = [w for w in words if w.text not in {":", "-"}]
            if ws:
                add(" ".join(w.text for w in ws), weight * pos * 0.8, ws)

    def _page_place(self, row: Row) -> float:
        """Dates in a page's footer (form versions, print dates) or after the first page are
        rarely the document's own: they count less than those in the header."""
        _w, h = self.doc.size.get(row.page, (1.0, 1.0))
        factor = 1.0 if row.page == 1 else 0.85
        if h > 1 and row.y0 > 0.85 * h and row.height < 0.95 * self.doc.line_h:
            factor *= 0.6
        return factor

    # -- document type and currency ------------------------------------------------------------
    def _doc_type(self, out: dict[str, list[Candidate]]) -> None:
        """UNTDID 1001 code of the document (see doctype.py), also kept for the sign of a credit
        note's amounts when the schema does not ask for it."""
        self.doc_type = document_type(self.doc)
        key = next((k for k, c in self.concept.items() if c == "document_type_code"), None)
        if key and self.doc_type:
            out[key].append(self.doc_type)

    def _vat_fallback(self, out: dict[str, list[Candidate]]) -> None:
        """No labelled VAT id of the seller: one printed without a label, in national format,
        outside the buyer's block (the letterhead's or the footer's), the first in reading order."""
        key = next((k for k, c in self.concept.items() if c == "seller_vat_id"), None)
        if not key or out[key]:
            return
        for r in self.doc.rows:
            found = unlabelled_vat(r.words)
            if not found or self.parties.party_of(r, found[1][0].x0)[0] == "buyer":
                continue
            if any(t == key for _, _, t, _ in self.index.matches(r.pieces)):
                continue  # labelled: read (or set aside as the buyer's) by its label
            out[key].append(Candidate(found[0], 0.5, r.page, box_of(found[1]), r.page * 10000 + r.y0))
            return

    def _currency_fallback(self, out: dict[str, list[Candidate]]) -> None:
        """No labelled currency: the code or sign printed most often ("EUR", "€", "CA$", a "kr"
        beside a figure); a bare "$" is the dollar of the country the page names (an ABN and an
        Australian address: AUD), else US dollars; with no code or sign at all, a currency named
        in words ("All amounts in euros")."""
        key = next((k for k, c in self.concept.items() if c == "currency"), None)
        if not key or out[key]:
            return
        counts: dict[str, int] = {}
        first: dict[str, tuple[int, PlacedWord]] = {}
        named: tuple[str, int, PlacedWord] | None = None
        codes: set[str] = set()
        signed: set[str] = set()  # currencies shown by a dollar sign with its letters ("US$")
        for r in self.doc.rows:
            for k, w in enumerate(r.words):
                t = w.text.strip(",:;()")
                cur = None
                if t.strip(".") in CURRENCY_CODES:
                    cur = t.strip(".")
                    codes.add(cur)
                elif DOLLAR_PREFIX.match(t.lstrip("-(")):
                    cur = detect_currency(t)
                    signed.add(cur or "")
                elif re.match(r"^[-(]?[€$£₹¥₺₽₩₪฿]", t) or \
                        re.search(r"\d[€$£₹¥]$", t) or t in {"€", "$", "£", "₹", "¥"}:
                    cur = detect_currency(t)
                elif fold(t) in WORD_SIGNS and _beside_figure(r.words, k):
                    cur = WORD_SIGNS[fold(t)]
                elif named is None and fold(t).strip(".") in CURRENCY_WORDS:
                    named = (CURRENCY_WORDS[fold(t).strip(".")], r.page, w)
                if cur:
                    counts[cur] = counts.get(cur, 0) + 1
                    first.setdefault(cur, (r.page, w))
        if counts.get("USD") and "USD" not in codes and "USD" not in signed:
            # bare "$" signs: the dollar whose code the page prints ("$120.00" ... "All prices in
            # AUD"), or the dollar of the country it names, else US dollars
            other = [c for c in codes if c in _DOLLARS] or [c for c in [self._dollar_country()] if c]
            if other:
                counts[other[0]] = counts.get(other[0], 0) + counts.pop("USD")
                first.setdefault(other[0], first.pop("USD"))
        if counts:
            cur = max(counts, key=lambda c: counts[c])
            page, w = first[cur]
            out[key].append(Candidate(cur, 0.6 if len(counts) == 1 else 0.45, page, box_of([w]), 0))
        elif named:
            cur, page, w = named
            if cur == "USD":
                cur = self._dollar_country() or cur
            out[key].append(Candidate(cur, 0.4, page, box_of([w]), 0))
        else:
            self._home_currency(out, key)

    def _home_currency(self, out: dict[str, list[Candidate]], key: str) -> None:
        """No currency printed at all (an Italian e-invoice's print shows bare figures): the
        currency of the seller's country, as its VAT id or the IBAN to pay to names it;
        inferred, not printed."""
        vkey = next((k for k, c in self.concept.items() if c == "seller_vat_id"), None)
        countries = []
        for c in sorted(out.get(vkey or "", []), key=lambda c: -c.score):
            countries.append(("AU" if re.fullmatch(r"\d{11}", str(c.value)) else str(c.value)[:2], c))
        for r in self.doc.rows:
            for k, w in enumerate(r.words):
                t = w.text.strip(",;:")
                prev = fold(r.words[k - 1].text).strip(":.") if k else ""
                if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", t) or (prev == "iban" and re.fullmatch(r"[A-Z]{2}\d{2}", t)):
                    countries.append((t[:2], Candidate(None, 0.0, r.page, box_of([w]), 0)))
        for country, c in countries:
            cur = HOME_CURRENCY.get(country.upper())
            if cur:
                out[key].append(Candidate(cur, 0.3, c.page, c.box, 0, derived=True))
                return

    def _dollar_country(self) -> str | None:
        """The dollar a page means by "$" when it names its country: an ABN or an Australian
        address (AUD), a Canadian one or GST/HST (CAD), a New Zealand one (NZD) ..."""
        found: dict[str, int] = {}
        for r in self.doc.rows:
            text = " " + " ".join(fold(w.text) for w in r.words) + " "
            for code, cues in DOLLAR_COUNTRIES.items():
                if any(c in text for c in cues):
                    found[code] = found.get(code, 0) + 1
        return max(found, key=lambda c: found[c]) if found else None


_DOLLARS = {"AUD", "CAD", "NZD", "SGD", "HKD", "MXN"}


def _beside_figure(words: list[PlacedWord], k: int) -> bool:
    """The word before or after position k is a figure ("1 250,00 kr", "Fr. 120.50")."""
    return any(0 <= j < len(words) and re.fullmatch(r"[-(]?\d[\d.,'’]*\)?", words[j].text)
               for j in (k - 1, k + 1))


# what may follow a label on its row when its value was set apart by OCR: a rate, a mark
_RATE_OR_MARK = re.compile(r"\(?\d{1,2}(?:[.,]\d+)?\s*%\)?:?|[:\-–]")


def _grid_values(r: Row, r2: Row, other_labels: list[int]) -> bool:
    """Row r2 holds a value under another label of row r (a grid: labels above, values below)."""
    return any(abs(w.x0 - r.words[s].x0) <= 8 and re.search(r"\w\w", w.text) for s in other_labels for w in r2.words)


def _beside(rows: list[Row], ri: int, label_words: list[PlacedWord]) -> list[PlacedWord]:
    """On a scan, the value right of a label that OCR set a little higher or lower (its line was
    read apart from the label's): the first segment right of the label in the row above or below
    that spans most of the label's height, where that row has nothing under the label (no label
    of its own)."""
    if label_words[0].conf is None:
        return []  # a text layer's rows are exact
    y0, y1 = min(w.y0 for w in label_words), max(w.y1 for w in label_words)
    for r2 in rows[max(0, ri - 1):ri] + rows[ri + 1:ri + 2]:
        segs = [ws for ws in segments(r2) if ws[0].x0 > label_words[-1].x1 + 2]
        if not segs or any(label_words[0].x0 - 5 <= w.x0 < segs[0][0].x0 for w in r2.words):
            continue  # that row has its own words in the label's column: its own label
        top, bottom = min(w.y0 for w in segs[0]), max(w.y1 for w in segs[0])
        if min(y1, bottom) - max(y0, top) >= 0.7 * (y1 - y0):
            return segs[0]  # level with the label over most of its height
    return []


def _before_id(words: list[PlacedWord]) -> list[PlacedWord]:
    """The words up to the first identifier (letters and digits in one word, "NL612421979B01"):
    "BTW NL61... IBAN NL97 ABNA 6046 2094 55" labels an id, its digit groups are no amount."""
    for k, w in enumerate(words):
        t = re.sub(r"^(?:[A-Z]{3}|(?:US|CA|C|AU|A|NZ|HK|S|R|MX)\$|Rs\.?|Fr\.|kr|zł)|(?:[A-Z]{3}|zł|kr)$", "",
                   w.text.strip(".,:;()"))
        if re.search(r"[A-Za-z]", t) and re.search(r"\d", t) and not re.search(r"\d(?:st|nd|rd|th|x)$", t):
            return words[:k]
    return words


def _in_sentence(lead: list[PlacedWord]) -> bool:
    """A label preceded in its segment by the words of a sentence (three or more, lower-case
    words among them): a value printed in prose, less likely the field's than one in the header."""
    return len(lead) >= 3 and sum(1 for w in lead if re.fullmatch(r"[a-zß-ÿ]{2,}[,;]?", w.text)) >= 2


def _rate(words: list[PlacedWord]) -> float | None:
    """A percentage printed with a tax label or its value ("VAT 19%", "Tax (6.25 %)")."""
    for k, w in enumerate(words):
        t = w.text.strip("():;,")
        m = re.fullmatch(r"(\d{1,2}(?:[.,]\d{1,3})?)\s*%", t)
        if not m and k + 1 < len(words) and words[k + 1].text.startswith("%"):
            m = re.fullmatch(r"(\d{1,2}(?:[.,]\d{1,3})?)", t)
        if m:
            return float(m[1].replace(",", "."))
    return None
