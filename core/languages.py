"""The `language` an extraction may name: checked when it is created (stored ones are read as they are).

The engines read it as a hint: the number and date formats (extraction/values.py: a region such as
`en-US` orders dates month first), the OCR language data (documents/ocr.py), the model's prompt.
"""

from __future__ import annotations

import pycountry

AUTO = "auto"  # the default: detected from the document
MULTI = "Multi-Lingual"  # documents in several languages: no one language's formats are preferred

LANGUAGE_DOC = (
    'the documents\' language: an ISO 639-1 code ("en", "de"; a region may follow: "en-US"), '
    f'"{MULTI}" for documents in several languages, or "{AUTO}" (the default) to detect it'
)


def language_problem(value: str) -> str | None:
    """Why `value` is not a language an extraction may name (None: it is one). Case does not matter."""
    if value.casefold() in (AUTO, MULTI.casefold()):
        return None
    code, _, region = value.partition("-")
    if len(code) == 2 and code.isascii() and code.isalpha() and pycountry.languages.get(alpha_2=code.lower()):
        if not region:
            return None
        if len(region) == 2 and region.isascii() and region.isalpha() and pycountry.countries.get(alpha_2=region.upper()):
            return None
        return f"'{region}' in '{value}' is not an ISO 3166-1 two-letter region; use {LANGUAGE_DOC}"
    return f"'{value}' is not a language docparse knows; use {LANGUAGE_DOC}"
