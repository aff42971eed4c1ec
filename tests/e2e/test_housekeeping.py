"""Housekeeping and whole-batch results on the real stack (API, worker, Temporal, S3; SQLite and
PostgreSQL): deleting a batch or an extraction while its workflow runs (processing, or waiting for
review) removes its rows and objects and the workflow finishes; a batch's results carry the values
of files waiting for review; an approved value says it was reviewed and loses a citation that no
longer matches."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from client import Client
from core.db import init_db, session_scope
from core.models import Batch, Extraction, FileRecord, FileResult
from core.storage import ObjectStore, batch_prefix
from core.temporal import batch_workflow_id, connect
from tests.support.invoices import make_invoice, schema_invoice

STRICT = {**schema_invoice(), "name": "housekeeping-strict", "review_threshold": 1.0}  # every file waits


@pytest.fixture(scope="module")
def http(stack):
    with stack.client(stack.create_key(name="housekeeper")) as client:
        yield client


def upload(http, ext: str, seeds, **kw) -> str:
    files = [("files", (f"hk-{s}.pdf", make_invoice(seed=s, **kw)[0], "application/pdf")) for s in seeds]
    r = http.post(f"/v1/extractions/{ext}/batches", files=files)
    assert r.status_code == 202, r.text
    return r.json()["batch"]["id"]


def workflows_finish(stack, batch_ids, timeout: float = 90) -> list[str]:
    """Each batch's workflow result status, once it has finished (raises if one does not)."""

    async def wait() -> list[str]:
        client = await connect(stack.settings)
        views = [await asyncio.wait_for(client.get_workflow_handle(batch_workflow_id(b)).result(), timeout)
                 for b in batch_ids]
        return [v["status"] if isinstance(v, dict) else v.status for v in views]

    return asyncio.run(wait())


def objects_under(stack, batch_id: str) -> list[str]:
    store = ObjectStore(stack.settings)
    return [o.object_name for o in store.client.list_objects(stack.settings.s3_bucket, batch_prefix(batch_id),
                                                              recursive=True)]


def rows(stack, model, **where) -> int:
    with session_scope(init_db(stack.settings)) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.exec(query).one()


def test_deleting_batches_while_they_run_removes_rows_and_objects_and_the_workflows_finish(stack, http):
    ext = http.post("/v1/extractions", json=STRICT).json()["extraction"]["id"]
    waiting = upload(http, ext, (501, 502))
    assert stack.wait_terminal(http, ext, waiting)["batch"]["status"] == "needs_review"
    assert objects_under(stack, waiting)
    busy = upload(http, ext, (503, 504, 505), n_items=60)  # deleted while its pages are read
    assert http.delete(f"/v1/extractions/{ext}/batches/{busy}").status_code == 204
    assert http.delete(f"/v1/extractions/{ext}/batches/{waiting}").status_code == 204

    assert workflows_finish(stack, [busy, waiting]) == ["processed", "processed"]  # with no files left
    for batch in (busy, waiting):
        assert objects_under(stack, batch) == []  # also what a running activity wrote after the delete
        assert rows(stack, Batch, id=batch) == 0 and rows(stack, FileRecord, batch_id=batch) == 0
        assert http.get(f"/v1/extractions/{ext}/batches/{batch}").status_code == 404
    assert http.get(f"/v1/extractions/{ext}/reviews").json()["files"] == []
    assert http.get(f"/v1/extractions/{ext}").status_code == 200  # the extraction stays


