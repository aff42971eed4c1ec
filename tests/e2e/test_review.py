"""Human review end to end: a low-confidence file stops at needs_review; reviewers decide over
HTTP or with the Temporal CLI (the `review` update, and the `review` signal the Temporal UI sends);
stale revisions, invalid and oversized values are refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.temporal import connect
from devstack.processes import find_binary
from tests.support.invoices import make_invoice, schema_invoice

STRICT = {**schema_invoice(), "name": "strict", "review_threshold": 1.0}


def _upload(stack, http, ext, n=1, seed=40):
    files = [("files", (f"r{i}.pdf", make_invoice(seed=seed + i)[0], "application/pdf")) for i in range(n)]
    r = http.post(f"/v1/extractions/{ext}/batches", files=files)
    assert r.status_code == 202, r.text
    return stack.wait_terminal(http, ext, r.json()["batch"]["id"])


@pytest.fixture(scope="module")
def reviewer(sqlite_stack):
    http = sqlite_stack.client(sqlite_stack.create_key(name="reviewer-1"))
    ext = http.post("/v1/extractions", json=STRICT).json()["extraction"]["id"]
    yield http, ext
    http.close()


def test_low_confidence_file_waits_and_approval_with_correction_completes_it(sqlite_stack, reviewer):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext)
    assert body["batch"]["status"] == "needs_review"
    (f,) = body["files"]
    assert f["status"] == "needs_review"
    assert "review" in http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").json()["error"]

    queue = http.get(f"/v1/extractions/{ext}/reviews").json()["files"]
    assert [q["file_id"] for q in queue] == [f["id"]] and queue[0]["revision"] == 1 and queue[0]["reasons"]
    assert f["id"] in [q["file_id"] for q in http.get("/v1/reviews").json()["files"]]

    detail = http.get(f"/v1/extractions/{ext}/files/{f['id']}/review").json()
    assert detail["revision"] == 1 and detail["fields"] and detail["extracted"]
    png = http.get(detail["pages"][0].replace(sqlite_stack.base_url, ""))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")

    url = f"/v1/extractions/{ext}/files/{f['id']}/review"
    stale = http.post(url, json={"action": "approve", "revision": 0})
    assert stale.status_code == 409 and "stale" in stale.json()["error"] and stale.json()["code"] == "review_stale"
    bad = http.post(url, json={"action": "approve", "revision": 1, "values": {"total_amount": "lots"}})
    assert bad.status_code == 400 and "total_amount" in bad.json()["error"]
    unknown = http.post(url, json={"action": "approve", "revision": 1, "values": {"nope": 1}})
    assert unknown.status_code == 400 and "nope" in unknown.json()["error"]

    ok = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "FIXED-1"},
                              "reason": "typo on the scan"})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"file_id": f["id"], "status": "processed", "decision": "approved", "revision": 1}
    again = http.post(url, json={"action": "approve", "revision": 1})
    assert again.status_code == 409

    out = http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").json()
    assert out["result"]["invoice_number"] == "FIXED-1"
    assert out["extracted"]["invoice_number"] != "FIXED-1"
    assert out["review"]["decision"] == "approved" and out["review"]["corrected"] == ["invoice_number"]
    assert "reviewer-1" in out["review"]["reviewer"] and out["review"]["reason"] == "typo on the scan"
    assert out["review"]["decided_at"]
    final = sqlite_stack.wait_terminal(http, ext, body["batch"]["id"])
    assert final["batch"]["status"] == "processed"
    assert http.get(f"/v1/extractions/{ext}/reviews").json()["files"] == []


def test_reject_fails_the_file_with_the_reason(sqlite_stack, reviewer):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext, seed=60)
    fid = body["files"][0]["id"]
    r = http.post(f"/v1/extractions/{ext}/files/{fid}/review",
                  json={"action": "reject", "revision": 1, "reason": "not an invoice"})
    assert r.status_code == 200 and r.json()["status"] == "failed"
    final = sqlite_stack.wait_terminal(http, ext, body["batch"]["id"])
    assert final["files"][0]["status"] == "failed"
    assert "not an invoice" in final["files"][0]["error"] and "reviewer-1" in final["files"][0]["error"]


def test_operator_approves_with_the_temporal_cli(sqlite_stack, reviewer, temporal_server):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext, seed=70)
    fid = body["files"][0]["id"]
    # The command documented in the README.
    cli = subprocess.run(
        [find_binary("temporal"), "workflow", "update", "execute", "--address", temporal_server.address,
         "--workflow-id", f"batch-{body['batch']['id']}", "--name", "review",
         "--input", json.dumps({"file_id": fid, "action": "approve", "revision": 1, "reviewer": "ops@cli"})],
        capture_output=True, text=True, timeout=60,
        env={"HOME": str(sqlite_stack.tmp), "PATH": "/usr/bin:/bin"},
    )
    assert cli.returncode == 0, cli.stderr
    assert "processed" in cli.stdout
    out = http.get(f"/v1/extractions/{ext}/files/{fid}/result").json()
    assert out["review"]["reviewer"] == "ops@cli"


def temporal_cli(stack, temporal_server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([find_binary("temporal"), "workflow", *args, "--address", temporal_server.address],
                          capture_output=True, text=True, timeout=60,
                          env={"HOME": str(stack.tmp), "PATH": "/usr/bin:/bin"})


def test_operator_decides_with_a_temporal_signal_and_a_refused_one_says_why(sqlite_stack, reviewer, temporal_server):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext, seed=75)
    fid, workflow_id = body["files"][0]["id"], f"batch-{body['batch']['id']}"
    # The commands documented in the README: a signal (what the Temporal UI sends), then the status query.
    stale = temporal_cli(sqlite_stack, temporal_server, "signal", "--workflow-id", workflow_id, "--name", "review",
                         "--input", json.dumps({"file_id": fid, "action": "approve", "revision": 0,
                                                "reviewer": "ops@signal"}))
    assert stale.returncode == 0, stale.stderr  # a signal cannot answer: the refusal is kept
    deadline, refusals = time.monotonic() + 30, []
    while not refusals and time.monotonic() < deadline:
        query = temporal_cli(sqlite_stack, temporal_server, "query", "--workflow-id", workflow_id, "--name", "status",
                             "--output", "json")
        assert query.returncode == 0, query.stderr
        refusals = json.loads(query.stdout)["queryResult"][0]["review_refusals"]
        time.sleep(0.3)
    assert refusals and refusals[0]["reason"] == "stale review: you saw revision 0, the file is at revision 1"
    assert refusals[0]["reviewer"] == "ops@signal"
    detail_url = f"/v1/extractions/{ext}/files/{fid}/review"
    deadline = time.monotonic() + 30
    while not http.get(detail_url).json()["refused"] and time.monotonic() < deadline:
        time.sleep(0.3)
    assert http.get(detail_url).json()["refused"][0]["reason"].startswith("stale review")

    # `docparse temporal` fills in the stack's address (here from DOCPARSE_TEMPORAL_ADDRESS)
    ok = subprocess.run(
        [sys.executable, "-m", "cli", "temporal", "workflow", "signal", "--workflow-id", workflow_id, "--name", "review",
         "--input", json.dumps({"file_id": fid, "action": "approve", "revision": 1, "reviewer": "ops@signal",
                                "values": {"invoice_number": "SIG-1"}})],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2],
        env={"HOME": str(sqlite_stack.tmp), "PATH": "/usr/bin:/bin",
             "DOCPARSE_TEMPORAL_ADDRESS": temporal_server.address},
    )
    assert ok.returncode == 0, ok.stderr
    deadline = time.monotonic() + 60  # a signal is applied after it is sent: wait for the decision
    while http.get(f"/v1/extractions/{ext}/files/{fid}/result").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.3)
    out = http.get(f"/v1/extractions/{ext}/files/{fid}/result").json()
    assert out["review"]["reviewer"] == "ops@signal" and out["result"]["invoice_number"] == "SIG-1"
    assert out["review"]["refused"][0]["reason"].startswith("stale review")  # kept in the review record


def test_review_corrections_are_bounded_and_large_ones_pass_by_reference(sqlite_stack, reviewer):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext, seed=77)
    fid = body["files"][0]["id"]
    url = f"/v1/extractions/{ext}/files/{fid}/review"
    huge = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "x" * 5_000_000}})
    assert 400 <= huge.status_code < 500, huge.text[:300]  # never a 500
    over = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "x" * 70_000}})
    assert over.status_code == 400 and over.json()["error"].startswith("values.invoice_number is 68 KB")

    big = "INV-" + "7" * 40_000  # over what goes into workflow history inline
    ok = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": big}})
    assert ok.status_code == 200, ok.text
    final = sqlite_stack.wait_terminal(http, ext, body["batch"]["id"])
    assert final["files"][0]["status"] == "processed"
    assert http.get(f"/v1/extractions/{ext}/files/{fid}/result").json()["result"]["invoice_number"] == big

    async def history_bytes() -> int:
        client = await connect(sqlite_stack.settings)
        return len((await client.get_workflow_handle(f"batch-{body['batch']['id']}").fetch_history()).to_json())

    assert asyncio.run(history_bytes()) < 40_000  # the key went through history, not the value


def test_deleting_a_file_waiting_for_review_keeps_the_batch_consistent(sqlite_stack, reviewer):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext, n=2, seed=80)
    waiting, other = body["files"]
    assert http.delete(f"/v1/extractions/{ext}/files/{waiting['id']}").status_code == 204
    r = http.post(f"/v1/extractions/{ext}/files/{other['id']}/review", json={"action": "approve", "revision": 1})
    assert r.status_code == 200
    deadline = time.monotonic() + 30
    while True:
        status = http.get(f"/v1/extractions/{ext}/batches/{body['batch']['id']}").json()
        if status["batch"]["status"] == "processed" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert status["batch"]["status"] == "processed"
    assert [f["id"] for f in status["files"]] == [other["id"]]
    assert http.post(f"/v1/extractions/{ext}/files/{waiting['id']}/review",
                     json={"action": "approve", "revision": 1}).status_code == 404


def test_other_accounts_cannot_review(sqlite_stack, reviewer):
    http, ext = reviewer
    body = _upload(sqlite_stack, http, ext, seed=90)
    fid = body["files"][0]["id"]
    with sqlite_stack.client(sqlite_stack.create_key(name="stranger")) as other:
        assert other.get("/v1/reviews").json()["files"] == []
        assert other.get(f"/v1/extractions/{ext}/reviews").status_code == 404
        assert other.get(f"/v1/extractions/{ext}/files/{fid}/review").status_code == 404
        assert other.get(f"/v1/extractions/{ext}/files/{fid}/pages/1").status_code == 404
        assert other.post(f"/v1/extractions/{ext}/files/{fid}/review",
                          json={"action": "approve", "revision": 1}).status_code == 404
