"""Each domain error class leaves the API as its status with {"error", "code", "retryable"} (api/errors.py),
and the refusals services raise on real requests arrive as such."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, update

from api import errors
from api.domain_errors import (
    Conflict,
    DatabaseUnavailable,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    OutOfPages,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
)
from core.db import session_scope
from core.models import FileRecord, FileResult
from tests.api.helpers import error, extraction, set_file, upload

CASES = [
    (Invalid("no_files", "no files"), 400, None),
    (Unauthenticated("invalid_api_key", "invalid API key"), 401, None),
    (Forbidden("api_key_revoked", "revoked"), 403, None),
    (OutOfPages(3, 1), 403, None),
    (NotFound("batch", "btc_1"), 404, None),
    (Conflict("review_stale", "stale"), 409, None),
    (TooLarge("file_too_large", "too big"), 413, None),
    (RateLimited("slow down", retry_after=7), 429, "7"),
    (Unavailable("batch_not_scheduled_yet", "later", retryable=False), 503, None),
    (DatabaseUnavailable("OperationalError"), 503, "5"),
]


@pytest.fixture(scope="module")
def raising():
    """A bare app with the API's error handlers and one route that raises what it is given."""
    app = FastAPI()
    errors.install(app)
    current: list[Exception] = []

    @app.get("/raise")
    async def _raise():
        raise current[0]

    def call(exc: Exception):
        current[:] = [exc]
        return TestClient(app, raise_server_exceptions=False).get("/raise")

    return call


@pytest.mark.parametrize("exc, status, retry_after", CASES, ids=lambda c: type(c).__name__ if isinstance(c, Exception) else None)
def test_each_domain_error_class_has_its_status_and_body(raising, exc, status, retry_after):
    r = raising(exc)
    assert r.status_code == status
    retryable = exc.retryable if exc.retryable is not None else status in (429, 503)
    assert r.json() == {"error": exc.message, "code": exc.code, "retryable": retryable}
    assert r.headers.get("Retry-After") == retry_after


def test_messages_of_the_fixed_sentences(raising):
    assert raising(NotFound("file", "file_1")).json()["error"] == "file 'file_1' was not found"
    assert raising(OutOfPages(3, 1)).json() == {
        "error": "out of pages: this batch has 3 pages and the account has 1 left", "code": "out_of_pages",
        "retryable": False}
    assert raising(DatabaseUnavailable()).json()["error"] == (
        "the database is unavailable right now; retry in a few seconds")


def test_an_unmapped_error_is_a_500_and_not_a_leak(raising):
    r = raising(RuntimeError("secret detail"))
    assert r.status_code == 500 and r.json() == {
        "error": "internal error; it has been logged", "code": "internal_error", "retryable": True}
    assert raising(DomainError("odd", "a domain error nobody mapped")).status_code == 500


def test_missing_invalid_and_revoked_keys(api):
    from core.accounts import revoke_key
    from core.db import session_scope

    anon = api.http
    assert "Bearer" in error(anon.get("/v1/extractions"), 401, "missing_api_key")
    error(anon.get("/v1/extractions", headers={"Authorization": "Bearer dp_nope"}), 401, "invalid_api_key")
    key = api.key()
    with session_scope(api.state.db) as session:
        revoke_key(session, key)
        session.commit()
    error(anon.get("/v1/extractions", headers={"Authorization": f"Bearer {key}"}), 403, "api_key_revoked")


def test_upload_refusals(make_api):
    api = make_api(max_file_bytes=1000, max_files_per_batch=2)
    http = api.client(pages=3)
    ext = extraction(http)
    url = f"/v1/extractions/{ext}/batches"
    pdf = ("files", ("a.pdf", b"%PDF page", "application/pdf"))
    error(http.post(url, data={"name": "empty"}, files=[]), 400, "not_multipart")
    error(http.post(url, data={"name": "x"}, files=[("other", ("a.txt", b"x", "text/plain"))]), 400, "unexpected_field")
    assert "at most 2" in error(http.post(url, files=[pdf] * 3), 400, "too_many_files")
    assert "big.pdf" in error(http.post(url, files=[("files", ("big.pdf", b"0" * 1001, "application/pdf"))]),
                              413, "file_too_large")
    assert "bad.pdf" in error(http.post(url, files=[("files", ("bad.pdf", b"reject", "application/pdf"))]),
                              400, "document_rejected")
    assert "3 left" in error(http.post(url, files=[("files", ("p.pdf", b"page" * 4, "application/pdf"))]),
                                 403, "out_of_pages")
    assert api.store.objects == {} and api.temporal.started == []  # nothing stored, nothing started


