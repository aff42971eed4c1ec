"""BatchWorkflow's current path on Temporal's time-skipping test server, every activity faked under
its real name (tests/support/fakes.py FakeActivities): the model loop's chunk policy, a file deleted
in flight, the review update's validator and decisions, a rejected document, the status query.

No object store, database or page process runs: each test is one workflow on its own task queue.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import heartbeat
from core.schema import ExtractionSchema
from core.temporal import BATCH_STATUS
from extraction.engines.gemini import AnswerStatus, Chunk
from extraction.engines.gemini.plan import INVALID_RETRIES
from tests.support.fakes import FakeActivities, outcome
from workflows import activity_names as act
from workflows.batch import BatchWorkflow
from workflows.contracts import ErrorType
from workflows.models import (
    BatchInput,
    BatchView,
    ChunkAnswer,
    ChunkResult,
    ChunkTask,
    FileInput,
    FileRef,
    ModelPlan,
    Prepared,
    PrepareTask,
    ReviewDecision,
)

SCHEMA = ExtractionSchema(fields=[{"key": "total", "type": "number"}, {"key": "currency", "type": "string"}])
LOW = ["'total' confidence 0.40 is below 0.8"]


def file(file_id: str, pages: int = 1) -> FileInput:
    return FileInput(file_id=file_id, file_name=f"{file_id}.pdf", object_key=f"files/b/{file_id}/original",
                     kind="pdf", page_count=pages)


def batch(*files: FileInput, model: ModelPlan | None = None) -> BatchInput:
    return BatchInput(batch_id=f"btc_{uuid.uuid4().hex[:8]}", extraction_id="ext_1", account_id="acc_1",
                      extraction_schema=SCHEMA, files=list(files), model=model)


@asynccontextmanager
async def running(env: WorkflowEnvironment, fakes: FakeActivities, inp: BatchInput,
                  model_queue: str | None = None) -> AsyncIterator[WorkflowHandle]:
    """A worker on a task queue of its own (and one on the model plan's queue) and the batch started."""
    queue = f"tq-{uuid.uuid4()}"
    if inp.model is not None:
        inp.model.task_queue = model_queue or queue
    async with AsyncExitStack() as workers:
        # heartbeats sent as often as the worker sends them (worker/main.py), so cancellations arrive soon
        beats = timedelta(seconds=heartbeat.INTERVAL_S)
        await workers.enter_async_context(
            Worker(env.client, task_queue=queue, workflows=[BatchWorkflow], activities=fakes.activities(),
                   max_heartbeat_throttle_interval=beats))
        if inp.model is not None and inp.model.task_queue != queue:
            await workers.enter_async_context(
                Worker(env.client, task_queue=inp.model.task_queue, activities=fakes.activities(),
                       max_heartbeat_throttle_interval=beats))
        yield await env.client.start_workflow(BatchWorkflow.run, inp, id=f"batch-{inp.batch_id}", task_queue=queue)


async def wait_until(handle: WorkflowHandle, ready: Callable[[BatchView], bool]) -> BatchView:
    """Polls the status query until `ready` (time does not skip meanwhile: only result() skips)."""
    for _ in range(400):
        view = await handle.query(BatchWorkflow.status)
        if ready(view):
            return view
        await asyncio.sleep(0.025)
    raise AssertionError(f"the batch never got there; last seen: {view}")


def statuses(view: BatchView) -> dict[str, str]:
    return {f.id: f.status for f in view.files}


async def history_events(handle: WorkflowHandle) -> list:
    return [e async for e in handle.fetch_history_events()]


def event_types(events: list) -> list[int]:
    return [e.event_type for e in events]


def chunk(first: int, last: int, own_first: int, own_last: int) -> Chunk:
    return Chunk(first=first, last=last, own_first=own_first, own_last=own_last)


# -- the model loop: chunks split, asked again, merged --------------------------------------------

async def test_truncated_chunk_is_split_and_asked_again_then_merged(env):
    asked: list[tuple[Chunk, str]] = []

    def read_chunk(task: ChunkTask) -> ChunkAnswer:
        asked.append((task.chunk, activity.info().task_queue))
        c = task.chunk
        if (c.own_first, c.own_last) == (1, 3):  # the whole document: cut at the output limit
            return ChunkAnswer(status=AnswerStatus.TRUNCATED, detail="output truncated at 65536 tokens",
                               input_tokens=1000, output_tokens=65536)
        return ChunkAnswer(status=AnswerStatus.OK, answer_key=f"chunks/{c.own_first}-{c.own_last}.json",
                           input_tokens=400, output_tokens=50, model_version="gemini-test-001")

    fakes = FakeActivities().on(act.READ_CHUNK, read_chunk)
    inp = batch(file("f1", pages=3), model=ModelPlan(model="gemini-test", task_queue="", pages_per_chunk=8))
    model_queue = f"tq-model-{uuid.uuid4()}"
    async with running(env, fakes, inp, model_queue=model_queue) as handle:
        view = await handle.result()

    whole, first_half, second_half = chunk(1, 3, 1, 3), chunk(1, 1, 1, 1), chunk(1, 3, 2, 3)
    assert asked[0] == (whole, model_queue)  # model calls run on the model plan's task queue
    # the halves are asked together, in one round: either may start first
    assert sorted(asked[1:], key=lambda a: a[0].own_first) == [(first_half, model_queue), (second_half, model_queue)]
    [task] = fakes.inputs(act.READ_CHUNK)[:1]
    assert (task.batch_id, task.extraction_id, task.file_id, task.page_count, task.model) == (
        inp.batch_id, "ext_1", "f1", 3, "gemini-test")

    [merge] = fakes.inputs(act.MERGE_CHUNKS)
    assert merge.chunks == [  # in the order of the plan's queue, each with its stored answer
        ChunkResult(chunk=first_half, result_key="chunks/1-1.json", model_version="gemini-test-001"),
        ChunkResult(chunk=second_half, result_key="chunks/2-3.json", model_version="gemini-test-001"),
    ]
    assert (merge.input_tokens, merge.output_tokens) == (1000 + 2 * 400, 65536 + 2 * 50)  # truncated included
    assert merge.extraction_schema is None  # the current path: activities look the schema up by id
    [saved] = fakes.inputs(act.SAVE_RESULT)
    assert (saved.input_tokens, saved.output_tokens) == (1800, 65636)
    assert saved.status == "processed" and saved.result_key == "files/b/f1/result.json"
    assert statuses(view) == {"f1": "processed"} and view.status == "processed"


async def test_one_page_chunk_that_stays_invalid_is_asked_again_then_the_file_fails(env):
    def read_chunk(task: ChunkTask) -> ChunkAnswer:
        return ChunkAnswer(status=AnswerStatus.INVALID, detail="the model's output is not JSON (Expecting value at char 0)",
                           input_tokens=100, output_tokens=5)

    fakes = FakeActivities().on(act.READ_CHUNK, read_chunk)
    async with running(env, fakes, batch(file("f1", pages=1), model=ModelPlan(model="m", task_queue=""))) as handle:
        view = await handle.result()

    assert [t.chunk for t in fakes.inputs(act.READ_CHUNK)] == [chunk(1, 1, 1, 1)] * (1 + INVALID_RETRIES)
    [f] = view.files
    assert f.status == "failed" and view.status == "failed"
    assert "page 1 was unusable" in f.error and "not JSON" in f.error
    [status] = fakes.inputs(act.SET_FILE_STATUS)
    assert (status.file_id, status.status, status.error) == ("f1", "failed", f.error)
    assert act.MERGE_CHUNKS not in fakes.names() and act.SAVE_RESULT not in fakes.names()


async def test_whole_document_chunk_with_an_outcome_skips_merge_and_counts_every_answer(env):
    answers = [
        ChunkAnswer(status=AnswerStatus.INVALID, detail="the model returned no text", input_tokens=700, output_tokens=3),
        ChunkAnswer(status=AnswerStatus.OK, answer_key="files/b/f1/result.json", input_tokens=800, output_tokens=90,
                    outcome=outcome("f1", engine="gemini", reasons=[], tokens=(800, 90))),
    ]
    fakes = FakeActivities().on(act.READ_CHUNK, lambda task: answers.pop(0))
    async with running(env, fakes, batch(file("f1", pages=1), model=ModelPlan(model="m", task_queue=""))) as handle:
        view = await handle.result()

    assert len(fakes.inputs(act.READ_CHUNK)) == 2
    assert act.MERGE_CHUNKS not in fakes.names()
    [saved] = fakes.inputs(act.SAVE_RESULT)
    # the stored result counts its own call; the batch counts the unusable answer before it too
    assert (saved.input_tokens, saved.output_tokens) == (700 + 800, 3 + 90)
    assert saved.result_key == "files/b/f1/result.json" and saved.status == "processed"
    assert view.status == "processed"


# -- a file deleted while it is worked on ---------------------------------------------------------

async def test_file_deleted_during_prepare_is_purged_and_the_batch_finishes_with_the_others(env):
    started, release = asyncio.Event(), asyncio.Event()

    async def prepare(task: PrepareTask) -> Prepared:
        if task.file_id == "f1":
            started.set()
            await release.wait()
        return Prepared(kind="pdf", page_count=1, outcome=outcome(task.file_id))

    fakes = FakeActivities().on(act.PREPARE_DOCUMENT, prepare)
    inp = batch(file("f1"), file("f2"))
    async with running(env, fakes, inp) as handle:
        await asyncio.wait_for(started.wait(), 30)
        await handle.signal(BatchWorkflow.file_deleted, "f1")
        view = await wait_until(handle, lambda v: "f1" not in statuses(v))
        assert set(statuses(view)) == {"f2"}  # gone from the status query at once
        release.set()  # prepare_document returns after the deletion: its result is thrown away
        final = await handle.result()

    assert fakes.inputs(act.PURGE_FILE) == [FileRef(batch_id=inp.batch_id, file_id="f1")]
    assert [s.file_id for s in fakes.inputs(act.SAVE_RESULT)] == ["f2"]
    assert all(s.file_id != "f1" for s in fakes.inputs(act.SET_FILE_STATUS))
    assert statuses(final) == {"f2": "processed"} and final.status == "processed"
    [batch_status] = fakes.inputs(act.SET_BATCH_STATUS)
    assert batch_status.status == "processed"


async def test_file_deleted_while_awaiting_review_is_purged(env):
    fakes = FakeActivities().on(
        act.PREPARE_DOCUMENT, lambda t: Prepared(kind="pdf", page_count=1, outcome=outcome(t.file_id, reasons=LOW)))
    inp = batch(file("f1"), file("f2"))
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v) == {"f1": "needs_review", "f2": "needs_review"})
        await handle.signal(BatchWorkflow.file_deleted, "f1")
        await wait_until(handle, lambda v: "f1" not in statuses(v))
        await handle.execute_update(BatchWorkflow.review, ReviewDecision(file_id="f2", action="approve", revision=1))
        final = await handle.result()

    assert fakes.inputs(act.PURGE_FILE) == [FileRef(batch_id=inp.batch_id, file_id="f1")]
    assert [t.file_id for t in fakes.inputs(act.SAVE_REVIEW)] == ["f2"]
    assert statuses(final) == {"f2": "processed"}


