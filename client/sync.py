"""The synchronous client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
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


class Client(BaseClient):
    """docparse API client.

    ``Client(base_url=None, api_key=None)`` reads ``DOCPARSE_API_URL`` (default http://127.0.0.1:8000) and
    ``DOCPARSE_API_KEY`` when not given. Use it as a context manager, or call :meth:`close`.

    429 answers are retried (honouring Retry-After), and so are 5xx answers and broken connections for
    requests that are safe to repeat; uploads get an Idempotency-Key automatically, so they are too.
    ``max_attempts`` counts the first try (1 = never retry).
    """

    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT, max_attempts: int = 4,
        retry: RetryPolicy | None = None, auto_idempotency_key: bool = True,
        transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] | None = None,
        http_client: httpx.Client | None = None,
    ):
        super().__init__(base_url, api_key, max_attempts=max_attempts, retry=retry,
                         auto_idempotency_key=auto_idempotency_key)
        self._own_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)
        self._sleep = sleep or time.sleep

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the sending loop
    def _run(self, call: Call) -> Any:
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
                response = self._http.send(request, stream=call.stream)
            except httpx.TransportError as e:
                delay = self.retry.delay(attempt, idempotent=call.idempotent, error=e)
                if delay is None:
                    raise self._connection_error(call, url, e, attempt) from e
                self._sleep(delay)
                continue
            finally:
                for h in handles:
                    h.close()
            if response.status_code >= 400:
                if call.stream:
                    response.read()  # the error's body, and the connection back to the pool
                    response.close()
                delay = self.retry.delay(attempt, idempotent=call.idempotent, response=response)
                if delay is not None:
                    self._sleep(delay)
                    continue
            return self._check(call, response)

    # -- extractions
    def create_extraction(self, schema: dict[str, Any] | None = None, **fields: Any) -> Extraction:
        """Define an extraction: the API body as a dict (``{"name", "fields", ...}``) and/or keywords
        (``name=``, ``fields=``, ``review_threshold=`` ...; keywords win)."""
        return self._run(self._c_create_extraction(extraction_body(schema, fields)))

    def get_extraction(self, extraction_id: str) -> Extraction:
        return self._run(self._c_get_extraction(extraction_id))

    def list_extractions(self, *, limit: int = 20, before: str | None = None) -> ExtractionPage:
        """One page of the account's extractions, newest first; pass ``page.next_before`` as
        ``before`` for the next."""
        return self._run(self._c_list_extractions(limit, before))

    def iter_extractions(self, *, page_size: int = 100) -> Iterator[Extraction]:
        """Every extraction of the account, newest first, following ``next_before`` page by page."""
        before = None
        while True:
            page = self.list_extractions(limit=page_size, before=before)
            yield from page.extractions
            if not page.next_before:
                return
            before = page.next_before

    # -- batches
    def upload_batch(self, extraction_id: str, files: Sequence[FileInput], *, name: str | None = None,
                     idempotency_key: str | None = None, webhook_url: str | None = None) -> UploadedBatch:
        """Upload 1..30 files (paths, or ``(name, bytes)``); answers the queued batch and its files
        (``.files``: an e-mail message becomes a file per attachment). Without
        ``idempotency_key`` a fresh one is made, and reused by every retry of this call. ``webhook_url``
        overrides the extraction's for this batch."""
        return self._run(self._c_upload_batch(extraction_id, files, name, idempotency_key, webhook_url))

    def get_batch(self, extraction_id: str, batch_id: str) -> BatchStatus:
        """The batch and its files, with their statuses."""
        return self._run(self._c_get_batch(extraction_id, batch_id))

    def list_batches(self, extraction_id: str, *, limit: int = 20, before: str | None = None) -> BatchPage:
        """One page of batches, newest first; pass ``page.next_before`` as ``before`` for the next."""
        return self._run(self._c_list_batches(extraction_id, limit, before))

    def iter_batches(self, extraction_id: str, *, page_size: int = 100) -> Iterator[Batch]:
        """Every batch of the extraction, newest first, following ``next_before`` page by page."""
        before = None
        while True:
            page = self.list_batches(extraction_id, limit=page_size, before=before)
            yield from page.batches
            if not page.next_before:
                return
            before = page.next_before

    def wait_for_batch(self, extraction_id: str, batch_id: str, *, poll_interval: float = 1.0,
                       timeout: float | None = None,
                       on_update: Callable[[BatchStatus], None] | None = None) -> BatchStatus:
        """Poll until the batch is processed, failed, or waiting for review (``needs_review``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.get_batch(extraction_id, batch_id)
            if on_update is not None:
                on_update(status)
            if status.batch.is_terminal:
                return status
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeout(f"batch {batch_id} is still {status.batch.status} after {timeout} s")
            self._sleep(poll_interval)

    def get_batch_results(self, extraction_id: str, batch_id: str) -> BatchResults:
        """Every file of the batch with its values, in one request: processed files with their result,
        files waiting for review with the extracted values (``status == "needs_review"``, ``reviewed``
        False), failed files with their ``error``."""
        return self._run(self._c_get_batch_results(extraction_id, batch_id, "json"))

    def iter_batch_results(self, extraction_id: str, batch_id: str) -> Iterator[BatchFileResult]:
        """The batch's files one at a time as the NDJSON answer arrives (``format=ndjson``): memory stays
        flat for any batch. Retried like every read until the answer starts; close the iterator (or
        read it to the end) to release the connection."""
        return self._run(self._c_stream_batch_results(extraction_id, batch_id, asynchronous=False))

    def get_batch_results_csv(self, extraction_id: str, batch_id: str) -> str:
        """The same as CSV text: one row per file, a column per scalar field."""
        return self._run(self._c_get_batch_results(extraction_id, batch_id, "csv"))

    def delete_batch(self, extraction_id: str, batch_id: str) -> None:
        """Remove the batch, its files, results and stored objects (a running batch drops its files)."""
        self._run(self._c_delete_batch(extraction_id, batch_id))

    def delete_extraction(self, extraction_id: str) -> None:
        """Remove the extraction and every batch of it."""
        self._run(self._c_delete_extraction(extraction_id))

    # -- files
    def get_file(self, extraction_id: str, file_id: str) -> FileInfo:
        """One file's status and error."""
        return self._run(self._c_get_file(extraction_id, file_id))

    def get_result(self, extraction_id: str, file_id: str) -> FileResult:
        """A processed file's result (409 :class:`~client.errors.Conflict` while it is not)."""
        return self._run(self._c_get_result(extraction_id, file_id))

    def delete_file(self, extraction_id: str, file_id: str) -> None:
        """Remove the file's original, pages and result."""
        self._run(self._c_delete_file(extraction_id, file_id))

    # -- review
    def list_reviews(self, extraction_id: str | None = None) -> list[ReviewItem]:
        """Files waiting for review, oldest first: the account's, or one extraction's."""
        return self._run(self._c_list_reviews(extraction_id))

    def get_review(self, extraction_id: str, file_id: str) -> ReviewDetail:
        return self._run(self._c_get_review(extraction_id, file_id))

    def decide_review(self, extraction_id: str, file_id: str, action: str, revision: int, *,
                      values: dict[str, Any] | None = None, reason: str | None = None) -> ReviewOutcome:
        return self._run(self._c_decide(extraction_id, file_id, action, revision, values, reason))

    def approve(self, extraction_id: str, file_id: str, *, values: dict[str, Any] | None = None,
                reason: str | None = None, revision: int | None = None) -> ReviewOutcome:
        """Approve (with corrected ``values``); without ``revision`` the current one is read first."""
        if revision is None:
            revision = self.get_review(extraction_id, file_id).revision
        return self.decide_review(extraction_id, file_id, "approve", revision, values=values, reason=reason)

    def reject(self, extraction_id: str, file_id: str, *, reason: str, revision: int | None = None) -> ReviewOutcome:
        """Reject: the file becomes failed with the reason."""
        if revision is None:
            revision = self.get_review(extraction_id, file_id).revision
        return self.decide_review(extraction_id, file_id, "reject", revision, reason=reason)

    def page_image(self, extraction_id: str, file_id: str, page: int) -> bytes:
        """Page ``page`` (from 1) as PNG bytes."""
        return self._run(self._c_page_image(extraction_id, file_id, page))

    # -- webhooks
    def rotate_webhook_secret(self) -> str:
        """A new secret (``whsec_...``) for verifying webhook deliveries; the previous one stops working."""
        return self._run(self._c_rotate_webhook_secret())
