"""Keyset paging, newest first on (created_at, id): gap-free and stable when created_at ties."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col


def newest_first(query: Any, table: Any, *, limit: int, before: datetime | None, before_id: str | None) -> Any:
    """`query` narrowed to rows strictly before (`before`, `before_id`), newest first, one more
    than `limit` (the extra row says that more follow)."""
    if before is not None and before_id:
        query = query.where(or_(col(table.created_at) < before,
                                and_(col(table.created_at) == before, col(table.id) < before_id)))
    elif before is not None:
        query = query.where(col(table.created_at) < before)
    return query.order_by(col(table.created_at).desc(), col(table.id).desc()).limit(limit + 1)
