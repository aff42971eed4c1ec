"""activities/records.py (and the approval's finalize_review in activities/extract.py) under
ActivityEnvironment, on a migrated SQLite database in tmp_path and an in-memory object store.

save_result is an upsert (a retried activity writes one row); a deleted file is gone; an approval
stores the reviewed values (confidence 1.0) and names the corrected keys; a rejection fails the file.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.extract import ExtractActivities
from activities.extractions import ExtractionCatalog
from activities.pages import PageReader
from activities.records import RecordActivities
from core import storage
from core.config import Settings
from core.db import init_db, session_scope
from core.models import Account, Batch, Extraction, FileRecord, FileResult, utcnow
from extraction.result import Citation, FinalResult
from tests.support.fakes import MemoryStore
from tests.support.pages import words_page
from workflows.contracts import ErrorType
from workflows.models import (
    BatchStatusInput,
    Decision,
    FileInput,
    FileStatusInput,
    RefusalRecord,
    ReviewRefusal,
    ReviewTask,
    SaveResultInput,
)

A, E, B, F = "acc_1", "ext_1", "btc_1", "fil_1"
FIELDS = [{"key": "invoice_number", "type": "string"}, {"key": "total", "type": "number"}]
EXTRACTED = FinalResult(
    engine="offline", model_used="docparse-offline-1", result={"invoice_number": "INV-7", "total": 41.0},
    confidence={"invoice_number": 0.97, "total": 0.41},
    citations={"invoice_number": Citation(page=1, bbox=(0.2, 0.05, 0.3, 0.07)),
               "total": Citation(page=1, bbox=(0.2, 0.1, 0.3, 0.12))},
    review_reasons=["'total' confidence 0.410 is below 0.8"], input_tokens=11, output_tokens=3,
)


@pytest.fixture
def db(tmp_path):
    engine = init_db(Settings(data_dir=tmp_path))
    with session_scope(engine) as s:
        for row in (Account(id=A, name="acme", pages_limit=100),
                    Extraction(id=E, account_id=A, name="invoice", fields=FIELDS),
                    Batch(id=B, account_id=A, extraction_id=E, file_count=1, page_count=1),
                    FileRecord(id=F, batch_id=B, extraction_id=E, account_id=A, position=0, file_name="inv.pdf",
                               kind="pdf", size_bytes=10, page_count=1, object_key=storage.original_key(B, F))):
            s.add(row)
            s.flush()  # parents first: the tables' foreign keys are enforced
        s.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.put_bytes(storage.result_key(B, F), EXTRACTED.model_dump_json().encode())
    page = words_page([[(50, "Invoice"), (110, "INV-7")], [(50, "Total"), (110, "42.00")]])
    store.put_bytes(storage.page_words_key(B, F, 1), page.model_dump_json().encode())
    return store


def save_input(**kw) -> SaveResultInput:
    return SaveResultInput(batch_id=B, extraction_id=E, file_id=F, result_key=storage.result_key(B, F), **kw)


def review_task(decision: Decision, **kw) -> ReviewTask:
    file = FileInput(file_id=F, file_name="inv.pdf", object_key=storage.original_key(B, F), kind="pdf", page_count=1)
    return ReviewTask(batch_id=B, extraction_id=E, file_id=F, file=file, result_key=storage.result_key(B, F),
                      decision=decision, revision=1, decided_at=datetime(2026, 11, 30, 12, tzinfo=UTC), **kw)


def rows(db) -> tuple[FileRecord, list[FileResult]]:
    with session_scope(db) as s:
        return s.get(FileRecord, F), list(s.exec(select(FileResult).where(FileResult.file_id == F)).all())


def delete_file(db) -> None:
    with session_scope(db) as s:
        record = s.get(FileRecord, F)
        record.deleted_at = utcnow()
        s.add(record)
        s.commit()


async def gone(call, arg) -> ApplicationError:
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(call, arg)
    assert (err.value.type, err.value.non_retryable) == (ErrorType.FILE_GONE, True)
    return err.value


# -- save_result ----------------------------------------------------------------------------------

async def test_save_result_twice_is_one_row(db, store):
    records = RecordActivities(db, store)
    env = ActivityEnvironment()
    await env.run(records.save_result, save_input(status="needs_review", review_reasons=EXTRACTED.review_reasons,
                                                  review_revision=1, input_tokens=900, output_tokens=70))
    await env.run(records.save_result, save_input(status="needs_review", review_reasons=EXTRACTED.review_reasons,
                                                  review_revision=1, input_tokens=900, output_tokens=70))
    record, [result] = rows(db)
    assert (record.status, record.error, record.review_revision) == ("needs_review", None, 1)
    assert result.result == result.extracted == EXTRACTED.result
    assert result.confidence == EXTRACTED.confidence and set(result.citations) == {"invoice_number", "total"}
    assert result.review_reasons == EXTRACTED.review_reasons
    assert (result.engine, result.model_used) == ("offline", "docparse-offline-1")
    assert (result.input_tokens, result.output_tokens) == (900, 70)  # the batch's count, not the stored one's

    await env.run(records.save_result, save_input())  # the legacy path: no token count of its own
    record, [result] = rows(db)
    assert record.status == "processed" and record.review_revision == 0
    assert (result.input_tokens, result.output_tokens) == (11, 3)


async def test_save_result_for_a_deleted_file_is_gone(db, store):
    delete_file(db)
    await gone(RecordActivities(db, store).save_result, save_input())
    assert rows(db)[1] == []


async def test_save_result_without_its_stored_result_is_gone(db):
    await gone(RecordActivities(db, MemoryStore()).save_result, save_input())
    assert rows(db)[1] == []


# -- review ---------------------------------------------------------------------------------------

async def test_an_approval_stores_the_reviewed_values_with_full_confidence(db, store):
    records = RecordActivities(db, store)
    extract = ExtractActivities(store, PageReader(store, None), ExtractionCatalog(db))
    env = ActivityEnvironment()
    await env.run(records.save_result, save_input(status="needs_review", review_revision=1))
    approval = review_task(Decision.APPROVED, reviewer="alice", reason="total read from the paper copy",
                           corrections={"total": "42.00"})
    await env.run(extract.finalize_review, approval)  # reviewed.json: the approved values, finalized again
    await env.run(records.save_review, approval.model_copy(update={"corrections": None}))  # as the workflow sends it

    record, [result] = rows(db)
    assert (record.status, record.error) == ("processed", None)
    assert result.result == {"invoice_number": "INV-7", "total": 42.0}
    assert result.extracted == EXTRACTED.result  # what the engine read is kept
    assert result.confidence and set(result.confidence.values()) == {1.0}
    assert "total" in result.citations  # the corrected value is on the page: cited again
    assert result.review["decision"] == "approved" and result.review["corrected"] == ["total"]
    assert (result.review["reviewer"], result.review["revision"]) == ("alice", 1)
    assert result.review["decided_at"] == "2026-11-30T12:00:00+00:00"


async def test_an_approval_without_corrections_corrects_nothing(db, store):
    records = RecordActivities(db, store)
    extract = ExtractActivities(store, PageReader(store, None), ExtractionCatalog(db))
    env = ActivityEnvironment()
    await env.run(records.save_result, save_input(status="needs_review", review_revision=1))
    await env.run(extract.finalize_review, review_task(Decision.APPROVED))
    await env.run(records.save_review, review_task(Decision.APPROVED))
    _, [result] = rows(db)
    assert result.result == EXTRACTED.result and result.review["corrected"] == []
    assert set(result.confidence.values()) == {1.0}


@pytest.mark.parametrize("decision,kw,error", [
    (Decision.REJECTED, {"reviewer": "bob", "reason": "not an invoice"}, "rejected in review by bob: not an invoice"),
    (Decision.EXPIRED, {"reason": "no review decision within 7 days, 0:00:00"},
     "review deadline passed: no review decision within 7 days, 0:00:00"),
])
async def test_a_rejection_or_expiry_fails_the_file_and_keeps_the_values(db, store, decision, kw, error):
    records = RecordActivities(db, store)
    env = ActivityEnvironment()
    await env.run(records.save_result, save_input(status="needs_review", review_revision=1))
    await env.run(records.save_review, review_task(decision, **kw))
    record, [result] = rows(db)
    assert (record.status, record.error) == ("failed", error)
    assert result.result == EXTRACTED.result and result.confidence == EXTRACTED.confidence
    assert result.review["decision"] == decision and result.review["corrected"] == []


async def test_save_review_for_a_deleted_file_is_gone(db, store):
    records = RecordActivities(db, store)
    await ActivityEnvironment().run(records.save_result, save_input(status="needs_review", review_revision=1))
    delete_file(db)
    await gone(records.save_review, review_task(Decision.REJECTED, reviewer="bob"))
    assert rows(db)[0].status == "needs_review"


async def test_save_review_of_an_approval_without_reviewed_json_is_gone(db, store):
    records = RecordActivities(db, store)
    await ActivityEnvironment().run(records.save_result, save_input(status="needs_review", review_revision=1))
    await gone(records.save_review, review_task(Decision.APPROVED))  # finalize_review's output was purged


# -- statuses -------------------------------------------------------------------------------------

async def test_a_deleted_file_is_never_resurrected_by_a_status(db, store):
    records = RecordActivities(db, store)
    delete_file(db)
    await ActivityEnvironment().run(records.set_file_status, FileStatusInput(file_id=F, status="failed", error="x"))
    record, _ = rows(db)
    assert (record.status, record.error) == ("queued", None)


async def test_a_terminal_batch_status_records_completion(db, store):
    records = RecordActivities(db, store)
    env = ActivityEnvironment()
    await env.run(records.set_batch_status, BatchStatusInput(batch_id=B, status="needs_review"))
    with session_scope(db) as s:
        assert (s.get(Batch, B).status, s.get(Batch, B).completed_at) == ("needs_review", None)
    await env.run(records.set_batch_status, BatchStatusInput(batch_id=B, status="processed"))
    with session_scope(db) as s:
        batch = s.get(Batch, B)
        assert batch.status == "processed" and batch.completed_at is not None


# -- corrections by reference, refused review signals --------------------------------------------

async def test_an_approval_reads_corrections_stored_by_reference(db, store):
    records = RecordActivities(db, store)
    extract = ExtractActivities(store, PageReader(store, None), ExtractionCatalog(db))
    env = ActivityEnvironment()
    await env.run(records.save_result, save_input(status="needs_review", review_revision=1))
    key = storage.corrections_key(B, F, 1, "abc")
    store.put_bytes(key, b'{"total": "42.00"}')
    approval = review_task(Decision.APPROVED, corrections_key=key)
    await env.run(extract.finalize_review, approval)
    await env.run(records.save_review, approval)
    _, [result] = rows(db)
    assert result.result == {"invoice_number": "INV-7", "total": 42.0} and result.review["corrected"] == ["total"]


@pytest.mark.parametrize("key,stored,words", [
    (f"files/{B}/other/corrections/0001-x.json", b"{}", "is not one of this file's"),
    (storage.corrections_key(B, F, 1, "x"), b'["total"]', "not an object of field values"),
    (storage.corrections_key(B, F, 1, "x"), b'{"total": "forty"}', "invalid corrected values: total: 'forty'"),
])
async def test_stored_corrections_that_do_not_fit_fail_for_good(db, store, key, stored, words):
    extract = ExtractActivities(store, PageReader(store, None), ExtractionCatalog(db))
    store.put_bytes(key, stored)
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(extract.finalize_review, review_task(Decision.APPROVED, corrections_key=key))
    assert (err.value.type, err.value.non_retryable) == (ErrorType.REVIEW_INVALID, True)
    assert words in err.value.message


def refused(n: int) -> RefusalRecord:
    return RefusalRecord(file_id=F, refusal=ReviewRefusal(
        at=datetime(2026, 12, 3, 10, n, tzinfo=UTC), file_id=F, reviewer="ops", action="approve", revision=0,
        reason=f"stale review: you saw revision 0, the file is at revision 1 (#{n})"))


async def test_refused_review_signals_are_kept_in_the_review_record_through_the_decision(db, store):
    records = RecordActivities(db, store)
    env = ActivityEnvironment()
    await env.run(records.record_review_refusal, refused(0))  # no result yet: nothing to keep it in
    assert rows(db)[1] == []
    await env.run(records.save_result, save_input(status="needs_review", review_revision=1))
    for n in range(12):
        await env.run(records.record_review_refusal, refused(n))
    await env.run(records.record_review_refusal, refused(11))  # a retried activity: kept once
    _, [result] = rows(db)
    assert [r["reason"].rsplit(" ", 1)[1] for r in result.review["refused"]] == [f"(#{n})" for n in range(2, 12)]
    assert result.review["refused"][-1]["reviewer"] == "ops"

    await env.run(records.save_review, review_task(Decision.REJECTED, reviewer="bob"))
    _, [result] = rows(db)
    assert result.review["decision"] == "rejected" and len(result.review["refused"]) == 10