# -- the review update ----------------------------------------------------------------------------

def review_batch() -> tuple[FakeActivities, BatchInput]:
    """f1 is accepted as extracted; f2 waits for a reviewer."""
    def prepare(task: PrepareTask) -> Prepared:
        return Prepared(kind="pdf", page_count=1, outcome=outcome(task.file_id, reasons=LOW if task.file_id == "f2" else []))

    return FakeActivities().on(act.PREPARE_DOCUMENT, prepare), batch(file("f1"), file("f2"))


async def refusal(handle: WorkflowHandle, **decision) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(BatchWorkflow.review, ReviewDecision(**decision))
    assert isinstance(err.value.cause, ApplicationError)
    return err.value.cause


async def test_review_validator_refuses_with_the_right_error_types(env):
    fakes, inp = review_batch()
    async with running(env, fakes, inp) as handle:
        view = await wait_until(handle, lambda v: statuses(v) == {"f1": "processed", "f2": "needs_review"})
        assert [f.review_revision for f in view.files] == [0, 1]

        refused = [
            (await refusal(handle, file_id="f9", action="approve", revision=1), ErrorType.REVIEW_NOT_OPEN, "not in this batch"),
            (await refusal(handle, file_id="f1", action="approve", revision=0), ErrorType.REVIEW_NOT_OPEN, "not awaiting review"),
            (await refusal(handle, file_id="f2", action="approve", revision=0), ErrorType.REVIEW_STALE, "revision 0"),
            (await refusal(handle, file_id="f2", action="approve", revision=2), ErrorType.REVIEW_STALE, "revision 2"),
            (await refusal(handle, file_id="f2", action="maybe", revision=1), ErrorType.REVIEW_INVALID, "'approve' or 'reject'"),
            (await refusal(handle, file_id="f2", action="reject", revision=1, values={"total": 3}),
             ErrorType.REVIEW_INVALID, "rejection cannot carry corrected values"),
            (await refusal(handle, file_id="f2", action="approve", revision=1, values={"total": "twelve"}),
             ErrorType.REVIEW_INVALID, "'twelve' is not a number"),
            (await refusal(handle, file_id="f2", action="approve", revision=1, values={"vat": 3}),
             ErrorType.REVIEW_INVALID, "'vat' is not a field"),
        ]
        for cause, kind, words in refused:
            assert (cause.type, words in cause.message) == (kind, True), cause.message
        # refused before acceptance: the file still waits, and nothing was recorded
        assert statuses(await handle.query(BatchWorkflow.status)) == {"f1": "processed", "f2": "needs_review"}
        assert act.FINALIZE_REVIEW not in fakes.names() and act.SAVE_REVIEW not in fakes.names()

        await handle.execute_update(BatchWorkflow.review, ReviewDecision(file_id="f2", action="reject", revision=1))
        await handle.result()
    # the refusals never entered history; the one accepted decision did
    events = event_types(await history_events(handle))
    assert events.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) == 1


