"""Address blocks by geometry: the one-line return address above a window-envelope address, the
address under it, name-and-address blocks, and names that wrap onto a second line.

An address block is a short line of words without digits (the name) with lines at the same left
edge below it that carry a street number or a postcode. A name wraps when its second line ends
in a legal form ("Acme Industrial Supply" / "Group LLC") or its first line ends in a connector.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from extraction.engines.offline.layout import OCR_INK_TO_FONT_BOX, DocumentRows, PlacedWord, Row, ocr_read, segments
from extraction.engines.offline.regions import slip_start
from extraction.values import fold
from extraction.vocabulary import LEGAL_FORMS, SALUTATIONS, pieces_of

_CONNECTORS = {"&", "and", "und", "et", "y", "e", "en", "+", "-"}
_RETURN_SPLIT = re.compile(r"\s+[-–|·•]\s+|\s*\|\s*")


@dataclass
class Block:
    """A name line and the address lines below it."""

    row: Row
    name: list[PlacedWord]
    lines: int  # address lines below the name


def segment_at(r: Row, x0: float, tol: float = 4.0) -> list[PlacedWord] | None:
    """The segment of a row that starts at x0."""
    return next((ws for ws in segments(r) if abs(ws[0].x0 - x0) <= tol), None)


def aligned(r: Row, ws: list[PlacedWord], tol: float = 4.0) -> list[PlacedWord] | None:
    """The segment of a row aligned with ws: same left edge, or same right edge (a block set
    flush right, as letterheads and recipient blocks on the right often are)."""
    return segment_at(r, ws[0].x0, tol) or next(
        (s for s in segments(r) if abs(s[-1].x1 - ws[-1].x1) <= tol and abs(s[0].x0 - ws[0].x0) > tol), None)


def legal_form(w: PlacedWord) -> bool:
    return "".join(pieces_of(w.text)) in LEGAL_FORMS


def plain_line(ws: list[PlacedWord], max_words: int = 6) -> bool:
    """Words that can be (part of) a name: letters, no digits, no colon, not too many."""
    txt = " ".join(w.text for w in ws)
    return (1 <= len(ws) <= max_words and not re.search(r"\d|:|@|www\.|https?", txt)
            and bool(re.search(r"[A-Za-zÀ-ÿ]{2}", txt)))


def salutation(ws: list[PlacedWord]) -> bool:
    """"Firma", "Herrn", "Attn." alone on a line above the name."""
    return len(ws) <= 2 and all("".join(pieces_of(w.text)) in SALUTATIONS for w in ws)


def wraps(first: list[PlacedWord], second: list[PlacedWord]) -> bool:
    """Does a name line continue on the next line?"""
    if not plain_line(second, 5):
        return False
    last = fold(first[-1].text)
    if last in _CONNECTORS or first[-1].text.endswith(("-", "&", ",")):
        return True
    return legal_form(second[-1]) and not legal_form(first[-1])


def _next_line(upper: list[PlacedWord], lower: list[PlacedWord], ref: list[PlacedWord]) -> bool:
    """The lower words can be the next line of the upper ones' text: close below them and printed
    the same size as ``ref`` (the name's words; a big title beside them on their row does not
    count). A scan's boxes hug the ink: a gap there counts in font boxes (about twice the ink's
    height), and a line of capitals stands lower than one with descenders."""
    def height(ws: list[PlacedWord]) -> float:
        return statistics.median(w.y1 - w.y0 for w in ws)

    scan = ocr_read(ref)
    h = height(ref)
    gap = min(w.y0 for w in lower) - max(w.y1 for w in upper)
    return gap <= 0.9 * h * (OCR_INK_TO_FONT_BOX if scan else 1.0) and \
        abs(height(upper) - height(lower)) <= (0.35 if scan else 0.2) * h


def _at_edge(rows: list[Row], x0: float) -> list[PlacedWord] | None:
    """The first of these rows' segments that starts at x0 (a row beside the name's column, a
    title or a sidebar's line, is passed over)."""
    return next((s for r in rows for s in [segment_at(r, x0)] if s), None)


def wrapped_name(rows: list[Row], k: int, ws: list[PlacedWord]) -> list[PlacedWord]:
    """A name read on rows[k] with the line it wraps onto (same left edge, close below)."""
    nxt = _at_edge(rows[k + 1:k + 3], ws[0].x0)
    if nxt and _next_line(ws, nxt, ws) and wraps(ws, nxt):
        return ws + nxt
    return ws


def wrapped_before(rows: list[Row], k: int, ws: list[PlacedWord]) -> list[PlacedWord]:
    """A name found by its legal form on rows[k] with the line it started on, above it."""
    prev = _at_edge(rows[max(0, k - 2):k][::-1], ws[0].x0)
    if prev and _next_line(prev, ws, ws) and plain_line(prev, 5) and not salutation(prev) and wraps(prev, ws):
        return prev + ws
    return ws


