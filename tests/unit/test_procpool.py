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
