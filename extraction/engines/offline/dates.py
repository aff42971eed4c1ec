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
