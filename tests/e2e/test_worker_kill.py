"""A worker SIGKILLed three times during one batch, restarted each time: the batch completes,
no file is lost, and no result is written twice."""

from __future__ import annotations

import time

import pytest

from tests.support.invoices import make_invoice, schema_invoice


@pytest.mark.slow
def test_worker_killed_mid_batch_then_restarted(sqlite_stack):
    stack = sqlite_stack
    with stack.client(stack.create_key(name="kill")) as http:
        ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
        files = [("files", (f"inv-{i}.pdf", make_invoice(seed=100 + i, n_items=40)[0], "application/pdf"))
                 for i in range(8)]
        r = http.post(f"/v1/extractions/{ext}/batches", files=files)
        assert r.status_code == 202, r.text
        batch = r.json()["batch"]["id"]
        # Kill as soon as work is under way, so activities are interrupted mid-flight; three times.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = [f["status"] for f in http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["files"]]
            if "processing" in statuses or "processed" in statuses:
                break
            time.sleep(0.05)
        for _ in range(3):
            stack.kill_worker()
            time.sleep(0.5)
            stack.start_worker()
            time.sleep(4)  # let the new worker pick work up before the next kill
        body = stack.wait_terminal(http, ext, batch, timeout=300)
        assert body["batch"]["status"] == "processed", body
        assert len(body["files"]) == 8
        assert all(f["status"] == "processed" for f in body["files"]), body
        for f in body["files"]:
            assert http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").status_code == 200
        # one result row per file: retried activities upsert, never duplicate
        from sqlmodel import func, select

        from core.db import init_db, session_scope
        from core.models import FileRecord, FileResult

        with session_scope(init_db(stack.settings)) as s:
            rows = s.exec(select(FileResult.file_id, func.count()).join(FileRecord, FileRecord.id == FileResult.file_id)
                          .where(FileRecord.batch_id == batch).group_by(FileResult.file_id)).all()
        assert len(rows) == 8 and all(n == 1 for _, n in rows)
