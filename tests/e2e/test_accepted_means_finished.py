"""Accepted means finished (issue 14): through each failure below, every file a batch accepted ends
`processed` or `failed` within 120 s on test settings (review off, the worker's schedules every
1-2 s), or is gone when deleted. Real servers: Temporal dev server, SeaweedFS, the API and a worker.

- a batch whose workflow died (terminated, as Temporal does on GrpcMessageTooLarge or a history
  over its limit): the reconciler fails its unfinished files with the reason, refunding their pages;
- a batch whose workflow cannot be started (its input over Temporal's payload limit: an extraction
  stored before schema caps): failed after DOCPARSE_RECONCILE_START_ATTEMPTS tries and refunded;
- a long scanned document deleted mid-OCR: its work stops and its objects are purged for good;
- objects that no batch holds (an API killed mid-upload): removed by the sweeper after the grace.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from temporalio.api.enums.v1 import EventType

from core import storage
from core.accounts import find_key_and_account
from core.db import init_db, session_scope
from core.models import Extraction
from core.storage import ObjectStore
from core.temporal import batch_workflow_id, connect
from tests.conftest import make_stack
from tests.support.images import scanned_pdf
from tests.support.invoices import make_invoice, schema_invoice

TERMINAL = ("processed", "failed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(request, temporal_server, s3_server, tmp_path_factory):
    stack = make_stack(request, temporal_server, s3_server, tmp_path_factory, "sqlite",
                       DOCPARSE_RECONCILE_INTERVAL_S="1", DOCPARSE_STRANDED_AFTER_S="1",
                       DOCPARSE_RECONCILE_START_ATTEMPTS="2", DOCPARSE_SWEEP_INTERVAL_S="2",
                       DOCPARSE_ORPHAN_GRACE_S="3", DOCPARSE_RENDER_PROCESSES="1").start()
    yield stack
    stack.stop()


def pdfs(*named: tuple[str, bytes]) -> list:
    return [("files", (name, data, "application/pdf")) for name, data in named]


def upload(http, ext: str, *named: tuple[str, bytes]) -> tuple[str, dict[str, str]]:
    """(batch id, file id by name) of an accepted batch."""
    r = http.post(f"/v1/extractions/{ext}/batches", files=pdfs(*named))
    assert r.status_code == 202, r.text
    batch_id = r.json()["batch"]["id"]
    body = http.get(f"/v1/extractions/{ext}/batches/{batch_id}").json()
    return batch_id, {f["file_name"]: f["id"] for f in body["files"]}


def wait_files_terminal(http, ext: str, batch_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        body = http.get(f"/v1/extractions/{ext}/batches/{batch_id}").json()
        if body["files"] and all(f["status"] in TERMINAL for f in body["files"]):
            return body
        time.sleep(0.5)
    raise AssertionError(f"files of batch {batch_id} not all processed or failed after {timeout}s: {body}")


def pages_used(stack, key: str) -> int:
    with session_scope(init_db(stack.settings)) as s:
        return find_key_and_account(s, key)[1].pages_used


def objects(stack, prefix: str) -> list[str]:
    store = ObjectStore(stack.settings)
    return [o.object_name for o in store.client.list_objects(store.bucket, prefix, recursive=True)]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not within {timeout}s")


def test_a_batch_whose_workflow_died_ends_with_every_file_terminal(stack):
    key = stack.create_key(name="dead")
    with stack.client(key) as http:
        ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
        batch_id, ids = upload(http, ext, ("long.pdf", scanned_pdf(60)), ("short.pdf", make_invoice(seed=32)[0]))
        used = pages_used(stack, key)
        wait_for(lambda: objects(stack, storage.file_prefix(batch_id, ids["long.pdf"]) + "words/"),
                 60, "the long file being read")

        async def terminate() -> None:  # what Temporal does to a workflow task over 4 MB
            client = await connect(stack.settings)
            await client.get_workflow_handle(batch_workflow_id(batch_id)).terminate(
                reason="GrpcMessageTooLarge: workflow task completion over the gRPC limit (test)")

        asyncio.run(terminate())
        body = wait_files_terminal(http, ext, batch_id)

    files = {f["file_name"]: f for f in body["files"]}
    assert files["long.pdf"]["status"] == "failed"
    assert "the batch's workflow was terminated before this file finished (GrpcMessageTooLarge" \
        in files["long.pdf"]["error"]
    assert body["batch"]["status"] in TERMINAL
    assert pages_used(stack, key) <= used - 60  # the unfinished file's pages are refunded


def test_a_batch_that_cannot_be_scheduled_is_failed_and_refunded(stack):
    key = stack.create_key(name="unschedulable")
    with session_scope(init_db(stack.settings)) as s:
        account = find_key_and_account(s, key)[1]
        # stored before schema caps existed: its BatchInput is over Temporal's 2 MB payload limit
        ext = Extraction(id=f"ext_huge{account.id[-8:]}", account_id=account.id, name="huge", review_threshold=0,
                         fields=[{"key": "kind", "type": "enum", "values": [f"value-{i:07d}-{'x' * 24}"
                                                                            for i in range(80_000)]}])
        s.add(ext)
        s.commit()
        ext_id = ext.id
    with stack.client(key) as http:
        r = http.post(f"/v1/extractions/{ext_id}/batches", files=pdfs(("a.pdf", make_invoice(seed=33)[0])))
        assert r.status_code == 503 and r.json()["code"] == "batch_not_scheduled_yet", r.text
        batch_id = r.json()["error"].split()[1]
        assert pages_used(stack, key) == 1
        body = wait_files_terminal(http, ext_id, batch_id)

    (f,) = body["files"]
    assert f["status"] == "failed" and "could not be scheduled after 2 tries" in f["error"]
    assert body["batch"]["status"] == "failed"
    assert pages_used(stack, key) == 0  # nothing was processed: refunded


def test_deleting_a_long_document_mid_ocr_stops_its_work_and_purges_it(stack):
    key = stack.create_key(name="delete")
    with stack.client(key) as http:
        ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
        batch_id, ids = upload(http, ext, ("long.pdf", scanned_pdf(200)), ("short.pdf", make_invoice(seed=34)[0]))
        long_id = ids["long.pdf"]
        prefix = storage.file_prefix(batch_id, long_id)
        wait_for(lambda: len(objects(stack, prefix + "words/")) >= 8, 60, "OCR of the first pages")

        assert http.delete(f"/v1/extractions/{ext}/files/{long_id}").status_code == 204
        deleted_at = time.monotonic()
        # The workflow cancels prepare_document, waits until it has stopped, purges the prefix and
        # ends; had the OCR gone on, it would end only after 200 pages (minutes).
        events = asyncio.run(finished_history(stack, batch_id, timeout=60))
        stopped_in = time.monotonic() - deleted_at
        body = wait_files_terminal(http, ext, batch_id)
        time.sleep(3)  # nothing writes under the prefix after the purge
        assert objects(stack, prefix) == []

    assert [(f["file_name"], f["status"]) for f in body["files"]] == [("short.pdf", "processed")]
    kinds = [EventType.Name(e.event_type) for e in events]
    assert "EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED" in kinds and "EVENT_TYPE_ACTIVITY_TASK_CANCELED" in kinds
    assert kinds.index("EVENT_TYPE_ACTIVITY_TASK_CANCELED") < max(
        i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "purge_file")
    assert stopped_in < 60


async def finished_history(stack, batch_id: str, timeout: float) -> list:
    client = await connect(stack.settings)
    handle = client.get_workflow_handle(batch_workflow_id(batch_id))
    await asyncio.wait_for(handle.result(), timeout)
    return [e async for e in handle.fetch_history_events()]


def test_objects_no_batch_holds_are_swept_after_the_grace(stack):
    store = ObjectStore(stack.settings)
    orphan = storage.original_key("btc_01CRASHEDMIDUPLOAD0000000", "file_01CRASHED000000000000000")
    store.put_bytes(orphan, b"%PDF-1.7 half an upload")
    key = stack.create_key(name="sweep")
    with stack.client(key) as http:
        ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
        batch_id, _ = upload(http, ext, ("kept.pdf", make_invoice(seed=35)[0]))
        wait_files_terminal(http, ext, batch_id)
    wait_for(lambda: not objects(stack, "files/btc_01CRASHEDMIDUPLOAD0000000/"), 60, "the sweep")
    assert objects(stack, storage.batch_prefix(batch_id))  # a batch's own objects stay
