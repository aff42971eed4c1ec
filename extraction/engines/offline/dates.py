"""Day/month order of a document's numeric dates, and the consistency of its dates.

"04/05/2025" is 4 May in Europe and April 5 in the US. A reader settles it the way a person does:
another date on the page that can only be read one way ("03/25/2025") decides; else the
document's language and country (English with dollars or US ZIP codes: month first; everything
else: day first); and a due date must not come before the issue date.
"""

from __future__ import annotations

import re
from datetime import date

from extraction.values import numeric_date_parts, parse_date

_US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC",
}
# the longest plausible time from issue to due date
MAX_TERM_DAYS = 400


def date_order(texts: list[str], language: str | None) -> str:
    """"mdy" or "dmy" for the ambiguous numeric dates of a document whose words are ``texts``
    (in reading order) and whose detected language is ``language``."""
    votes = {"mdy": 0, "dmy": 0}
    for t in texts:
        parts = numeric_date_parts(t)
        if parts is None:
            continue
        a, b, _sep = parts
        if a > 12 >= b:
            votes["dmy"] += 1
        elif b > 12 >= a:
            votes["mdy"] += 1
    if votes["mdy"] != votes["dmy"]:
        return "mdy" if votes["mdy"] > votes["dmy"] else "dmy"
    return "mdy" if language == "en" and _looks_american(texts) else "dmy"


def _looks_american(texts: list[str]) -> bool:
    """Dollars rather than other currencies, or a US state followed by a ZIP code."""
    dollars = sum(1 for t in texts if "$" in t or t.strip(".,:;()") == "USD")
    others = sum(1 for t in texts if re.search(r"[€£₹]|^(EUR|GBP|INR|CAD|AUD)$", t.strip(".,:;()")))
    zips = sum(1 for k in range(1, len(texts))
               if _US_ZIP.match(texts[k].strip(",.")) and texts[k - 1].strip(",.") in _US_STATES)
    return zips > 0 or dollars > others


def ambiguous(raw: str) -> bool:
    """A numeric date printed so that both day/month orders are possible dates."""
    parts = numeric_date_parts(raw)
    return parts is not None and parts[0] <= 12 and parts[1] <= 12 and parts[0] != parts[1]


def other_reading(raw: str, order: str) -> str | None:
    """The same printed date read in the other day/month order."""
    return parse_date(raw, order="dmy" if order == "mdy" else "mdy") if ambiguous(raw) else None


def plausible_term(issue: str, due: str) -> bool:
    """A due date on or after the issue date, and not years later."""
    try:
        days = (date.fromisoformat(due) - date.fromisoformat(issue)).days
    except ValueError:
        return False
    return 0 <= days <= MAX_TERM_DAYS


def slash_read_as_one(text: str, language: str = "auto", order: str | None = None) -> str | None:
    """A scanned numeric date whose slashes OCR read as ones, the one reading that is a date:
    thin slashes in small print come out as "1" ("4/28/2024" read "412812024", "7/6/2025" read
    "71/6/2025"). Each slash (both when none was read) is looked for among the 1s beside it;
    None when no such reading, or more than one date, comes out."""
    t = text.strip(",;:()")
    if parse_date(t, language, order) or not re.fullmatch(r"[\d/]{6,11}", t) or "1" not in t:
        return None
    tries: set[str] = set()
    ones = [k for k, ch in enumerate(t) if ch == "1"]
    if "/" not in t:  # both slashes read as 1s: D1M1YYYY, DD1MM1YY ...
        tries |= {t[:i] + "/" + t[i + 1:j] + "/" + t[j + 1:] for i in ones for j in ones if j > i + 1}
    else:  # a slash read as "1/" or "/1", or one of two as a 1
        tries |= {t[:k] + t[k + 1:] for k in ones if "/" in t[max(0, k - 1):k + 2]}
        if t.count("/") == 1:
            tries |= {t[:k] + "/" + t[k + 1:] for k in ones}
    found = {iso for s in tries
             if re.fullmatch(r"\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})", s) and (iso := parse_date(s, language, order))}
    return found.pop() if len(found) == 1 else None
