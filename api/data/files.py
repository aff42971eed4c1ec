"""Files of batches, their results, and the review queue."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.data.session import unit
from core.models import FileRecord, FileResult, utcnow
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
        return [(rec, res) for rec, res in session.exec(
            select(FileRecord, FileResult)
            .join(FileResult, col(FileResult.file_id) == FileRecord.id, isouter=True)
            .where(FileRecord.batch_id == batch_id, col(FileRecord.deleted_at).is_(None),
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


def awaiting_review(*, db: Engine, account_id: str, extraction_id: str | None = None
                    ) -> list[tuple[FileRecord, FileResult | None]]:
    """The account's files waiting for review (of one extraction, if given), oldest first."""
    query = (
        select(FileRecord, FileResult)
        .join(FileResult, col(FileResult.file_id) == FileRecord.id, isouter=True)
        .where(FileRecord.account_id == account_id, FileRecord.status == Status.NEEDS_REVIEW,
               col(FileRecord.deleted_at).is_(None))
        .order_by(col(FileRecord.updated_at), col(FileRecord.id))
    )
    if extraction_id:
        query = query.where(FileRecord.extraction_id == extraction_id)
    with unit(db) as session:
        return [(rec, res) for rec, res in session.exec(query).all()]
