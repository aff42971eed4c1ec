"""The reconciler: one pass over the batches the database holds as unfinished, run by the
worker's schedule (workflows/reconcile.py). Each batch is handled on its own, and logged:

- stored but its workflow never started (the API answered 503 batch_not_scheduled_yet, or died
  between its commit and the start): start it; after `reconcile_start_attempts` failed starts
  (say, its input is over Temporal's payload limit) fail it with the reason and refund its pages,
  since nothing of it was processed;
- its workflow died (terminated, e.g. GrpcMessageTooLarge or a history over the limit; timed out;
  failed): fail its unfinished files with a message naming why, refunding the pages of the files
  that never got a result, so nothing accepted stays `queued` or `processing` forever.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from core.accounts import refund_pages
from core.config import Settings
from core.db import session_scope
from core.models import Batch, Extraction, FileRecord, utcnow
from core.status import BATCH_TERMINAL, Status, batch_status
from core.temporal import batch_workflow_id
from workflows import activity_names as act
from workflows.models import ReconcileReport, WebhookEvent
from workflows.start import start_batch, webhook_target
from workflows.webhook import WebhookDeliveryWorkflow

log = logging.getLogger("docparse.worker")

# How a workflow that will never finish its files ended (a completed one recorded every file).
_DIED = {
    WorkflowExecutionStatus.TERMINATED: "was terminated",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "was cancelled",
}
_UNFINISHED = (Status.QUEUED, Status.PROCESSING, Status.NEEDS_REVIEW)
_CHECKS_AT_ONCE = 8  # workflow look-ups in flight per pass
_REASON_CHARS = 300


@dataclass
class OpenBatch:
    batch: Batch
    extraction: Extraction | None
    files: list[FileRecord]  # not deleted

    @property
    def untouched(self) -> bool:
        return all(f.status == Status.QUEUED for f in self.files)


@dataclass
class Settled:
    """What fail_unfinished did: the files it failed and the batch's status after (for webhooks)."""

    batch: Batch | None = None
    failed: list[FileRecord] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # of the batch's live files, after


def fail_unfinished(db: Engine, batch_id: str, message: str, *, refund_all: bool) -> Settled:
    """Fails the batch's unfinished files with `message` and settles the batch, in one transaction;
    refunds the whole batch's pages (refund_all: nothing of it ran) or those of the files that
    never got a result. Nothing failed: the batch was settled meanwhile."""
    with session_scope(db) as session:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status in BATCH_TERMINAL:
            return Settled()
        files = list(session.exec(select(FileRecord).where(FileRecord.batch_id == batch_id)
                                  .order_by(col(FileRecord.position))).all())
        live = [f for f in files if f.deleted_at is None]
        failed = [f for f in live if f.status in _UNFINISHED]
        pages = batch.page_count if refund_all else sum(
            f.page_count for f in failed if f.status in (Status.QUEUED, Status.PROCESSING))
        now = utcnow()
        for f in failed:
            f.status, f.error, f.updated_at = Status.FAILED, message, now
            session.add(f)
        batch.status = batch_status(f.status for f in live)
        batch.error, batch.completed_at = message, now
        session.add(batch)
        if pages:
            refund_pages(session, account_id=batch.account_id, pages=pages)
        session.commit()
        for row in (batch, *failed):
            session.refresh(row)
            session.expunge(row)
        return Settled(batch, failed, [str(f.status) for f in live])


