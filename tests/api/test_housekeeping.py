"""Housekeeping routes: one file's status, deleting a batch or an extraction (rows, objects, and the
running workflow told per file), /healthz in the OpenAPI document, the same `usage` in the batch list
and the single GET, `files[]` as the upload field, `language` and the nesting limit checked at
extraction creation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from api import deps
from api.data import deletion as deletion_data
from api.services import deletion
from core.db import session_scope
from core.limits import NESTING_RULE
from core.models import Batch, Extraction, FileRecord, FileResult, IdempotencyKey
from tests.api.helpers import error, extraction, set_file, upload
from workflows.models import BatchView, FileView

README = Path(__file__).resolve().parents[2] / "README.md"


def count(db, model, **where) -> int:
    with session_scope(db) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.exec(query).one()


def finish(db, batch_id: str) -> None:
    with session_scope(db) as session:
        session.execute(update(Batch).where(Batch.id == batch_id).values(status="processed"))
        session.commit()


# -- one file's status

def test_a_file_status_is_the_workflows_while_it_runs_then_the_rows(api):
    http = api.client()
    ext = extraction(http)
    batch, (file_id,) = upload(http, ext)
    url = f"/v1/extractions/{ext}/files/{file_id}"
    body = http.get(url).json()["file"]
    assert body["status"] == "queued" and body["batch_id"] == batch and body["extraction_id"] == ext
    assert body["file_name"] == "f0.pdf" and body["page_count"] == 1 and body["created_at"]

    api.temporal.views[f"batch-{batch}"] = BatchView(batch_id=batch, status="processing", files=[
        FileView(id=file_id, file_name="f0.pdf", status="processing", page_count=1)])
    api.state.status_views.forget(batch)
    assert http.get(url).json()["file"]["status"] == "processing"

    with session_scope(api.state.db) as session:  # the outcome, written by the worker, wins
        session.execute(update(FileRecord).where(FileRecord.id == file_id).values(status="failed", error="damaged"))
        session.commit()
    body = http.get(url).json()["file"]
    assert (body["status"], body["error"]) == ("failed", "damaged")


# -- deleting a batch

def test_deleting_a_running_batch_removes_rows_objects_and_tells_the_workflow_per_file(api):
    http = api.client()
    ext = extraction(http)
    batch, ids = upload(http, ext, b"%PDF page", b"%PDF page page")
    keep, kept_ids = upload(http, ext)
    set_file(api.state.db, ids[0], status="needs_review", result={"invoice_number": "A-1"})
    api.store.put_bytes(f"files/{batch}/{ids[0]}/result.json", b"{}")
    assert sum(k.startswith(f"files/{batch}/") for k in api.store.objects) == 3

    assert http.delete(f"/v1/extractions/{ext}/batches/{batch}").status_code == 204
    assert not any(k.startswith(f"files/{batch}/") for k in api.store.objects)
    assert sorted(fid for wf, (_, fid) in api.temporal.signals if wf == f"batch-{batch}") == sorted(ids)
    db = api.state.db
    assert count(db, Batch, id=batch) == 0 and count(db, FileRecord, batch_id=batch) == 0
    assert count(db, FileResult, file_id=ids[0]) == 0
    for url in (f"/v1/extractions/{ext}/batches/{batch}", f"/v1/extractions/{ext}/batches/{batch}/results",
                f"/v1/extractions/{ext}/files/{ids[0]}"):
        error(http.get(url), 404, "not_found")
    error(http.delete(f"/v1/extractions/{ext}/batches/{batch}"), 404, "not_found")
    # the other batch is untouched
    assert http.get(f"/v1/extractions/{ext}/batches/{keep}").json()["files"][0]["id"] == kept_ids[0]
    assert [b["id"] for b in http.get(f"/v1/extractions/{ext}/batches").json()["batches"]] == [keep]


def test_a_finished_batch_is_deleted_without_asking_its_workflow(api):
    http = api.client()
    ext = extraction(http)
    batch, _ = upload(http, ext)
    finish(api.state.db, batch)
    assert http.delete(f"/v1/extractions/{ext}/batches/{batch}").status_code == 204
    assert api.temporal.signals == [] and api.store.objects == {}


def test_a_batch_delete_goes_through_when_temporal_cannot_be_reached(api):
    http = api.client()
    ext = extraction(http)
    batch, _ = upload(http, ext)

    async def unreachable():
        raise RuntimeError("temporal is down")

    async def the_temporal():
        return unreachable

    api.http.app.dependency_overrides[deps.get_temporal] = the_temporal
    assert http.delete(f"/v1/extractions/{ext}/batches/{batch}").status_code == 204
    assert count(api.state.db, Batch, id=batch) == 0


# -- deleting an extraction

def test_deleting_an_extraction_removes_all_its_batches_and_itself(api, monkeypatch):
    monkeypatch.setattr(deletion, "BATCHES_PER_STEP", 2)  # three batches: two steps
    http = api.client()
    ext = extraction(http)
    other = extraction(http, name="other")
    batches = [upload(http, ext)[0] for _ in range(2)]
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("k.pdf", b"%PDF page", "application/pdf"))],
                  headers={"Idempotency-Key": "k-1"})
    batches.append(r.json()["batch"]["id"])
    finish(api.state.db, batches[0])
    kept, _ = upload(http, other)

    assert http.delete(f"/v1/extractions/{ext}").status_code == 204
    db = api.state.db
    assert count(db, Extraction, id=ext) == 0 and count(db, Batch, extraction_id=ext) == 0
    assert count(db, FileRecord, extraction_id=ext) == 0 and count(db, IdempotencyKey) == 0
    assert all(k.startswith(f"files/{kept}/") for k in api.store.objects) and api.store.objects
    assert {wf for wf, _ in api.temporal.signals} == {f"batch-{b}" for b in batches[1:]}  # running ones only
    error(http.get(f"/v1/extractions/{ext}"), 404, "not_found")
    assert [e["id"] for e in http.get("/v1/extractions").json()["extractions"]] == [other]
    assert http.get(f"/v1/extractions/{other}/batches/{kept}").status_code == 200


# -- the OpenAPI document, usage, the upload field

def test_healthz_is_documented_and_needs_no_key(api):
    assert api.http.get("/healthz").json() == {"status": "ok"}
    doc = api.http.get("/openapi.json").json()
    assert "/healthz" in doc["paths"] and "security" not in doc["paths"]["/healthz"]["get"]


def test_the_upload_body_documents_its_fields(api):
    doc = api.http.get("/openapi.json").json()
    body = doc["paths"]["/v1/extractions/{extraction_id}/batches"]["post"]["requestBody"]
    props = body["content"]["multipart/form-data"]["schema"]["properties"]
    assert set(props) == {"files", "name", "webhook_url"} and "files[]" in props["files"]["description"]
    # every type an upload takes, office documents and e-mail messages included
    assert all(kind in props["files"]["description"] for kind in ("PDF", "DOCX", "HTML", "EML", "MSG"))


def test_usage_has_the_same_shape_in_the_list_the_single_get_and_the_upload(api):
    http = api.client()
    ext = extraction(http)
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", b"%PDF page", "application/pdf"))])
    assert r.json()["batch"]["usage"] == {"input_tokens": 0, "output_tokens": 0}
    batch, (file_id,) = r.json()["batch"]["id"], [f["id"] for f in
                                                  http.get(f"/v1/extractions/{ext}/batches/{r.json()['batch']['id']}")
                                                  .json()["files"]]
    set_file(api.state.db, file_id, status="processed", result={"invoice_number": "A-1"})
    with session_scope(api.state.db) as session:
        session.execute(update(FileResult).where(FileResult.file_id == file_id).values(input_tokens=70,
                                                                                       output_tokens=7))
        session.commit()
    single = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["batch"]["usage"]
    (listed,) = http.get(f"/v1/extractions/{ext}/batches").json()["batches"]
    assert single == listed["usage"] == {"input_tokens": 70, "output_tokens": 7}


def test_files_brackets_is_the_same_field_as_files(api):
    http = api.client()
    ext = extraction(http)
    pdf = ("a.pdf", b"%PDF page", "application/pdf")
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files[]", pdf), ("files", pdf), ("files[]", pdf)])
    assert r.status_code == 202 and r.json()["batch"]["file_count"] == 3
    message = error(http.post(f"/v1/extractions/{ext}/batches", files=[("file", pdf)]), 400, "unexpected_field")
    assert "'files'" in message and "'files[]'" in message


# -- checks at extraction creation

@pytest.mark.parametrize("language", ["auto", "AUTO", "en", "de", "EN", "en-US", "pt-BR", "Multi-Lingual",
                                      "multi-lingual"])
def test_a_known_language_is_accepted(api, language):
    r = api.client().post("/v1/extractions", json={"name": "x", "language": language,
                                                   "fields": [{"key": "a", "type": "string"}]})
    assert r.status_code == 201, r.text
    assert r.json()["extraction"]["language"] == language  # stored as given


@pytest.mark.parametrize("language", ["english", "xx", "eng", "en-XX", "en_US", "en-USA", "Multilingual", "e1"])
def test_an_unknown_language_is_a_400_saying_what_is_accepted(api, language):
    r = api.client().post("/v1/extractions", json={"name": "x", "language": language,
                                                   "fields": [{"key": "a", "type": "string"}]})
    message = error(r, 400, "invalid_request")
    assert "language" in message and "ISO 639-1" in message and "Multi-Lingual" in message and '"auto"' in message


def test_the_nesting_limit_is_stated_once_and_alike_everywhere(api):
    deep = {"name": "x", "fields": [{"key": "items", "type": "list<object>", "fields": [
        {"key": "parts", "type": "list<object>", "fields": [{"key": "n", "type": "number"}]}]}]}
    message = error(api.client().post("/v1/extractions", json=deep), 400, "invalid_request")
    assert "'items.parts'" in message and NESTING_RULE in message
    schemas = api.http.get("/openapi.json").json()["components"]["schemas"]
    assert NESTING_RULE in schemas["ExtractionCreate"]["properties"]["fields"]["description"]
    assert NESTING_RULE in str(schemas["FieldSpec"]["properties"]["fields"])
    readme = README.read_text().replace("&lt;", "<").replace("&gt;", ">")
    assert NESTING_RULE in readme


def test_an_upload_that_loses_the_race_with_deleting_its_extraction_is_a_404(api):
    http = api.client()
    ext = extraction(http)
    inspect = api.state.documents.inspect

    async def inspect_while_deleted(path, name, **kw):  # the DELETE's last step lands while the upload is inspected
        deletion_data.remove_extraction(db=api.state.db, extraction_id=ext)
        return await inspect(path, name, **kw)

    api.state.documents.inspect = inspect_while_deleted
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", b"%PDF page", "application/pdf"))])
    assert ext in error(r, 404, "not_found")
    assert api.store.objects == {} and api.temporal.started == [] and count(api.state.db, Batch) == 0


def test_a_batch_uploaded_while_its_extraction_is_deleted_is_deleted_too(api, monkeypatch):
    http = api.client()
    ext = extraction(http)
    first, _ = upload(http, ext)
    late, _ = upload(http, ext)
    listed = deletion_data.batches_of
    passes: list[int] = []

    def late_arrival(*, db, extraction_id, limit):  # unseen until the extraction's row is to go
        passes.append(1)
        found = listed(db=db, extraction_id=extraction_id, limit=limit)
        return [b for b in found if b.id != late] if len(passes) <= 2 else found

    monkeypatch.setattr(deletion_data, "batches_of", late_arrival)
    assert http.delete(f"/v1/extractions/{ext}").status_code == 204
    assert len(passes) == 4  # [first], [] -> the extraction is still referenced -> [late], []
    assert count(api.state.db, Extraction, id=ext) == 0 and count(api.state.db, Batch) == 0
    assert api.store.objects == {}
