"""activities/reconcile.py: the stranded-batch reconciler under ActivityEnvironment, on a migrated
SQLite database and a fake Temporal client (tests/support/fakes.py FakeTemporalClient).

A queued batch past the grace period, with untouched files and no workflow, is started; one whose
start fails is logged and does not hold up the next; anything else is left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import ActivityEnvironment

from activities.reconcile import ReconcileActivities
from core import storage
from core.config import Settings
from core.db import init_db, session_scope
from core.models import Account, Batch, Extraction, FileRecord, utcnow
from core.temporal import batch_workflow_id
from tests.support.fakes import FakeTemporalClient
from workflows.batch import BatchWorkflow
from workflows.models import BatchInput

FIELDS = [{"key": "total", "type": "number"}]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, stranded_after_s=30, task_queue="docparse-test", gemini_api_key=None)


@pytest.fixture
def db(settings):
    engine = init_db(settings)
    with session_scope(engine) as s:
        for row in (Account(id="acc_1", name="acme", pages_limit=100),
                    Extraction(id="ext_1", account_id="acc_1", name="invoice", fields=FIELDS)):
            s.add(row)
            s.flush()
        s.commit()
    yield engine
    engine.dispose()


def add_batch(db, batch_id: str, *, age_s: float = 300, file_statuses: tuple[str, ...] = ("queued", "queued"),
              status: str = "queued") -> None:
    with session_scope(db) as s:
        s.add(Batch(id=batch_id, account_id="acc_1", extraction_id="ext_1", status=status,
                    file_count=len(file_statuses), page_count=len(file_statuses),
                    created_at=utcnow() - timedelta(seconds=age_s)))
        s.flush()
        for position, file_status in reversed(list(enumerate(file_statuses))):  # stored out of order
            file_id = f"{batch_id}_f{position}"
            s.add(FileRecord(id=file_id, batch_id=batch_id, extraction_id="ext_1", account_id="acc_1",
                             position=position, file_name=f"{position}.pdf", kind="pdf", size_bytes=10, page_count=1,
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
    add_batch(db, "btc_touched", file_statuses=("processed", "queued"))
    add_batch(db, "btc_done", status="processed", file_statuses=("processed",))
    client = FakeTemporalClient(running={batch_workflow_id("btc_running")})
    started = await ActivityEnvironment().run(ReconcileActivities(settings, db, client).resubmit_stranded)

    assert started == 0 and client.starts == []
    assert client.described == [batch_workflow_id("btc_running")]  # only the stranded-looking one is asked
