"""PagePool: a page process that runs out of its memory cap fails that call only."""

from __future__ import annotations

import pytest

from documents.procpool import PagePool

MB = 1024 * 1024


def _allocate(n_bytes: int) -> int:
    return len(bytearray(n_bytes))


def _ok() -> str:
    return "ok"


async def test_memory_cap_fails_the_call_and_the_pool_goes_on():
    pool = PagePool(1, 512 * MB)
    try:
        with pytest.raises(MemoryError):
            await pool.run(_allocate, 1024 * MB)
        assert await pool.run(_allocate, 16 * MB) == 16 * MB
        assert await pool.run(_ok) == "ok"
    finally:
        pool.shutdown()


def _niceness() -> int:
    import os

    return os.nice(0)


async def test_page_processes_run_at_lower_priority():
    import os

    pool = PagePool(1, 0, nice=5)
    try:
        assert await pool.run(_niceness) == os.nice(0) + 5
    finally:
        pool.shutdown()


# -- time limits, cancellation, turns between owners (issue 14, item 6) ---------------------------

def _sleep(seconds: float) -> str:
    import time

    time.sleep(seconds)
    return "slept"


def _pid() -> int:
    import os

    return os.getpid()


async def test_a_call_over_its_time_limit_is_stopped_and_answered_and_its_process_replaced():
    from documents.errors import PageCallTimedOut

    pool = PagePool(1, 0)
    try:
        before = await pool.run(_pid)
        with pytest.raises(PageCallTimedOut, match="longer than 1 s"):
            await pool.run(_sleep, 120, timeout_s=1)
        after = await pool.run(_pid)
        assert after != before  # the process that ran over was stopped, another one serves
        assert await pool.run(_ok) == "ok"
    finally:
        pool.shutdown()


async def test_cancelling_a_call_stops_its_process():
    import asyncio

    pool = PagePool(1, 0)
    try:
        before = await pool.run(_pid)
        call = asyncio.ensure_future(pool.run(_sleep, 120))
        await asyncio.sleep(1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert await pool.run(_pid) != before  # the sleeping process was stopped, not left running
    finally:
        pool.shutdown()


async def test_an_owner_never_holds_every_process_and_others_get_turns():
    """Owner A sends three long calls at once; owner B's short call, sent after them, is answered
    while A's calls are still queued: A holds at most one of the two processes."""
    import asyncio

    pool = PagePool(2, 0)
    done: list[str] = []

    async def call(owner: str, tag: str, seconds: float) -> None:
        await pool.run(_sleep, seconds, owner=owner)
        done.append(tag)

    try:
        await pool.run(_ok)  # processes started
        a = [asyncio.ensure_future(call("A", f"a{i}", 1.5)) for i in range(3)]
        await asyncio.sleep(0.2)
        assert pool.slots.busy == {"A": 1}  # the second process stays free for other owners
        await call("B", "b", 0)
        assert done == ["b"]  # B did not wait for any of A's calls
        await asyncio.gather(*a)
        assert done[1:] == ["a0", "a1", "a2"]
    finally:
        pool.shutdown()


async def test_fair_slots_take_turns_between_waiting_owners():
    import asyncio

    from documents.procpool import FairSlots

    slots = FairSlots(1)
    order: list[str] = []
    await slots.acquire("A")  # A holds the only slot; A queues two more, then B and C one each

    async def take(owner: str) -> None:
        await slots.acquire(owner)
        order.append(owner)
        slots.release(owner)

    waiters = [asyncio.ensure_future(take(o)) for o in ("A", "A", "B", "C")]
    await asyncio.sleep(0)
    slots.release("A")
    await asyncio.gather(*waiters)
    assert order == ["A", "B", "C", "A"]  # one turn each before A's second call


async def test_a_slot_released_while_waiters_are_being_cancelled_is_not_lost():
    """An upload whose first file is refused cancels its other files' page calls: the slot its
    refused call releases must not go to a waiter whose cancellation is under way (that leaked
    the slot, and the account's later uploads waited forever)."""
    import asyncio

    from documents.procpool import FairSlots

    slots = FairSlots(2)  # one slot per owner at a time
    await slots.acquire("A")
    second, third = (asyncio.ensure_future(slots.acquire("A")) for _ in range(2))
    await asyncio.sleep(0)
    second.cancel()
    third.cancel()  # both cancelled; neither has run its except-branch yet
    slots.release("A")  # the refused call's finally
    await asyncio.gather(second, third, return_exceptions=True)
    assert slots.busy == {} and slots.waiting == {} and not slots.turns
    await asyncio.wait_for(slots.acquire("A"), 1)  # the account's next upload gets its turn


# -- page processes die with their parent (issue 14, item 9) --------------------------------------

PARENT = """
import asyncio, time
from multiprocessing import resource_tracker
from documents.procpool import PagePool

def main():
    pool = PagePool(2, 0)
    async def go():
        await asyncio.gather(pool.run(len, "ab"), pool.run(len, "abc"))
        # both processes busy (an idle one would leave on its own when its pipe closes)
        busy = [asyncio.ensure_future(pool.run(time.sleep, 300, owner=None)) for _ in range(2)]
        await asyncio.sleep(1)
        print(" ".join(map(str, pool.pids() + [resource_tracker._resource_tracker._pid])), flush=True)
        await asyncio.gather(*busy)
    asyncio.run(go())

if __name__ == "__main__":
    main()
"""


def test_busy_page_processes_and_the_resource_tracker_die_with_a_sigkilled_parent(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, text=True)
    try:
        children = [int(p) for p in parent.stdout.readline().split()]
        assert len(children) == 3 and all(_alive(p) for p in children)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20  # a wait for the kernel, not a timing assertion
        while any(_alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in children if _alive(p)] == []
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _crash() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def _killed() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


async def test_a_crash_rejects_the_document_a_kill_from_outside_is_retryable_and_the_pool_goes_on():
    from documents.errors import DocumentRejected, PageWorkFailed

    pool = PagePool(1, 0)
    try:
        with pytest.raises(DocumentRejected, match="died"):
            await pool.run(_crash)
        with pytest.raises(PageWorkFailed, match="killed"):
            await pool.run(_killed)
        assert await pool.run(_ok) == "ok"
    finally:
        pool.shutdown()
