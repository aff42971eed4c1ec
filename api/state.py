"""Long-lived clients the API builds once in its lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cachetools import TTLCache
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Engine
from temporalio.client import Client

from core.config import Settings
from core.procpool import PagePool
from core.storage import ObjectStore
from core.temporal import connect


@dataclass
class AppState:
    settings: Settings
    db: Engine
    store: ObjectStore
    pool: PagePool
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

    async def temporal(self) -> Client:
        # Connected on first use, so the API starts (and answers from the database) even
        # while the Temporal server is still coming up.
        if self._client is None:
            async with self._client_lock:
                if self._client is None:
                    self._client = await connect(self.settings)
        return self._client
