"""StatusViews: one workflow query per batch however many readers; stale answers served while
one query refreshes; a failed query is never served stale."""

from __future__ import annotations

import asyncio

import pytest

from api.status_views import StatusViews
from workflows.models import BatchView


class Workflow:
    def __init__(self, delay: float = 0.05):
        self.delay = delay
        self.calls = 0
        self.status = "processing"
        self.answers = True

    async def query(self, batch_id: str) -> BatchView | None:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return BatchView(batch_id=batch_id, status=self.status, files=[]) if self.answers else None


async def test_concurrent_readers_share_one_query():
    wf = Workflow()
    views = StatusViews(wf.query, fresh_s=10, stale_s=10)
    got = await asyncio.gather(*(views.get("b1") for _ in range(200)))
    assert wf.calls == 1 and all(v.status == "processing" for v in got)
    await views.get("b2")
    assert wf.calls == 2  # per batch


async def test_stale_answer_served_at_once_while_one_query_refreshes():
    wf = Workflow(delay=0.2)
    views = StatusViews(wf.query, fresh_s=0.01, stale_s=5)
    await views.get("b")
    wf.status = "processed"
    await asyncio.sleep(0.02)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    stale = await asyncio.gather(*(views.get("b") for _ in range(50)))
    assert loop.time() - t0 < 0.1  # nobody waited for the 0.2 s query
    assert {v.status for v in stale} == {"processing"} and wf.calls == 2
    await asyncio.sleep(0.3)
    assert (await views.get("b")).status == "processed"


async def test_failed_query_is_not_served_stale_and_forget_asks_again():
    wf = Workflow(delay=0)
    views = StatusViews(wf.query, fresh_s=0.05, stale_s=60)
    wf.answers = False
    assert await views.get("b") is None
    wf.answers = True
    await asyncio.sleep(0.06)
    assert (await views.get("b")).status == "processing"  # waited for a new answer
    wf.status = "needs_review"
    views.forget("b")
    assert (await views.get("b")).status == "needs_review"


async def test_a_reader_that_goes_away_does_not_cancel_the_shared_query():
    wf = Workflow(delay=0.1)
    views = StatusViews(wf.query, fresh_s=10, stale_s=10)
    first = asyncio.create_task(views.get("b"))
    second = asyncio.create_task(views.get("b"))
    await asyncio.sleep(0.02)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (await second).status == "processing" and wf.calls == 1
