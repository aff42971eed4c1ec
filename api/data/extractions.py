"""Extractions (the schemas batches are read with)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.data.session import unit
from core.models import Extraction


def get(*, db: Engine, account_id: str, extraction_id: str) -> Extraction | None:
    """The account's extraction; None also when it is another account's."""
    with unit(db) as session:
        ext = session.get(Extraction, extraction_id)
        return ext if ext is not None and ext.account_id == account_id else None


def list_for(*, db: Engine, account_id: str) -> list[Extraction]:
    with unit(db) as session:
        return list(session.exec(
            select(Extraction)
            .where(Extraction.account_id == account_id)
            .order_by(col(Extraction.created_at).desc(), col(Extraction.id).desc())
        ).all())


def add(*, db: Engine, extraction: Extraction) -> Extraction:
    with unit(db) as session:
        session.add(extraction)
        session.commit()
        return extraction
