"""What the sync and async clients share: configuration, the request of every endpoint, parsing of
answers and errors, and the retry policy. Only the sending loop differs between the two."""

from __future__ import annotations

import mimetypes
import os
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx

from client.errors import ApiConnectionError, ConfigError, error_from_response
from client.models import (
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

DEFAULT_API_URL = "http://127.0.0.1:8000"
ENV_URL, ENV_KEY = "DOCPARSE_API_URL", "DOCPARSE_API_KEY"
USER_AGENT = "docparse-client/0.1"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

#: what ``upload_batch`` accepts per file: a path, ``(name, bytes)``, ``(name, file object)`` or
#: ``(name, bytes | file object, content type)``
FileInput = str | os.PathLike | tuple[str, bytes | IO[bytes]] | tuple[str, bytes | IO[bytes], str]


def new_idempotency_key() -> str:
    return f"dpc-{uuid.uuid4().hex}"


def _seg(value: str) -> str:
    """One path segment, escaped (ids never need it; a typo must not change the route)."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"expected a non-empty id, got {value!r}")
    return quote(value, safe="")


@dataclass
class RetryPolicy:
    """Retries of 429 (always: the request was not handled) and of 5xx answers and broken connections
    (only for requests that are safe to send twice: reads, deletes, uploads with an Idempotency-Key).
    A connection that was never established is retried for every request."""

    max_attempts: int = 4  # 1 = no retries
    backoff_base: float = 0.5  # seconds before the 2nd attempt; doubled each time
    backoff_max: float = 30.0
    max_retry_after: float = 120.0  # never wait longer than this for one Retry-After

    def delay(self, attempt: int, *, idempotent: bool, response: httpx.Response | None = None,
              error: Exception | None = None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; None: do not retry."""
        if attempt >= self.max_attempts:
            return None
        if response is not None:
            status = response.status_code
            if status == 429 or (status >= 500 and idempotent):
                from client.errors import parse_retry_after

                after = parse_retry_after(response.headers.get("Retry-After"))
                if after is not None:
                    return min(after, self.max_retry_after)
                return self._backoff(attempt)
            return None
        if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)) or (
            idempotent and isinstance(error, httpx.TransportError)
        ):
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return base * random.uniform(0.5, 1.0)  # jitter: many clients do not come back at once


@dataclass
class Call:
    """One API request, buildable again for every attempt (upload bodies are re-opened)."""

    method: str
    path: str
    parse: Callable[[httpx.Response], Any]
    params: dict[str, Any] | None = None
    json: Any = None
    data: dict[str, str] | None = None
    files: Sequence[FileInput] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    idempotent: bool = True
    stream: bool = False  # parse gets the response before its body is read (it closes the response)

    def open_files(self) -> tuple[list[tuple[str, tuple[str, Any, str]]], list[IO[bytes]]]:
        """The multipart ``files`` for one attempt, and the handles to close after it."""
        out: list[tuple[str, tuple[str, Any, str]]] = []
        handles: list[IO[bytes]] = []
        try:
            for item in self.files or ():
                if isinstance(item, (str, os.PathLike)):
                    path = Path(item)
                    fh = open(path, "rb")  # noqa: SIM115  (closed by the caller after the attempt)
                    handles.append(fh)
                    out.append(("files", (path.name, fh, _content_type(path.name))))
                    continue
                name, content = item[0], item[1]
                ctype = item[2] if len(item) == 3 else _content_type(name)
                # a seekable file object is sent from its start on every attempt (httpx seeks to 0)
                out.append(("files", (name, content, ctype)))
        except BaseException:
            for h in handles:
                h.close()
            raise
        return out, handles


def _buffer_unseekable(item: FileInput) -> FileInput:
    """A stream that cannot seek back could not be sent again on a retry: read it now."""
    if isinstance(item, tuple) and len(item) >= 2 and hasattr(item[1], "read"):
        content = item[1]
        seekable = getattr(content, "seekable", None)
        if not (callable(seekable) and seekable()):
            return (item[0], content.read(), *item[2:])
    return item


def _content_type(name: str) -> str:
    # The API sniffs the type from the bytes; this is only a courtesy.
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _json(model):
    def parse(r: httpx.Response):
        return model.model_validate(r.json())
    return parse


