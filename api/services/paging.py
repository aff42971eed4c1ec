"""The batch listing's cursor: `before` is an ISO timestamp, or a `next_before` "<timestamp>~<batch id>"."""

from __future__ import annotations

from datetime import datetime, timezone

from api.domain_errors import Invalid
from core.models import Batch


def parse_before(raw: str | None) -> tuple[datetime, str | None] | None:
    if raw is None:
        return None
    stamp, _, after_id = raw.replace(" ", "+").partition("~")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("invalid_cursor",
                      f"before must be an ISO 8601 timestamp (or a next_before value), got '{raw[:60]}'") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when, (after_id or None)


def format_cursor(batch: Batch) -> str:
    stamp = batch.created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}~{batch.id}"