async def test_approval_is_finalized_then_saved_without_the_corrections(env):
    fakes, inp = review_batch()
    in_finalize, release = asyncio.Event(), asyncio.Event()

    async def finalize_review(task) -> None:
        in_finalize.set()
        await release.wait()

    fakes.on(act.FINALIZE_REVIEW, finalize_review)
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v).get("f2") == "needs_review")
        decision = ReviewDecision(file_id="f2", action="approve", revision=1, values={"total": "12.50"},
                                  reviewer="alice", reason="checked against the paper copy")
        update = await handle.start_update(BatchWorkflow.review, decision, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        await asyncio.wait_for(in_finalize.wait(), 30)
        # decided: a second decision on the file is refused while the first is recorded
        again = await refusal(handle, file_id="f2", action="reject", revision=1)
        assert again.type == ErrorType.REVIEW_NOT_OPEN
        release.set()
        answer = await update.result()
        view = await handle.result()

    assert (answer.file_id, answer.status, answer.decision, answer.revision) == ("f2", "processed", "approved", 1)
    f2_calls = [n for n, i in fakes.calls if getattr(i, "file_id", None) == "f2"]
    assert f2_calls[-2:] == [act.FINALIZE_REVIEW, act.SAVE_REVIEW]
    [finalized] = fakes.inputs(act.FINALIZE_REVIEW)
    [saved] = fakes.inputs(act.SAVE_REVIEW)
    assert finalized.corrections == {"total": "12.50"} and finalized.result_key == "files/b/f2/result.json"
    assert saved.corrections is None  # the database reads reviewed.json: no second copy in history
    for task in (finalized, saved):
        assert (task.decision, task.revision, task.reviewer, task.reason) == (
            "approved", 1, "alice", "checked against the paper copy")
    assert statuses(view) == {"f1": "processed", "f2": "processed"} and view.status == "processed"
    assert view.files[1].error is None


async def test_rejection_fails_the_file_with_the_reviewer(env):
    fakes, inp = review_batch()
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v).get("f2") == "needs_review")
        answer = await handle.execute_update(BatchWorkflow.review, ReviewDecision(
            file_id="f2", action="reject", revision=1, reviewer="bob", reason="not an invoice"))
        view = await handle.result()

    assert (answer.status, answer.decision) == ("failed", "rejected")
    assert act.FINALIZE_REVIEW not in fakes.names()
    [saved] = fakes.inputs(act.SAVE_REVIEW)
    assert (saved.decision, saved.reviewer, saved.reason) == ("rejected", "bob", "not an invoice")
    f2 = view.files[1]
    assert f2.status == "failed" and f2.error == "rejected in review by bob: not an invoice"
    assert view.status == "processed"  # one processed, one failed