def _key(key: str, model):
    def parse(r: httpx.Response):
        return model.model_validate(r.json()[key])
    return parse


def _uploaded(r: httpx.Response) -> UploadedBatch:
    body = r.json()
    return UploadedBatch.model_validate({**body["batch"], "files": body.get("files") or []})


def _list(key: str, model):
    def parse(r: httpx.Response):
        return [model.model_validate(x) for x in r.json()[key]]
    return parse


def _ndjson_lines(model):
    """A streamed NDJSON answer as a generator of models, one line at a time; the response is closed
    when the generator ends or is closed."""
    def parse(r: httpx.Response):
        def lines():
            try:
                for line in r.iter_lines():
                    if line.strip():
                        yield model.model_validate_json(line)
            finally:
                r.close()
        return lines()
    return parse


def _ndjson_lines_async(model):
    def parse(r: httpx.Response):
        async def lines():
            try:
                async for line in r.aiter_lines():
                    if line.strip():
                        yield model.model_validate_json(line)
            finally:
                await r.aclose()
        return lines()
    return parse


def _text(r: httpx.Response) -> str:
    return r.text


def _none(r: httpx.Response) -> None:
    return None


def _bytes(r: httpx.Response) -> bytes:
    return r.content


class BaseClient:
    """Configuration and the request of every endpoint (``_c_*`` build a :class:`Call`)."""

    def __init__(self, base_url: str | None, api_key: str | None, *, max_attempts: int,
                 retry: RetryPolicy | None, auto_idempotency_key: bool):
        url = base_url or os.environ.get(ENV_URL) or DEFAULT_API_URL
        key = api_key or os.environ.get(ENV_KEY)
        if not key:
            raise ConfigError(f"no API key: pass api_key= or set {ENV_KEY}")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"the API URL must start with http:// or https://, got {url!r}")
        self.base_url = url.rstrip("/")
        self.api_key = key
        self.retry = retry or RetryPolicy(max_attempts=max_attempts)
        self.auto_idempotency_key = auto_idempotency_key

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "User-Agent": USER_AGENT, "Accept": "application/json"}

    @staticmethod
    def _check(call: Call, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise error_from_response(response)
        return call.parse(response)

    @staticmethod
    def _connection_error(call: Call, url: str, error: Exception, attempts: int) -> ApiConnectionError:
        what = type(error).__name__
        return ApiConnectionError(
            f"{call.method} {url} failed after {attempts} attempt(s): {what}: {error}",
            method=call.method, url=url,
        )

    # -- extractions
    def _c_create_extraction(self, body: dict[str, Any]) -> Call:
        # not idempotent: retried on 429 and when the connection could not be made, never after a 5xx
        return Call("POST", "/v1/extractions", _key("extraction", Extraction), json=body, idempotent=False)

    def _c_get_extraction(self, extraction_id: str) -> Call:
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}", _key("extraction", Extraction))

    def _c_list_extractions(self, limit: int, before: str | None) -> Call:
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        return Call("GET", "/v1/extractions", _json(ExtractionPage), params=params)

    # -- batches
    def _c_upload_batch(self, extraction_id: str, files: Sequence[FileInput], name: str | None,
                        idempotency_key: str | None, webhook_url: str | None = None) -> Call:
        if isinstance(files, (str, os.PathLike)) or not files:
            raise ConfigError("files: give a non-empty list of paths or (name, bytes) pairs")
        for f in files:
            if isinstance(f, (str, os.PathLike)):
                if not Path(f).is_file():
                    raise ConfigError(f"no such file: {f}")
            elif not (isinstance(f, tuple) and len(f) in (2, 3) and isinstance(f[0], str)
                      and (isinstance(f[1], (bytes, bytearray)) or hasattr(f[1], "read"))):
                raise ConfigError(f"a file is a path or (name, bytes[, content type]), got {f!r:.80}")
        files = [_buffer_unseekable(f) for f in files]
        key = idempotency_key or (new_idempotency_key() if self.auto_idempotency_key else None)
        return Call(
            "POST", f"/v1/extractions/{_seg(extraction_id)}/batches", _uploaded,
            data={k: v for k, v in (("name", name), ("webhook_url", webhook_url)) if v} or None, files=files,
            headers={"Idempotency-Key": key} if key else {},
            idempotent=key is not None,  # only a keyed upload can be sent twice without a second batch
        )

    def _c_get_batch(self, extraction_id: str, batch_id: str) -> Call:
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/batches/{_seg(batch_id)}", _json(BatchStatus))

    def _c_list_batches(self, extraction_id: str, limit: int, before: str | None) -> Call:
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/batches", _json(BatchPage), params=params)

    def _c_get_batch_results(self, extraction_id: str, batch_id: str, fmt: str) -> Call:
        parse = _text if fmt == "csv" else _json(BatchResults)
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/batches/{_seg(batch_id)}/results", parse,
                    params={"format": fmt})

    def _c_stream_batch_results(self, extraction_id: str, batch_id: str, *, asynchronous: bool) -> Call:
        parse = (_ndjson_lines_async if asynchronous else _ndjson_lines)(BatchFileResult)
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/batches/{_seg(batch_id)}/results", parse,
                    params={"format": "ndjson"}, stream=True)

    def _c_delete_batch(self, extraction_id: str, batch_id: str) -> Call:
        return Call("DELETE", f"/v1/extractions/{_seg(extraction_id)}/batches/{_seg(batch_id)}", _none)

    def _c_delete_extraction(self, extraction_id: str) -> Call:
        return Call("DELETE", f"/v1/extractions/{_seg(extraction_id)}", _none)

    # -- files
    def _c_get_file(self, extraction_id: str, file_id: str) -> Call:
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/files/{_seg(file_id)}", _key("file", FileInfo))

    def _c_get_result(self, extraction_id: str, file_id: str) -> Call:
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/files/{_seg(file_id)}/result", _json(FileResult))

    def _c_delete_file(self, extraction_id: str, file_id: str) -> Call:
        return Call("DELETE", f"/v1/extractions/{_seg(extraction_id)}/files/{_seg(file_id)}", _none)

    # -- review
    def _c_list_reviews(self, extraction_id: str | None) -> Call:
        path = f"/v1/extractions/{_seg(extraction_id)}/reviews" if extraction_id else "/v1/reviews"
        return Call("GET", path, _list("files", ReviewItem))

    def _c_get_review(self, extraction_id: str, file_id: str) -> Call:
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/files/{_seg(file_id)}/review", _json(ReviewDetail))

    def _c_decide(self, extraction_id: str, file_id: str, action: str, revision: int,
                  values: dict[str, Any] | None, reason: str | None) -> Call:
        if action not in ("approve", "reject"):
            raise ConfigError(f"action must be 'approve' or 'reject', got {action!r}")
        if action == "reject" and values:
            raise ConfigError("corrected values go with approve only")
        body: dict[str, Any] = {"action": action, "revision": revision}
        if values:
            body["values"] = values
        if reason:
            body["reason"] = reason
        # a decision is sent once: a duplicate would be refused as stale anyway (409), so no retry after 5xx
        return Call("POST", f"/v1/extractions/{_seg(extraction_id)}/files/{_seg(file_id)}/review",
                    _json(ReviewOutcome), json=body, idempotent=False)

    # -- webhooks
    def _c_rotate_webhook_secret(self) -> Call:
        # not idempotent (each call makes a new secret): retried on 429 only
        return Call("POST", "/v1/webhook-secret", lambda r: r.json()["secret"], idempotent=False)

    def _c_page_image(self, extraction_id: str, file_id: str, page: int) -> Call:
        if not isinstance(page, int) or page < 1:
            raise ConfigError(f"pages are numbered from 1, got {page!r}")
        return Call("GET", f"/v1/extractions/{_seg(extraction_id)}/files/{_seg(file_id)}/pages/{page}", _bytes)


def extraction_body(schema: dict[str, Any] | None, overrides: dict[str, Any]) -> dict[str, Any]:
    body = dict(schema or {})
    body.update({k: v for k, v in overrides.items() if v is not None})
    if not body.get("name") or not body.get("fields"):
        raise ConfigError("an extraction needs a 'name' and a non-empty 'fields' list")
    return body
