"""Listing cursors (batches, extractions): `before` is an ISO timestamp, or a `next_before`
"<timestamp>~<id>" (keyset on created_at, id: no gaps or repeats when rows share a time)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol

from api.domain_errors import Invalid
from core.text import refused_character, shown


class Listed(Protocol):
    id: str
    created_at: datetime


def _refuse(raw: str) -> Invalid:
    return Invalid("invalid_cursor", f"before must be an ISO 8601 timestamp (or a next_before value), "
                   f"got '{shown(raw)}'")


def parse_before(raw: str | None) -> tuple[datetime, str | None] | None:
    """(the time in UTC, the id after which to go on, if given); Invalid for anything else."""
    if raw is None:
        return None
    if refused_character(raw):
        raise _refuse(raw)
    stamp, _, after_id = raw.replace(" ", "+").partition("~")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        # In UTC now, as the database compares it: a time at the calendar's edge (9999-12-31
        # at -01:00) does not fit once converted, and says so here rather than at the query.
        when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise _refuse(raw) from None
    return when, (after_id or None)


def format_cursor(row: Listed) -> str:
    stamp = row.created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}~{row.id}"
