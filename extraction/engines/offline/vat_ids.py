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
from extraction.values import CURRENCY_CODES, fold

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


def mend_vat(text: str, scanned: bool = False) -> str:
    """A VAT id as printed, or (when its national format says one of its characters was misread
    as a look-alike) the id mended and written without spaces; ``scanned``: read by OCR, where
    a Spanish number's opening or closing letter may come out as a digit too."""
    compact = re.sub(r"[\s.\-]", "", text).upper()
    country, body = compact[:2], compact[2:]
    fmts = FORMATS.get(country)
    if scanned and country == "ES" and body.isdigit() and len(body) == 9:
        # a Spanish number opens or ends with a letter (B12345678, 12345678Z), never both digits:
        # the look-alike at the opening (G read as 6, B as 8), else at the end, is that letter
        first, last = _AS_LETTER.get(body[0], ""), _AS_LETTER.get(body[-1], "")
        if first and first in "ABCDEFGHJNPQRSUVWXYZ":  # the letters a company's or a foreigner's number opens with
            return country + first + body[1:]
        if last and last in "TRWAGMYFPDXBNJZSQVHLCKEIJ":  # a person's control letter, or a company's
            return country + body[:-1] + last
        return text
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


# what a label says of the id's country where the number is printed without its country code:
# an Italian "P.IVA 01234567890" (11 digits), a Spanish "CIF: B12345678" (a letter and eight
# digits, or eight digits and a letter), a Belgian "N° TVA 0123.456.789" (ten digits from 0 or 1),
# a British "VAT Reg. No. 123 4567 89", a Danish "CVR-nr. 12345678", an Australian "ABN 12 345
# 678 901" (an ABN has no prefix)
_LABEL_COUNTRIES: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = (
    (frozenset({"iva", "piva", "partita"}), ("IT", "ES")),
    (frozenset({"nif", "cif", "nie"}), ("ES",)),
    (frozenset({"tva", "btw", "entreprise", "ondernemingsnummer", "ondernemingsnr"}), ("BE",)),
    (frozenset({"vat"}), ("GB",)),
    (frozenset({"abn"}), ("AU",)),
    (frozenset({"cvr", "momsnr", "momsnummer"}), ("DK",)),
)
_BARE_FORMATS: dict[str, tuple[str, ...]] = {
    "IT": ("ddddddddddd",), "ES": ("Ldddddddd", "ddddddddL", "Ldddddddx"), "BE": ("dddddddddd",),
    "GB": ("ddddddddd",), "AU": ("ddddddddddd",), "DK": ("dddddddd",),
}
_NO_PREFIX = {"AU"}  # printed and filed without a country code
_MONEY = re.compile(r"[-(]?\d{1,3}(?:[.,'\s]\d{3})*[.,]\d{2}\)?")
_SEP = re.compile(r"[\s.\-]")
_GROUP = re.compile(r"[0-9A-Z][0-9A-Z.\-]*")


def label_countries(label: list[str]) -> tuple[str, ...]:
    """The countries a VAT id label implies for a number printed without its country code."""
    pieces = {p for w in label for p in re.findall(r"[a-z]+", fold(w))}
    pieces |= {"".join(re.findall(r"[a-z]+", fold(w))) for w in label}  # "N.I.F." -> nif
    out: list[str] = []
    for words, countries in _LABEL_COUNTRIES:
        if pieces & words:
            out += [c for c in countries if c not in out]
    return tuple(out)


def _bare(compact: str, countries: tuple[str, ...]) -> str | None:
    """A number without country code that fits the national format a label implies, as filed."""
    for c in countries:
        for fmt in _BARE_FORMATS.get(c, ()):
            if _fits(compact, fmt) and (c != "BE" or compact[0] in "01") and \
                    (c != "ES" or re.search(r"[A-Z]", compact)):
                return compact if c in _NO_PREFIX else c + compact
    return None


def _opening(t: str) -> bool:
    """A country code with the letters its national number opens with, printed apart from the
    digits ("ATU 12345678", "CHE 123.456.789"); never a currency code ("USD 0.00")."""
    if not re.fullmatch(r"[A-Z]{3}", t) or t in CURRENCY_CODES:
        return False
    return t == "CHE" or any(f.startswith("L") for f in FORMATS.get(t[:2], ()))


def _national(compact: str) -> bool:
    """A country code and a number that fits that country's format exactly."""
    fmts = FORMATS.get(compact[:2], ())
    return any(_fits(compact[2:], f) for f in fmts)


