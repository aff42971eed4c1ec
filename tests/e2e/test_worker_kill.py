"""A worker SIGKILLed mid-batch and restarted: the batch completes and no file is lost."""

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
        # Kill as soon as work is under way, so activities are interrupted mid-flight.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = [f["status"] for f in http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["files"]]
            if "processing" in statuses or "processed" in statuses:
                break
            time.sleep(0.05)
        stack.kill_worker()
        time.sleep(1)
        stack.start_worker()
        body = stack.wait_terminal(http, ext, batch, timeout=240)
        assert body["batch"]["status"] == "processed", body
        assert len(body["files"]) == 8
        assert all(f["status"] == "processed" for f in body["files"]), body
        for f in body["files"]:
            assert http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").status_code == 200
