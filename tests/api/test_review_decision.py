"""POST .../review sends the decision to the workflow's `review` update; the update's refusals
(workflows.contracts.ErrorType) come back as 409 / 400 with their own codes and messages."""

from __future__ import annotations

import json

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from core.db import session_scope
from core.models import FileResult
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


# -- sizes: checked before anything else, and before the workflow hears of it ----------------------

def test_a_correction_over_the_value_limit_is_a_400_naming_the_field(api, waiting):
    http, url, _, _ = waiting
    r = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "x" * 100_000}})
    msg = error(r, 400, "invalid_review")
    assert msg.startswith("values.invoice_number is 97 KB; a corrected value may have at most 64 KB"), msg
    assert api.temporal.updates == []


def test_a_5mb_correction_is_refused_with_a_4xx_never_a_500(api, waiting):
    http, url, _, _ = waiting
    r = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "x" * 5_000_000}})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert len(r.text) < 2000  # the value is not echoed
    assert api.temporal.updates == []


def test_corrections_over_the_total_are_a_400(api):
    http = api.client(name="reviewer-2")
    ext = extraction(http, review_threshold=1.0, fields=[{"key": f"k{i}", "type": "string"} for i in range(5)])
    _, (file_id,) = upload(http, ext)
    set_file(api.state.db, file_id, status="needs_review", result={})
    values = {f"k{i}": "y" * 60_000 for i in range(5)}  # each under 64 KB, 300 KB together
    msg = error(http.post(f"/v1/extractions/{ext}/files/{file_id}/review",
                          json={"action": "approve", "revision": 1, "values": values}), 400, "invalid_review")
    assert "values are 293 KB together; corrected values may have at most 256 KB together" in msg


def test_an_invalid_correction_is_a_400_before_the_workflow(api, waiting):
    http, url, _, _ = waiting
    msg = error(http.post(url, json={"action": "approve", "revision": 1, "values": {"vat_id": "X"}}), 400,
                "invalid_review")
    assert "'vat_id' is not a field of this extraction" in msg
    assert api.temporal.updates == []


def test_a_long_reason_is_a_400_naming_it(api, waiting):
    http, url, _, _ = waiting
    r = http.post(url, json={"action": "reject", "revision": 1, "reason": "r" * 2001})
    assert r.status_code == 400 and "reason" in r.json()["error"], r.text


def test_large_corrections_go_to_the_workflow_by_reference(api, waiting):
    http, url, batch, file_id = waiting
    api.temporal.update_outcome = ReviewOutcome(file_id=file_id, status="processed", decision="approved", revision=1)
    big = "z" * 20_000  # over what goes into workflow history inline (16 KB)
    r = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": big}})
    assert r.status_code == 200, r.text
    ((_, decision),) = api.temporal.updates
    assert decision.values is None
    assert decision.values_key.startswith(f"files/{batch}/{file_id}/corrections/0001-")
    assert json.loads(api.store.objects[decision.values_key]) == {"invoice_number": big}


def test_the_review_record_shows_refused_signals(api, waiting):
    http, url, _, file_id = waiting
    refused = {"at": "2026-12-03T10:00:00Z", "file_id": file_id, "reviewer": "ops", "action": "approve",
               "revision": 0, "reason": "stale review: you saw revision 0, the file is at revision 1"}
    with session_scope(api.state.db) as s:
        s.get(FileResult, file_id).review = {"refused": [refused]}
        s.commit()
    assert http.get(url).json()["refused"] == [refused]


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


@pytest.mark.parametrize("outcome", [
    refusal(ErrorType.REVIEW_STALE, "stale review"),
    RPCError("closed", RPCStatusCode.FAILED_PRECONDITION, b""),
])
def test_stored_corrections_of_a_refused_decision_do_not_stay(api, waiting, outcome):
    """Each decision stores its own copy: refused ones would pile up under the file until it is deleted."""
    http, url, batch, file_id = waiting
    api.temporal.update_outcome = outcome
    r = http.post(url, json={"action": "approve", "revision": 1, "values": {"invoice_number": "z" * 20_000}})
    assert r.status_code == 409, r.text
    ((_, decision),) = api.temporal.updates
    assert decision.values_key and decision.values_key not in api.store.objects
    assert not [k for k in api.store.objects if k.startswith(f"files/{batch}/{file_id}/corrections/")]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_json_body_with_nan_or_infinity_is_a_400(api, token):
    """Python's json reads them and JSON does not have them: a correction of NaN was accepted, and
    the approved result held null where the reviewer had sent a value."""
    http = api.client(name="reviewer-nan")
    ext = extraction(http, review_threshold=1.0, fields=[{"key": "invoice_number", "type": "string"},
                                                         {"key": "total_amount", "type": "number"}])
    _, (file_id,) = upload(http, ext)
    set_file(api.state.db, file_id, status="needs_review", result={})
    api.temporal.update_outcome = ReviewOutcome(file_id=file_id, status="processed", decision="approved", revision=1)
    big = "z" * 20_000  # by reference: the stored copy is what the worker reads
    body = f'{{"action": "approve", "revision": 1, "values": {{"invoice_number": "{big}", "total_amount": {token}}}}}'
    r = http.post(f"/v1/extractions/{ext}/files/{file_id}/review", content=body,
                  headers={"Content-Type": "application/json"})
    assert token in error(r, 400, "invalid_request")
    assert api.temporal.updates == []
