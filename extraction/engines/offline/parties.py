"""Parties: the sections a heading opens ("Seller", "Bill to" ...), party names, and the seller's
name when no label names it (return-address line, a name with a legal form, the letterhead)."""

from __future__ import annotations

import re

from extraction.engines.offline.addresses import (
    address_blocks,
    legal_form,
    plain_line,
    salutation,
    segment_at,
    sender_line,
    whole_name,
    window_address,
    wrapped_before,
    wrapped_name,
)
from extraction.engines.offline.candidates import Candidate
from extraction.engines.offline.layout import DocumentRows, PlacedWord, Row, box_of, mean_conf, segments
from extraction.engines.offline.names import FILLERS, misread_heading, not_a_name
from extraction.engines.offline.regions import slip_rows
from extraction.engines.offline.value_words import name_words
from extraction.values import fold
from extraction.vocabulary import (
    HEADER_CONCEPTS,
    LEGAL_FORMS,
    NAME_LABELS,
    PARTY_HEADINGS,
    LabelIndex,
    pieces_of,
)

_BANK_WORDS = {"bank", "banque", "banca", "banco", "sparkasse", "volksbank", "raiffeisenbank",
               "bankverbindung", "iban", "bic", "credit", "kredit", "paypal", "stripe"}


class PartyReader:
    """Where each party's section is on the pages, and the party names read in them.

    ``concept`` maps the client's field keys to header concepts (the HeaderReader's mapping).
    """

    def __init__(self, doc: DocumentRows, concept: dict[str, str | None],
                 table_rows: set[int] | None = None) -> None:
        self.doc = doc
        self.concept = concept
        # parties are named above the item table: its first header row on page 1 ends the search
        first = doc.rows_by_page[0] if doc.rows_by_page else []
        self.table_y = next((r.y0 for r in first if id(r) in (table_rows or set())), None)
        self.name_index = LabelIndex()
        for phrase, w in NAME_LABELS.items():
            self.name_index.add(phrase, "name", w)
        self.party_index = LabelIndex()
        for party, phrases in PARTY_HEADINGS.items():
            for phrase, w in phrases.items():
                self.party_index.add(phrase, party, w)
        # a payment slip's party block is the payer's: no section, no name taken from it
        self.slip = slip_rows(doc)
        self.sections = self._sections()

    # -- party sections ------------------------------------------------------------------------
    def _sections(self) -> dict[tuple[int, int], list[tuple[Row, str, float, float]]]:
        """Per page: heading rows that open a party section: (row, party, x0, x1 of heading)."""
        out: dict[tuple[int, int], list] = {}
        for rows in self.doc.rows_by_page:
            for r in rows:
                if id(r) in self.slip:
                    continue
                # a heading is a short segment made of the party label (and maybe a colon)
                segs: dict[int, list[int]] = {}
                for k, s in enumerate(r.seg_of_word):
                    segs.setdefault(s, []).append(k)
                for ks in segs.values():
                    ps = [p for k in ks for p in r.words[k].pieces]
                    if not ps or len(ps) > 5:
                        continue
                    ms = self.party_index.matches(ps)
                    for party in ("seller", "buyer", "other"):
                        cover = [False] * len(ps)
                        for i, j, p2, _ in ms:
                            if p2 == party:
                                cover[i:j] = [True] * (j - i)
                        for k2, p in enumerate(ps):
                            if p in FILLERS:
                                cover[k2] = True
                        if cover[0] and all(cover) and any(p2 == party for _, _, p2, _ in ms):
                            ws = [r.words[k] for k in ks]
                            out.setdefault((r.page, 0), []).append((r, party, ws[0].x0, ws[-1].x1))
                            break
                    else:
                        ws = [r.words[k] for k in ks]
                        misread = misread_heading(ws)
                        if misread:
                            out.setdefault((r.page, 0), []).append((r, misread, ws[0].x0, ws[-1].x1))
        return out

    def party_of(self, row: Row, x0: float) -> tuple[str | None, Row | None]:
        """The party whose section holds position x0 of a row, and that section's heading row."""
        heads = self.sections.get((row.page, 0), [])
        best: tuple[Row, str, float] | None = None
        for hr, party, hx0, hx1 in heads:
            if hr.y0 > row.y0 + 1:
                continue
            if hr is row:
                if hx1 <= x0 + 2:
                    return party, hr
                continue
            dy = row.y0 - hr.y1
            if dy > 260:
                continue
            if hx0 > x0 + 40 or hx1 < x0 - 250:
                continue
            # the nearest heading above; of two side by side ("Cedente" | "Cessionario"), the
            # one whose column holds x0
            if best is None or hr.y0 > best[0].y0 + 1 or \
                    (abs(hr.y0 - best[0].y0) <= 1 and hx0 > best[2]):
                best = (hr, party, hx0)
        return (best[1], best[0]) if best else (None, None)

    # -- parties ---------------------------------------------------------------------------------
    def add_names(self, out: dict[str, list[Candidate]]) -> None:
        """Party names: "Name: X" under a party heading, or the heading followed by the name."""
        keys = {HEADER_CONCEPTS[c]["party"]: k for k, c in self.concept.items()
                if c and HEADER_CONCEPTS[c]["kind"] == "party_name"}
        if not keys:
            return
        for rows in self.doc.rows_by_page:
            for ri, r in enumerate(rows):
                if id(r) in self.slip:
                    continue
                # "Name: X" under a party heading
                for i, j, _, w in self.name_index.matches(r.pieces):
                    wi, wj = r.piece_word[i], r.piece_word[j - 1]
                    if i != 0 and r.seg_of_word[wi] == r.seg_of_word[max(wi - 1, 0)] and wi > 0:
                        continue
                    if j < len(r.pieces) and r.piece_word[j] == wj:
                        continue
                    party, _ = self.party_of(r, r.words[wi].x0)
                    if party in keys:
                        right = [x for x in r.words[wj + 1:]]
                        right = [x for x in right if r.seg_of_word[r.words.index(x)] == r.seg_of_word[r.words.index(right[0])]] if right else []
                        ws = name_words(right)
                        if ws:
                            ws = self._lines_above(rows, ri, ws, r.words[wi].x0) + ws
                            out[keys[party]].append(self._name(ws, 0.9 * w, r, label=w))
                # party heading followed by the name (same line or the next lines)
                for hr, party, hx0, hx1 in self.sections.get((r.page, 0), []):
                    if hr is not r or party not in keys:
                        continue
                    hw = 0.8
                    right = [x for x in r.words if x.x0 > hx1 + 1]
                    if right and right[0].x0 - hx1 > 3 * r.height:
                        right = []
                    right = [x for x in right if r.seg_of_word[r.words.index(x)] == r.seg_of_word[r.words.index(right[0])]] if right else []
                    ws = name_words(right) if right else None
                    if ws and not re.search(r"\d", ws[0].text) and not self.heading(ws):
                        out[keys[party]].append(self._name(ws, 0.75, r, label=hw))
                        continue
                    for k2, r2 in enumerate(rows[ri + 1: ri + 4], start=ri + 1):
                        if r2.y0 - r.y1 > 2.5 * r.height:
                            break
                        ws2 = [x for x in r2.words if x.x1 > hx0 - 4 and x.x0 < hx0 + 200]
                        if not ws2:
                            continue
                        seg = r2.seg_of_word[r2.words.index(ws2[0])]
                        # the whole segment that starts under the heading: a long name runs on
                        ws2 = [x for x in r2.words if r2.seg_of_word[r2.words.index(x)] == seg and x.x1 > hx0 - 4]
                        if ws2[0].text.endswith(":") or ":" in " ".join(x.text for x in ws2[:2]):
                            continue  # a "Label: value" line of the section, not the name
                        if salutation(ws2) or self.heading(ws2):
                            continue  # "Firma" above the name; a second heading
                        ws = name_words(ws2)
                        if ws:
                            txt = " ".join(x.text for x in ws)
                            if txt.lower().startswith(("attn", "z.hd", "t.a.v", "a l'attention")):
                                continue
                            ws = wrapped_name(rows, k2, ws)
                            out[keys[party]].append(self._name(ws, 0.7, r, label=hw))
                        break

    def add_seller_fallback(self, out: dict[str, list[Candidate]]) -> None:
        """No labelled seller name: the return-address line, a name with a legal form, or the
        letterhead, in that order."""
        key = next((k for k, c in self.concept.items() if c == "seller_name"), None)
        if not key or out[key]:
            return
        if self._sender_line(out[key]) or self._footer_name(out[key]) or self._legal_form_name(out, key):
            return
        self._letterhead(out[key])

    def _footer_name(self, cands: list[Candidate]) -> bool:
        """A name with a legal form opening a row of the last page's footer: a company prints
        its own name there (with its address, registration and bank), never its customer's."""
        rows = self.doc.rows_by_page[-1] if self.doc.rows_by_page else []
        _w, h = self.doc.size.get(rows[0].page if rows else 1, (1.0, 1.0))
        for r in rows:
            if h <= 1 or r.y0 < 0.8 * h or id(r) in self.slip:
                continue
            ws = segments(r)[0]
            txt = " ".join(w.text for w in ws)
            if not (2 <= len(ws) <= 8) or re.search(r"\d|:", txt) or not legal_form(ws[-1]):
                continue
            if {p for w in ws for p in w.pieces} & _BANK_WORDS or self.heading(ws):
                continue
            cands.append(self._name(ws, 0.45, r))
            return True
        return False

    def _sender_line(self, cands: list[Candidate]) -> bool:
        """The one-line return address above a window-envelope address: its first part names
        the sender."""
        found = sender_line(self.doc)
        if found is None:
            return False
        r, line, name = found
        ws = line[:len(name.split())]
        cands.append(Candidate(name, 0.55, r.page, box_of(ws), r.page * 10000 + r.y0, ocr=mean_conf(ws)))
        return True

    def add_buyer_fallback(self, out: dict[str, list[Candidate]]) -> None:
        """No buyer name under a heading: the address in the envelope window (under a return-address
        line), else the first name-and-address block of the first page that is not the seller's
        and not in another party's section."""
        key = next((k for k, c in self.concept.items() if c == "buyer_name"), None)
        if not key or out[key]:
            return
        found = sender_line(self.doc)
        if found is not None:
            addr = window_address(self.doc, found[0], found[1])
            if addr is not None:
                r, ws = addr
                out[key].append(self._name(ws, 0.5, r))
                return
        skey = next((k for k, c in self.concept.items() if c == "seller_name"), None)
        sellers = {fold(str(c.value)) for c in out.get(skey or "", [])}
        rows = self.doc.rows_by_page[0] if self.doc.rows_by_page else []
        for b in address_blocks(self.doc, self.table_y):
            if self.heading(b.name):
                continue
            ws = wrapped_name(rows, rows.index(b.row), b.name)
            txt = fold(" ".join(w.text for w in ws))
            if txt in sellers or any(txt in s or s in txt for s in sellers if len(s) > 3):
                continue
            if self._aligned_heading(b.row, ws[0].x0) in ("seller", "other"):
                continue
            out[key].append(self._name(ws, 0.3, b.row))
            return

    def _aligned_heading(self, row: Row, x0: float) -> str | None:
        """The party of the nearest heading above a block and aligned with it (a block in
        another column beside a "Seller" heading is not the seller's)."""
        best: tuple[float, str] | None = None
        for hr, party, hx0, _hx1 in self.sections.get((row.page, 0), []):
            if hr.y0 <= row.y0 + 1 and row.y0 - hr.y1 <= 260 and abs(hx0 - x0) <= 60:
                if best is None or hr.y0 > best[0]:
                    best = (hr.y0, party)
        return best[1] if best else None

    @staticmethod
    def _lines_above(rows: list[Row], ri: int, ws: list[PlacedWord], label_x: float) -> list[PlacedWord]:
        """A name printed on two lines whose label sits beside the second ("Name:" level with
        the last line): the line above at the value's left edge, with nothing left of it."""
        if ri == 0:
            return []
        r, r0 = rows[ri], rows[ri - 1]
        if r.y0 - r0.y1 > 0.9 * r.height or any(w.x1 <= ws[0].x0 - 2 and w.x1 > label_x - 4 for w in r0.words):
            return []
        prev = segment_at(r0, ws[0].x0)
        if prev and len(prev) == len(r0.words) and plain_line(prev, 5) and not any(
                w.text.endswith(":") for w in prev):
            return prev
        return []

    def buyers_own_ids(self, out: dict[str, list[Candidate]]) -> None:
        """A VAT id labelled inside the buyer's address block (under the buyer's name, at its
        left edge, or the label's last word a little right of it: "N° TVA") is the buyer's, not
        the seller's."""
        bkey = next((k for k, c in self.concept.items() if c == "buyer_name"), None)
        if not bkey or not out.get(bkey):
            return
        b = max(out[bkey], key=lambda c: c.score)
        for k, c in self.concept.items():
            if not c or HEADER_CONCEPTS[c].get("party") != "seller" or HEADER_CONCEPTS[c]["kind"] == "party_name":
                continue
            out[k] = [cand for cand in out.get(k, []) if not (
                cand.page == b.page and cand.label_x is not None and -12 <= cand.label_x - b.box[0] <= 40
                and 0 < cand.box[1] - b.box[1] <= 6 * self.doc.line_step)]

    def heading(self, ws: list[PlacedWord]) -> bool:
        """Words that are a heading or a label, never a name: "Bill to", "Invoice", "Name",
        "Date de livraison", "Frau", "France" (see names.py)."""
        return not_a_name(ws, (self.party_index, self.name_index))

    @staticmethod
    def _name(ws: list[PlacedWord], score: float, r: Row, label: float = 0.0) -> Candidate:
        return Candidate(" ".join(w.text for w in ws).strip(",;"), score, r.page, box_of(ws),
                         r.page * 10000 + r.y0, label=label, ocr=mean_conf(ws))

    def _letterhead(self, cands: list[Candidate]) -> None:
        """The topmost name-and-address block of the first page (a name line followed by street
        and postcode lines) is the letterhead of the sender, unless a heading says otherwise."""
        rows = self.doc.rows_by_page[0] if self.doc.rows_by_page else []
        found = self._left_aligned_block(rows)
        if found is not None:
            cands.append(found)
        else:
            self._first_block(rows, cands)

    def _left_aligned_block(self, rows: list[Row]) -> Candidate | None:
        """The name of the topmost block whose address lines share its left edge; None when there
        is none or it lies in the buyer's section (the letterhead is then set otherwise)."""
        for k, r in enumerate(rows[:25]):
            for ws in segments(r):
                txt = " ".join(w.text for w in ws)
                if re.search(r"\d|:|@|www\.|https?", txt) or not (1 <= len(ws) <= 6):
                    continue
                if self.party_index.matches([p for w in ws for p in w.pieces]) or self.heading(ws):
                    continue  # a section heading ("Bill to"), a title or a label, not a name
                below = [r2 for r2 in rows[k + 1:k + 6] if r2.y0 - r.y1 < 2.5 * r.height * self.doc.box_scale]
                addr = [r2 for r2 in below if any(abs(w.x0 - ws[0].x0) < 3 and re.search(r"\d", " ".join(
                    x.text for x in r2.words if abs(x.x0 - ws[0].x0) < 3 or x.x0 > ws[0].x0)) for w in r2.words)]
                if len(addr) < 2:
                    continue
                party, _ = self.party_of(r, ws[0].x0)
                return None if party in ("buyer", "other") else self._name(whole_name(rows, k, ws), 0.35, r)
        return None

    def _first_block(self, rows: list[Row], cands: list[Candidate]) -> None:
        """A letterhead set flush right, or with one address line: the first name-and-address
        block on the page, unless it lies in the buyer's or another party's section."""
        for b in address_blocks(self.doc, self.table_y):
            if self.heading(b.name):
                continue
            party, _ = self.party_of(b.row, b.name[0].x0)
            if party not in ("buyer", "other"):
                cands.append(self._name(whole_name(rows, rows.index(b.row), b.name), 0.3, b.row))
            return
        self._prominent(rows, cands)

    def _prominent(self, rows: list[Row], cands: list[Candidate]) -> None:
        """A name set in the largest type at the top of the first page, above every party
        section (a logo-like letterhead without a legal form or an address under it)."""
        _w, h = self.doc.size.get(rows[0].page if rows else 1, (1.0, 1.0))
        heads = [hr.y0 for hr, _, _, _ in self.sections.get((rows[0].page if rows else 1, 0), [])]
        top = min([0.25 * h if h > 1 else float("inf"), *heads])
        best: tuple[float, Row, list[PlacedWord]] | None = None
        for r in rows:
            if r.y0 >= top:
                break
            for ws in segments(r):
                size = max(w.y1 - w.y0 for w in ws)
                if size < 1.3 * self.doc.line_h or not plain_line(ws) or self.heading(ws):
                    continue
                if best is None or size > best[0]:
                    best = (size, r, ws)
        if best is not None:
            cands.append(self._name(best[2], 0.25, best[1]))

    def _legal_form_name(self, out: dict[str, list[Candidate]], key: str) -> bool:
        """A short segment ending in a legal form ("Lieferant GmbH") on the first or last page,
        outside the buyer's and other parties' sections."""
        buyer_texts = set()
        bkey = next((k for k, c in self.concept.items() if c == "buyer_name"), None)
        if bkey:
            buyer_texts = {fold(str(c.value)) for c in out[bkey]}
        for rows in self.doc.rows_by_page[:1] + self.doc.rows_by_page[-1:]:
            for r in rows:
                if id(r) in self.slip:
                    continue
                for ws in segments(r):
                    if len(ws) > 8:
                        continue
                    last = "".join(pieces_of(ws[-1].text))
                    if last in LEGAL_FORMS and not re.search(r"\d", " ".join(w.text for w in ws)):
                        start = 0
                        for k, w in enumerate(ws):
                            if w.text.endswith(":"):
                                start = k + 1
                        # a legal form alone on its line ends a name wrapped from the line above
                        ws = wrapped_before(rows, rows.index(r), ws[start:])
                        if len(ws) < 2:
                            continue
                        txt = " ".join(w.text for w in ws).strip(",;")
                        party, _ = self.party_of(r, ws[0].x0)
                        if party in ("buyer", "other") or fold(txt) in buyer_texts:
                            continue
                        out[key].append(self._name(ws, 0.4, r))
                        return True
        return False
