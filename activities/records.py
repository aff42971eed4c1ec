"""Database writes from the workflow: file/batch status, results, review decisions. All upserts."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col
from temporalio import activity

from activities.errors import gone
from core import storage
from core.db import session_scope
from core.models import Batch, FileRecord, FileResult, utcnow
from core.observability import count_file
from core.status import BATCH_TERMINAL, FILE_OUTCOMES, Status
from core.storage import ObjectMissing, ObjectStore
from extraction.result import FinalResult
from extraction.review import decision_error
from workflows import activity_names as act
from workflows.models import (
    BatchStatusInput,
    Decision,
    FileStatusInput,
    RefusalRecord,
    ReviewTask,
    SaveResultInput,
)

log = logging.getLogger("docparse.worker")

KEPT_REFUSALS = 10  # refused review signals kept in a file's review record, the latest


def set_file_status(db: Engine, file_id: str, status: str, error: str | None = None,
                    *, only_from: str | None = None) -> None:
    """One file row's status; a deleted file is never resurrected. only_from: change the status
    only from that one (a retried activity must not move a finished file back)."""
    query = update(FileRecord).where(col(FileRecord.id) == file_id, col(FileRecord.deleted_at).is_(None))
    if only_from is not None:
        query = query.where(col(FileRecord.status) == only_from)
    with session_scope(db) as session:
        session.execute(query.values(status=status, error=error, updated_at=utcnow()))
        session.commit()


def _finished(file_id: str, status: str, error: str | None = None) -> None:
    """A file's outcome, written: counted (docparse_files_processed_total) and logged."""
    if status in FILE_OUTCOMES:
        count_file(status)
        log.info("file %s %s%s", file_id, status, f": {error}" if error else "")


class RecordActivities:
    def __init__(self, db: Engine, store: ObjectStore):
        self.db = db
        self.store = store

    def _final(self, key: str, file_id: str) -> FinalResult:
        try:
            return FinalResult.model_validate_json(self.store.get_bytes(key))
        except ObjectMissing:
            raise gone(file_id) from None

    def _set_file_status(self, inp: FileStatusInput) -> None:
        set_file_status(self.db, inp.file_id, inp.status, inp.error)
        _finished(inp.file_id, inp.status, inp.error)

    @activity.defn(name=act.SET_FILE_STATUS)
    async def set_file_status(self, inp: FileStatusInput) -> None:
        await asyncio.to_thread(self._set_file_status, inp)

    def _save_result(self, inp: SaveResultInput) -> None:
        final = self._final(inp.result_key, inp.file_id)
        with session_scope(self.db) as session:
            record = session.get(FileRecord, inp.file_id)
            if record is None or record.deleted_at is not None:
                raise gone(inp.file_id)
            session.merge(FileResult(
                file_id=inp.file_id, result=final.result, extracted=final.result,
                review_reasons=inp.review_reasons, confidence=final.confidence,
                citations={k: c.model_dump() for k, c in final.citations.items()},
                warnings=final.warnings, engine=final.engine, model_used=final.model_used,
                input_tokens=final.input_tokens if inp.input_tokens is None else inp.input_tokens,
                output_tokens=final.output_tokens if inp.output_tokens is None else inp.output_tokens,
            ))
            record.status, record.error, record.updated_at = inp.status, None, utcnow()
            record.review_revision = inp.review_revision
            session.add(record)
            session.commit()
        _finished(inp.file_id, inp.status)

    @activity.defn(name=act.SAVE_RESULT)
    async def save_result(self, inp: SaveResultInput) -> None:
        await asyncio.to_thread(self._save_result, inp)

    def record_review(self, file_id: str, decision: Decision, revision: int, decided_at: datetime,
                      reviewer: str | None, reason: str | None, reviewed: FinalResult | None) -> None:
        """The decision on the file's row and its result: approved (reviewed: the approved result,
        finalized again) -> processed with the reviewed values; rejected or expired -> failed."""
        with session_scope(self.db) as session:
            record = session.get(FileRecord, file_id)
            stored = session.get(FileResult, file_id)
            if record is None or record.deleted_at is not None or stored is None:
                raise gone(file_id)
            corrected: list[str] = []
            if decision == Decision.APPROVED and reviewed is not None:
                extracted = stored.extracted or {}
                corrected = sorted(k for k, v in reviewed.result.items() if v != extracted.get(k))
                stored.result, stored.confidence = reviewed.result, reviewed.confidence
                stored.citations = {k: c.model_dump() for k, c in reviewed.citations.items()}
                record.status, record.error = Status.PROCESSED, None
            else:
                record.status = Status.FAILED
                record.error = decision_error(decision, reviewer, reason)
            stored.review = {
                "decision": decision, "reviewer": reviewer, "reason": reason, "revision": revision,
                "decided_at": decided_at.isoformat(), "corrected": corrected,
                **({"refused": stored.review["refused"]} if stored.review and "refused" in stored.review else {}),
            }
            record.updated_at = utcnow()
            status, error = record.status, record.error
            session.add(stored)
            session.add(record)
            session.commit()
        _finished(file_id, status, error)

    def _save_review(self, task: ReviewTask) -> None:
        reviewed = None
        if task.decision == Decision.APPROVED:
            reviewed = self._final(storage.reviewed_key(task.batch_id, task.file_id), task.file_id)
        self.record_review(task.file_id, task.decision, task.revision, task.decided_at, task.reviewer,
                           task.reason, reviewed)

    @activity.defn(name=act.SAVE_REVIEW)
    async def save_review(self, task: ReviewTask) -> None:
        await asyncio.to_thread(self._save_review, task)

    def _record_refusal(self, inp: RefusalRecord) -> None:
        with session_scope(self.db) as session:
            stored = session.get(FileResult, inp.file_id)
            if stored is None:  # no extracted values yet: the status query alone shows it
                return
            review = dict(stored.review or {})
            refusal = inp.refusal.model_dump(mode="json")
            # a retried activity must not add the same refusal twice
            review["refused"] = [r for r in review.get("refused", []) if r != refusal][-(KEPT_REFUSALS - 1):] + [refusal]
            stored.review = review
            session.add(stored)
            session.commit()

    @activity.defn(name=act.RECORD_REVIEW_REFUSAL)
    async def record_review_refusal(self, inp: RefusalRecord) -> None:
        """A refused `review` signal, kept in the file's review record (a signal cannot answer)."""
        await asyncio.to_thread(self._record_refusal, inp)

    def _set_batch_status(self, inp: BatchStatusInput) -> None:
        with session_scope(self.db) as session:
            values: dict[str, object] = {"status": inp.status}
            if inp.status in BATCH_TERMINAL:
                values["completed_at"] = utcnow()
            session.execute(update(Batch).where(col(Batch.id) == inp.batch_id).values(**values))
            session.commit()

    @activity.defn(name=act.SET_BATCH_STATUS)
    async def set_batch_status(self, inp: BatchStatusInput) -> None:
        await asyncio.to_thread(self._set_batch_status, inp)