def whole_name(rows: list[Row], k: int, ws: list[PlacedWord]) -> list[PlacedWord]:
    """A name read on rows[k] with the lines it wraps from (above: a legal form alone on rows[k])
    and onto (below)."""
    return wrapped_before(rows, k, wrapped_name(rows, k, ws))


def sender_line(doc: DocumentRows) -> tuple[Row, list[PlacedWord], str] | None:
    """The one-line return address above a window-envelope address ("Name - Street 1 - 12345
    City"), printed small: its row, its words and the sender's name (its first part)."""
    _w, h = doc.size.get(1, (1.0, 1.0))
    for r in (doc.rows_by_page[0] if doc.rows_by_page else [])[:40]:
        if h > 1 and r.y0 > 0.45 * h:
            break  # a return address sits above the envelope window, not in the footer
        segs = segments(r)
        lines = [(ws, [p.strip() for p in _RETURN_SPLIT.split(" ".join(w.text for w in ws)) if p.strip()]) for ws in segs]
        if ocr_read(r.words):
            # on a scan the dot between the parts ("Name · Street 1 · City") goes with the specks:
            # the parts are the row's last segments, the fewest that make an address first (labels
            # may stand before them on the row)
            close = [segs[k + 1][0].x0 - segs[k][-1].x1 <= 3 * r.height * doc.box_scale for k in range(len(segs) - 1)]
            lines += [([w for s in segs[i:] for w in s], [" ".join(w.text for w in s) for s in segs[i:]])
                      for i in range(len(segs) - 3, -1, -1) if all(close[i:])]  # a dot apart, not columns
        for ws, parts in lines:
            if len(parts) < 3 or len(parts) > 6:
                continue
            if re.search(r"\d", parts[0]) or not re.search(r"[A-Za-zÀ-ÿ]{2}", parts[0]) or len(parts[0]) > 60:
                continue
            if not any(re.search(r"\b\d{4,5}\b|\b[A-Z]{1,2}\d", p) for p in parts[1:]):
                continue  # no postcode: not an address line
            if max(w.y1 - w.y0 for w in ws) > 1.05 * doc.line_h:
                continue  # a return-address line is printed small
            return r, ws, parts[0]
    return None


def window_address(doc: DocumentRows, sender: Row, line: list[PlacedWord]) -> tuple[Row, list[PlacedWord]] | None:
    """The name of the address printed under a return-address line (the recipient's)."""
    rows = doc.rows_by_page[sender.page - 1]
    k = rows.index(sender)
    prev = sender
    for r in rows[k + 1:k + 4]:
        if r.y0 - prev.y1 > 2.5 * doc.line_step:
            return None
        ws = next((s for s in segments(r) if abs(s[0].x0 - line[0].x0) <= 30), None)
        if ws is None:
            return None
        if salutation(ws):
            prev = r
            continue
        if not plain_line(ws, 8):
            return None
        below = rows[rows.index(r) + 1:rows.index(r) + 4]
        return (r, ws) if any(_address_line(a) for b in below if (a := aligned(b, ws))) else None
    return None


def _address_line(ws: list[PlacedWord]) -> bool:
    """A street, postcode and town, or a contact line: digits with letters, or an e-mail."""
    txt = " ".join(w.text for w in ws)
    return "@" in txt or (bool(re.search(r"\d", txt)) and bool(re.search(r"[A-Za-zÀ-ÿ]{2}", txt)))


def address_blocks(doc: DocumentRows, stop_y: float | None = None, max_rows: int = 45) -> list[Block]:
    """Name-and-address blocks of the first page's upper part (above ``stop_y``, where the item
    table starts), in reading order."""
    rows = doc.rows_by_page[0] if doc.rows_by_page else []
    _w, h = doc.size.get(1, (1.0, 1.0))
    limit = min(0.6 * h if h > 1 else float("inf"), stop_y if stop_y is not None else float("inf"),
                slip_start(doc, rows) or float("inf"))  # a payment slip's blocks are the payer's
    out: list[Block] = []
    inside: set[tuple[int, int]] = set()  # (row index, x) of lines that belong to a block found
    for k, r in enumerate(rows[:max_rows]):
        if r.y0 >= limit - 1:
            break
        for ws in segments(r):
            if (k, round(ws[0].x0 / 8)) in inside or not plain_line(ws) or salutation(ws):
                continue
            lines, prev = 0, r
            for k2, r2 in enumerate(rows[k + 1:k + 5], start=k + 1):
                if r2.y0 - prev.y1 > 1.5 * max(prev.height if prev is not r else r2.height, r2.height):
                    break
                if r2.y0 >= limit - 1:
                    break
                seg = aligned(r2, ws)
                if seg is None:
                    break
                if _address_line(seg):
                    lines += 1
                inside.add((k2, round(seg[0].x0 / 8)))
                prev = r2
            if lines >= 1:
                out.append(Block(r, ws, lines))
    return out
