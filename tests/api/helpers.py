"""Small steps the API tests share: an extraction, an uploaded batch, a file in a given state."""

from __future__ import annotations

from sqlalchemy import update

from core.db import session_scope
from core.models import FileRecord, FileResult

SCHEMA = {"name": "t", "review_threshold": 0, "fields": [{"key": "invoice_number", "type": "string"}]}


def error(r, status: int, code: str) -> str:
    """The error sentence, after checking the status and the body's shape and code."""
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "code", "retryable"} and body["error"], body
    assert body["code"] == code, body
    assert body["retryable"] is (status in (429, 503) or status >= 500), body
    return body["error"]


def extraction(http, **overrides) -> str:
    r = http.post("/v1/extractions", json={**SCHEMA, **overrides})
    assert r.status_code == 201, r.text
    return r.json()["extraction"]["id"]


def upload(http, ext: str, *contents: bytes) -> tuple[str, list[str]]:
    """(batch id, file ids) of a batch of one file per content (FakeDocuments: b"page" per page)."""
    files = [("files", (f"f{i}.pdf", c, "application/pdf")) for i, c in enumerate(contents or [b"%PDF page"])]
    r = http.post(f"/v1/extractions/{ext}/batches", files=files)
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]["id"]
    body = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()
    return batch, [f["id"] for f in body["files"]]


def set_file(db, file_id: str, *, status: str, result: dict | None = None) -> None:
    """Puts a file where the worker would have: its status, and a result row if given."""
    with session_scope(db) as session:
        session.execute(update(FileRecord).where(FileRecord.id == file_id).values(status=status, review_revision=1))
        if result is not None:
            session.add(FileResult(file_id=file_id, result=result, extracted=result, confidence={"invoice_number": 0.5},
                                   citations={}, warnings=[], review_reasons=["low confidence"], model_used="offline"))
        session.commit()
