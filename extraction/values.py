"""Parse printed values (amounts, dates, enums...) into typed values, robust to locale.

Number rule (``parse_number``)
------------------------------
* Currency symbols/codes, spaces (incl. no-break/thin spaces) and apostrophes used as thousands
  separators are ignored; ``(12.00)``, ``-12.00``, ``12.00-`` and ``12.00 CR`` are negative;
  ``12.-`` / ``12,-`` mean 12.
* If both ``.`` and ``,`` occur, the one that occurs last is the decimal separator.
* If only one kind occurs more than once (``1.234.567``), it is a thousands separator.
* If it occurs exactly once: followed by 1, 2 or 4+ digits it is the decimal separator
  (``12,5``, ``4,10``, ``9,9000``); followed by exactly 3 digits it is ambiguous (``1.234``):
  the caller's ``decimal`` hint, or else the language (``en`` -> ``.`` is decimal; ``de``, ``fr``,
  ``nl``, ``it``, ``es`` ... -> ``,`` is decimal) decides; with neither, it is read as a thousands
  separator (``1.234`` -> 1234), which is what invoices print far more often.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from core.schema import FieldSpec

# ---------------------------------------------------------------------------------------------
# helpers

CURRENCY_SYMBOLS = {
    "€": "EUR",
    "$": "USD",
    "US$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "Rs": "INR",
    "Rs.": "INR",
    "CHF": "CHF",
    "Fr.": "CHF",
    "zł": "PLN",
    "kr": "SEK",
    # dollars of other countries, printed with their country's letters
    "CA$": "CAD", "C$": "CAD", "A$": "AUD", "AU$": "AUD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD",
    "R$": "BRL", "MX$": "MXN",
    "Kč": "CZK", "Ft": "HUF", "₺": "TRY", "₽": "RUB", "₩": "KRW", "₪": "ILS", "฿": "THB",
    "SFr.": "CHF",
}
# currencies named in words ("All amounts in euros", "Alle Preise in Schweizer Franken")
CURRENCY_WORDS = {"euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD", "pound": "GBP",
                  "pounds": "GBP", "sterling": "GBP", "rupees": "INR", "franken": "CHF",
                  "francs": "CHF", "franchi": "CHF", "kronor": "SEK", "yen": "JPY",
                  "zloty": "PLN", "zlotych": "PLN"}
# a country's dollar, franc or crown named in words ("Australian dollars", "couronnes danoises")
CURRENCY_PHRASES = {"australian dollar": "AUD", "canadian dollar": "CAD", "new zealand dollar": "NZD",
                    "singapore dollar": "SGD", "hong kong dollar": "HKD", "us dollar": "USD",
                    "u.s. dollar": "USD", "swiss franc": "CHF", "schweizer franken": "CHF",
                    "francs suisses": "CHF", "franchi svizzeri": "CHF", "danish kron": "DKK",
                    "danske kroner": "DKK", "norwegian kron": "NOK", "norske kroner": "NOK",
                    "swedish kron": "SEK", "svenska kronor": "SEK", "pound sterling": "GBP",
                    "pounds sterling": "GBP", "czech korun": "CZK", "polish zloty": "PLN"}
# a currency sign that is also a word: only next to a figure ("1 250,00 kr", "Fr. 120.50")
WORD_SIGNS = {"kr": "SEK", "kr.": "SEK", "zł": "PLN", "zl": "PLN", "kc": "CZK", "ft": "HUF",
              "fr.": "CHF", "sfr.": "CHF", "rs": "INR", "rs.": "INR"}
# a dollar sign's own country letters ("CA$", "A$", "NZ$"): never US dollars
DOLLAR_PREFIX = re.compile(r"(?<![A-Za-z])(US|CA|C|AU|A|NZ|HK|S|R|MX)\$")
CURRENCY_CODES = {
    "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "INR", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "RON", "BGN", "HRK", "TRY", "RUB", "BRL", "MXN", "ZAR", "SGD", "HKD",
    "KRW", "AED", "SAR", "ILS", "THB", "MYR", "IDR", "PHP", "ARS", "CLP", "COP",
}

_COMMA_DECIMAL_LANGS = {"de", "fr", "nl", "it", "es", "pt", "da", "sv", "no", "nb", "fi", "pl",
                        "cs", "sk", "hu", "ro", "bg", "hr", "sl", "tr", "ru", "el", "ca"}
_DOT_DECIMAL_LANGS = {"en", "ja", "zh", "ko", "th", "he", "hi"}

_SPACES = "\u00a0\u202f\u2009\u2007 \t"


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, whitespace collapsed: for case/accent-insensitive comparison."""
    text = strip_accents(text).lower().replace("ß", "ss")
    return " ".join(text.split())


