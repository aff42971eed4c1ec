"""Files of batches, their results, and the review queue."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.data.session import unit
from core.models import Batch, Extraction, FileRecord, FileResult, utcnow
from core.status import Status


def get(*, db: Engine, account_id: str, extraction_id: str, file_id: str) -> FileRecord | None:
    """The account's file of this extraction; None when it is anyone else's or deleted."""
    with unit(db) as session:
        rec = session.get(FileRecord, file_id)
        ok = (rec is not None and rec.account_id == account_id and rec.extraction_id == extraction_id
              and rec.deleted_at is None)
        return rec if ok else None


def result(*, db: Engine, file_id: str) -> FileResult | None:
    with unit(db) as session:
        return session.get(FileResult, file_id)


def with_results(*, db: Engine, batch_id: str, after_position: int, limit: int
                 ) -> list[tuple[FileRecord, FileResult | None]]:
    """Up to `limit` of the batch's files not deleted, after `after_position` in upload order, each
    with its result row if it has one."""
    with unit(db) as session:
        return [(rec, res) for rec, res in session.execute(
            select(FileRecord, FileResult)
            .join(FileResult, col(FileResult.file_id) == FileRecord.id, isouter=True)
            .where(col(FileRecord.batch_id) == batch_id, col(FileRecord.deleted_at).is_(None),
                   col(FileRecord.position) > after_position)
            .order_by(col(FileRecord.position))
            .limit(limit)
        ).all()]


def mark_deleted(*, db: Engine, file_id: str) -> None:
    """The file reads as gone from now on; its result row is removed (its objects are the caller's)."""
    with unit(db) as session:
        session.execute(update(FileRecord).where(col(FileRecord.id) == file_id).values(deleted_at=utcnow()))
        session.execute(delete(FileResult).where(col(FileResult.file_id) == file_id))
        session.commit()


class Waiting(NamedTuple):
    """A file of the review queue with what tells it apart from files of the same name."""

    rec: FileRecord
    result: FileResult | None
    extraction_name: str
    batch_name: str | None
    batch_created_at: datetime


def awaiting_review(*, db: Engine, account_id: str, extraction_id: str | None = None) -> list[Waiting]:
    """The account's files waiting for review (of one extraction, if given), oldest first."""
    # SQLAlchemy's select: sqlmodel's is typed for at most four columns
    query = (
        select(FileRecord, FileResult, col(Extraction.name), col(Batch.name), col(Batch.created_at))
        .join(FileResult, col(FileResult.file_id) == FileRecord.id, isouter=True)
        .join(Extraction, col(Extraction.id) == FileRecord.extraction_id)
        .join(Batch, col(Batch.id) == FileRecord.batch_id)
        .where(col(FileRecord.account_id) == account_id, col(FileRecord.status) == Status.NEEDS_REVIEW,
               col(FileRecord.deleted_at).is_(None))
        .order_by(col(FileRecord.updated_at), col(FileRecord.id))
    )
    if extraction_id:
        query = query.where(col(FileRecord.extraction_id) == extraction_id)
    with unit(db) as session:
        return [Waiting(*row) for row in session.execute(query).all()]

