"""Database writes from the workflow: file/batch status and results. All are upserts."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import update
from sqlalchemy.engine import Engine
from temporalio import activity

from core.status import BATCH_TERMINAL, Status
from core.db import session_scope
from extraction.result import FinalResult
from core.observability import count_file
from core.storage import ObjectMissing, ObjectStore
from core.models import Batch, FileRecord, FileResult, utcnow
from workflows import activity_names as act
from extraction.review import apply_corrections, decision_error
from workflows.models import ApplyReviewInput, BatchStatusInput, FileStatusInput, SaveResultInput

from activities.errors import gone

log = logging.getLogger("docparse.worker")


def set_file_status(db: Engine, file_id: str, status: str, error: str | None = None,
                    *, only_from: str | None = None) -> None:
    """One file row's status; a deleted file is never resurrected. only_from: change the status
    only from that one (a retried activity must not move a finished file back)."""
    query = update(FileRecord).where(FileRecord.id == file_id, FileRecord.deleted_at.is_(None))
    if only_from is not None:
        query = query.where(FileRecord.status == only_from)
    with session_scope(db) as session:
        session.execute(query.values(status=status, error=error, updated_at=utcnow()))
        session.commit()


def _finished(file_id: str, status: str, error: str | None = None) -> None:
    """A file's outcome, written: counted (docparse_files_processed_total) and logged."""
    if status in (Status.PROCESSED, Status.NEEDS_REVIEW, Status.FAILED):
        count_file(status)
        log.info("file %s %s%s", file_id, status, f": {error}" if error else "")


class RecordActivities:
    def __init__(self, db: Engine, store: ObjectStore):
        self.db = db
        self.store = store

    def _set_file_status(self, inp: FileStatusInput) -> None:
        set_file_status(self.db, inp.file_id, inp.status, inp.error)
        _finished(inp.file_id, inp.status, inp.error)

    @activity.defn(name=act.SET_FILE_STATUS)
    async def set_file_status(self, inp: FileStatusInput) -> None:
        await asyncio.to_thread(self._set_file_status, inp)

    def _save_result(self, inp: SaveResultInput) -> None:
        try:
            result = FinalResult.model_validate_json(self.store.get_bytes(inp.result_key))
        except ObjectMissing:
            raise gone(inp.file_id) from None
        with session_scope(self.db) as session:
            record = session.get(FileRecord, inp.file_id)
            if record is None or record.deleted_at is not None:
                raise gone(inp.file_id)
            session.merge(
                FileResult(
                    file_id=inp.file_id,
                    result=result.result,
                    extracted=result.result,
                    review_reasons=inp.review_reasons,
                    confidence=result.confidence,
                    citations={k: c.model_dump() for k, c in result.citations.items()},
                    warnings=result.warnings,
                    model_used=result.model_used,
                    input_tokens=result.input_tokens,
                    output_tokens=result.output_tokens,
                )
            )
            record.status, record.error, record.updated_at = inp.status, None, utcnow()
            record.review_revision = inp.review_revision
            session.add(record)
            session.commit()
        _finished(inp.file_id, inp.status)

    @activity.defn(name=act.SAVE_RESULT)
    async def save_result(self, inp: SaveResultInput) -> None:
        await asyncio.to_thread(self._save_result, inp)

    def _apply_review(self, inp: ApplyReviewInput) -> None:
        with session_scope(self.db) as session:
            record = session.get(FileRecord, inp.file_id)
            stored = session.get(FileResult, inp.file_id)
            if record is None or record.deleted_at is not None or stored is None:
                raise gone(inp.file_id)
            corrected: list[str] = []
            if inp.decision == "approved":
                # Validated by the workflow's update validator already; typed here.
                stored.result = apply_corrections(inp.extraction_schema, stored.extracted, inp.corrections)
                corrected = sorted(k for k in (inp.corrections or {}) if stored.result.get(k) != stored.extracted.get(k))
                record.status, record.error = Status.PROCESSED, None
            else:
                record.status = Status.FAILED
                record.error = decision_error(inp.decision, inp.reviewer, inp.reason)
            stored.review = {
                "decision": inp.decision, "reviewer": inp.reviewer, "reason": inp.reason,
                "revision": inp.revision, "decided_at": inp.decided_at.isoformat(), "corrected": corrected,
            }
            record.updated_at = utcnow()
            status, error = record.status, record.error
            session.add(stored)
            session.add(record)
            session.commit()
        _finished(inp.file_id, status, error)

    @activity.defn(name=act.APPLY_REVIEW)
    async def apply_review(self, inp: ApplyReviewInput) -> None:
        await asyncio.to_thread(self._apply_review, inp)

    def _set_batch_status(self, inp: BatchStatusInput) -> None:
        with session_scope(self.db) as session:
            values = {"status": inp.status}
            if inp.status in BATCH_TERMINAL:
                values["completed_at"] = utcnow()
            session.execute(update(Batch).where(Batch.id == inp.batch_id).values(**values))
            session.commit()

    @activity.defn(name=act.SET_BATCH_STATUS)
    async def set_batch_status(self, inp: BatchStatusInput) -> None:
        await asyncio.to_thread(self._set_batch_status, inp)
