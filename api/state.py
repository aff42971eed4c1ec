"""Long-lived clients the API builds once in its lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from cachetools import TTLCache
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.status_views import StatusViews
from core.config import Settings
from core.schema import ExtractionSchema
from core.storage import ObjectStore
from core.temporal import batch_workflow_id, connect
from documents.service import DocumentService
from workflows.batch import BatchWorkflow
from workflows.models import BatchView

log = logging.getLogger("docparse.api")

# How services reach Temporal: AppState.temporal, which connects on first use. Not a client, so a
# call that may not need one (a delete's best-effort signal, an upload refused early) never waits
# for, or fails on, the Temporal server.
Temporal = Callable[[], Awaitable[Client]]


class ModelCheck(Protocol):
    """What an extraction must pass where a model reads its files (api/services/gemini.py)."""

    async def check(self, *, model: str | None, schema: ExtractionSchema) -> None: ...


@dataclass
class AppState:
    settings: Settings
    db: Engine
    store: ObjectStore
    documents: DocumentService
    gemini: ModelCheck | None = None  # api/deps.py builds api.services.gemini.GeminiCheck unless given
    _client: Client | None = None
    _client_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.limits = parse_many(self.settings.rate_limit)
        self.limiter = MovingWindowRateLimiter(storage_from_string(self.settings.rate_limit_storage))
        # Last-known-good rows, used ONLY while the database is unreachable, so a brief outage
        # does not turn every status read into an error. Normal reads always hit the database
        # (a revoked key is refused at once).
        self.known_keys: TTLCache = TTLCache(maxsize=10_000, ttl=600)  # key hash -> (ApiKey, Account)
        self.known_batches: TTLCache = TTLCache(maxsize=10_000, ttl=600)  # batch id -> Batch
        self.status_views = StatusViews(
            self.query_status, fresh_s=self.settings.status_fresh_s, stale_s=self.settings.status_stale_s
        )

    async def temporal(self) -> Client:
        # Connected on first use, so the API starts (and answers from the database) even
        # while the Temporal server is still coming up.
        if self._client is None:
            async with self._client_lock:
                if self._client is None:
                    self._client = await connect(self.settings)
        return self._client

    async def query_status(self, batch_id: str, timeout_s: float | None = None) -> BatchView | None:
        """The running workflow's own view; None when it cannot answer (closed, gone, no worker)."""
        try:
            client = await self.temporal()
            handle = client.get_workflow_handle(batch_workflow_id(batch_id))
            return await handle.query(
                BatchWorkflow.status, rpc_timeout=timedelta(seconds=timeout_s or self.settings.status_query_timeout_s)
            )
        except Exception as e:  # any failure falls back to the database, which activities keep current
            log.info("status query for %s failed (%s); answering from the database", batch_id, type(e).__name__)
            return None
