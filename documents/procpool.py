"""A process pool for PyMuPDF work, with a memory cap per process."""

from __future__ import annotations

import os
import resource
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def _init_process(max_bytes: int, nice: int) -> None:
    # One pathological page must fail in its own process, not take the machine down.
    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    # Page work is batch work: API requests, workflow tasks and heartbeats go first, so status
    # reads stay fast and nothing times out while every core is busy with pages.
    if nice > 0:
        os.nice(nice)


def make_pool(processes: int, max_bytes: int, nice: int = 0) -> ProcessPoolExecutor:
    # spawn, not fork: the parent runs asyncio, gRPC and HTTP clients that must not be forked.
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=get_context("spawn"),
        initializer=_init_process,
        initargs=(max_bytes, nice),
    )


class PagePool:
    """Runs PyMuPDF work in processes; rebuilds the pool when a process dies (OOM, crash)."""

    def __init__(self, processes: int, max_bytes: int, nice: int = 0):
        self._args = (processes, max_bytes, nice)
        self._pool = make_pool(*self._args)

    async def run(self, fn, /, *args, **kwargs):
        import asyncio
        import functools
        from concurrent.futures.process import BrokenProcessPool

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = make_pool(*self._args)
            raise

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
