"""Page processes for PyMuPDF work: a memory cap per process, a time limit per call, fair turns
between owners, and processes that die with their parent.

Built on pebble's ProcessPool, which (unlike concurrent.futures) stops the one process whose call
ran over its time limit or was cancelled, and starts another in its place.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import resource
import signal
from collections import deque
from collections.abc import Hashable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from pebble import ProcessExpired, ProcessPool

from documents.errors import DocumentRejected, PageCallTimedOut, PageWorkFailed

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL this process when its parent dies (a SIGKILLed API or worker must not leave
    page processes, or the multiprocessing resource tracker they keep alive, behind)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _init_process(max_bytes: int, nice: int, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    # One pathological page must fail in its own process, not take the machine down.
    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    # Page work is batch work: API requests, workflow tasks and heartbeats go first, so status
    # reads stay fast and nothing times out while every core is busy with pages.
    if nice > 0:
        os.nice(nice)


class FairSlots:
    """``size`` slots handed out in turns between owners: a waiting owner gets the next free slot
    before an owner that already holds one gets a second, and (with two slots or more) no owner
    holds them all, so one account's heavy uploads never leave another's waiting behind them."""

    def __init__(self, size: int):
        self.size = size
        self.per_owner = max(1, size - 1)
        self.busy: dict[Hashable, int] = {}
        self.waiting: dict[Hashable, deque[asyncio.Future]] = {}
        self.turns: deque[Hashable] = deque()  # owners with waiters, next turn first

    def _cap(self, owner: Hashable) -> int:
        return self.size if owner is None else self.per_owner  # None: one owner (a worker's pages)

    def _free(self, owner: Hashable) -> bool:
        return sum(self.busy.values()) < self.size and self.busy.get(owner, 0) < self._cap(owner)

    async def acquire(self, owner: Hashable) -> None:
        if self._free(owner) and not self.waiting.get(owner):
            self.busy[owner] = self.busy.get(owner, 0) + 1
            return
        fut = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(owner, deque()).append(fut)
        if owner not in self.turns:
            self.turns.append(owner)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():  # granted as it was cancelled: hand it on
                self.release(owner)
            else:
                self._forget(owner, fut)
            raise

    def _forget(self, owner: Hashable, fut: asyncio.Future) -> None:
        queue = self.waiting.get(owner)
        if queue and fut in queue:
            queue.remove(fut)
        if not queue:
            self.waiting.pop(owner, None)
            if owner in self.turns:
                self.turns.remove(owner)

    def release(self, owner: Hashable) -> None:
        self.busy[owner] -= 1
        if not self.busy[owner]:
            del self.busy[owner]
        for candidate in list(self.turns):
            self.turns.rotate(-1)  # whoever is served (or skipped at its cap) goes to the back
            queue = self.waiting[candidate]
            # A waiter whose task was cancelled has a cancelled future until its task runs again
            # and forgets it: never hand a slot to one (set_result would raise, the slot leak).
            while queue and queue[0].done():
                queue.popleft()
            if not queue:
                self.waiting.pop(candidate)
                self.turns.remove(candidate)
                continue
            if self._free(candidate):
                fut = queue.popleft()
                self.busy[candidate] = self.busy.get(candidate, 0) + 1
                if not queue:
                    self._forget(candidate, fut)
                fut.set_result(None)
                return


class PagePool:
    """Runs PyMuPDF work in ``processes`` page processes. A call over its time limit (or
    cancelled, e.g. its activity was) stops its process, which is replaced; a process that dies
    (a crash, the memory cap's OOM) fails its call only."""

    def __init__(self, processes: int, max_bytes: int, nice: int = 0):
        self.processes = processes
        self.slots = FairSlots(processes)
        self._args = (max_bytes, nice)
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(max_workers=self.processes, context=get_context("spawn"),
                           initializer=_init_process, initargs=(*self._args, os.getpid()))

    def _schedule(self, fn, args, kwargs, timeout_s):
        try:
            return self._pool.schedule(fn, args=args, kwargs=kwargs, timeout=timeout_s)
        except RuntimeError:  # pebble gave the pool up (every process died with no call running)
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = self._new_pool()
            return self._pool.schedule(fn, args=args, kwargs=kwargs, timeout=timeout_s)

    async def run(self, fn, /, *args, owner: Hashable = None, timeout_s: float | None = None, **kwargs):
        """fn(*args, **kwargs) in a page process, once ``owner`` has its turn (None: no owner)."""
        await self.slots.acquire(owner)
        try:
            future = self._schedule(fn, args, kwargs, timeout_s)
            try:
                return await asyncio.wrap_future(future)  # cancelling it stops the process
            except TimeoutError:
                raise PageCallTimedOut(f"took longer than {timeout_s:g} s (the limit per call); it was stopped") from None
            except ProcessExpired as e:
                if e.exitcode == -signal.SIGKILL:  # killed from outside (the kernel's OOM killer, an operator)
                    raise PageWorkFailed("the page process was killed; try again") from None
                # a crash (SIGSEGV, SIGABRT) on this input: it would crash again
                raise DocumentRejected(f"could not be read: the page process died (exit code {e.exitcode})") from None
            except FutureCancelled:
                raise asyncio.CancelledError() from None
            except BrokenProcessPool:  # the next call starts new processes
                raise PageWorkFailed("the page processes stopped unexpectedly; try again") from None
        finally:
            self.slots.release(owner)

    def pids(self) -> list[int]:
        """The page processes' ids (for tests and diagnostics)."""
        return [p for p in self._pool._pool_manager.worker_manager.workers]

    def shutdown(self) -> None:
        self._pool.close()
        self._pool.stop()
        self._pool.join(timeout=10)
