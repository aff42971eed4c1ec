"""VAT ids: which words after a label are one, and an OCR slip mended by the id's national format.

A VAT id is a country code and a number whose shape each country fixes (Germany nine digits, the
Netherlands nine digits, "B" and two digits, France two characters and nine digits ...). Printed in
groups ("GB 644 1535 70") it is read whole. It is never the start of an IBAN ("IBAN NL19 RABO ...":
an IBAN is a country code and two check digits too), nor a value after another label. OCR confuses
letters and digits of the same shape (B/8, O/0, I/1, S/5): where the national format wants a digit
and a look-alike letter is printed (or the other way round), the format decides.
"""

from __future__ import annotations

import re

from extraction.engines.offline.layout import PlacedWord
from extraction.values import fold

_VAT_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,14}$")
_SWISS_UID = re.compile(r"^CHE-?\d{3}\.?\d{3}\.?\d{3}$")  # "CHE-123.456.789" (MWST/TVA/IVA follows)

# the number after the country code, per position: d = digit, L = letter, x = either
FORMATS: dict[str, tuple[str, ...]] = {
    "AT": ("Ldddddddd",), "BE": ("dddddddddd",), "BG": ("ddddddddd", "dddddddddd"),
    "CY": ("ddddddddL",), "CZ": ("dddddddd", "ddddddddd", "dddddddddd"), "DE": ("ddddddddd",),
    "DK": ("dddddddd",), "EE": ("ddddddddd",), "EL": ("ddddddddd",), "ES": ("xdddddddx",),
    "FI": ("dddddddd",), "FR": ("xxddddddddd",), "GB": ("ddddddddd", "dddddddddddd"),
    "HR": ("ddddddddddd",), "HU": ("dddddddd",), "IE": ("dxdddddL", "dddddddLL"),
    "IT": ("ddddddddddd",), "LT": ("ddddddddd", "dddddddddddd"), "LU": ("dddddddd",),
    "LV": ("ddddddddddd",), "MT": ("dddddddd",), "NL": ("dddddddddLdd",), "NO": ("ddddddddd",),
    "PL": ("dddddddddd",), "PT": ("ddddddddd",), "RO": ("dd", "ddd", "dddd", "ddddd", "dddddd",
    "ddddddd", "dddddddd", "ddddddddd", "dddddddddd"), "SE": ("dddddddddddd",), "SI": ("dddddddd",),
    "SK": ("dddddddddd",), "XI": ("ddddddddd",),
}
_AS_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6", "T": "7",
             "B": "8"}
_AS_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "7": "T", "8": "B"}


def _fits(body: str, fmt: str) -> bool:
    return len(body) == len(fmt) and all(
        (c.isdigit() if f == "d" else c.isalpha() if f == "L" else c.isalnum()) for c, f in zip(body, fmt))


def mend_vat(text: str) -> str:
    """A VAT id as printed, or (when its national format says one of its characters was misread
    as a look-alike) the id mended and written without spaces."""
    compact = re.sub(r"[\s.\-]", "", text).upper()
    country, body = compact[:2], compact[2:]
    fmts = FORMATS.get(country)
    if not fmts or any(_fits(body, f) for f in fmts):
        return text
    for fmt in fmts:
        if len(fmt) != len(body):
            continue
        fixed = "".join(_AS_DIGIT.get(c, c) if f == "d" else _AS_LETTER.get(c, c) if f == "L" else c
                        for c, f in zip(body, fmt))
        if _fits(fixed, fmt):
            return country + fixed
    return text


def _after_iban(toks: list[PlacedWord], k: int) -> bool:
    """The word follows "IBAN" (the account number's first group, not a VAT id)."""
    return k > 0 and fold(toks[k - 1].text).strip(":.") == "iban"


def vat_words(words: list[PlacedWord]) -> list[PlacedWord] | None:
    """A VAT id among the first words: "DE123456789", or "DE 123 456 789" as several words;
    never an IBAN's first group, nor a value after another label ("Steuernummer: ... IBAN:")."""
    toks = [w for w in words if w.text not in {":", "-", "#"}]
    for k, w in enumerate(toks[:4]):
        if k and w.text.endswith(":") and not re.search(r"\d", w.text):
            return None  # another label: what follows is its value
        t = w.text.strip(":;,.")
        if _after_iban(toks, k):
            return None
        if (_VAT_RE.match(t) or _SWISS_UID.match(t)) and re.search(r"\d", t):
            if not _fragment(t):
                return [w]
            continue
        if re.fullmatch(r"[A-Z]{2}", t) and k + 1 < len(toks) and re.fullmatch(r"[0-9A-Z]?[0-9]{2,}[0-9A-Z]*", toks[k + 1].text):
            grp = [w]
            for nxt in toks[k + 1:k + 6]:
                if re.fullmatch(r"[0-9A-Z]{1,12}", nxt.text.strip(".,")) and re.search(r"\d", nxt.text):
                    grp.append(nxt)
                else:
                    break
            if not _fragment("".join(x.text.strip(".,") for x in grp)):
                return grp
    return None


def _fragment(compact: str) -> bool:
    """Far shorter than its country's VAT number ("NL19", "DE60": an IBAN's first group, or an id
    cut by OCR): not a VAT id."""
    fmts = FORMATS.get(compact[:2].upper(), ())
    return bool(fmts) and len(compact) - 2 < min(len(f) for f in fmts) - 2
