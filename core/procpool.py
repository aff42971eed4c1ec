"""A process pool for PyMuPDF work, with a memory cap per process."""

from __future__ import annotations

import resource
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def _limit_memory(max_bytes: int) -> None:
    # One pathological page must fail in its own process, not take the machine down.
    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def make_pool(processes: int, max_bytes: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent runs asyncio, gRPC and HTTP clients that must not be forked.
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=get_context("spawn"),
        initializer=_limit_memory,
        initargs=(max_bytes,),
    )


class PagePool:
    """Runs PyMuPDF work in processes; rebuilds the pool when a process dies (OOM, crash)."""

    def __init__(self, processes: int, max_bytes: int):
        self._args = (processes, max_bytes)
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
