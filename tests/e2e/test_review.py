"""Human review end to end: a low-confidence file stops at needs_review; reviewers decide over
HTTP or with the Temporal CLI; stale revisions and invalid values are refused."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

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
