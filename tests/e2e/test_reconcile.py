"""A batch the API stored but could not start (Temporal unreachable from the API: 503
batch_not_scheduled_yet) is started by the worker's reconciler schedule and processed."""

from __future__ import annotations

import pytest

from tests.conftest import make_stack
from tests.support.invoices import make_invoice, schema_invoice


@pytest.fixture(scope="module")
def split_stack(request, temporal_server, s3_server, tmp_path_factory):
    stack = make_stack(request, temporal_server, s3_server, tmp_path_factory, "sqlite",
                       DOCPARSE_RECONCILE_INTERVAL_S="1", DOCPARSE_STRANDED_AFTER_S="1")
    real = stack.env["DOCPARSE_TEMPORAL_ADDRESS"]
    stack.env["DOCPARSE_TEMPORAL_ADDRESS"] = "127.0.0.1:9"  # nothing listens: every start fails
    stack.start_api()
    stack.env["DOCPARSE_TEMPORAL_ADDRESS"] = real
    stack.start_worker()
    yield stack
    stack.stop()


@pytest.mark.slow
def test_a_stored_batch_whose_start_failed_is_started_by_the_schedule(split_stack):
    with split_stack.client(split_stack.create_key(name="reconcile")) as http:
        ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
        r = http.post(f"/v1/extractions/{ext}/batches",
                      files=[("files", ("s.pdf", make_invoice(seed=900)[0], "application/pdf"))])
        assert r.status_code == 503 and r.json()["code"] == "batch_not_scheduled_yet", r.text
        batch_id = r.json()["error"].split()[1]
        listed = http.get(f"/v1/extractions/{ext}/batches").json()["batches"]
        assert [b["id"] for b in listed] == [batch_id] and listed[0]["status"] == "queued"
        body = split_stack.wait_terminal(http, ext, batch_id, timeout=90)
        assert body["batch"]["status"] == "processed", body
        (f,) = body["files"]
        assert http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").status_code == 200