def test_page_process_limits_answer_clearly(api):
    """A call over the page processes' time limit (stopped there) is a 400 naming the file at
    upload and a 409 for a page image; a fault of the page processes themselves is a retryable 503."""
    http = api.client()
    ext = extraction(http)
    url = f"/v1/extractions/{ext}/batches"
    assert "'huge.tiff' took longer than 30 s" in error(
        http.post(url, files=[("files", ("huge.tiff", b"slow page", "image/tiff"))]), 400, "document_too_slow")
    r = http.post(url, files=[("files", ("x.pdf", b"machine page", "application/pdf"))])
    error(r, 503, "document_service_unavailable")
    assert r.json()["retryable"] is True and r.headers["Retry-After"] == "30"
    batch, [file_id] = upload(http, ext, b"page")
    api.store.objects[f"files/{batch}/{file_id}/original"] = b"slow page"  # drawing this page runs over
    assert "took longer" in error(http.get(f"/v1/extractions/{ext}/files/{file_id}/pages/1"), 409, "page_not_drawable")


def test_no_files_at_all(api):
    http = api.client()
    ext = extraction(http)
    r = http.post(f"/v1/extractions/{ext}/batches", content=b"--b--\r\n",
                  headers={"Content-Type": "multipart/form-data; boundary=b"})
    error(r, 400, "no_files")


def test_a_batch_whose_workflow_cannot_start_is_stored_and_503_not_retryable(api):
    api.temporal.start_error = RuntimeError("temporal is down")
    http = api.client()
    ext = extraction(http)
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", b"%PDF page", "application/pdf"))])
    assert "scheduled automatically" in error_not_retryable(r, 503, "batch_not_scheduled_yet")
    listed = http.get(f"/v1/extractions/{ext}/batches").json()["batches"]
    assert [b["status"] for b in listed] == ["queued"]  # kept, for the worker's schedule to start


def error_not_retryable(r, status: int, code: str) -> str:
    assert r.status_code == status and r.json()["code"] == code and r.json()["retryable"] is False, r.text
    return r.json()["error"]


def test_result_conflicts_say_why(api):
    http = api.client()
    ext = extraction(http)
    _, files = upload(http, ext, b"%PDF page", b"%PDF page", b"%PDF page")
    queued, failed, waiting = files
    assert "queued" in error(http.get(f"/v1/extractions/{ext}/files/{queued}/result"), 409, "no_result_yet")
    set_file(api.state.db, failed, status="failed")
    error(http.get(f"/v1/extractions/{ext}/files/{failed}/result"), 409, "file_failed")
    set_file(api.state.db, waiting, status="needs_review", result={"invoice_number": "A-1"})
    error(http.get(f"/v1/extractions/{ext}/files/{waiting}/result"), 409, "awaiting_review")


def test_database_down_status_reads_answer_from_the_workflow_others_503(api):
    """api/state.py known_keys / known_batches: while the database is unreachable a batch seen
    before answers from the workflow's view; a call that needs the database is a clear 503."""
    from workflows.models import BatchView, FileView

    http = api.client()
    ext = extraction(http)
    batch, (file_id,) = upload(http, ext)  # the status read in upload() remembers key and batch
    api.temporal.views[f"batch-{batch}"] = BatchView(batch_id=batch, status="processing", files=[
        FileView(id=file_id, file_name="f0.pdf", status="processing", page_count=1)])
    up = api.state.db
    # a server that refuses connections, like the PostgreSQL of tests/e2e/test_db_outage.py taken down
    api.state.db = create_engine("postgresql+psycopg://postgres@127.0.0.1:9/none", connect_args={"connect_timeout": 2})
    try:
        r = http.get(f"/v1/extractions/{ext}/batches/{batch}")
        assert r.status_code == 200, r.text
        assert r.json()["batch"]["status"] == "processing" and r.json()["files"][0]["status"] == "processing"
        r = http.get(f"/v1/extractions/{ext}/batches")
        assert "database" in error(r, 503, "database_unavailable") and r.headers["Retry-After"] == "5"
        error(http.get(f"/v1/extractions/{ext}/batches/btc_never_seen"), 503, "database_unavailable")
    finally:
        api.state.db = up
    assert http.get(f"/v1/extractions/{ext}/batches").status_code == 200


def test_a_result_names_its_engine_also_when_stored_before_it_was_recorded(api):
    http = api.client()
    ext = extraction(http)
    _, (old, new) = upload(http, ext, b"%PDF page", b"%PDF page")
    with session_scope(api.state.db) as session:
        for file_id, engine, model in ((old, None, "docparse-offline-v1"), (new, "gemini", "gemini-x")):
            session.add(FileResult(file_id=file_id, result={}, extracted={}, confidence={}, citations={},
                                   warnings=[], review_reasons=[], engine=engine, model_used=model))
            session.execute(update(FileRecord).where(FileRecord.id == file_id).values(status="processed"))
        session.commit()
    assert http.get(f"/v1/extractions/{ext}/files/{new}/result").json()["engine"] == "gemini"
    assert http.get(f"/v1/extractions/{ext}/files/{old}/result").json()["engine"] == "offline"  # from model_used