async def _approve_while_finalize_fails(env) -> tuple[object, BatchView, FakeActivities]:
    """The approval accepted, then finalize_review fails for good (a page cannot be read again)."""
    fakes, inp = review_batch()

    def finalize_review(task) -> None:
        raise ApplicationError("a page needs more memory to read than one page is allowed",
                               type=ErrorType.DOCUMENT_REJECTED, non_retryable=True)

    fakes.on(act.FINALIZE_REVIEW, finalize_review)
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v).get("f2") == "needs_review")
        answer = await handle.execute_update(BatchWorkflow.review, ReviewDecision(
            file_id="f2", action="approve", revision=1, reviewer="alice"))
        view = await handle.result()
    return answer, view, fakes


async def test_an_approval_whose_finalize_fails_fails_the_file(env):
    answer, view, fakes = await _approve_while_finalize_fails(env)
    f2 = view.files[1]
    assert (f2.status, f2.error) == ("failed", "a page needs more memory to read than one page is allowed")
    assert act.SAVE_REVIEW not in fakes.names() and act.PURGE_FILE not in fakes.names()
    assert answer.file_id == "f2"


async def test_an_approval_whose_finalize_fails_answers_the_reviewer_failed(env):
    answer, view, _ = await _approve_while_finalize_fails(env)
    assert view.files[1].status == "failed"
    assert answer.status == "failed"