def test_deleting_an_extraction_removes_its_finished_and_running_batches(stack, http):
    ext = http.post("/v1/extractions", json={**STRICT, "name": "housekeeping-doomed"}).json()["extraction"]["id"]
    done = upload(http, ext, (511,))
    (f,) = stack.wait_terminal(http, ext, done)["files"]
    assert http.post(f"/v1/extractions/{ext}/files/{f['id']}/review",
                     json={"action": "approve", "revision": 1}).status_code == 200
    assert workflows_finish(stack, [done]) == ["processed"]
    waiting = upload(http, ext, (512,))
    stack.wait_terminal(http, ext, waiting)
    busy = upload(http, ext, (513, 514), n_items=60)

    assert http.delete(f"/v1/extractions/{ext}").status_code == 204
    assert http.get(f"/v1/extractions/{ext}").status_code == 404
    assert workflows_finish(stack, [waiting, busy]) == ["processed", "processed"]
    for batch in (done, waiting, busy):
        assert objects_under(stack, batch) == []
    assert rows(stack, Extraction, id=ext) == 0 and rows(stack, Batch, extraction_id=ext) == 0
    assert rows(stack, FileRecord, extraction_id=ext) == 0
    assert rows(stack, FileResult, file_id=f["id"]) == 0


@pytest.mark.backends("sqlite")
def test_results_carry_waiting_files_and_an_approval_is_marked_reviewed(stack, http):
    ext = http.post("/v1/extractions", json={**STRICT, "name": "housekeeping-results"}).json()["extraction"]["id"]
    batch = upload(http, ext, (521, 522))
    stack.wait_terminal(http, ext, batch)
    url = f"/v1/extractions/{ext}/batches/{batch}/results"

    body = http.get(url).json()
    assert body["batch"]["status"] == "needs_review" and len(body["files"]) == 2
    first, second = body["files"]
    detail = http.get(f"/v1/extractions/{ext}/files/{first['file_id']}/review").json()
    for f in body["files"]:
        assert f["status"] == "needs_review" and f["reviewed"] is False and f["review_reasons"]
        assert f["result"]["invoice_number"] and f["result"]["line_items"]
    assert first["result"] == detail["extracted"] and first["citations"] == detail["citations"]
    lines = http.get(url, params={"format": "ndjson"}).text.splitlines()
    assert [json.loads(line)["file_id"] for line in lines] == [first["file_id"], second["file_id"]]
    with Client(stack.base_url, http.headers["Authorization"].removeprefix("Bearer ")) as sdk:  # streamed
        streamed = [(f.file_id, f.status, f.result, f.confidence) for f in sdk.iter_batch_results(ext, batch)]
    assert streamed == [(f["file_id"], f["status"], f["result"], f["confidence"]) for f in body["files"]]
    table = list(csv.DictReader(io.StringIO(http.get(url, params={"format": "csv"}).text)))
    assert [t["invoice_number"] for t in table] == [first["result"]["invoice_number"],
                                                    second["result"]["invoice_number"]]
    assert {t["status"] for t in table} == {"needs_review"}

    # a corrected value that is not on the page: confidence 1.0 and its old citation dropped
    assert detail["citations"].get("invoice_number") and detail["citations"].get("total_amount")
    r = http.post(f"/v1/extractions/{ext}/files/{first['file_id']}/review",
                  json={"action": "approve", "revision": detail["revision"],
                        "values": {"invoice_number": "NOT-ON-THE-PAGE-77"}})
    assert r.status_code == 200, r.text
    result = http.get(f"/v1/extractions/{ext}/files/{first['file_id']}/result").json()
    assert result["reviewed"] is True and result["result"]["invoice_number"] == "NOT-ON-THE-PAGE-77"
    assert set(result["confidence"].values()) == {1.0}
    assert "invoice_number" not in result["citations"]
    assert result["citations"]["total_amount"] == detail["citations"]["total_amount"]  # still matches: kept

    deadline = time.monotonic() + 30
    while True:
        after = {f["file_id"]: f for f in http.get(url).json()["files"]}
        if after[first["file_id"]]["status"] == "processed" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    approved = after[first["file_id"]]
    assert approved["status"] == "processed" and approved["reviewed"] is True
    assert approved["result"] == result["result"] and approved["citations"] == result["citations"]
    assert after[second["file_id"]]["status"] == "needs_review" and after[second["file_id"]]["reviewed"] is False
