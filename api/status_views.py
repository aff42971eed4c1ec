"""The running batches' status, as the workflows answer it, shared between readers.

A workflow query goes through the Temporal server to a worker that may be busy with pages, so it
takes milliseconds to seconds. Clients poll: hundreds of reads a second for the same batch must
not become hundreds of queries. Per batch, one query is in flight at a time; its answer serves
every reader for ``fresh_s``, and after that readers still get it at once (up to ``stale_s`` old)
while one background query refreshes it. Only a batch nobody read recently waits for its query.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cachetools import LRUCache

from workflows.models import BatchView


@dataclass
class _Entry:
    view: BatchView | None = None  # None: the workflow could not answer (closed, gone, no worker)
    fetched_at: float = float("-inf")
    refreshing: asyncio.Task | None = None


class StatusViews:
    def __init__(self, query: Callable[[str], Awaitable[BatchView | None]], *, fresh_s: float, stale_s: float,
                 max_batches: int = 10_000):
        self._query = query
        self.fresh_s = fresh_s
        self.stale_s = max(stale_s, fresh_s)
        self._entries: LRUCache = LRUCache(maxsize=max_batches)

    async def get(self, batch_id: str) -> BatchView | None:
        entry = self._entries.get(batch_id)
        if entry is None:
            entry = self._entries[batch_id] = _Entry()
        age = time.monotonic() - entry.fetched_at
        if age <= self.fresh_s:
            return entry.view
        task = entry.refreshing or self._refresh(batch_id, entry)
        if entry.view is not None and age <= self.stale_s:
            return entry.view  # the refresh runs on without this reader
        # shield: a reader that goes away must not cancel the query other readers wait on
        return await asyncio.shield(task)

    def forget(self, batch_id: str) -> None:
        self._entries.pop(batch_id, None)

    def _refresh(self, batch_id: str, entry: _Entry) -> asyncio.Task:
        async def run() -> BatchView | None:
            try:
                view = await self._query(batch_id)
                entry.view, entry.fetched_at = view, time.monotonic()
                return view
            finally:
                entry.refreshing = None

        entry.refreshing = asyncio.create_task(run())
        return entry.refreshing
