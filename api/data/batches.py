"""Batches: the owner's lookups, the keyset-paged listing, and the one write that records an upload."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.data.paging import newest_first
from api.data.session import unit
from core.accounts import charge_pages
from core.models import Batch, Extraction, FileRecord, FileResult, IdempotencyKey


def get(*, db: Engine, account_id: str, extraction_id: str, batch_id: str) -> Batch | None:
    """The account's batch of this extraction; None also when it is anyone else's."""
    with unit(db) as session:
        batch = session.get(Batch, batch_id)
        ok = batch is not None and batch.account_id == account_id and batch.extraction_id == extraction_id
        return batch if ok else None


def get_by_id(*, db: Engine, batch_id: str) -> Batch | None:
    with unit(db) as session:
        return session.get(Batch, batch_id)


def live_files(*, db: Engine, batch_id: str) -> tuple[list[FileRecord], int, int]:
    """The batch's files not deleted, in upload order, and the input and output model tokens
    their results used (one query)."""
    with unit(db) as session:
        rows = session.exec(
            select(FileRecord, FileResult.input_tokens, FileResult.output_tokens)
            .join(FileResult, col(FileResult.file_id) == FileRecord.id, isouter=True)
            .where(FileRecord.batch_id == batch_id, col(FileRecord.deleted_at).is_(None))
            .order_by(col(FileRecord.position))
        ).all()
    return [r[0] for r in rows], sum(r[1] or 0 for r in rows), sum(r[2] or 0 for r in rows)


def page(
    *, db: Engine, account_id: str, extraction_id: str, limit: int,
    before: datetime | None = None, before_id: str | None = None,
) -> tuple[list[Batch], bool, dict[str, list[str]], dict[str, tuple[int, int]]]:
    """Up to `limit` batches newest first, strictly before (`before`, `before_id`); whether more
    follow; the statuses of each one's files not deleted (one entry per file); and the input and
    output model tokens their results used, per batch (as live_files counts them)."""
    with unit(db) as session:
        query = select(Batch).where(Batch.extraction_id == extraction_id, Batch.account_id == account_id)
        rows = list(session.exec(newest_first(query, Batch, limit=limit, before=before, before_id=before_id)).all())
        rows, more = rows[:limit], len(rows) > limit
        statuses: dict[str, list[str]] = {}
        tokens: dict[str, tuple[int, int]] = {}
        if rows:
            live = (col(FileRecord.batch_id).in_([b.id for b in rows]), col(FileRecord.deleted_at).is_(None))
            counts = session.exec(
                select(FileRecord.batch_id, FileRecord.status, func.count())
                .where(*live).group_by(FileRecord.batch_id, FileRecord.status)
            ).all()
            for batch_id, status, n in counts:
                statuses.setdefault(batch_id, []).extend([status] * n)
            sums = session.exec(
                select(FileRecord.batch_id, func.sum(FileResult.input_tokens), func.sum(FileResult.output_tokens))
                .join(FileResult, col(FileResult.file_id) == FileRecord.id).where(*live).group_by(FileRecord.batch_id)
            ).all()
            tokens = {batch_id: (tokens_in or 0, tokens_out or 0) for batch_id, tokens_in, tokens_out in sums}
    return rows, more, statuses, tokens


class Recorded(Enum):
    CREATED = "created"
    OUT_OF_PAGES = "out_of_pages"  # the pages did not fit the budget: nothing written
    KEY_TAKEN = "key_taken"  # another request with this Idempotency-Key committed first: nothing written
    EXTRACTION_GONE = "extraction_gone"  # the extraction was deleted while the files came in: nothing written


def record(*, db: Engine, batch: Batch, files: list[FileRecord], idempotency: IdempotencyKey | None) -> Recorded:
    """In one transaction: charge the batch's pages to its account, insert the batch, its files and
    the Idempotency-Key that made it. All or nothing."""
    with unit(db) as session:
        if not charge_pages(session, account_id=batch.account_id, pages=batch.page_count):
            session.rollback()
            return Recorded.OUT_OF_PAGES
        try:
            session.add(batch)
            session.flush()  # parent row first: there are no ORM relationships to order the inserts
            session.add_all(files)
            if idempotency is not None:
                session.add(idempotency)
            session.commit()
        except IntegrityError:
            session.rollback()
            if session.get(Extraction, batch.extraction_id) is None:
                return Recorded.EXTRACTION_GONE
            if idempotency is None:
                raise
            return Recorded.KEY_TAKEN
    return Recorded.CREATED
