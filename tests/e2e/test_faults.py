"""Faults survived on real servers: Temporal restarted, object store down for ~20 s, API
restarted between upload and status read. Every accepted file reaches a terminal status."""

from __future__ import annotations

import time

import pytest

from tests.support.invoices import make_invoice, schema_invoice


def _start_batch(stack, http, ext, n=6, seed=300):
    files = [("files", (f"f{i}.pdf", make_invoice(seed=seed + i, n_items=30)[0], "application/pdf")) for i in range(n)]
    r = http.post(f"/v1/extractions/{ext}/batches", files=files)
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until work is under way
        files = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["files"]
        if any(f["status"] != "queued" for f in files):
            break
        time.sleep(0.05)
    return batch


@pytest.fixture(scope="module")
def faulty(sqlite_stack):
    http = sqlite_stack.client(sqlite_stack.create_key(name="faults"))
    ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
    yield http, ext
    http.close()


def _all_processed(stack, http, ext, batch, n):
    body = stack.wait_terminal(http, ext, batch, timeout=300)
    assert body["batch"]["status"] == "processed", body
    assert len(body["files"]) == n and all(f["status"] == "processed" for f in body["files"]), body
    for f in body["files"]:
        assert http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").status_code == 200


@pytest.mark.slow
def test_temporal_server_restarted_mid_batch(sqlite_stack, faulty, temporal_server):
    http, ext = faulty
    batch = _start_batch(sqlite_stack, http, ext)
    temporal_server.kill()
    # While Temporal is down, status reads still answer (from the database), never 5xx.
    r = http.get(f"/v1/extractions/{ext}/batches/{batch}")
    assert r.status_code == 200
    time.sleep(2)
    temporal_server.restart()
    _all_processed(sqlite_stack, http, ext, batch, 6)


@pytest.mark.slow
def test_object_store_down_for_20_seconds(sqlite_stack, faulty, s3_server):
    http, ext = faulty
    batch = _start_batch(sqlite_stack, http, ext, seed=400)
    s3_server.kill()
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 20:
            assert http.get(f"/v1/extractions/{ext}/batches/{batch}").status_code == 200
            time.sleep(2)
    finally:
        s3_server.restart()
    _all_processed(sqlite_stack, http, ext, batch, 6)


def test_api_restarted_between_upload_and_status_read(sqlite_stack, faulty):
    http, ext = faulty
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("r.pdf", make_invoice(seed=9)[0], "application/pdf"))])
    assert r.status_code == 202
    batch = r.json()["batch"]["id"]
    sqlite_stack.stop_api()
    sqlite_stack.start_api()
    _all_processed(sqlite_stack, http, ext, batch, 1)
