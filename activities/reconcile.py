"""The stranded-batch reconciler: starts the workflow of every batch that was stored but whose
start failed or was interrupted (the API answered 503 batch_not_scheduled_yet, or died between
its commit and the start). Run by the worker's schedule (workflows/reconcile.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from core.config import Settings
from core.db import session_scope
from core.models import Batch, Extraction, FileRecord, utcnow
from core.status import Status
from core.temporal import batch_workflow_id
from workflows import activity_names as act
from workflows.start import start_batch

log = logging.getLogger("docparse.worker")


class ReconcileActivities:
    def __init__(self, settings: Settings, db: Engine, client: Client):
        self.settings = settings
        self.db = db
        self.client = client

    def _stranded(self) -> list[tuple[Batch, Extraction | None, list[FileRecord]]]:
        """Queued batches older than the grace period whose files were never touched."""
        cutoff = utcnow() - timedelta(seconds=self.settings.stranded_after_s)
        out = []
        with session_scope(self.db) as session:
            batches = session.exec(select(Batch).where(Batch.status == Status.QUEUED, Batch.created_at < cutoff)).all()
            for batch in batches:
                files = list(session.exec(select(FileRecord).where(FileRecord.batch_id == batch.id)).all())
                if all(f.status == Status.QUEUED for f in files):
                    out.append((batch, session.get(Extraction, batch.extraction_id), files))
        return out

    async def _has_workflow(self, batch_id: str) -> bool:
        try:  # a batch still waiting for a busy worker has its workflow: leave it alone
            await self.client.get_workflow_handle(batch_workflow_id(batch_id)).describe()
            return True
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                return False
            raise

    @activity.defn(name=act.RESUBMIT_STRANDED)
    async def resubmit_stranded(self) -> int:
        started = 0
        for batch, ext, files in await asyncio.to_thread(self._stranded):
            try:  # each batch on its own: one that cannot be started must not hold up the others
                if ext is None or await self._has_workflow(batch.id):
                    continue
                await start_batch(self.client, self.settings, ext, batch, files)
                started += 1
                log.warning("started the workflow of stranded batch %s", batch.id)
            except WorkflowAlreadyStartedError:
                pass
            except Exception as e:
                log.error("stranded batch %s could not be started (%s: %s); trying again next pass",
                          batch.id, type(e).__name__, e)
        return started
