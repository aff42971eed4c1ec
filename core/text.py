"""Text as the databases store it, and text as an error quotes it back.

PostgreSQL's `text` refuses NUL ("text fields cannot contain NUL") while SQLite stores it silently,
and neither driver can encode an unpaired surrogate (JSON allows "\\ud800") as UTF-8: such text is
refused where it enters the API, the same on both databases.
"""

from __future__ import annotations

import re
import tempfile

from core.limits import MAX_ECHO_CHARS

_TEMP_PATH = re.compile(re.escape(tempfile.gettempdir().rstrip("/")) + r"/[^\s'\"]*")


def refused_character(text: str) -> str | None:
    """What in `text` cannot be stored (a sentence fragment), or None when all of it can."""
    if "\x00" in text:
        return "a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "an unpaired UTF-16 surrogate"
    return None


def shown(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """`text` as an error message may quote it: at most `limit` characters (then "…"), with
    control characters, NULs and surrogates written as escapes."""
    cut = text[:limit]
    out = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in cut)
    return out + ("…" if len(text) > limit else "")


def without_paths(message: str, name: str) -> str:
    """`message` (a library's error, which may quote the file it opened) with every path under
    the server's temp folder replaced by `name`: where a file is kept while it is read is the
    server's business, not the caller's."""
    return _TEMP_PATH.sub(lambda _: name, message)
