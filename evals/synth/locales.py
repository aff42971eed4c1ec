"""Locales of synthetic invoices: how a country writes dates, numbers and money, its VAT rates,
VAT ids and paper size.

A locale is a language plus a country (``en-US``, ``de-CH``...). Date and number *styles* are
indices into the locale's lists, chosen once per layout family.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"],
}


def ordinal_en(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month(lang: str, d: date, short: bool = False) -> str:
    m = MONTHS[lang][d.month - 1]
    return m[:3] if short else m


# Date styles per locale: functions of a date. The first is the country's usual numeric form.
DATE_STYLES = {
    "en-US": [lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}", lambda d: f"{d.month}/{d.day}/{d.year}",
              lambda d: f"{_month('en', d)} {d.day}, {d.year}",
              lambda d: f"{_month('en', d)} {ordinal_en(d.day)}, {d.year}",
              lambda d: f"{_month('en', d, True)} {d.day}, {d.year}", lambda d: d.isoformat()],
    "en-GB": [lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}", lambda d: f"{d.day} {_month('en', d)} {d.year}",
              lambda d: f"{ordinal_en(d.day)} {_month('en', d)} {d.year}",
              lambda d: f"{d.day:02d}-{_month('en', d, True)}-{d.year}", lambda d: f"{d.day} {_month('en', d, True)} {d.year}"],
    "de-DE": [lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", lambda d: f"{d.day}. {_month('de', d)} {d.year}",
              lambda d: f"{d.day}.{d.month}.{d.year}", lambda d: d.isoformat()],
    "de-CH": [lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", lambda d: f"{d.day}. {_month('de', d)} {d.year}"],
    "fr-FR": [lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
              lambda d: f"{'1er' if d.day == 1 else d.day} {_month('fr', d)} {d.year}",
              lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}"],
    "es-ES": [lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}", lambda d: f"{d.day} de {_month('es', d)} de {d.year}",
              lambda d: f"{d.day}/{d.month}/{d.year}", lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}"],
    "it-IT": [lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}", lambda d: f"{d.day} {_month('it', d)} {d.year}",
              lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}"],
    "nl-NL": [lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}", lambda d: f"{d.day} {_month('nl', d)} {d.year}",
              lambda d: f"{d.day}-{d.month}-{d.year}"],
    "nl-BE": [lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}", lambda d: f"{d.day} {_month('nl', d)} {d.year}"],
}


@dataclass(frozen=True)
class Locale:
    code: str  # en-US
    lang: str  # en
    country: str  # US
    group: str  # thousands separator
    decimal: str
    currencies: tuple[tuple[str, str], ...]  # (ISO code, symbol)
    symbol_first: bool  # $1,234.56 vs 1.234,56 €
    tax_rates: tuple[float, ...]
    paper: str  # a4 | letter


LOCALES: dict[str, Locale] = {
    "en-US": Locale("en-US", "en", "US", ",", ".", (("USD", "$"),), True, (0.0, 6.0, 7.25, 8.875, 9.5), "letter"),
    "en-GB": Locale("en-GB", "en", "GB", ",", ".", (("GBP", "£"), ("EUR", "€")), True, (20.0, 5.0, 0.0), "a4"),
    "de-DE": Locale("de-DE", "de", "DE", ".", ",", (("EUR", "€"),), False, (19.0, 7.0), "a4"),
    "de-CH": Locale("de-CH", "de", "CH", "'", ".", (("CHF", "CHF"),), True, (8.1, 2.6), "a4"),
    "fr-FR": Locale("fr-FR", "fr", "FR", " ", ",", (("EUR", "€"),), False, (20.0, 10.0, 5.5), "a4"),
    "es-ES": Locale("es-ES", "es", "ES", ".", ",", (("EUR", "€"),), False, (21.0, 10.0, 4.0), "a4"),
    "it-IT": Locale("it-IT", "it", "IT", ".", ",", (("EUR", "€"),), False, (22.0, 10.0, 4.0), "a4"),
    "nl-NL": Locale("nl-NL", "nl", "NL", ".", ",", (("EUR", "€"),), True, (21.0, 9.0), "a4"),
    "nl-BE": Locale("nl-BE", "nl", "BE", ".", ",", (("EUR", "€"),), False, (21.0, 6.0), "a4"),
}


def format_date(loc: Locale, d: date, style: int) -> str:
    styles = DATE_STYLES[loc.code]
    return styles[style % len(styles)](d)


def format_number(loc: Locale, v: float, decimals: int = 2, grouping: bool = True) -> str:
    """A number the locale's way: 1,234.56 / 1.234,56 / 1 234,56 / 1'234.56 (sign in front)."""
    s = f"{abs(v):,.{decimals}f}" if grouping else f"{abs(v):.{decimals}f}"
    s = s.replace(",", "\x00").replace(".", loc.decimal).replace("\x00", loc.group)
    return ("-" if v < 0 else "") + s


def format_qty(loc: Locale, q: float) -> str:
    """A quantity: integers without decimals, else the fewest decimals that show it."""
    if abs(q - round(q)) < 1e-9:
        return str(int(round(q)))
    s = f"{q:.3f}".rstrip("0")
    return s.replace(".", loc.decimal)


@dataclass(frozen=True)
class MoneyStyle:
    """How amounts are printed in one family: symbol before/after, ISO code, or bare numbers."""

    mode: str  # bare | symbol | code
    grouping: bool = True

    def fmt(self, loc: Locale, v: float, currency: tuple[str, str]) -> str:
        num = format_number(loc, v, 2, self.grouping)
        code, sym = currency
        if self.mode == "bare":
            return num
        if self.mode == "code":
            return f"{num} {code}" if not loc.symbol_first else f"{code} {num}"
        if loc.symbol_first:
            sign = "-" if num.startswith("-") else ""
            sep = " " if len(sym) > 1 or loc.lang == "nl" else ""
            return f"{sign}{sym}{sep}{num.lstrip('-')}"
        return f"{num} {sym}"


def vat_id(rnd: random.Random, country: str) -> tuple[str, str]:
    """(compact VAT id for the truth, the id as printed): DE123456789 / 'DE 123 456 789'."""
    digits = lambda n: "".join(rnd.choice("0123456789") for _ in range(n))  # noqa: E731
    if country == "DE":
        core = digits(9)
        return "DE" + core, rnd.choice([f"DE{core}", f"DE {core[:3]} {core[3:6]} {core[6:]}"])
    if country == "FR":
        key, siren = digits(2), digits(9)
        return f"FR{key}{siren}", rnd.choice([f"FR{key}{siren}", f"FR {key} {siren[:3]} {siren[3:6]} {siren[6:]}"])
    if country == "ES":
        core = rnd.choice("ABG") + digits(8)
        return "ES" + core, rnd.choice([f"ES{core}", f"ES {core}"])
    if country == "IT":
        core = digits(11)
        return "IT" + core, rnd.choice([f"IT{core}", f"IT {core}"])
    if country == "NL":
        core = digits(9) + "B" + digits(2)
        return "NL" + core, rnd.choice([f"NL{core}", f"NL {core[:9]} {core[9:]}"])
    if country == "BE":
        core = "0" + digits(9)
        return "BE" + core, rnd.choice([f"BE{core}", f"BE {core[:4]} {core[4:7]} {core[7:]}"])
    if country == "CH":
        core = digits(9)
        printed = f"CHE-{core[:3]}.{core[3:6]}.{core[6:]}"
        return printed, printed + " MWST"
    if country == "GB":
        core = digits(9)
        return "GB" + core, rnd.choice([f"GB{core}", f"GB {core[:3]} {core[3:7]} {core[7:]}"])
    core = digits(9)  # US: an EIN, which is not a VAT id (the truth leaves seller_vat_id empty)
    return "", f"{core[:2]}-{core[2:]}"
