"""BatchWorkflow's model loop with the answers that are about the input (patch
`model-answer-kinds`): a blocked chunk fails the file at once, neither split nor asked again; a
chunk too large for one request, or one Gemini fails on every attempt, is split and then fails the
file without being asked again as it was. Time-skipping server, activities faked by name."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType

from extraction.engines.gemini import AnswerStatus
from tests.support.fakes import FakeActivities
from tests.workflows.test_batch_workflow import batch, chunk, file, history_events, running
from workflows import activity_names as act
from workflows.batch import ANSWER_KINDS
from workflows.models import ChunkAnswer, ChunkTask, ModelPlan


def plan() -> ModelPlan:
    return ModelPlan(model="gemini-test", task_queue="", pages_per_chunk=8)


async def markers(handle) -> str:
    """The marker events' details, as text (patch ids among them)."""
    return " ".join(str(e.marker_recorded_event_attributes.details) for e in await history_events(handle)
                    if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED)


async def test_a_blocked_chunk_fails_the_file_at_once(env):
    def read_chunk(task: ChunkTask) -> ChunkAnswer:
        return ChunkAnswer(status=AnswerStatus.BLOCKED, detail="the answer was stopped (finish reason SAFETY)",
                           input_tokens=900, output_tokens=4)

    fakes = FakeActivities().on(act.READ_CHUNK, read_chunk)
    async with running(env, fakes, batch(file("f1", pages=3), file("f2", pages=1), model=plan())) as handle:
        view = await handle.result()

    assert [t.chunk for t in fakes.inputs(act.READ_CHUNK) if t.file_id == "f1"] == [chunk(1, 3, 1, 3)]  # no split
    f1 = next(f for f in view.files if f.id == "f1")
    assert f1.status == "failed"
    assert f1.error == "Gemini refused to read pages 1-3: the answer was stopped (finish reason SAFETY)"
    assert act.MERGE_CHUNKS not in fakes.names()
    assert ANSWER_KINDS in await markers(handle)


async def test_too_large_is_split_then_the_part_that_reads_is_kept(env):
    def read_chunk(task: ChunkTask) -> ChunkAnswer:
        c = task.chunk
        if c.last - c.first >= 1:
            return ChunkAnswer(status=AnswerStatus.TOO_LARGE, detail="the request would be 31.0 MB")
        return ChunkAnswer(status=AnswerStatus.OK, answer_key=f"chunks/{c.first}.json")

    fakes = FakeActivities().on(act.READ_CHUNK, read_chunk)
    async with running(env, fakes, batch(file("f1", pages=2), model=plan())) as handle:
        view = await handle.result()

    asked = [t.chunk for t in fakes.inputs(act.READ_CHUNK)]
    assert asked[0] == chunk(1, 2, 1, 2) and chunk(2, 2, 2, 2) in asked and chunk(1, 1, 1, 1) in asked
    [merge] = fakes.inputs(act.MERGE_CHUNKS)
    assert sorted(r.chunk.own_first for r in merge.chunks) == [1, 2]
    assert view.status == "processed"


async def test_a_page_gemini_fails_on_every_time_fails_the_file_without_another_ask(env):
    def read_chunk(task: ChunkTask) -> ChunkAnswer:
        c = task.chunk
        if c.own_last == 2:  # page 2, alone or not
            return ChunkAnswer(status=AnswerStatus.SERVER_ERROR,
                               detail="Gemini is busy or unavailable (500 INTERNAL: An internal error has occurred.) "
                                      "(attempt 5)")
        return ChunkAnswer(status=AnswerStatus.OK, answer_key=f"chunks/{c.first}.json")

    fakes = FakeActivities().on(act.READ_CHUNK, read_chunk)
    async with running(env, fakes, batch(file("f1", pages=2), model=plan())) as handle:
        view = await handle.result()

    page2 = [t.chunk for t in fakes.inputs(act.READ_CHUNK) if t.chunk.own_first == 2]
    assert page2 == [chunk(1, 2, 2, 2), chunk(2, 2, 2, 2)]  # with its context page, then alone: once each
    [f] = view.files
    assert f.status == "failed" and f.error.startswith("the model could not read page 2: Gemini is busy")