def language_decimal(language: str | None) -> str | None:
    lang = (language or "auto").lower()[:2]
    if lang in _COMMA_DECIMAL_LANGS:
        return ","
    if lang in _DOT_DECIMAL_LANGS:
        return "."
    return None


def detect_currency(text: str) -> str | None:
    """An ISO 4217 code for a code or symbol found in ``text`` (first one wins)."""
    for tok in re.findall(r"[A-Za-z]{3}", text):
        if tok.upper() == tok and tok in CURRENCY_CODES:
            return tok
    m = DOLLAR_PREFIX.search(text)
    if m:
        return CURRENCY_SYMBOLS[m[0]]
    for sym in ("€", "£", "₹", "¥", "₺", "₽", "₩", "₪", "฿", "$"):
        if sym in text:
            return CURRENCY_SYMBOLS[sym]
    if re.search(r"(?<![A-Za-z])Rs\.?(?![A-Za-z])", text):
        return "INR"
    low = fold(text)
    for phrase, code in CURRENCY_PHRASES.items():
        if re.search(r"\b" + phrase, low):
            return code
    for w in re.findall(r"[a-z]+", low):
        if w in CURRENCY_WORDS:
            return CURRENCY_WORDS[w]
    return None


# ---------------------------------------------------------------------------------------------
# numbers

_NUM_CHARS = re.compile(r"[0-9][0-9.,'’\s\u00a0\u202f\u2009]*")


def parse_number(text: Any, language: str = "auto", decimal: str | None = None) -> float | None:
    """A printed number or amount as float, or None. See the module doc for the separator rule."""
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text).strip()
    if not s:
        return None
    negative = False
    if re.match(r"^\(.*\)$", s):
        negative, s = True, s[1:-1].strip()
    # currency codes/symbols and a few unit-less words around the number
    s = re.sub(r"(?i)\b(?:[A-Z]{3})\b", lambda m: "" if m.group(0).upper() in CURRENCY_CODES else m.group(0), s)
    s = re.sub(r"(?i)(?<![A-Za-z])(?:rs\.?|fr\.)(?![A-Za-z])", "", s)
    s = DOLLAR_PREFIX.sub("", s).strip()
    s = re.sub(r"[€$£¥₹]", "", s).strip()
    if re.search(r"(?i)\s*(cr|haben)$", s):
        negative, s = True, re.sub(r"(?i)\s*(cr|haben)$", "", s)
    s = s.strip()
    if s.startswith(("-", "−", "–")):
        negative, s = True, s[1:].strip()
    elif s.startswith("+"):
        s = s[1:].strip()
    if s.endswith(("-", "−")) and not re.search(r"[.,]-$", s):
        negative, s = True, s[:-1].strip()
    s = re.sub(r"[.,]-{1,2}$", "", s)  # 12.- / 12,--
    if s.startswith(("-", "−")):  # "$ -12.00" after stripping the symbol
        negative, s = True, s[1:].strip()
    if not s or not re.fullmatch(r"[0-9][0-9.,'’" + _SPACES + r"]*", s):
        if s.startswith((".", ",")) and re.fullmatch(r"[.,][0-9]+", s):
            s = "0" + s
        else:
            return None
    # spaces and apostrophes are thousands separators, but only between digit groups of 3
    parts = re.split(r"[" + _SPACES + r"'’]+", s)
    if len(parts) > 1:
        if not all(re.fullmatch(r"[0-9]{3}([.,][0-9]*)?", p) for p in parts[1:]) or len(parts[0]) > 3:
            return None
        s = "".join(parts)
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        thou = "," if dec == "." else "."
        if s.count(dec) > 1:
            return None
        intpart, frac = s.split(dec)
        groups = intpart.split(thou)
        if any(len(g) != 3 for g in groups[1:]) or not groups[0]:
            return None
        s = "".join(groups) + "." + frac
    elif dots or commas:
        sep = "." if dots else ","
        groups = s.split(sep)
        if len(groups) > 2:
            if any(len(g) != 3 for g in groups[1:]):
                return None
            s = "".join(groups)
        else:
            intpart, frac = groups
            if len(frac) == 3 and intpart and intpart != "0":
                hint = decimal or language_decimal(language)
                if hint == sep:
                    s = intpart + "." + frac
                else:
                    s = intpart + frac
            else:
                s = (intpart or "0") + "." + frac if frac else intpart
    try:
        value = float(s)
    except ValueError:
        return None
    return -value if negative else value


