"""POST .../review sends the decision to the workflow's `review` update; the update's refusals
(workflows.contracts.ErrorType) come back as 409 / 400 with their own codes and messages."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from tests.api.helpers import error, extraction, set_file, upload
from workflows.contracts import ErrorType
from workflows.models import ReviewOutcome


@pytest.fixture
def waiting(api):
    http = api.client(name="reviewer-1")
    ext = extraction(http, review_threshold=1.0)
    batch, (file_id,) = upload(http, ext)
    set_file(api.state.db, file_id, status="needs_review", result={"invoice_number": "A-1"})
    return http, f"/v1/extractions/{ext}/files/{file_id}/review", batch, file_id


def refusal(error_type: str, message: str) -> WorkflowUpdateFailedError:
    return WorkflowUpdateFailedError(ApplicationError(message, type=error_type, non_retryable=True))


@pytest.mark.parametrize("error_type, status, code", [
    (ErrorType.REVIEW_STALE, 409, "review_stale"),
    (ErrorType.REVIEW_NOT_OPEN, 409, "not_awaiting_review"),
    (ErrorType.REVIEW_INVALID, 400, "invalid_review"),
])
def test_the_workflows_refusals(api, waiting, error_type, status, code):
    http, url, _, _ = waiting
    api.temporal.update_outcome = refusal(error_type, f"refused: {error_type}")
    assert error(http.post(url, json={"action": "approve", "revision": 1}), status, code) == f"refused: {error_type}"


@pytest.mark.parametrize("rpc_status", [RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION])
def test_a_workflow_that_is_gone_or_closed_is_not_awaiting_review(api, waiting, rpc_status):
    http, url, _, _ = waiting
    api.temporal.update_outcome = RPCError("gone", rpc_status, b"")
    msg = error(http.post(url, json={"action": "approve", "revision": 1}), 409, "not_awaiting_review")
    assert "needs_review" in msg


def test_any_other_failure_is_a_500(api, waiting):
    http, url, _, _ = waiting
    api.temporal.update_outcome = refusal("SomethingElse", "boom")
    r = http.post(url, json={"action": "approve", "revision": 1})
    assert r.status_code == 500 and r.json()["code"] == "internal_error"


def test_an_accepted_decision_names_the_reviewer(api, waiting):
    http, url, batch, file_id = waiting
    api.temporal.update_outcome = ReviewOutcome(file_id=file_id, status="processed", decision="approved", revision=1)
    r = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "B-2"}, "reason": "typo"})
    assert r.status_code == 200, r.text
    assert r.json() == {"file_id": file_id, "status": "processed", "decision": "approved", "revision": 1}
    ((workflow_id, decision),) = api.temporal.updates
    assert workflow_id == f"batch-{batch}"
    assert decision.values == {"invoice_number": "B-2"} and decision.reason == "typo"
    assert decision.reviewer.startswith("reviewer-1 (key_")


def test_the_queue_tells_files_of_the_same_name_apart(api):
    """Each queue item names its extraction and batch; so does the review detail."""
    http = api.client(name="queue")
    ext_a = extraction(http, name="Invoices A", review_threshold=1.0)
    ext_b = extraction(http, name="Invoices B", review_threshold=1.0)
    waiting = {}
    for ext, batch_name in ((ext_a, "november"), (ext_b, None)):
        data = {"name": batch_name} if batch_name else {}
        r = http.post(f"/v1/extractions/{ext}/batches", data=data,
                      files=[("files", ("same.pdf", b"%PDF page", "application/pdf"))])
        assert r.status_code == 202, r.text
        batch = r.json()["batch"]["id"]
        (f,) = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["files"]
        set_file(api.state.db, f["id"], status="needs_review", result={"invoice_number": "A-1"})
        waiting[f["id"]] = (ext, batch, batch_name)
    queue = http.get("/v1/reviews").json()["files"]
    assert {q["file_id"] for q in queue} == set(waiting)
    for q in queue:
        ext, batch, batch_name = waiting[q["file_id"]]
        assert q["file_name"] == "same.pdf"
        assert (q["extraction_id"], q["batch_id"], q["batch_name"]) == (ext, batch, batch_name)
        assert q["extraction_name"] == ("Invoices A" if ext == ext_a else "Invoices B")
        assert q["batch_created_at"]
    (only_b,) = http.get(f"/v1/extractions/{ext_b}/reviews").json()["files"]
    assert only_b["extraction_name"] == "Invoices B"
    file_a = next(fid for fid, (ext, _, _) in waiting.items() if ext == ext_a)
    detail = http.get(f"/v1/extractions/{ext_a}/files/{file_a}/review").json()
    assert (detail["extraction_name"], detail["batch_name"]) == ("Invoices A", "november")
