"""Heartbeats from a background task, so a killed worker's activity is retried within seconds
(heartbeat timeout) instead of after its whole start-to-close timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import activity

INTERVAL_S = 3.0  # also how often the worker sends heartbeats on (worker/main.py)


@asynccontextmanager
async def keep_alive(*initial: object) -> AsyncIterator[list]:
    """Yields a list of heartbeat details; update it in place to record progress."""
    details = list(initial)

    async def beat() -> None:
        while True:
            activity.heartbeat(*details)
            await asyncio.sleep(INTERVAL_S)

    task = asyncio.create_task(beat())
    try:
        yield details
    finally:
        task.cancel()
