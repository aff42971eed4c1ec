"""The asynchronous client: the same methods as :class:`client.Client`, as coroutines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Self

import httpx

from client._base import (
    DEFAULT_TIMEOUT,
    BaseClient,
    Call,
    FileInput,
    RetryPolicy,
    extraction_body,
)
from client.errors import WaitTimeout
from client.models import (
    Batch,
    BatchFileResult,
    BatchPage,
    BatchResults,
    BatchStatus,
    Extraction,
    ExtractionPage,
    FileInfo,
    FileResult,
    ReviewDetail,
    ReviewItem,
    ReviewOutcome,
    UploadedBatch,
)


class AsyncClient(BaseClient):
    """Async docparse API client (``async with AsyncClient() as dp: ...``); see :class:`client.Client`."""

    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT, max_attempts: int = 4,
        retry: RetryPolicy | None = None, auto_idempotency_key: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ):
        super().__init__(base_url, api_key, max_attempts=max_attempts, retry=retry,
                         auto_idempotency_key=auto_idempotency_key)
        self._own_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)
        self._sleep = sleep or asyncio.sleep

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _run(self, call: Call) -> Any:
        url = self.base_url + call.path
        attempt = 0
        while True:
            attempt += 1
            files, handles = call.open_files()
            try:
                request = self._http.build_request(
                    call.method, url, params=call.params, json=call.json, data=call.data,
                    files=files or None, headers={**self._headers(), **call.headers},
                )
                response = await self._http.send(request, stream=call.stream)
            except httpx.TransportError as e:
                delay = self.retry.delay(attempt, idempotent=call.idempotent, error=e)
                if delay is None:
                    raise self._connection_error(call, url, e, attempt) from e
                await self._sleep(delay)
                continue
            finally:
                for h in handles:
                    h.close()
            if response.status_code >= 400:
                if call.stream:
                    await response.aread()  # the error's body, and the connection back to the pool
                    await response.aclose()
                delay = self.retry.delay(attempt, idempotent=call.idempotent, response=response)
                if delay is not None:
                    await self._sleep(delay)
                    continue
            return self._check(call, response)

    # -- extractions
    async def create_extraction(self, schema: dict[str, Any] | None = None, **fields: Any) -> Extraction:
        return await self._run(self._c_create_extraction(extraction_body(schema, fields)))

    async def get_extraction(self, extraction_id: str) -> Extraction:
        return await self._run(self._c_get_extraction(extraction_id))

    async def list_extractions(self, *, limit: int = 20, before: str | None = None) -> ExtractionPage:
        return await self._run(self._c_list_extractions(limit, before))

    async def iter_extractions(self, *, page_size: int = 100) -> AsyncIterator[Extraction]:
        """``async for ext in dp.iter_extractions()``: every extraction, following ``next_before``."""
        before = None
        while True:
            page = await self.list_extractions(limit=page_size, before=before)
            for ext in page.extractions:
                yield ext
            if not page.next_before:
                return
            before = page.next_before

    # -- batches
    async def upload_batch(self, extraction_id: str, files: Sequence[FileInput], *, name: str | None = None,
                           idempotency_key: str | None = None, webhook_url: str | None = None) -> UploadedBatch:
        return await self._run(self._c_upload_batch(extraction_id, files, name, idempotency_key, webhook_url))

    async def get_batch(self, extraction_id: str, batch_id: str) -> BatchStatus:
        return await self._run(self._c_get_batch(extraction_id, batch_id))

    async def list_batches(self, extraction_id: str, *, limit: int = 20, before: str | None = None) -> BatchPage:
        return await self._run(self._c_list_batches(extraction_id, limit, before))

    async def iter_batches(self, extraction_id: str, *, page_size: int = 100) -> AsyncIterator[Batch]:
        """``async for batch in dp.iter_batches(ext_id)``: every batch, following ``next_before``."""
        before = None
        while True:
            page = await self.list_batches(extraction_id, limit=page_size, before=before)
            for b in page.batches:
                yield b
            if not page.next_before:
                return
            before = page.next_before

    async def wait_for_batch(self, extraction_id: str, batch_id: str, *, poll_interval: float = 1.0,
                             timeout: float | None = None,
                             on_update: Callable[[BatchStatus], None] | None = None) -> BatchStatus:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = await self.get_batch(extraction_id, batch_id)
            if on_update is not None:
                on_update(status)
            if status.batch.is_terminal:
                return status
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeout(f"batch {batch_id} is still {status.batch.status} after {timeout} s")
            await self._sleep(poll_interval)

    async def get_batch_results(self, extraction_id: str, batch_id: str) -> BatchResults:
        return await self._run(self._c_get_batch_results(extraction_id, batch_id, "json"))

    async def iter_batch_results(self, extraction_id: str, batch_id: str) -> AsyncIterator[BatchFileResult]:
        """``async for f in dp.iter_batch_results(...)``: the files as the NDJSON answer arrives."""
        lines = await self._run(self._c_stream_batch_results(extraction_id, batch_id, asynchronous=True))
        try:
            async for f in lines:
                yield f
        finally:
            await lines.aclose()

    async def get_batch_results_csv(self, extraction_id: str, batch_id: str) -> str:
        return await self._run(self._c_get_batch_results(extraction_id, batch_id, "csv"))

    async def delete_batch(self, extraction_id: str, batch_id: str) -> None:
        await self._run(self._c_delete_batch(extraction_id, batch_id))

    async def delete_extraction(self, extraction_id: str) -> None:
        await self._run(self._c_delete_extraction(extraction_id))

    # -- files
    async def get_file(self, extraction_id: str, file_id: str) -> FileInfo:
        return await self._run(self._c_get_file(extraction_id, file_id))

    async def get_result(self, extraction_id: str, file_id: str) -> FileResult:
        return await self._run(self._c_get_result(extraction_id, file_id))

    async def delete_file(self, extraction_id: str, file_id: str) -> None:
        await self._run(self._c_delete_file(extraction_id, file_id))

    # -- review
    async def list_reviews(self, extraction_id: str | None = None) -> list[ReviewItem]:
        return await self._run(self._c_list_reviews(extraction_id))

    async def get_review(self, extraction_id: str, file_id: str) -> ReviewDetail:
        return await self._run(self._c_get_review(extraction_id, file_id))

    async def decide_review(self, extraction_id: str, file_id: str, action: str, revision: int, *,
                            values: dict[str, Any] | None = None, reason: str | None = None) -> ReviewOutcome:
        return await self._run(self._c_decide(extraction_id, file_id, action, revision, values, reason))

    async def approve(self, extraction_id: str, file_id: str, *, values: dict[str, Any] | None = None,
                      reason: str | None = None, revision: int | None = None) -> ReviewOutcome:
        if revision is None:
            revision = (await self.get_review(extraction_id, file_id)).revision
        return await self.decide_review(extraction_id, file_id, "approve", revision, values=values, reason=reason)

    async def reject(self, extraction_id: str, file_id: str, *, reason: str,
                     revision: int | None = None) -> ReviewOutcome:
        if revision is None:
            revision = (await self.get_review(extraction_id, file_id)).revision
        return await self.decide_review(extraction_id, file_id, "reject", revision, reason=reason)

    async def page_image(self, extraction_id: str, file_id: str, page: int) -> bytes:
        return await self._run(self._c_page_image(extraction_id, file_id, page))

    # -- webhooks
    async def rotate_webhook_secret(self) -> str:
        """A new secret (``whsec_...``) for verifying webhook deliveries; the previous one stops working."""
        return await self._run(self._c_rotate_webhook_secret())
