"""GET .../batches/{id}/results: every file of a batch with its values in one answer (JSON, NDJSON,
CSV), files waiting for review included and marked; and the `reviewed` mark of an approved result."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import update

from api.services import results as results_service
from core.db import session_scope
from core.models import FileRecord, FileResult
from tests.api.helpers import error, extraction, upload

SCHEMA = {"name": "r", "review_threshold": 0, "fields": [
    {"key": "invoice_number", "type": "string"}, {"key": "total", "type": "number"},
    {"key": "status", "type": "string"},  # a field named like one of the table's own columns
    {"key": "items", "type": "list<object>", "fields": [{"key": "qty", "type": "number"}]},
]}
APPROVED = {"decision": "approved", "reviewer": "ann (key_1)", "reason": None, "revision": 1,
            "decided_at": "2026-12-01T00:00:00+00:00", "corrected": ["total"]}


def put(db, file_id: str, status: str, values: dict | None = None, *, error: str | None = None,
        review: dict | None = None, reasons: list[str] | None = None, tokens: int = 0) -> None:
    """The file where the worker would have put it: its status, error and result row."""
    with session_scope(db) as session:
        session.execute(update(FileRecord).where(FileRecord.id == file_id).values(status=status, error=error))
        if values is not None:
            session.add(FileResult(
                file_id=file_id, result=values, extracted={**values, "total": 1.0} if review else values,
                review=review, review_reasons=reasons or [], confidence={k: 0.5 for k in values},
                citations={"invoice_number": {"page": 1, "bbox": [0.1, 0.1, 0.2, 0.12]}}, warnings=[],
                engine="gemini", model_used="gemini-3.8-flash", input_tokens=tokens, output_tokens=tokens // 10))
        session.commit()


@pytest.fixture
def mixed(api):
    """A batch of five: processed, waiting for review, failed, approved in review, still queued."""
    http = api.client()
    ext = extraction(http, **SCHEMA)
    batch, ids = upload(http, ext, *[b"%PDF page"] * 5)
    values = {"invoice_number": "A-1", "total": 10.5, "status": "paid", "items": [{"qty": 2}]}
    put(api.state.db, ids[0], "processed", values, tokens=1000)
    put(api.state.db, ids[1], "needs_review", {**values, "invoice_number": "B-2"}, reasons=["total below 0.8"],
        tokens=500)
    put(api.state.db, ids[2], "failed", error="the file is damaged")
    put(api.state.db, ids[3], "processed", {**values, "total": 99.0}, review=APPROVED)
    return http, ext, batch, ids


def test_json_has_every_file_with_its_values_and_marks(mixed):
    http, ext, batch, ids = mixed
    r = http.get(f"/v1/extractions/{ext}/batches/{batch}/results")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["batch"]["id"] == batch and body["batch"]["status"] == "processing"  # one file still queued
    assert body["batch"]["usage"] == {"input_tokens": 1500, "output_tokens": 150}
    files = body["files"]
    assert [f["file_id"] for f in files] == ids  # upload order
    done, waiting, failed, approved, queued = files
    assert done["status"] == "processed" and done["result"]["invoice_number"] == "A-1" and not done["reviewed"]
    assert done["engine"] == "gemini" and done["usage"] == {"input_tokens": 1000, "output_tokens": 100}
    assert done["result"]["items"] == [{"qty": 2}] and done["citations"]["invoice_number"]["page"] == 1
    assert waiting["status"] == "needs_review" and waiting["result"]["invoice_number"] == "B-2"
    assert waiting["reviewed"] is False and waiting["review_reasons"] == ["total below 0.8"]
    assert failed["status"] == "failed" and failed["error"] == "the file is damaged" and failed["result"] is None
    assert approved["reviewed"] is True and approved["result"]["total"] == 99.0 and approved["extracted"]["total"] == 1.0
    assert approved["review"]["decision"] == "approved"
    assert queued["status"] == "queued" and queued["result"] is None and queued["extracted"] is None
    for f in files:
        assert f["batch_id"] == batch


def test_ndjson_is_one_file_per_line_the_same_as_json(mixed):
    http, ext, batch, _ = mixed
    as_json = http.get(f"/v1/extractions/{ext}/batches/{batch}/results", params={"format": "json"}).json()
    r = http.get(f"/v1/extractions/{ext}/batches/{batch}/results", params={"format": "ndjson"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert r.text.endswith("\n")
    assert [json.loads(line) for line in r.text.splitlines()] == as_json["files"]


def test_csv_is_one_row_per_file_with_the_scalar_fields(mixed):
    http, ext, batch, ids = mixed
    r = http.get(f"/v1/extractions/{ext}/batches/{batch}/results", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="{batch}-results.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    # the table's own `status` column steps aside for the field of that name; list<object> is JSON's
    assert rows[0] == ["file_id", "file_name", "_status", "reviewed", "invoice_number", "total", "status", "error"]
    table = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [t["file_id"] for t in table] == ids
    assert [t["_status"] for t in table] == ["processed", "needs_review", "failed", "processed", "queued"]
    assert table[0]["invoice_number"] == "A-1" and table[0]["total"] == "10.5" and table[0]["status"] == "paid"
    assert table[1]["invoice_number"] == "B-2" and table[1]["reviewed"] == "false"
    assert table[2]["invoice_number"] == "" and table[2]["error"] == "the file is damaged"
    assert table[3]["reviewed"] == "true" and table[3]["total"] == "99.0"


def test_a_batch_larger_than_one_read_streams_whole_in_order(api, monkeypatch):
    monkeypatch.setattr(results_service, "FILES_PER_READ", 2)
    http = api.client()
    ext = extraction(http, **SCHEMA)
    batch, ids = upload(http, ext, *[b"%PDF page"] * 7)
    for n, file_id in enumerate(ids):
        put(api.state.db, file_id, "processed", {"invoice_number": f"N-{n}"})
    files = http.get(f"/v1/extractions/{ext}/batches/{batch}/results").json()["files"]
    assert [f["result"]["invoice_number"] for f in files] == [f"N-{n}" for n in range(7)]
    lines = http.get(f"/v1/extractions/{ext}/batches/{batch}/results", params={"format": "ndjson"}).text
    assert len(lines.splitlines()) == 7


def test_a_deleted_file_is_left_out(mixed):
    http, ext, batch, ids = mixed
    assert http.delete(f"/v1/extractions/{ext}/files/{ids[0]}").status_code == 204
    files = http.get(f"/v1/extractions/{ext}/batches/{batch}/results").json()["files"]
    assert [f["file_id"] for f in files] == ids[1:]


def test_a_bad_format_is_a_400_naming_it(mixed):
    http, ext, batch, _ = mixed
    message = error(http.get(f"/v1/extractions/{ext}/batches/{batch}/results", params={"format": "xml"}), 400,
                    "invalid_request")
    assert "format" in message


def test_another_account_gets_404(api, mixed):
    _, ext, batch, _ = mixed
    error(api.client().get(f"/v1/extractions/{ext}/batches/{batch}/results"), 404, "not_found")


def test_a_single_result_says_whether_it_was_reviewed(api, mixed):
    http, ext, _, ids = mixed
    assert http.get(f"/v1/extractions/{ext}/files/{ids[0]}/result").json()["reviewed"] is False
    assert http.get(f"/v1/extractions/{ext}/files/{ids[3]}/result").json()["reviewed"] is True
    message = error(http.get(f"/v1/extractions/{ext}/files/{ids[1]}/result"), 409, "awaiting_review")
    assert "/results" in message  # where the extracted values can be read meanwhile
