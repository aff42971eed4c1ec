"""The `review` signal beside the update, the size limits on what a reviewer sends, and the history
guard (continue-as-new) on the time-skipping test server, activities faked under their names.

A signal goes through the same checks as the update; since a signal cannot answer, a refused one
is kept in the status query (`review_refusals`) and sent to the file's review record
(record_review_refusal). Past the input's HistoryBudget a batch whose files only wait for
reviewers continues as a new run that waits on (deadline included) and takes decisions as before.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from core import limits
from tests.support.fakes import FakeActivities, outcome
from tests.workflows.test_batch_workflow import (
    batch,
    event_types,
    file,
    history_events,
    refusal,
    review_batch,
    running,
    statuses,
    wait_until,
)
from workflows import activity_names as act
from workflows.batch import BatchWorkflow
from workflows.contracts import ErrorType
from workflows.models import BatchView, HistoryBudget, Prepared, ReviewDecision, ReviewPolicy


def approve(file_id: str = "f2", **more) -> dict:
    return {"file_id": file_id, "action": "approve", "revision": 1, **more}


async def signal(handle: WorkflowHandle, payload: object) -> None:
    await handle.signal("review", payload)


async def refusals(handle: WorkflowHandle, count: int) -> BatchView:
    return await wait_until(handle, lambda v: len(v.review_refusals) >= count)


async def test_a_review_signal_approves_like_the_update(env):
    fakes, inp = review_batch()
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v).get("f2") == "needs_review")
        await signal(handle, approve(values={"total": "12.50"}, reviewer="ops@example.com", reason="checked"))
        view = await handle.result()

    assert statuses(view) == {"f1": "processed", "f2": "processed"} and view.review_refusals == []
    [finalized] = fakes.inputs(act.FINALIZE_REVIEW)
    [saved] = fakes.inputs(act.SAVE_REVIEW)
    assert finalized.corrections == {"total": "12.50"} and saved.corrections is None
    assert (saved.decision, saved.reviewer, saved.reason, saved.revision) == ("approved", "ops@example.com", "checked", 1)


async def test_refused_signals_are_kept_in_the_status_query_and_the_review_record(env):
    fakes, inp = review_batch()
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v) == {"f1": "processed", "f2": "needs_review"})
        sent = [
            (approve(revision=0, reviewer="ops"), "stale review: you saw revision 0, the file is at revision 1"),
            (approve(values={"total": "twelve"}), "invalid corrected values: total: 'twelve' is not a number"),
            (approve("f1"), "file f1 is not awaiting review (status: processed)"),
            (approve("f9"), "file f9 is not in this batch"),
            (approve(values={"total": "1" * (limits.MAX_INLINE_CORRECTIONS_BYTES + 10)}),
             "values are 16 KB together; corrected values may have at most 16 KB together in an update or signal"),
            ({"action": "approve"}, "not a review decision: file_id: Field required"),
            ("approve f2", "not a review decision: payload: Input should be a valid dictionary"),
        ]
        for payload, _ in sent:
            await signal(handle, payload)
        view = await refusals(handle, len(sent))
        for (_, reason), kept in zip(sent, view.review_refusals):
            assert kept.reason.startswith(reason), (kept.reason, reason)
        assert view.review_refusals[0].reviewer == "ops" and view.review_refusals[0].revision == 0
        assert statuses(view) == {"f1": "processed", "f2": "needs_review"}  # still waiting
        await signal(handle, approve())  # a good one is still taken
        final = await handle.result()

    assert statuses(final) == {"f1": "processed", "f2": "processed"}
    recorded = fakes.inputs(act.RECORD_REVIEW_REFUSAL)  # files of this batch: their review record
    assert [(r.file_id, r.refusal.reason[:12]) for r in recorded] == [
        ("f2", "stale review"), ("f2", "invalid corr"), ("f1", "file f1 is n"), ("f2", "values are 1")]
    assert act.FINALIZE_REVIEW in fakes.names()


async def test_the_update_refuses_oversized_and_misplaced_values(env):
    fakes, inp = review_batch()
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v).get("f2") == "needs_review")
        cases = [
            (dict(values={"total": "9" * 70_000}), "values.total is 68 KB; a corrected value may have at most 64 KB"),
            (dict(values={"total": "9" * 17_000}), "corrected values may have at most 16 KB together in an update"),
            (dict(reason="r" * 2001), "reason is 2001 characters; at most 2000"),
            (dict(reviewer="x" * 201), "reviewer is 201 characters; at most 200"),
            (dict(action="reject", values_key="files/b/f2/corrections/0001-a.json"), "a rejection cannot carry"),
            (dict(values={"total": 1}, values_key="files/b/f2/corrections/0001-a.json"), "either inline"),
        ]
        for fields, words in cases:
            cause = await refusal(handle, **{**approve(), **fields})
            assert cause.type == ErrorType.REVIEW_INVALID and words in cause.message, cause.message
        key = f"files/{inp.batch_id}/f2/corrections/0001-abc.json"
        await handle.execute_update(BatchWorkflow.review, ReviewDecision(**approve(values_key=key)))
        await handle.result()
    [finalized] = fakes.inputs(act.FINALIZE_REVIEW)
    assert (finalized.corrections, finalized.corrections_key) == (None, key)
    events = event_types(await history_events(handle))
    assert events.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) == 1


# -- the history guard --------------------------------------------------------------------------

def waiting_batch(budget_events: int, deadline_s: int = 7 * 24 * 3600):
    fakes = FakeActivities().on(act.PREPARE_DOCUMENT, lambda t: Prepared(
        kind="pdf", page_count=1, outcome=outcome(t.file_id, reasons=["low"])))
    inp = batch(file("f1"), file("f2"), file("f3"))
    inp.history_budget = HistoryBudget(events=budget_events)
    inp.review = ReviewPolicy(deadline_seconds=deadline_s)
    return fakes, inp


async def spam_until_continued(latest: WorkflowHandle, first: WorkflowHandle) -> None:
    """Refused signals (each lands in history) until the batch runs as a new run."""
    for _ in range(100):
        await signal(latest, approve(revision=7))
        if (await latest.describe()).run_id != first.result_run_id:
            return
    for _ in range(200):
        if (await latest.describe()).run_id != first.result_run_id:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the batch never continued as a new run")


async def test_past_its_history_budget_a_batch_waiting_for_reviewers_continues_as_a_new_run(env):
    fakes, inp = waiting_batch(budget_events=120)
    async with running(env, fakes, inp) as first:
        latest = env.client.get_workflow_handle_for(BatchWorkflow.run, first.id)  # follows the runs
        await wait_until(first, lambda v: set(statuses(v).values()) == {"needs_review"})
        await first.execute_update(BatchWorkflow.review, ReviewDecision(file_id="f1", action="reject", revision=1))
        await first.signal(BatchWorkflow.file_deleted, "f3")
        await wait_until(first, lambda v: set(statuses(v)) == {"f1", "f2"})
        await spam_until_continued(latest, first)
        view = await wait_until(latest, lambda v: v.status == "needs_review")
        assert statuses(view) == {"f1": "failed", "f2": "needs_review"}  # as the last run left them
        assert [f.review_revision for f in view.files] == [1, 1]
        assert view.review_refusals and view.review_refusals[-1].reason.startswith("stale review")
        await latest.execute_update(BatchWorkflow.review, ReviewDecision(**approve(values={"total": 3})))
        final = await first.result()

    assert statuses(final) == {"f1": "failed", "f2": "processed"} and final.status == "processed"
    first_run = event_types(await history_events(env.client.get_workflow_handle(first.id, run_id=first.result_run_id)))
    assert first_run[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    [finalized] = fakes.inputs(act.FINALIZE_REVIEW)
    assert finalized.file_id == "f2" and finalized.corrections == {"total": 3}
    assert [p.file_id for p in fakes.inputs(act.PURGE_FILE)] == ["f3"]
    assert len(fakes.inputs(act.SET_BATCH_STATUS)) == 1


async def test_past_its_history_bytes_budget_a_batch_continues_as_a_new_run(env):
    """Few events but large ones (refused signals of ~15 KB each): the bytes budget starts the new run."""
    fakes, inp = waiting_batch(budget_events=10_000)
    inp.history_budget = HistoryBudget(events=10_000, bytes=120_000)
    big = {"total": "9" * 15_000}
    async with running(env, fakes, inp) as first:
        latest = env.client.get_workflow_handle_for(BatchWorkflow.run, first.id)
        await wait_until(first, lambda v: set(statuses(v).values()) == {"needs_review"})
        sent = 0
        while (await latest.describe()).run_id == first.result_run_id:
            assert sent < 30, "the bytes budget never started a new run"
            await signal(latest, approve(revision=7, values=big))
            sent += 1
            await asyncio.sleep(0.05)
        view = await wait_until(latest, lambda v: v.status == "needs_review")
        assert set(statuses(view).values()) == {"needs_review"} and view.review_refusals
        await latest.execute_update(BatchWorkflow.review, ReviewDecision(**approve()))
        await latest.execute_update(BatchWorkflow.review, ReviewDecision(**approve("f1")))
        await latest.execute_update(BatchWorkflow.review, ReviewDecision(**approve("f3")))
        final = await first.result()

    assert final.status == "processed" and 5 <= sent < 30
    first_run = await history_events(env.client.get_workflow_handle(first.id, run_id=first.result_run_id))
    assert len(first_run) < 200  # far below the events budget: the bytes decided
    assert event_types(first_run)[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW


async def test_a_run_continued_as_new_keeps_the_review_deadline(env):
    fakes, inp = waiting_batch(budget_events=60, deadline_s=3600)
    async with running(env, fakes, inp) as first:
        latest = env.client.get_workflow_handle_for(BatchWorkflow.run, first.id)
        await wait_until(first, lambda v: set(statuses(v).values()) == {"needs_review"})
        await env.sleep(timedelta(minutes=40))  # of the hour they may wait
        await spam_until_continued(latest, first)
        # the handle that started it follows its runs, and lets time skip to the deadline
        final = await asyncio.wait_for(first.result(), 60)
        second_run = await history_events(latest)

    assert {f.status for f in final.files} == {"failed"}
    assert all("review deadline passed: no review decision within 1:00:00" == f.error for f in final.files)
    timers = [e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta() for e in second_run
              if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    assert len(timers) == 3  # one deadline per waiting file: what was left of the hour, not a fresh one
    assert all(timedelta(minutes=19) < t < timedelta(minutes=21) for t in timers), timers


async def test_a_batch_under_its_budget_never_continues_as_new(env):
    fakes, inp = review_batch()
    async with running(env, fakes, inp) as handle:
        await wait_until(handle, lambda v: statuses(v).get("f2") == "needs_review")
        for _ in range(5):
            await signal(handle, approve(revision=9))
        await refusals(handle, 5)
        await signal(handle, approve())
        await handle.result()
    assert event_types(await history_events(handle))[-1] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