# ---------------------------------------------------------------------------------------------
# dates

# month names and abbreviations (folded) -> month number; public: the confidence index knows
# the same months when it looks for printed dates
MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # German
    "januar": 1, "jaenner": 1, "janner": 1, "februar": 2, "marz": 3, "maerz": 3, "mai": 5,
    "juni": 6, "juli": 7, "oktober": 10, "dezember": 12, "okt": 10, "dez": 12, "mrz": 3,
    # French
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12, "janv": 1, "fevr": 2,
    "fev": 2, "avr": 4, "juil": 7,
    # Dutch / Italian / Spanish (common on European invoices)
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8, "oktober_": 10,
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6,
    "luglio": 7, "agosto": 8, "settembre": 9, "ottobre": 10, "dicembre": 12,
    "enero": 1, "febrero": 2, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    # abbreviations of those languages that differ from the English ones
    "mrt": 3, "ene": 1, "abr": 4, "ago": 8, "dic": 12, "gen": 1, "mag": 5,
    "giu": 6, "lug": 7, "sett": 9, "set": 9, "ott": 10, "setiembre": 9,
}

_US_LANGS = {"en-us", "us"}


def _iso_date(y: int, m: int, d: int) -> str | None:
    """YYYY-MM-DD of a possible date (a two-digit year < 70 is 20xx, else 19xx), else None."""
    if y < 100:
        y += 2000 if y < 70 else 1900
    if not (1900 <= y <= 2100):
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _month(word: str) -> int | None:
    w = fold(word).strip(".,")
    return MONTHS.get(w)


def numeric_date_parts(text: str) -> tuple[int, int, str] | None:
    """(first, second, separator) of a numeric ``a/b/y`` date whose day/month order is a choice."""
    m = re.fullmatch(r"\(?(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})\.?\)?[,;]?", text.strip())
    return (int(m[1]), int(m[3]), m[2]) if m else None


def parse_date(text: Any, language: str = "auto", order: str | None = None) -> str | None:
    """A printed date as ``YYYY-MM-DD``, or None if it is not (exactly) a possible date.

    Numeric day/month order: ISO ``Y-M-D`` always; a part > 12 forces the only possible reading;
    else ``order`` ("mdy" or "dmy", the document's order) decides; without it ``D.M.Y`` (dots) is
    day first, and with slashes or dashes the order is month first for ``language``
    ``en-US``/``us`` (or ``en`` with slashes), day first otherwise.
    """
    if text is None:
        return None
    if isinstance(text, date):
        return text.isoformat()
    s = " ".join(str(text).strip().split())
    if not s:
        return None
    s = s.strip(",;()")
    lang = (language or "auto").lower()
    us_first = lang in _US_LANGS
    # ISO 2018-03-05 (optionally with time)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", s)
    if m:
        return _iso_date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        return _iso_date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})\.?", s)
    if m:
        a, sep, b, y = int(m[1]), m[2], int(m[3]), int(m[4])
        if len(m[4]) == 2:
            y = int(m[4])
        if a > 12 and b <= 12:
            return _iso_date(y, b, a)
        if b > 12 and a <= 12:
            return _iso_date(y, a, b)
        if order in ("mdy", "dmy"):
            return _iso_date(y, a, b) if order == "mdy" else _iso_date(y, b, a)
        if sep == ".":
            return _iso_date(y, b, a)
        if us_first or (lang == "en" and sep == "/"):
            return _iso_date(y, a, b)  # month first (US style)
        return _iso_date(y, b, a)
    # textual months: "5 March 2018", "5. März 2018", "05-Mar-2018", "March 5, 2018", "5th March"
    t = re.sub(r"(?<=\d)(st|nd|rd|th|er|e)\b", "", s, flags=re.I)
    t = t.replace(",", " ").replace("-", " ").replace("/", " ")
    parts = [p for p in re.split(r"\s+", t) if p and p != "."]
    parts = [p.rstrip(".") for p in parts]
    parts = [p for p in parts if p and fold(p) not in ("de", "le", "der", "den", "the", "of")]
    if len(parts) == 3:
        p0, p1, p2 = parts
        mo = _month(p1)
        if mo and p0.isdigit() and p2.isdigit() and len(p2) in (2, 4):
            return _iso_date(int(p2), mo, int(p0))
        mo = _month(p0)
        if mo and p1.isdigit() and p2.isdigit() and len(p2) == 4 and len(p1) <= 2:
            return _iso_date(int(p2), mo, int(p1))
        mo = _month(p1)
        if mo and p0.isdigit() and len(p0) == 4 and p2.isdigit():
            return _iso_date(int(p0), mo, int(p2))
    return None


