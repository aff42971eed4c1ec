"""Extractions (the schemas batches are read with)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from api.data.paging import newest_first
from api.data.session import unit
from core.models import Extraction


def get(*, db: Engine, account_id: str, extraction_id: str) -> Extraction | None:
    """The account's extraction; None also when it is another account's."""
    with unit(db) as session:
        ext = session.get(Extraction, extraction_id)
        return ext if ext is not None and ext.account_id == account_id else None


def page(*, db: Engine, account_id: str, limit: int, before: datetime | None = None,
         before_id: str | None = None) -> tuple[list[Extraction], bool]:
    """Up to `limit` of the account's extractions newest first, strictly before (`before`,
    `before_id`); and whether more follow."""
    query = select(Extraction).where(Extraction.account_id == account_id)
    with unit(db) as session:
        rows = list(session.exec(newest_first(query, Extraction, limit=limit, before=before,
                                              before_id=before_id)).all())
    return rows[:limit], len(rows) > limit


def add(*, db: Engine, extraction: Extraction) -> Extraction:
    with unit(db) as session:
        session.add(extraction)
        session.commit()
        return extraction
