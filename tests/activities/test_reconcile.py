"""activities/reconcile.py: the reconciler under ActivityEnvironment, on a migrated SQLite database
and a fake Temporal client (tests/support/fakes.py FakeTemporalClient).

A queued batch past the grace period, with untouched files and no workflow, is started; one whose
start fails is logged and does not hold up the next, and after reconcile_start_attempts failed
starts it is failed and refunded; a batch whose workflow died has its unfinished files failed with
the reason; anything else is left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select
from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import ActivityEnvironment

from activities.reconcile import ReconcileActivities
from core import storage
from core.config import Settings
from core.db import init_db, session_scope
from core.models import Account, Batch, Extraction, FileRecord, utcnow
from core.temporal import batch_workflow_id
from tests.support.fakes import FakeTemporalClient
from workflows.batch import BatchWorkflow
from workflows.models import BatchInput, ReconcileReport

FIELDS = [{"key": "total", "type": "number"}]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, stranded_after_s=30, task_queue="docparse-test", gemini_api_key=None,
                    reconcile_start_attempts=3)


@pytest.fixture
def db(settings):
    engine = init_db(settings)
    with session_scope(engine) as s:
        for row in (Account(id="acc_1", name="acme", pages_limit=100, pages_used=50),
                    Extraction(id="ext_1", account_id="acc_1", name="invoice", fields=FIELDS)):
            s.add(row)
            s.flush()
        s.commit()
    yield engine
    engine.dispose()


def add_batch(db, batch_id: str, *, age_s: float = 300, file_statuses: tuple[str, ...] = ("queued", "queued"),
              status: str = "queued", webhook_url: str | None = None) -> None:
    with session_scope(db) as s:
        s.add(Batch(id=batch_id, account_id="acc_1", extraction_id="ext_1", status=status, webhook_url=webhook_url,
                    file_count=len(file_statuses), page_count=2 * len(file_statuses),
                    created_at=utcnow() - timedelta(seconds=age_s)))
        s.flush()
        for position, file_status in reversed(list(enumerate(file_statuses))):  # stored out of order
            file_id = f"{batch_id}_f{position}"
            s.add(FileRecord(id=file_id, batch_id=batch_id, extraction_id="ext_1", account_id="acc_1",
                             position=position, file_name=f"{position}.pdf", kind="pdf", size_bytes=10, page_count=2,
                             object_key=storage.original_key(batch_id, file_id), status=file_status))
        s.commit()


async def test_a_stranded_batch_is_started(db, settings):
    add_batch(db, "btc_stranded")
    client = FakeTemporalClient()
    started = await ActivityEnvironment().run(ReconcileActivities(settings, db, client).resubmit_stranded)

    assert started == 1
    [start] = client.starts
    assert start["workflow"] == BatchWorkflow.run
    assert (start["id"], start["task_queue"]) == (batch_workflow_id("btc_stranded"), "docparse-test")
    inp: BatchInput = start["arg"]
    assert (inp.batch_id, inp.extraction_id, inp.account_id) == ("btc_stranded", "ext_1", "acc_1")
    assert [f.file_id for f in inp.files] == ["btc_stranded_f0", "btc_stranded_f1"]  # upload order
    assert inp.model is None  # no Gemini key on this worker: the offline engine


async def test_a_batch_whose_start_fails_does_not_stop_the_next(db, settings, caplog):
    add_batch(db, "btc_a")
    add_batch(db, "btc_b")
    client = FakeTemporalClient(fail_first=RuntimeError("temporal frontend unavailable"))
    with caplog.at_level(logging.ERROR, logger="docparse.worker"):
        started = await ActivityEnvironment().run(ReconcileActivities(settings, db, client).resubmit_stranded)

    attempted = [s["id"] for s in client.starts]
    assert sorted(attempted) == [batch_workflow_id("btc_a"), batch_workflow_id("btc_b")]  # both tried
    assert started == 1
    failed = attempted[0].removeprefix("batch-")
    [line] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"stranded batch {failed} could not be started" in line.getMessage()
    assert "RuntimeError: temporal frontend unavailable" in line.getMessage()


async def test_a_batch_started_meanwhile_is_not_counted_nor_logged(db, settings, caplog):
    add_batch(db, "btc_a")
    client = FakeTemporalClient(fail_first=WorkflowAlreadyStartedError(batch_workflow_id("btc_a"), "BatchWorkflow"))
    with caplog.at_level(logging.WARNING, logger="docparse.worker"):
        started = await ActivityEnvironment().run(ReconcileActivities(settings, db, client).resubmit_stranded)
    assert started == 0 and len(client.starts) == 1
    assert not [r for r in caplog.records if r.name == "docparse.worker"]


async def test_batches_that_are_not_stranded_are_left_alone(db, settings):
    add_batch(db, "btc_recent", age_s=5)  # within the grace period: the API may still be starting it
    add_batch(db, "btc_running")  # its workflow exists (waiting for a busy worker)
    add_batch(db, "btc_touched", file_statuses=("processed", "queued"))  # its workflow runs
    add_batch(db, "btc_done", status="processed", file_statuses=("processed",))
    add_batch(db, "btc_completed", file_statuses=("processed",))  # completed: it recorded every file
    add_batch(db, "btc_deleted")  # being deleted: its files are marked, its rows about to go
    with session_scope(db) as s:
        for f in s.exec(select(FileRecord).where(FileRecord.batch_id == "btc_deleted")).all():
            f.deleted_at = utcnow()
            s.add(f)
        s.commit()
    client = FakeTemporalClient(running={batch_workflow_id("btc_running"), batch_workflow_id("btc_touched")},
                                closed={batch_workflow_id("btc_completed"): (WorkflowExecutionStatus.COMPLETED, "")})
    report = await ActivityEnvironment().run(ReconcileActivities(settings, db, client).reconcile_batches)

    assert report == ReconcileReport() and client.starts == []
    # every unfinished batch past the grace period is asked about, none other
    assert sorted(client.described) == [batch_workflow_id(b) for b in ("btc_completed", "btc_running", "btc_touched")]
    assert snapshot(db, "btc_touched") == ("queued", ["processed", "queued"])
    assert pages_used(db) == 50


def snapshot(db, batch_id: str) -> tuple[str, list[str]]:
    with session_scope(db) as s:
        files = s.exec(select(FileRecord).where(FileRecord.batch_id == batch_id).order_by(FileRecord.position)).all()
        return s.get(Batch, batch_id).status, [f.status for f in files]


def errors(db, batch_id: str) -> set[str | None]:
    with session_scope(db) as s:
        return {f.error for f in s.exec(select(FileRecord).where(FileRecord.batch_id == batch_id)).all()}


def pages_used(db) -> int:
    with session_scope(db) as s:
        return s.get(Account, "acc_1").pages_used


async def test_a_batch_that_cannot_be_started_is_failed_after_n_tries_and_refunded(db, settings, caplog):
    add_batch(db, "btc_huge")  # say, its input is over Temporal's payload limit
    add_batch(db, "btc_fine")
    too_large = RPCError("Blob data size exceeds limit.", RPCStatusCode.INVALID_ARGUMENT, b"")
    client = FakeTemporalClient(refuse={batch_workflow_id("btc_huge"): too_large})
    reconciler = ReconcileActivities(settings, db, client)

    with caplog.at_level(logging.ERROR, logger="docparse.worker"):
        first = await ActivityEnvironment().run(reconciler.reconcile_batches)
    assert first == ReconcileReport(started=1)  # the other batch is not held up
    assert "stranded batch btc_huge could not be started (RPCError: Blob data size exceeds limit.); try 1 of 3" \
        in caplog.text
    second = await ActivityEnvironment().run(reconciler.reconcile_batches)
    assert second == ReconcileReport() and snapshot(db, "btc_huge") == ("queued", ["queued", "queued"])
    assert pages_used(db) == 50

    third = await ActivityEnvironment().run(reconciler.reconcile_batches)
    assert third == ReconcileReport(unschedulable=1)
    assert snapshot(db, "btc_huge") == ("failed", ["failed", "failed"])
    [error] = errors(db, "btc_huge")
    assert "could not be scheduled after 3 tries (RPCError: Blob data size exceeds limit.)" in error
    assert "pages were refunded" in error
    assert pages_used(db) == 50 - 4  # the whole batch: nothing of it ran
    assert len([s for s in client.starts if s["id"] == batch_workflow_id("btc_huge")]) == 3

    await ActivityEnvironment().run(reconciler.reconcile_batches)  # settled: never tried nor refunded again
    assert len(client.starts) == 4 and pages_used(db) == 46


@pytest.mark.parametrize(("status", "reason", "words"), [
    (WorkflowExecutionStatus.TERMINATED, "GrpcMessageTooLarge: workflow task completion over 4 MB",
     "workflow was terminated before this file finished (GrpcMessageTooLarge: workflow task completion over 4 MB)"),
    (WorkflowExecutionStatus.TIMED_OUT, "", "workflow timed out before this file finished"),
    (WorkflowExecutionStatus.FAILED, "activity failed for good",
     "workflow failed before this file finished (activity failed for good)"),
])
async def test_a_batch_whose_workflow_died_has_its_unfinished_files_failed(db, settings, caplog, status, reason, words):
    add_batch(db, "btc_dead", file_statuses=("processed", "processing", "queued", "needs_review", "failed"))
    client = FakeTemporalClient(closed={batch_workflow_id("btc_dead"): (status, reason)})
    reconciler = ReconcileActivities(settings, db, client)
    with caplog.at_level(logging.ERROR, logger="docparse.worker"):
        report = await ActivityEnvironment().run(reconciler.reconcile_batches)

    assert report == ReconcileReport(dead=1) and client.starts == []
    assert snapshot(db, "btc_dead") == ("processed", ["processed", "failed", "failed", "failed", "failed"])
    with session_scope(db) as s:
        files = s.exec(select(FileRecord).where(FileRecord.batch_id == "btc_dead").order_by(FileRecord.position)).all()
        assert [f.error for f in files[:2]] == [None, files[1].error] and words in files[1].error
        assert s.get(Batch, "btc_dead").completed_at is not None
    assert pages_used(db) == 50 - 4  # the two files that never got a result
    assert "batch btc_dead: workflow" in caplog.text and "3 unfinished file(s) failed" in caplog.text

    assert await ActivityEnvironment().run(reconciler.reconcile_batches) == ReconcileReport()  # once
    assert pages_used(db) == 46


async def test_a_worked_on_batch_whose_workflow_is_gone_is_settled(db, settings):
    add_batch(db, "btc_gone", file_statuses=("processed", "processing"))  # e.g. removed after retention
    report = await ActivityEnvironment().run(ReconcileActivities(settings, db, FakeTemporalClient()).reconcile_batches)
    assert report == ReconcileReport(dead=1)
    assert snapshot(db, "btc_gone") == ("processed", ["processed", "failed"])
    assert errors(db, "btc_gone") == {None, "the batch's workflow is gone before this file finished"}


async def test_one_batch_that_cannot_be_looked_up_does_not_stop_the_pass(db, settings, caplog):
    add_batch(db, "btc_a")
    add_batch(db, "btc_b")
    client = FakeTemporalClient()
    real = client.get_workflow_handle

    def handle(workflow_id: str):
        if workflow_id == batch_workflow_id("btc_a"):
            raise RuntimeError("describe broke")
        return real(workflow_id)

    client.get_workflow_handle = handle
    with caplog.at_level(logging.ERROR, logger="docparse.worker"):
        report = await ActivityEnvironment().run(ReconcileActivities(settings, db, client).reconcile_batches)
    assert report == ReconcileReport(started=1, errors=1)
    assert "batch btc_a could not be reconciled (RuntimeError: describe broke); trying again next pass" in caplog.text


async def test_what_the_reconciler_settles_is_announced_by_webhook_once(db, settings):
    """The dead workflow cannot send file.failed / batch.* any more: the reconciler does, with ids
    derived from the files and the batch."""
    from workflows.webhook import WebhookDeliveryWorkflow

    add_batch(db, "btc_hooked", file_statuses=("processed", "processing", "queued"),
              webhook_url="https://hooks.example.com/in")
    client = FakeTemporalClient(closed={batch_workflow_id("btc_hooked"): (WorkflowExecutionStatus.TERMINATED, "")})
    reconciler = ReconcileActivities(settings, db, client)
    await ActivityEnvironment().run(reconciler.reconcile_batches)

    sent = [s for s in client.starts if s["workflow"] == WebhookDeliveryWorkflow.run]
    assert [(s["id"], s["arg"].type) for s in sent] == [
        ("webhook-evt_reconciled_btc_hooked_f1", "file.failed"),
        ("webhook-evt_reconciled_btc_hooked_f2", "file.failed"),
        ("webhook-evt_reconciled_btc_hooked", "batch.processed"),
    ]
    assert sent[0]["arg"].target.url == "https://hooks.example.com/in"
    assert "workflow was terminated" in sent[0]["arg"].data["error"]
    assert sent[2]["arg"].data["files_by_status"] == {"processed": 1, "failed": 2}

    await ActivityEnvironment().run(reconciler.reconcile_batches)  # settled: nothing more to announce
    assert len([s for s in client.starts if s["workflow"] == WebhookDeliveryWorkflow.run]) == 3


async def test_a_batch_without_a_webhook_sends_none(db, settings):
    add_batch(db, "btc_quiet", file_statuses=("queued",), age_s=300)
    client = FakeTemporalClient(closed={batch_workflow_id("btc_quiet"): (WorkflowExecutionStatus.TIMED_OUT, "")})
    await ActivityEnvironment().run(ReconcileActivities(settings, db, client).reconcile_batches)
    assert client.starts == []