# -- an activity's non-retryable failure, the status query ----------------------------------------

async def test_rejected_document_fails_only_that_file_with_its_message(env):
    message = "'f1.pdf' cannot be opened as PDF: format error: cannot find startxref"

    def prepare(task: PrepareTask) -> Prepared:
        if task.file_id == "f1":
            raise ApplicationError(message, type=ErrorType.DOCUMENT_REJECTED, non_retryable=True)
        return Prepared(kind="pdf", page_count=1, outcome=outcome(task.file_id))

    fakes = FakeActivities().on(act.PREPARE_DOCUMENT, prepare)
    async with running(env, fakes, batch(file("f1"), file("f2"))) as handle:
        view = await handle.result()

    assert [t.file_id for t in fakes.inputs(act.PREPARE_DOCUMENT)].count("f1") == 1  # not retried
    f1, f2 = view.files
    assert (f1.status, f1.error) == ("failed", message)
    assert (f2.status, f2.error) == ("processed", None)
    [failed] = fakes.inputs(act.SET_FILE_STATUS)
    assert (failed.file_id, failed.status, failed.error) == ("f1", "failed", message)
    assert [s.file_id for s in fakes.inputs(act.SAVE_RESULT)] == ["f2"]
    assert view.status == "processed"


async def test_status_query_shows_processing_and_no_search_attribute_is_upserted(env):
    started, release = asyncio.Event(), asyncio.Event()

    async def prepare(task: PrepareTask) -> Prepared:
        started.set()
        await release.wait()
        return Prepared(kind="pdf", page_count=2, outcome=outcome(task.file_id))

    fakes = FakeActivities().on(act.PREPARE_DOCUMENT, prepare)
    inp = batch(file("f1", pages=2))
    # started without search attributes, as this server must be: it has none (it refuses BatchStatus)
    async with running(env, fakes, inp) as handle:
        await asyncio.wait_for(started.wait(), 30)
        view = await handle.query(BatchWorkflow.status)
        assert view.batch_id == inp.batch_id and view.status == "processing"
        assert [(f.id, f.file_name, f.status, f.page_count) for f in view.files] == [("f1", "f1.pdf", "processing", 2)]
        release.set()
        final = await handle.result()

    assert final.status == "processed"
    events = await history_events(handle)
    # the SDK's own upsert of TemporalChangeVersion (workflow.patched) is there; BatchStatus is not
    upserted = {name for e in events if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
                for name in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields}
    assert BATCH_STATUS.name not in upserted
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in event_types(events)
    assert events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
