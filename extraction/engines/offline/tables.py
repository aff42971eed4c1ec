"""Line items: the table reader.

A header row whose words match the nested fields gives the columns' x-ranges; rows with numbers in
the numeric columns start items, text-only rows below continue the description, subtotal and
carry-over rows are skipped, totals end the table, and the table continues on the following pages
(with or without a repeated header). qty x unit price = amount raises the items' confidence.
"""

from __future__ import annotations

import re
from typing import Any

from core.schema import FieldSpec
from extraction.engines.offline.cells import (
    Column,
    assign_cells,
    cell_evidence,
    mend_lost_points,
    merge_same_target,
    points_lost_in_column,
    quantities_by_arithmetic,
    quantity_from_amount,
    unread_on_scan,
)
from extraction.engines.offline.label_indexes import ADJUST_INDEX, STOP_INDEX, SUB_INDEX
from extraction.engines.offline.layout import DocumentRows, PlacedWord, Row, box_of, ocr_read, segments
from extraction.engines.offline.value_words import money_amounts, unglued
from extraction.result import Citation
from extraction.values import coerce
from extraction.vocabulary import (
    COLUMN_CONCEPTS,
    GROSS_MARKERS,
    NET_MARKERS,
    OTHER_COLUMNS,
    LabelIndex,
    field_words,
    map_concept,
)


