"""Which words after or below a label make up a value: amounts, identifiers, names (VAT ids:
vat_ids.py)."""

from __future__ import annotations

import re

from extraction.engines.offline.layout import PlacedWord
from extraction.values import CURRENCY_CODES, MONTHS, find_date, fold, parse_number

_PERIOD_WORDS = {"day", "days", "tage", "tagen", "tag", "jours", "jour", "dagen", "dag", "months",
                 "monate", "mois", "weeks", "wochen", "semaines", "%", "x"}
_SIGN = re.compile(r"^[-−–][€$£¥₹]?$|^[€$£¥₹][-−–]$")
_MONEY_TOKEN = re.compile(r"^[-+(]?(?:[€$£¥₹]|(?:US|CA|C|AU|A|NZ|HK|S|R|MX)\$)?[-+]?\d[\d.,'’]*\)?-?$")
# a currency printed (or read by OCR) without a space before or after the figure: "12,29€",
# "CHF7.06", "30,52EUR"
_GLUED_CURRENCY = re.compile(r"^([A-Z]{3})(?=[-+(]?\d)|(?<=\d)([A-Z]{3}|[€$£¥₹])$")


def unglued(text: str) -> str:
    """A figure without the currency code or symbol glued to it ("12,29€" -> "12,29",
    "CHF7.06" -> "7.06"); a leading symbol stays (the money pattern allows it). Other text as it is."""
    m = _GLUED_CURRENCY.search(text)
    if not m:
        return text
    code = m.group(1) or m.group(2)
    if len(code) == 3 and code not in CURRENCY_CODES:
        return text
    return text[:m.start()] + text[m.end():]


def group_gap(w: PlacedWord) -> float:
    """The widest gap between the digit groups of one amount ("47 802,89") before the word ``w``:
    OCR boxes hug the glyphs (a digit's ink is about 0.55 of a text layer's font box), so a space
    there, thin or whole, is wider against their height."""
    return (1.2 if w.conf is not None else 0.5) * (w.y1 - w.y0)


def _split_at_group(first: str, nxt: str) -> bool:
    """"$23," and "917.97": a figure cut after its thousands separator, the rest a group of three
    digits and decimals behind the other separator (so the cut one groups thousands)."""
    m = re.fullmatch(r"[-(]?[€$£]?\d{1,3}([.,])", first)
    n = re.fullmatch(r"\d{3}([.,])\d{2}\)?", nxt)
    return bool(m and n and m[1] != n[1])


def money_amounts(words: list[PlacedWord], language: str,
                  decimal: str | None) -> list[tuple[float, list[PlacedWord]]]:
    """Money-like numbers among words (percentages, dates and long ids skipped)."""
    out = []
    k = 0
    n = len(words)
    negative = False
    texts = [unglued(w.text.strip(":;")) for w in words]
    while k < n:
        t = texts[k]
        if t.endswith("%") or (k + 1 < n and words[k + 1].text.startswith("%")):
            k += 1
            continue
        if _SIGN.match(t) and k + 1 < n and words[k + 1].x0 - words[k].x1 < 0.6 * (words[k].y1 - words[k].y0):
            negative = True  # "-€ 27,03": the sign (and currency) printed apart from the figure
            k += 1
            continue
        # merge "4 108,26" style digit groups and "1 234.50"
        grp = [words[k]]
        if _MONEY_TOKEN.match(t) and not re.search(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}", t):
            j = k + 1
            while j < n and re.fullmatch(r"\d{3}([.,]\d+)?", texts[j]) and \
                    words[j].x0 - grp[-1].x1 < group_gap(words[j]) and \
                    re.fullmatch(r"[-(]?[€$£]?\d{1,3}", t if len(grp) == 1 else texts[j - 1][:3]):
                grp.append(words[j])
                j += 1
            if j < n and len(grp) == 1 and _split_at_group(t, texts[j]) and \
                    words[j].x0 - words[k].x1 < group_gap(words[j]):
                grp.append(words[j])  # "$23, 917.97": OCR set a thousands group apart after its separator
                j += 1
            if j < n and len(grp) == 1 and re.fullmatch(r"[-(]?[€$£]?\d[\d.,'’]*[.,]", t) and \
                    re.fullmatch(r"\d{2}", texts[j]) and words[j].x0 - words[k].x1 < group_gap(words[j]):
                grp.append(words[j])  # "31770, 05": OCR set the cents apart after the comma
                j += 1
            txt = "".join(texts[k:j]) if len(grp) > 1 else t
            digits = re.sub(r"\D", "", txt)
            if j < n and fold(words[j].text).strip(".,") in _PERIOD_WORDS:
                k = j + 1
                continue
            if len(grp) == 1 and re.fullmatch(r"(19|20)\d\d", t) and k > 0 and fold(words[k - 1].text).strip(".,") in MONTHS:
                k += 1  # "March 2025": a year, not an amount
                continue
            v = parse_number(txt, language, decimal)
            if v is not None and len(digits) <= 12:
                out.append((-abs(v) if negative else v, [words[k - 1], *grp] if negative else grp))
            negative = False
            k = j
            continue
        negative = False
        k += 1
    return out


def id_words(words: list[PlacedWord]) -> list[PlacedWord] | None:
    """The words of the first identifier (with letter pieces OCR split off it), or None when it is
    a date or comes after other words."""
    for k, w in enumerate(words):
        t = w.text.strip(":;,")
        if not t or t in {"#", "-", ":", "No", "No.", "Nr.", "Nr", "N°", "n°", "Nº", "nº"}:
            continue
        if re.fullmatch(r"\(.*\)|\[.*\]", t):
            continue  # an annotation such as a type code "(380)"
        if re.search(r"\d", t) and len(t) <= 40 and not t.endswith("%"):
            if find_date([t])[0] and not re.search(r"[A-Za-z]", t):
                return None
            # pieces of one identifier printed without a space ("IBZY" "2087" from OCR): join
            grp = [w]
            h = max(w.y1 - w.y0, 1.0)
            while k > 0 and re.fullmatch(r"[A-Z]{2,}[-/_]?", words[k - 1].text) and \
                    0 <= grp[0].x0 - words[k - 1].x1 < 0.2 * h and len(grp) < 3:
                k -= 1
                grp.insert(0, words[k])
            return grp
        if k >= 2:
            return None
    return None


def id_text(w: PlacedWord) -> str:
    """An identifier word without its printed prefix ("Nr.471102" -> "471102")."""
    t = w.text.strip(":;,")
    t = re.sub(r"(?<=\w)[.!?]+$", "", t)  # a sentence's full stop is never part of an id
    if t.endswith(")") and "(" not in t:
        t = t[:-1]
    return re.sub(r"^(?i:n[°º]|no\.|nr\.|#)\s*(?=\w)", "", t)


def name_words(words: list[PlacedWord]) -> list[PlacedWord] | None:
    """The words as a party name, or None when they cannot be one (no letters, too long, a label)."""
    toks = [w for w in words if w.text not in {":", "-"}]
    if not toks:
        return None
    txt = " ".join(w.text for w in toks)
    if not re.search(r"[A-Za-zÀ-ÿ]{2}", txt) or len(txt) > 80:
        return None
    if any(w.text.endswith(":") for w in toks):
        return None
    return toks
