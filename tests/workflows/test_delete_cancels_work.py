"""Deleting a file stops the work already running on it (patch delete-cancels-work): the workflow
cancels the file's activities on `file_deleted`, waits until they have stopped, then purges the
file's objects; the batch finishes with the other files. Time-skipping test server, activities
faked under their names: each fake heartbeats, as the real ones do, which is how an activity
learns it was cancelled."""

from __future__ import annotations

import asyncio

from temporalio import activity

from tests.support.fakes import FakeActivities, outcome
from tests.workflows.test_batch_workflow import (
    batch,
    file,
    running,
    statuses,
)
from workflows import activity_names as act
from workflows.batch import BatchWorkflow
from workflows.models import ChunkAnswer, ChunkTask, FileRef, ModelPlan, Prepared, PrepareTask


async def heartbeat_until_cancelled(name: str, started: asyncio.Event, log: list[str]) -> None:
    """A long activity (OCR of many pages) that heartbeats; records when it saw the cancellation."""
    started.set()
    try:
        while True:
            activity.heartbeat()
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        await asyncio.sleep(0.2)  # finishing the page chunk in hand
        log.append(f"{name} stopped")
        raise


async def test_deleting_a_file_cancels_its_prepare_document_before_the_purge(env):
    started, log = asyncio.Event(), []

    async def prepare(task: PrepareTask) -> Prepared:
        if task.file_id == "f1":
            await heartbeat_until_cancelled("prepare f1", started, log)
        return Prepared(kind="pdf", page_count=1, outcome=outcome(task.file_id))

    def purge(ref: FileRef) -> None:
        log.append(f"purge {ref.file_id}")

    fakes = FakeActivities().on(act.PREPARE_DOCUMENT, prepare).on(act.PURGE_FILE, purge)
    async with running(env, fakes, batch(file("f1", pages=1500), file("f2"))) as handle:
        await asyncio.wait_for(started.wait(), 30)
        await handle.signal(BatchWorkflow.file_deleted, "f1")
        final = await asyncio.wait_for(handle.result(), 30)  # it would never end were f1 not cancelled

    assert log == ["prepare f1 stopped", "purge f1"]  # nothing writes under the prefix after the purge
    assert statuses(final) == {"f2": "processed"} and final.status == "processed"
    assert all(s.file_id != "f1" for s in fakes.inputs(act.SET_FILE_STATUS))


async def test_deleting_a_file_cancels_every_model_call_in_flight(env):
    started, log = asyncio.Event(), []
    calls: list[int] = []

    async def read_chunk(task: ChunkTask) -> ChunkAnswer:
        calls.append(task.chunk.own_first)
        await heartbeat_until_cancelled(f"chunk {task.chunk.own_first}", started if len(calls) == 2 else asyncio.Event(),
                                        log)
        raise AssertionError("unreachable")

    fakes = FakeActivities().on(act.READ_CHUNK, read_chunk).on(act.PURGE_FILE, lambda ref: log.append("purge"))
    inp = batch(file("f1", pages=2), model=ModelPlan(model="m", task_queue="", pages_per_chunk=1, chunk_overlap=0))
    async with running(env, fakes, inp) as handle:
        await asyncio.wait_for(started.wait(), 30)  # both chunks are being read
        await handle.signal(BatchWorkflow.file_deleted, "f1")
        final = await asyncio.wait_for(handle.result(), 30)

    assert sorted(log[:2]) == ["chunk 1 stopped", "chunk 2 stopped"] and log[2:] == ["purge"]
    assert final.files == [] and final.status == "processed"
    assert act.MERGE_CHUNKS not in fakes.names()
