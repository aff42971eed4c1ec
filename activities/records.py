"""Database writes from the workflow: file/batch status and results. All are upserts."""

from __future__ import annotations

import asyncio

from sqlalchemy import update
from sqlalchemy.engine import Engine
from temporalio import activity

from core import status as st
from core.db import session_scope
from core.engines.base import EngineResult
from core.storage import ObjectMissing, ObjectStore
from core.tables import Batch, FileRecord, FileResult, utcnow
from workflows import activity_names as act
from workflows.models import BatchStatusInput, FileStatusInput, SaveResultInput

from activities.errors import gone


class RecordActivities:
    def __init__(self, db: Engine, store: ObjectStore):
        self.db = db
        self.store = store

    def _set_file_status(self, inp: FileStatusInput) -> None:
        with session_scope(self.db) as session:
            # Never resurrect a deleted file.
            session.execute(
                update(FileRecord)
                .where(FileRecord.id == inp.file_id, FileRecord.deleted_at.is_(None))
                .values(status=inp.status, error=inp.error, updated_at=utcnow())
            )
            session.commit()

    @activity.defn(name=act.SET_FILE_STATUS)
    async def set_file_status(self, inp: FileStatusInput) -> None:
        await asyncio.to_thread(self._set_file_status, inp)

    def _save_result(self, inp: SaveResultInput) -> None:
        try:
            result = EngineResult.model_validate_json(self.store.get_bytes(inp.result_key))
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
                    confidence=result.confidence,
                    citations={k: c.model_dump() for k, c in result.citations.items()},
                    warnings=result.warnings,
                    model_used=result.model_used,
                    input_tokens=result.input_tokens,
                    output_tokens=result.output_tokens,
                )
            )
            record.status, record.error, record.updated_at = st.PROCESSED, None, utcnow()
            session.add(record)
            session.commit()

    @activity.defn(name=act.SAVE_RESULT)
    async def save_result(self, inp: SaveResultInput) -> None:
        await asyncio.to_thread(self._save_result, inp)

    def _set_batch_status(self, inp: BatchStatusInput) -> None:
        with session_scope(self.db) as session:
            values = {"status": inp.status}
            if inp.status in st.BATCH_TERMINAL:
                values["completed_at"] = utcnow()
            session.execute(update(Batch).where(Batch.id == inp.batch_id).values(**values))
            session.commit()

    @activity.defn(name=act.SET_BATCH_STATUS)
    async def set_batch_status(self, inp: BatchStatusInput) -> None:
        await asyncio.to_thread(self._set_batch_status, inp)
