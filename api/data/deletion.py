"""Removing a batch's or an extraction's rows, in two steps: the files marked deleted first (reads
answer 404 and the workflow's activities stop writing for them), every row removed once the
objects are gone."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.data.session import unit
from core.models import Batch, Extraction, FileRecord, FileResult, IdempotencyKey, WebhookAttempt, utcnow


def batches_of(*, db: Engine, extraction_id: str, limit: int) -> list[Batch]:
    """Up to `limit` of the extraction's batches."""
    with unit(db) as session:
        return list(session.exec(select(Batch).where(Batch.extraction_id == extraction_id).limit(limit)).all())


def file_ids(*, db: Engine, batch_ids: list[str]) -> dict[str, list[str]]:
    """batch id -> all its files (deleted ones too: telling a workflow twice does no harm), in upload order."""
    out: dict[str, list[str]] = {b: [] for b in batch_ids}
    with unit(db) as session:
        rows = session.exec(
            select(FileRecord.batch_id, FileRecord.id)
            .where(col(FileRecord.batch_id).in_(batch_ids))
            .order_by(col(FileRecord.batch_id), col(FileRecord.position))
        ).all()
    for batch_id, file_id in rows:
        out[batch_id].append(file_id)
    return out


def mark_files_deleted(*, db: Engine, batch_ids: list[str]) -> None:
    """Every file of these batches reads as gone from now on, and its result row goes."""
    with unit(db) as session:
        files = select(FileRecord.id).where(col(FileRecord.batch_id).in_(batch_ids))
        session.execute(delete(FileResult).where(col(FileResult.file_id).in_(files)))
        session.execute(update(FileRecord).where(col(FileRecord.batch_id).in_(batch_ids),
                                                 col(FileRecord.deleted_at).is_(None)).values(deleted_at=utcnow()))
        session.commit()


def remove_batches(*, db: Engine, batch_ids: list[str]) -> None:
    """The batches' rows, children first, in one transaction: results, files, idempotency keys,
    webhook attempts, the batches."""
    with unit(db) as session:
        files = select(FileRecord.id).where(col(FileRecord.batch_id).in_(batch_ids))
        session.execute(delete(FileResult).where(col(FileResult.file_id).in_(files)))
        session.execute(delete(FileRecord).where(col(FileRecord.batch_id).in_(batch_ids)))
        session.execute(delete(IdempotencyKey).where(col(IdempotencyKey.batch_id).in_(batch_ids)))
        session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.batch_id).in_(batch_ids)))
        session.execute(delete(Batch).where(col(Batch.id).in_(batch_ids)))
        session.commit()


def remove_extraction(*, db: Engine, extraction_id: str) -> bool:
    """The extraction's row; False (nothing removed) when a batch uploaded meanwhile points at it."""
    with unit(db) as session:
        try:
            session.execute(delete(Extraction).where(col(Extraction.id) == extraction_id))
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True