def find_date(words: list[str], language: str = "auto",
              order: str | None = None) -> tuple[str | None, int, int]:
    """The first date in a sequence of words: (iso, start index, end index exclusive);
    "14 de marzo de 2025" spans five words."""
    n = len(words)
    for i in range(n):
        for k in (1, 3, 4, 2, 5):
            if i + k > n:
                continue
            iso = parse_date(" ".join(words[i:i + k]), language, order)
            if iso:
                return iso, i, i + k
    return None, -1, -1


# ---------------------------------------------------------------------------------------------
# coercion per schema field

_TRUE = {"true", "yes", "y", "1", "ja", "oui", "x", "si", "wahr", "vrai", "checked", "on"}
_FALSE = {"false", "no", "n", "0", "nein", "non", "falsch", "faux", "off", "unchecked", ""}


def coerce(value: Any, field: FieldSpec, language: str = "auto") -> tuple[Any, str | None]:
    """(value typed per ``field``, problem message or None). None stays None without a problem."""
    if value is None:
        return ([] if field.type == "list<object>" else None), None
    t = field.type
    if t == "string":
        if isinstance(value, (dict, list)):
            return None, f"{field.key}: expected text, got {type(value).__name__}"
        s = " ".join(str(value).split())
        return (s or None), None
    if t in ("number", "integer"):
        if isinstance(value, bool):
            return None, f"{field.key}: expected a number, got a boolean"
        num = parse_number(value, language)
        if num is None:
            return None, f"{field.key}: '{value}' is not a number"
        if t == "integer":
            if abs(num - round(num)) > 1e-9:
                return int(round(num)), f"{field.key}: {value} rounded to an integer"
            return int(round(num)), None
        return num, None
    if t == "boolean":
        if isinstance(value, bool):
            return value, None
        f = fold(str(value))
        if f in _TRUE:
            return True, None
        if f in _FALSE:
            return False, None
        return None, f"{field.key}: '{value}' is not a yes/no value"
    if t == "date":
        iso = parse_date(value, language)
        if iso is None:
            return None, f"{field.key}: '{value}' is not a valid date"
        return iso, None
    if t == "enum":
        allowed = field.values or []
        f = fold(str(value))
        for v in allowed:
            if fold(v) == f:
                return v, None
        norm = re.sub(r"[^a-z0-9]+", "", f)
        for v in allowed:
            if re.sub(r"[^a-z0-9]+", "", fold(v)) == norm and norm:
                return v, None
        return None, f"{field.key}: '{value}' is not one of {allowed}"
    if t == "list<object>":
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            return [], f"{field.key}: expected a list of objects"
        out, problems = [], []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                problems.append(f"{field.key}[{i}]: expected an object")
                continue
            row: dict[str, Any] = {}
            for sub in field.fields or []:
                v, p = coerce(item.get(sub.key), sub, language)
                row[sub.key] = v
                if p:
                    problems.append(f"{field.key}[{i}].{p}")
            out.append(row)
        return out, ("; ".join(problems) or None)
    return value, None