class ReconcileActivities:
    def __init__(self, settings: Settings, db: Engine, client: Client):
        self.settings = settings
        self.db = db
        self.client = client

    def _open_batches(self) -> list[OpenBatch]:
        """Unfinished batches older than the grace period (the API may still be starting a newer one)."""
        cutoff = utcnow() - timedelta(seconds=self.settings.stranded_after_s)
        with session_scope(self.db) as session:
            batches = session.exec(select(Batch).where(
                col(Batch.status).not_in(list(BATCH_TERMINAL)), Batch.created_at < cutoff,
            ).order_by(col(Batch.created_at))).all()
            return [
                OpenBatch(batch, session.get(Extraction, batch.extraction_id), list(session.exec(
                    select(FileRecord).where(FileRecord.batch_id == batch.id, col(FileRecord.deleted_at).is_(None))
                ).all()))
                for batch in batches
            ]

    async def _describe(self, batch_id: str):
        """The batch's workflow (its latest run), or None when there is none."""
        try:
            return await self.client.get_workflow_handle(batch_workflow_id(batch_id)).describe()
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                return None
            raise

    async def _close_reason(self, workflow_id: str, run_id: str | None) -> str:
        """What the closing event says: a termination's reason, a failure's message."""
        request = GetWorkflowExecutionHistoryReverseRequest(
            namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id or ""),
            maximum_page_size=1,
        )
        try:
            events = (await self.client.workflow_service.get_workflow_execution_history_reverse(request)).history.events
        except RPCError:
            return ""
        return _reason(events[0]) if events else ""

    def _record_start_failure(self, batch_id: str, error: str) -> int:
        with session_scope(self.db) as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                return 0
            batch.start_attempts += 1
            session.add(batch)
            session.commit()
            return batch.start_attempts

    async def _start(self, open_batch: OpenBatch, report: ReconcileReport) -> None:
        batch, ext = open_batch.batch, open_batch.extraction
        try:
            if ext is None:
                raise LookupError(f"its extraction {batch.extraction_id} is gone")
            await start_batch(self.client, self.settings, ext, batch, open_batch.files)
        except WorkflowAlreadyStartedError:
            return
        except Exception as e:
            error = f"{type(e).__name__}: {e}"[:_REASON_CHARS]
            tries = await asyncio.to_thread(self._record_start_failure, batch.id, error)
            limit = self.settings.reconcile_start_attempts
            if tries < limit:
                log.error("stranded batch %s could not be started (%s); try %d of %d, again next pass",
                          batch.id, error, tries, limit)
                return
            message = f"the batch could not be scheduled after {tries} tries ({error}); nothing was processed " \
                      "and its pages were refunded"
            await self._notify(await asyncio.to_thread(fail_unfinished, self.db, batch.id, message, refund_all=True),
                               ext)
            report.unschedulable += 1
            log.error("batch %s failed: %s", batch.id, message)
            return
        report.started += 1
        log.warning("started the workflow of stranded batch %s", batch.id)

    async def _settle_dead(self, open_batch: OpenBatch, description) -> None:
        how = _DIED[description.status]
        reason = await self._close_reason(description.id, description.run_id)
        message = f"the batch's workflow {how} before this file finished" + (f" ({reason})" if reason else "")
        settled = await asyncio.to_thread(fail_unfinished, self.db, open_batch.batch.id, message, refund_all=False)
        await self._notify(settled, open_batch.extraction)
        log.error("batch %s: workflow %s; %d unfinished file(s) failed: %s", open_batch.batch.id, how,
                  len(settled.failed), message)

    async def _notify(self, settled: Settled, ext: Extraction | None) -> None:
        """The webhook events the batch's workflow would have sent for what the reconciler settled:
        file.failed per file, then batch.processed / batch.failed. Sent after the commit; event ids
        derive from the file and batch ids, so no event is ever started twice."""
        batch = settled.batch
        target = webhook_target(self.settings, batch.webhook_url or (ext.webhook_url if ext else None)) \
            if batch is not None and settled.failed else None
        if batch is None or target is None:
            return
        base: dict[str, Any] = {"batch_id": batch.id, "extraction_id": batch.extraction_id}
        events: list[tuple[str, str, dict[str, Any]]] = [(f"evt_reconciled_{f.id}", "file.failed", {
            **base, "file_id": f.id, "file_name": f.file_name, "status": Status.FAILED, "error": f.error,
        }) for f in settled.failed]
        counts: dict[str, int] = {}
        for status in settled.statuses:
            counts[status] = counts.get(status, 0) + 1
        events.append((f"evt_reconciled_{batch.id}", f"batch.{batch.status}", {
            **base, "status": batch.status, "file_count": len(settled.statuses), "files_by_status": counts,
        }))
        for event_id, kind, data in events:
            event = WebhookEvent(id=event_id, type=kind, created_at=utcnow(), account_id=batch.account_id,
                                 batch_id=batch.id, target=target, data=data)
            try:
                await self.client.start_workflow(
                    WebhookDeliveryWorkflow.run, event, id=f"webhook-{event.id}", task_queue=self.settings.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, rpc_timeout=timedelta(seconds=10))
            except WorkflowAlreadyStartedError:
                pass  # sent by an earlier pass

    async def _one(self, open_batch: OpenBatch, report: ReconcileReport) -> None:
        if not open_batch.files:  # every file deleted: the API removes the batch's rows
            return
        description = await self._describe(open_batch.batch.id)
        if description is None:
            if open_batch.untouched:  # never started (a started one has touched a file or has a workflow)
                await self._start(open_batch, report)
            else:  # worked on, then gone (removed after the namespace's retention): it ended long ago
                settled = await asyncio.to_thread(
                    fail_unfinished, self.db, open_batch.batch.id,
                    "the batch's workflow is gone before this file finished", refund_all=False)
                await self._notify(settled, open_batch.extraction)
                log.error("batch %s: workflow gone; %d unfinished file(s) failed", open_batch.batch.id,
                          len(settled.failed))
                report.dead += 1
        elif description.status in _DIED:
            await self._settle_dead(open_batch, description)
            report.dead += 1

    async def reconcile(self) -> ReconcileReport:
        report = ReconcileReport()
        at_once = asyncio.Semaphore(_CHECKS_AT_ONCE)

        async def each(open_batch: OpenBatch) -> None:
            async with at_once:
                try:  # each batch on its own: one that cannot be handled must not hold up the others
                    await self._one(open_batch, report)
                except Exception as e:
                    report.errors += 1
                    log.error("batch %s could not be reconciled (%s: %s); trying again next pass",
                              open_batch.batch.id, type(e).__name__, e)

        await asyncio.gather(*(each(b) for b in await asyncio.to_thread(self._open_batches)))
        if report != ReconcileReport():
            log.info("reconciler pass: %s", report)
        return report

    @activity.defn(name=act.RECONCILE_BATCHES)
    async def reconcile_batches(self) -> ReconcileReport:
        return await self.reconcile()

    @activity.defn(name=act.RESUBMIT_STRANDED)
    async def resubmit_stranded(self) -> int:
        """The pass of reconciler workflows started before patch reconcile-report."""
        return (await self.reconcile()).started


def _reason(event: HistoryEvent) -> str:
    if event.HasField("workflow_execution_terminated_event_attributes"):
        text = event.workflow_execution_terminated_event_attributes.reason
    elif event.HasField("workflow_execution_failed_event_attributes"):
        text = event.workflow_execution_failed_event_attributes.failure.message
    else:
        text = ""
    return text[:_REASON_CHARS]
