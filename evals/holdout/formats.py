"""How each country prints numbers, money and dates on an invoice (written for the hold-out set,
independently of evals/synth).

    loc = LOCALES["de-DE"]
    money(Decimal("1234.5"), loc)            # '1.234,50 €'
    day(date(2025, 3, 14), "{d}. {Month} {yyyy}", loc)   # '14. März 2025'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
SHORT = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
    "de": "Jan. Feb. März Apr. Mai Juni Juli Aug. Sep. Okt. Nov. Dez.",
    "es": "ene. feb. mar. abr. may. jun. jul. ago. sept. oct. nov. dic.",
    "it": "gen feb mar apr mag giu lug ago set ott nov dic",
    "nl": "jan. feb. mrt. apr. mei jun. jul. aug. sep. okt. nov. dec.",
}


@dataclass(frozen=True)
class Locale:
    code: str
    lang: str
    currency: str
    symbol: str
    decimal: str
    group: str  # thousands separator ("" for none)
    symbol_after: bool  # "12,00 €" rather than "€12.00"
    symbol_space: bool  # a space between symbol and number
    paper: str  # "a4" | "letter"


LOCALES = {loc.code: loc for loc in (
    Locale("en-US", "en", "USD", "$", ".", ",", False, False, "letter"),
    Locale("en-GB", "en", "GBP", "£", ".", ",", False, False, "a4"),
    Locale("en-AU", "en", "AUD", "$", ".", ",", False, False, "a4"),
    Locale("fr-FR", "fr", "EUR", "€", ",", "\u00a0", True, True, "a4"),
    Locale("fr-BE", "fr", "EUR", "€", ",", ".", True, True, "a4"),
    Locale("de-DE", "de", "EUR", "€", ",", ".", True, True, "a4"),
    Locale("de-AT", "de", "EUR", "€", ",", ".", False, True, "a4"),
    Locale("de-CH", "de", "CHF", "CHF", ".", "'", False, True, "a4"),
    Locale("es-ES", "es", "EUR", "€", ",", ".", True, True, "a4"),
    Locale("it-IT", "it", "EUR", "€", ",", ".", False, True, "a4"),
    Locale("nl-NL", "nl", "EUR", "€", ",", ".", False, True, "a4"),
)}


def q2(x: Decimal | int | float | str) -> Decimal:
    """Rounded to cents, half up, as invoicing software does."""
    return Decimal(str(x)).quantize(CENT, rounding=ROUND_HALF_UP)


def number(x: Decimal, loc: Locale, places: int = 2, group: str | None = None) -> str:
    """'1,234.56', '1.234,56', '1 234,56', "1'234.56"; ``places=-1``: as few decimals as needed
    (quantities: '3', '7.5', '2,25')."""
    sep = loc.group if group is None else group
    neg = x < 0
    x = abs(x)
    if places < 0:
        s = format(x.normalize(), "f")
        whole, _, frac = s.partition(".")
    else:
        s = format(x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
        whole, _, frac = s.partition(".")
    parts: list[str] = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    out = sep.join(parts) + (loc.decimal + frac if frac else "")
    return ("-" if neg else "") + out


def money(x: Decimal, loc: Locale, style: str = "symbol", group: str | None = None) -> str:
    """An amount as the locale prints it: ``symbol`` ('$1,234.56', '1.234,56 €', '€ 1.234,56'),
    ``code`` ('1.234,56 EUR', 'USD 1,234.56'), ``plain`` ('1,234.56'); negative amounts get a
    leading minus ('-$120.00', '-120,00 €')."""
    n = number(abs(x), loc, group=group)
    sign = "-" if x < 0 else ""
    if style == "plain":
        return sign + n
    mark = loc.currency if style == "code" else loc.symbol
    space = " " if (style == "code" or loc.symbol_space) else ""
    if loc.symbol_after:
        return f"{sign}{n}{space}{mark}"
    return f"{sign}{mark}{space}{n}"


def percent(rate: Decimal, loc: Locale, space: bool | None = None) -> str:
    """'20%', '20 %', '5,5 %', '8.25%'."""
    sp = loc.lang in ("fr", "de") if space is None else space
    return number(rate, loc, places=-1, group="") + (" %" if sp else "%")


def ordinal_en(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def day(d: date, pattern: str, loc: Locale) -> str:
    """A date by a pattern of {d} {dd} {m} {mm} {yy} {yyyy} {Month} {month} {Mon} {ord} {d1}
    ({ord}: English ordinal '5th'; {d1}: French '1er' on the first of the month, else the day)."""
    months = MONTHS[loc.lang].split()
    shorts = SHORT[loc.lang].split()
    name = months[d.month - 1]
    return pattern.format(
        d=d.day, dd=f"{d.day:02d}", m=d.month, mm=f"{d.month:02d}", yy=f"{d.year % 100:02d}",
        yyyy=d.year, Month=name[:1].upper() + name[1:], month=name, Mon=shorts[d.month - 1],
        ord=ordinal_en(d.day), d1="1er" if d.day == 1 else str(d.day))