def read_vat(words: list[PlacedWord], label: list[str] | None = None) -> tuple[str, list[PlacedWord]] | None:
    """The VAT id among the first words after a label, and its words: "DE123456789", "DE 123 456
    789" or "BE 0123.456.789" over several words (written whole, without spaces or dots, as
    filed), "CHE-123.456.789" as printed; a number without its country code where the label says
    which country's it is ("P.IVA 01234567890" -> IT01234567890). Never an IBAN's first group,
    nor a value after another label ("Steuernummer: ... IBAN:")."""
    countries = label_countries(label or [])
    toks = [w for w in words if w.text not in {":", "-", "#", "/", "–"}]
    for k, w in enumerate(toks[:5]):
        if k and w.text.endswith(":") and not re.search(r"\d", w.text):
            return None  # another label: what follows is its value
        if _after_iban(toks, k):
            return None
        t = w.text.strip(":;,")
        if not re.fullmatch(r"[0-9A-Z][0-9A-Z.\-]*", t.rstrip(".")):
            continue
        # the id's words: this one and the digit groups that follow it
        grp = [w]
        if _MONEY.fullmatch(t):
            continue  # "0.00", "1.234,56": an amount
        for nxt in toks[k + 1:k + 6]:
            nt = nxt.text.strip(",;")
            if _GROUP.fullmatch(nt.rstrip(".")) and re.search(r"\d", nt) and len(_SEP.sub("", nt)) <= 12 \
                    and not _MONEY.fullmatch(nt):
                grp.append(nxt)
            else:
                break
        comp = [_SEP.sub("", "".join(x.text.strip(",;") for x in grp[:n + 1])).upper() for n in range(len(grp))]
        swiss = next((n for n, c in enumerate(comp) if re.fullmatch(r"CHE\d{9}", c)), None)
        if swiss is not None:
            digits = comp[swiss][3:]
            return f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]}", grp[:swiss + 1]
        if re.fullmatch(r"[A-Z]{2}", t) or _opening(t) or \
                (re.fullmatch(r"[A-Z]{2}[0-9A-Z.\-]+", t) and re.search(r"\d", t)):
            # a country code: the shortest run of groups that fits its national format, else
            # the whole run (ids outside the formats this module knows)
            fit = next((n for n, c in enumerate(comp) if _national(c)), None)
            if fit is not None:
                return mend_vat(comp[fit], grp[0].conf is not None), grp[:fit + 1]
            whole = comp[-1]
            if _VAT_RE.match(whole) and re.search(r"\d", whole) and not _fragment(whole):
                return mend_vat(whole, grp[0].conf is not None), grp
            if re.fullmatch(r"[A-Z]{2}", t) or _opening(t):
                continue
        if countries and (re.search(r"\d", t) or (len(t) == 1 and len(grp) > 1)):  # "CIF: B 12345678"
            for n, c in enumerate(comp):
                bare = _bare(c, countries)
                if bare:
                    return bare, grp[:n + 1]
    return None


def unlabelled_vat(words: list[PlacedWord]) -> tuple[str, list[PlacedWord]] | None:
    """A VAT id printed without a label (under a letterhead's name, in a footer): only an id
    whose country code and number fit that country's format exactly ("DE123456789",
    "CHE-123.456.789 MWST"), never a group of an IBAN or of a longer number."""
    for k, w in enumerate(words):
        t = w.text.strip(":;,()")
        if not re.match(r"[A-Z]{2}", t) or _after_iban(words, k):
            continue
        prev = words[k - 1] if k else None
        if prev is not None and re.search(r"\d", prev.text) and w.x0 - prev.x1 < 2 * (w.y1 - w.y0):
            continue  # a group of a longer number printed before it (an IBAN's)
        found = read_vat(words[k:k + 6])
        if found and (found[0].startswith("CHE-") or _national(found[0])):
            rest = words[k + len(found[1]):k + len(found[1]) + 1]
            if rest and re.fullmatch(r"[0-9A-Z]{1,4}", rest[0].text.strip(",;")) and re.search(r"\d", rest[0].text):
                continue  # more digit groups follow: part of a longer number (an IBAN's)
            return found
    return None


def _fragment(compact: str) -> bool:
    """Far shorter than its country's VAT number ("NL19", "DE60": an IBAN's first group, or an id
    cut by OCR): not a VAT id."""
    fmts = FORMATS.get(compact[:2].upper(), ())
    return bool(fmts) and len(compact) - 2 < min(len(f) for f in fmts) - 2