class TableReader:
    """Reads one list<object> field: its table's header row, the columns and the item rows."""

    def __init__(self, doc: DocumentRows, f: FieldSpec) -> None:
        self.doc = doc
        self.field = f
        self.subs = list(f.fields or [])
        self.index = LabelIndex()
        self.role: dict[str, str] = {}  # nested key -> concept
        for s in self.subs:
            c = map_concept(s, COLUMN_CONCEPTS)
            if c:
                self.role[s.key] = c
                for phrase, w in COLUMN_CONCEPTS[c]["labels"].items():
                    self.index.add(phrase, s.key, float(w))
            self.index.add(field_words(s), s.key, 1.0)
            if s.description and len(s.description.split()) <= 4:
                self.index.add(s.description, s.key, 0.9)
        for phrase, w in OTHER_COLUMNS.items():
            self.index.add(phrase, "", float(w) * 0.99)
        # single-word labels (4+ letters) that end compound column labels, per target
        self.suffixes: dict[str, str] = {}
        for key, hits in self.index.map.items():
            named = [t for t, _ in hits if t]
            if len(key) >= 4 and key.isalpha() and len(named) == 1:
                self.suffixes[key] = named[0]
        self.sub_index, self.adjust_index, self.stop_index = SUB_INDEX, ADJUST_INDEX, STOP_INDEX
        self.numeric = {s.key for s in self.subs if s.type in ("number", "integer")}
        self.text_keys = [s.key for s in self.subs if s.type not in ("number", "integer")]
        by_role = {v: k for k, v in self.role.items()}
        self.k_desc = by_role.get("description") or (self.text_keys[0] if self.text_keys else None)
        self.k_qty = by_role.get("qty")
        self.k_price = by_role.get("unit_price")
        self.k_amount = by_role.get("amount")
        self.margin: dict[int, float] = {}  # id(word) -> how clearly it sits in its column
        self.lone_price = False  # the table's only amount column is a price column
        self.item_rows: set[int] = set()  # rows (by id) read as items or their continuation lines

    # -- header detection ------------------------------------------------------------------------
    def header(self, r: Row) -> list[Column] | None:
        """The columns when a row is a table header (labels of two or more nested fields, one
        of them numeric, and little else), else None."""
        ms = self.index.matches(r.pieces)
        if not ms:
            return None
        # greedy: longest match first, no overlaps, whole words only
        ms = [m for m in ms if (m[0] == 0 or r.piece_word[m[0] - 1] != r.piece_word[m[0]])
              and (m[1] == len(r.pieces) or r.piece_word[m[1]] != r.piece_word[m[1] - 1])]
        ms.sort(key=lambda m: (-(m[1] - m[0]), -m[3]))
        used = [False] * len(r.pieces)
        picked = []
        for i, j, t, wt in ms:
            if any(used[i:j]):
                continue
            wi, wj = r.piece_word[i], r.piece_word[j - 1]
            # a column label lies inside one segment
            if r.seg_of_word[wi] != r.seg_of_word[wj] and j - i > 1:
                gap = max(r.words[k + 1].x0 - r.words[k].x1 for k in range(wi, wj)) if wj > wi else 0
                if gap > 2.5 * r.height:
                    continue
                # "Preis | Netto": two labels of their own in two segments are two columns
                cut = next(k for k in range(i, j) if r.seg_of_word[r.piece_word[k]] != r.seg_of_word[wi])
                if any(a == i and b == cut for a, b, _, _ in ms) and any(a == cut and b == j for a, b, _, _ in ms):
                    continue
            for k in range(i, j):
                used[k] = True
            picked.append((wi, wj, t, wt))
        picked += self._compounds(r, {k for wi, wj, _, _ in picked for k in range(wi, wj + 1)})
        picked = merge_same_target(r, sorted(picked))
        # "Einzelpreis netto": a tax marker right after a label qualifies it, it is no column
        picked = [p for n, p in enumerate(picked) if not (
            n and picked[n - 1][1] + 1 == p[0] and r.seg_of_word[picked[n - 1][1]] == r.seg_of_word[p[0]]
            and all(set(r.words[k].pieces) <= NET_MARKERS | GROSS_MARKERS for k in range(p[0], p[1] + 1)))]
        fields_hit = {t for _, _, t, _ in picked if t}
        if len(fields_hit) < 2 or not (fields_hit & self.numeric):
            return None
        # a segment beside the table without a label of its fields (a sidebar's line level with
        # the header, "Code APE 94.30C") is another column of the page, not part of the header
        aside = _aside(r, picked)
        picked = [p for p in picked if p[0] not in aside]
        # every word of a header is a label word (or small filler): reject prose rows
        covered: set[int] = set()
        for wi, wj, _, _ in picked:
            covered.update(range(wi, wj + 1))
        uncovered = [w for k, w in enumerate(r.words) if k not in covered and k not in aside]
        if any(re.search(r"\d", w.text) and not re.search(r"%|\[", w.text) for w in uncovered):
            return None
        if len(uncovered) > max(2, len(r.words) // 2):
            return None
        cols: list[Column] = []
        for wi, wj, t, wt in sorted(picked):
            cols.append(Column(t, r.words[wi].x0, r.words[wj].x1, wt))
        for k, w in enumerate(r.words):
            if k not in covered and k not in aside:
                # filler word: glue to the column it touches, else an unknown column
                near = [c for c in cols if abs(c.x1 - w.x0) < 0.8 * r.height or abs(w.x1 - c.x0) < 0.8 * r.height]
                if near and not w.text[0].isupper():
                    near[0].x0, near[0].x1 = min(near[0].x0, w.x0), max(near[0].x1, w.x1)
                else:
                    cols.append(Column("", w.x0, w.x1, 0.5))
        cols.sort(key=lambda c: c.x0)
        self._tax_markers(r, cols)
        # one column per field: the best label wins; duplicates become unknown
        best: dict[str, Column] = {}
        for c in cols:
            if c.target and (c.target not in best or c.weight > best[c.target].weight):
                best[c.target] = c
        spare: list[Column] = []
        lone = False
        for c in cols:
            if c.target and best[c.target] is not c:
                spare.append(c)
                c.target = ""
        if self.k_amount and self.k_price and self.k_amount not in best and self.k_price in best and \
                (not self.k_qty or self.k_qty not in best) and not spare:
            # "Item | Price" and nothing else: the price printed per line is the line amount
            best[self.k_price].target = self.k_amount
            lone = True
        if self.k_amount and self.k_amount not in best and spare:
            # the rightmost money column is the line amount
            right = max(spare, key=lambda c: c.x1)
            if all(right.x0 > b.x1 for b in best.values() if b.target != self.k_desc):
                right.target = self.k_amount
        self.lone_price = lone
        return cols

    def _compounds(self, r: Row, covered: set[int]) -> list[tuple[int, int, str, float]]:
        """Header words that are compounds ending in a column label ("Regeltotaal",
        "Zeilenbetrag", "Nettogesamtpreis"): that column, with a lower weight."""
        out = []
        for k, w in enumerate(r.words):
            key = "".join(w.pieces)
            if k in covered or len(key) < 7:
                continue
            best: tuple[int, str] | None = None
            for suffix, targets in self.suffixes.items():
                if key.endswith(suffix) and len(key) > len(suffix) + 2 and (best is None or len(suffix) > best[0]):
                    best = (len(suffix), targets)
            if best is not None:
                out.append((k, k, best[1], 0.6))
        return out

    def _tax_markers(self, r: Row, cols: list[Column]) -> None:
        """Amount and price columns marked as without tax ("Total HT", "Betrag netto", "excl.
        BTW") win over those marked as with tax ("TTC", "brutto", "incl."): the line amount of
        an invoice is its net amount."""
        for c in cols:
            if not c.target or c.target not in (self.k_amount, self.k_price):
                continue
            ps = {p for w in r.words if w.x0 >= c.x0 - 1 and w.x1 <= c.x1 + 1 for p in w.pieces}
            if ps & NET_MARKERS:
                c.weight += 0.15
            elif ps & GROSS_MARKERS:
                c.weight -= 0.15

    def header_rows(self) -> list[Row]:
        """Table header rows, with the lines their labels wrap onto ("VK-Preis / ohne MwSt.")."""
        out = []
        for rows in self.doc.rows_by_page:
            for k, r in enumerate(rows):
                if not self.header(r):
                    continue
                out.append(r)
                hdr = r
                for r2 in rows[k + 1:k + 3]:
                    if r2.y0 - hdr.y1 < 0.6 * hdr.height and not any(re.search(r"\d", w.text) for w in r2.words):
                        out.append(r2)
                        hdr = r2
                    else:
                        break
        return out

    # -- cells -----------------------------------------------------------------------------------
    def cells(self, r: Row, cols: list[Column]) -> dict[int, list[PlacedWord]]:
        """A row's words per column index (see cells.assign_cells); remembers each word's margin."""
        out, margins = assign_cells(r.words, cols)
        self.margin.update(margins)
        return out

    def _cell_number(self, ws: list[PlacedWord], last: bool) -> tuple[float | None, bool]:
        """A number from a cell; second value False when the cell holds other text."""
        if not ws or unread_on_scan(ws):
            return None, True
        amts = money_amounts(ws, self.doc.language, self.doc.decimal)
        clean = all(
            re.fullmatch(r"[-+(]?[€$£¥₹]?[-+]?[\d.,'’]+\)?-?%?|[-−–]?[€$£¥₹]|[A-Za-z]{1,5}\.?|x|@|/|-|\*+", unglued(w.text))
            for w in ws
        )
        if not clean and len(ws) == 1 and ocr_read(ws) and len(ws[0].text) <= 3 and \
                re.search(r"\d", ws[0].text):
            return None, True  # a scan's figure misread ("T5" for "7,5"): not read, and no other text
        if not amts:
            return None, clean and not any(re.search(r"[A-Za-z]{6,}", w.text) for w in ws)
        return (amts[-1][0] if last else amts[0][0]), clean

    # -- reading ---------------------------------------------------------------------------------
    def read(self) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, Citation], dict[str, dict[str, float]]]:
        """The items, with a confidence, a citation and evidence per path."""
        doc = self.doc
        items: list[dict[str, Any]] = []
        meta: list[dict[str, Any]] = []
        cols: list[Column] | None = None
        stopped = False
        for rows in doc.rows_by_page:
            if stopped:
                break
            start = 0
            page_cols = None
            for ri, r in enumerate(rows):
                c = self.header(r)
                if c:
                    page_cols, start = c, ri + 1
                    break
            if page_cols is None and cols is None:
                continue
            if page_cols is not None:
                cols = page_cols
                fresh = True
            else:
                fresh = False  # continuation page without a repeated header: anchors only
            assert cols is not None  # this page's header, or an earlier page's (else skipped above)
            current: dict[str, Any] | None = None
            last_row: Row | None = None
            if page_cols is not None:
                # header labels wrapped onto a second line ("VK-Preis / ohne MwSt.")
                hdr = rows[start - 1]
                while start < len(rows) and rows[start].y0 - hdr.y1 < 0.6 * hdr.height and \
                        not any(re.search(r"\d", w.text) for w in rows[start].words):
                    hdr = rows[start]
                    start += 1
            desc_ci = next((i for i, c in enumerate(cols) if c.target == self.k_desc), None)
            for r in rows[start:]:
                if all(w.aside for w in r.words):
                    continue  # a sidebar's line beside the table
                cells = self.cells(r, cols)
                # totals / subtotal rows
                first_seg = [w for k, w in enumerate(r.words) if r.seg_of_word[k] == r.seg_of_word[0]]
                fps = [p for w in first_seg for p in w.pieces]
                is_sub = any(i == 0 for i, _, _, _ in self.sub_index.matches(fps)) or self._cell_says(r, self.sub_index)
                is_stop = any(i == 0 for i, _, _, _ in self.stop_index.matches(fps)) or self._cell_says(r, self.stop_index)
                values: dict[str, float] = {}
                clean = True
                for ci, ws in cells.items():
                    t = cols[ci].target
                    if t in self.numeric:
                        v, ok = self._cell_number(ws, last=(t == self.k_amount))
                        clean = clean and ok
                        if v is not None:
                            values[t] = v
                has_amount = self.k_amount in values if self.k_amount else bool(values)
                n_num = len(values)
                anchor = clean and (has_amount or n_num >= 2) and (
                    n_num >= 2 or not any(c.target == self.k_price or c.target == self.k_qty for c in cols))
                if clean and has_amount and n_num == 1 and not is_stop and not is_sub and \
                        any(i == 0 for i, _, _, _ in self.adjust_index.matches(fps)):
                    anchor = True  # a discount or charge row: an amount without qty and price
                if anchor and (is_sub or is_stop):
                    # "Subtotal hardware 1 1.000,00 1.000,00" can be an item; "Subtotal $ 112.00" not
                    desc_words = cells.get(desc_ci, []) if desc_ci is not None else []
                    if n_num < 2 or not desc_words or desc_words[0] is not r.words[0]:
                        anchor = False
                if not anchor and is_stop and not is_sub:
                    stopped = True
                    break
                if not anchor and is_sub:
                    current = None
                    last_row = r
                    continue
                if not anchor and fresh is False and current is None:
                    # continuation page: a new table header ends the table
                    if self._looks_like_header(r):
                        stopped = not self._page_foot(r)
                        break
                    continue
                if anchor:
                    desc_ws = cells.get(desc_ci, []) if desc_ci is not None else []
                    item: dict[str, Any] = {s.key: None for s in self.subs}
                    for k2, v in values.items():
                        item[k2] = v
                    mend_lost_points(item, {cols[ci].target: ws for ci, ws in cells.items()}, self.k_qty, self.k_price, self.k_amount)
                    if self.k_qty and item.get(self.k_qty) is None and self.k_qty in {c.target for c in cols} and \
                            ocr_read(r.words):  # a scan's figure not read
                        item[self.k_qty] = quantity_from_amount(item.get(self.k_price or ""), item.get(self.k_amount or ""))
                    if self.lone_price and self.k_price and self.k_amount in values:
                        item[self.k_price] = values[self.k_amount]
                    for ci, ws in cells.items():
                        t = cols[ci].target
                        if t and t not in self.numeric and t != self.k_desc:
                            item[t] = " ".join(w.text for w in ws)
                    if self.k_desc:
                        item[self.k_desc] = " ".join(w.text for w in desc_ws) or None
                    items.append(item)
                    current = {"desc": list(desc_ws), "rows": [r], "cells": cells, "page": r.page,
                               "values_box": {t: box_of(ws) for ci, ws in cells.items()
                                              for t in [cols[ci].target] if t},
                               "words": {t: ws for ci, ws in cells.items() for t in [cols[ci].target] if t},
                               "label": {c.target: c.weight for c in cols if c.target},
                               "spare": {round(cols[ci].x0): v for ci, ws in cells.items() if not cols[ci].target
                                         for v in [self._cell_number(ws, last=False)[0]] if v is not None}}
                    meta.append(current)
                    self.item_rows.add(id(r))
                    last_row = r
                    fresh = True
                    continue
                # text-only row: continuation of the current item's description
                if current is None or desc_ci is None:
                    if self._looks_like_header(r) and items and not self.header(r):
                        stopped = not self._page_foot(r)
                        break
                    continue
                other = [w for ci, ws in cells.items() if ci != desc_ci and cols[ci].target for w in ws]
                dws = cells.get(desc_ci, [])
                prev = last_row or current["rows"][-1]
                if r.y0 - prev.y1 > 1.2 * max(r.height, prev.height):
                    current = None
                    continue
                if other and any(re.search(r"\d", w.text) for w in other):
                    current = None
                    continue
                if not dws:
                    last_row = r
                    continue
                txt = " ".join(w.text for w in dws)
                last_row = r
                if re.match(r"^\W{0,2}\s*[\w .\-/]{1,30}\s?:", txt) or dws[0].text.startswith(":"):
                    continue  # "Label: value" attribute line, not the item name
                if re.search(r"\d+[.,]\d{2}", txt) and re.search(r"(?i)preis|price|prix|prijs", txt):
                    continue
                current["desc"].extend(dws)
                if self.k_desc:
                    items[-1][self.k_desc] = " ".join(w.text for w in current["desc"])
                current["rows"].append(r)
                self.item_rows.add(id(r))
        # twice: amounts given their decimals let the rows' arithmetic give prices theirs, and
        # then the price column may show enough decimals for its other bare figures
        for _ in range(2):
            if points_lost_in_column(items, [m["words"] for m in meta], (self.k_amount, self.k_price)):
                for item, m in zip(items, meta):
                    mend_lost_points(item, m["words"], self.k_qty, self.k_price, self.k_amount)
        if self.k_qty and self.k_price and self.k_amount:
            quantities_by_arithmetic(items, [m["spare"] for m in meta], [ocr_read(m["rows"][0].words) for m in meta],
                                     self.k_qty, self.k_price, self.k_amount)
        return self._finish(items, meta)

    @staticmethod
    def _cell_says(r: Row, index: LabelIndex) -> bool:
        """A segment after the first that is a totals label and nothing else but its rate ("Thank
        you for your business. | Subtotal | $6,908.88", "Sales Tax (7%)"): a totals row beside a
        note, not an item ("Summe 01", a group's sum, can be one)."""
        for ws in segments(r)[1:]:
            ps = [p for w in ws for p in w.pieces]
            for i, j, _, _ in index.matches(ps):
                n, k = 0, 0
                while k < len(ws) and n < j:
                    n, k = n + len(ws[k].pieces), k + 1
                if i == 0 and n == j and all(re.fullmatch(r"\(?[\d.,]+\s*%\)?:?", w.text) for w in ws[k:]):
                    return True
        return False

    def _page_foot(self, r: Row) -> bool:
        """A row in the foot of a page that another page follows: a page footer (contact
        columns, "Phone # | Fax # | E-mail") ends the page's rows, not the table, whose rows
        go on on the next page until its totals."""
        _w, h = self.doc.size.get(r.page, (1.0, 1.0))
        return h > 1 and r.y0 > 0.8 * h and r.page < len(self.doc.rows_by_page)

    def _looks_like_header(self, r: Row) -> bool:
        segs = set(r.seg_of_word)
        return len(segs) >= 3 and not any(re.search(r"\d", w.text) for w in r.words)

    def _finish(self, items: list[dict[str, Any]], meta: list[dict[str, Any]]):
        doc = self.doc
        key = self.field.key
        conf: dict[str, float] = {}
        cites: dict[str, Citation] = {}
        evidence: dict[str, dict[str, float]] = {}
        lang = doc.language
        for n, (item, m) in enumerate(zip(items, meta)):
            q, p, a = (item.get(self.k_qty) if self.k_qty else None,
                       item.get(self.k_price) if self.k_price else None,
                       item.get(self.k_amount) if self.k_amount else None)
            check = None
            if q is not None and p is not None and a is not None:
                check = abs(q * p - a) <= max(0.011, 0.006 * abs(a))
            for s in self.subs:
                v = item.get(s.key)
                cv, _problem = coerce(v, s, lang)
                item[s.key] = cv
                path = f"{key}[{n}].{s.key}"
                if cv is None:
                    conf[path] = 0.0
                    continue
                base = 0.7
                if s.key in (self.k_qty, self.k_price, self.k_amount):
                    base = 0.95 if check else (0.5 if check is False else 0.7)
                elif s.key == self.k_desc:
                    base = 0.8 if check is not False else 0.6
                conf[path] = base
                ws = m["desc"] if s.key == self.k_desc else m["words"].get(s.key, [])
                evidence[path] = cell_evidence(ws, self.margin, m["label"].get(s.key, 0.0),
                                               check if s.key in (self.k_qty, self.k_price, self.k_amount, self.k_desc) else None)
                vb = m["values_box"].get(s.key)
                if s.key == self.k_desc and m["desc"]:
                    vb = box_of(m["desc"])
                if vb:
                    cites[path] = doc.cite(m["page"], vb)
        if items:
            leafs = [v for k, v in conf.items() if k.startswith(key + "[")]
            conf[key] = round(sum(leafs) / len(leafs), 3) if leafs else 0.5
            first = meta[0]
            cites[key] = doc.cite(first["page"], box_of([w for r in first["rows"] for w in r.words]))
        else:
            conf[key] = 0.0
        return items, conf, cites, evidence


def _aside(r: Row, picked: list[tuple[int, int, str, float]]) -> set[int]:
    """Words (by index) of a header row's segments that hold no label of a field but a value (a
    word with digits: no column label has them) and lie apart from the labels of fields (more
    than two line heights left or right of them)."""
    named = [(wi, wj) for wi, wj, t, _ in picked if t]
    lo = min(r.words[wi].x0 for wi, _ in named)
    hi = max(r.words[wj].x1 for _, wj in named)
    segs = {r.seg_of_word[k] for wi, wj in named for k in range(wi, wj + 1)}
    by_seg: dict[int, list[int]] = {}
    for k, s in enumerate(r.seg_of_word):
        by_seg.setdefault(s, []).append(k)
    out: set[int] = set()
    for s, ks in by_seg.items():
        if s in segs or not any(re.search(r"\d", r.words[k].text) for k in ks):
            continue
        if r.words[ks[-1]].x1 < lo - 2 * r.height or r.words[ks[0]].x0 > hi + 2 * r.height:
            out.update(ks)
    return out
