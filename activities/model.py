"""The model activity: one Gemini call (google-genai) per page chunk. Transport only: the request,
the reading of the answer and the merge are the Gemini engine's (extraction/engines/gemini).

Retries belong to Temporal: the SDK client does not retry, and every failure is classified
here, at the activity edge, into retryable (rate limits, 5xx, timeouts — with the server's
retry delay passed on as `next_retry_delay`) or non-retryable (daily quota, bad key, bad
request), which ends the file as `failed` with the message.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
import httpx2
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import gone
from activities.extract import ExtractActivities
from activities.extractions import ExtractionCatalog, ExtractionSpec
from activities.heartbeat import keep_alive
from core import storage
from core.config import Settings
from core.observability import count_tokens, observe_extraction
from core.storage import ObjectMissing, ObjectStore
from extraction.engines.gemini import AnswerStatus, Chunk, GeminiEngine, ModelReply, ModelRequest
from extraction.pages import PageText
from extraction.result import EngineKind
from workflows import activity_names as act
from workflows.contracts import ErrorType
from workflows.models import ChunkAnswer, ChunkTask, FileIds

if TYPE_CHECKING:  # google-genai takes ~0.8 s to import: only a worker that calls Gemini pays it
    from google import genai
    from google.genai import errors

# google-genai sends with httpx2 (a fork under its own name) when it is installed, else httpx:
# connection failures and timeouts are either's TransportError.
TRANSPORT_ERRORS = (httpx.TransportError, httpx2.TransportError)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _retry_delay(e: errors.APIError) -> timedelta | None:
    """The server's own retry hint: google.rpc.RetryInfo, else a Retry-After header."""
    for detail in _details(e):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            m = _DURATION.match(str(detail.get("retryDelay", "")))
            if m:
                return timedelta(seconds=float(m.group(1)))
    headers = getattr(getattr(e, "response", None), "headers", None) or {}
    after = headers.get("retry-after") if hasattr(headers, "get") else None
    if after and str(after).strip().isdigit():
        return timedelta(seconds=int(after))
    return None


def _details(e: errors.APIError) -> list[dict[str, Any]]:
    body = e.details if isinstance(e.details, dict) else {}
    inner = body.get("error", body)
    details = inner.get("details") if isinstance(inner, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]


def _is_daily_quota(e: errors.APIError) -> bool:
    for d in _details(e):
        kind = str(d.get("@type", ""))
        if kind.endswith("QuotaFailure"):
            for v in d.get("violations") or []:
                if "perday" in str(v.get("quotaId", "")).lower().replace("_", ""):
                    return True
        if kind.endswith("ErrorInfo"):
            limit = str((d.get("metadata") or {}).get("quota_limit", ""))
            if "perday" in limit.lower():
                return True
    return False


def _is_bad_key(e: errors.APIError) -> bool:
    return any(
        str(d.get("@type", "")).endswith("ErrorInfo") and d.get("reason") in ("API_KEY_INVALID", "API_KEY_EXPIRED")
        for d in _details(e)
    )


def classify(e: errors.APIError, model: str) -> ApplicationError:
    code = int(e.code or 0)
    said = f"{code} {e.status or ''}: {e.message or 'no message'}".strip()
    if code in (401, 403) or _is_bad_key(e):
        return ApplicationError(f"Gemini refused the API key ({said})", type=ErrorType.MODEL_AUTH, non_retryable=True)
    if code == 429 and _is_daily_quota(e):
        return ApplicationError(
            f"the Gemini daily quota for {model} is exhausted ({said})", type=ErrorType.MODEL_QUOTA, non_retryable=True
        )
    if code in (408, 429) or code >= 500:
        return ApplicationError(
            f"Gemini is busy or unavailable ({said}); retrying",
            type=ErrorType.MODEL_UNAVAILABLE,
            next_retry_delay=_retry_delay(e),
        )
    return ApplicationError(f"Gemini rejected the request ({said})", type=ErrorType.MODEL_REQUEST, non_retryable=True)


def make_client(settings: Settings) -> genai.Client:
    from google import genai
    from google.genai import types

    options = types.HttpOptions(timeout=int(settings.gemini_timeout_s * 1000))
    if settings.gemini_base_url:
        options.base_url = settings.gemini_base_url
    return genai.Client(api_key=settings.gemini_api_key, http_options=options)


class GeminiTransport:
    """Sends one ModelRequest with google-genai and classifies what can go wrong on the way."""

    def __init__(self, settings: Settings, client: genai.Client | None = None):
        self.settings = settings
        self._client = client

    @property
    def client(self) -> genai.Client:
        if self._client is None:
            if not self.settings.gemini_api_key:
                raise ApplicationError("no Gemini API key is configured on the worker",
                                       type=ErrorType.MODEL_AUTH, non_retryable=True)
            self._client = make_client(self.settings)
        return self._client

    async def send(self, model: str, request: ModelRequest) -> ModelReply:
        from google.genai import errors, types

        contents = [types.Part.from_text(text=p) if isinstance(p, str) else
                    types.Part.from_bytes(data=p, mime_type="image/png") for p in request.parts]
        config = types.GenerateContentConfig(
            response_mime_type="application/json",
            response_json_schema=request.response_schema,
            temperature=0,
            max_output_tokens=self.settings.model_max_output_tokens,
        )
        try:
            response = await self.client.aio.models.generate_content(model=model, contents=contents, config=config)
        except errors.APIError as e:
            raise classify(e, model) from None
        except TRANSPORT_ERRORS as e:
            raise ApplicationError(f"Gemini call failed in transit ({type(e).__name__}); retrying",
                                   type=ErrorType.MODEL_UNAVAILABLE) from None
        usage = response.usage_metadata
        candidate = response.candidates[0] if response.candidates else None
        finish = getattr(candidate, "finish_reason", None)
        return ModelReply(
            text=response.text if candidate else None,
            finish_reason=getattr(finish, "value", None) if finish is not None else None,
            input_tokens=(usage.prompt_token_count or 0) if usage else 0,
            output_tokens=(usage.candidates_token_count or 0) if usage else 0,
            model_version=response.model_version,
        )


class ModelActivities:
    def __init__(self, store: ObjectStore, transport: GeminiTransport, catalog: ExtractionCatalog,
                 extract: ExtractActivities):
        self.store = store
        self.transport = transport
        self.catalog = catalog
        self.extract = extract  # a chunk that is the whole document is finished right here

    def _page(self, ids: FileIds, number: int) -> tuple[PageText, bytes]:
        words = PageText.model_validate_json(self.store.get_bytes(storage.page_words_key(ids.batch_id, ids.file_id, number)))
        return words, self.store.get_bytes(storage.page_image_key(ids.batch_id, ids.file_id, number))

    @activity.defn(name=act.READ_CHUNK)
    async def model_read_chunk(self, task: ChunkTask) -> ChunkAnswer:
        spec = await asyncio.to_thread(self.catalog.get, task.extraction_id, task.file_id)
        return await self.read_chunk(task, spec, task.page_count, task.chunk, task.model)

    async def read_chunk(self, ids: FileIds, spec: ExtractionSpec, page_count: int, chunk: Chunk, model: str,
                         *, may_finish: bool = True, earlier_tokens: tuple[int, int] = (0, 0)) -> ChunkAnswer:
        """One model call. A chunk that is the whole document (pages 1..page_count) is the file's
        result: finalized and stored here, no merge step (may_finish False: the legacy path's
        batches from before that rule merge it). earlier_tokens: the legacy path's count of
        unusable answers before this one, which its stored result includes."""
        engine = GeminiEngine(model)
        async with keep_alive():
            try:
                pages = [await asyncio.to_thread(self._page, ids, n) for n in chunk.pages]
            except ObjectMissing:
                raise gone(ids.file_id) from None
            started = time.perf_counter()
            reply = await self.transport.send(model, engine.request(spec.schema, chunk, page_count, pages))
            observe_extraction(EngineKind.GEMINI, time.perf_counter() - started)
        count_tokens(model, reply.input_tokens, reply.output_tokens)
        tokens = dict(input_tokens=reply.input_tokens, output_tokens=reply.output_tokens,
                      model_version=reply.model_version)
        reading = engine.read(spec.schema, reply)
        if reading.status != AnswerStatus.OK or reading.data is None:
            return ChunkAnswer(status=reading.status, detail=reading.detail, **tokens)
        if may_finish and chunk.first == 1 and chunk.last == page_count:
            # The model that actually answered (the service names its version), else the one asked.
            outcome = await self.extract.finish_model_file(
                ids, spec, model, [(chunk, reading.data)], reply.model_version,
                (earlier_tokens[0] + reply.input_tokens, earlier_tokens[1] + reply.output_tokens))
            return ChunkAnswer(status=AnswerStatus.OK, answer_key=outcome.result_key, outcome=outcome, **tokens)
        key = storage.answer_key(ids.batch_id, ids.file_id, chunk.first, chunk.last)
        await asyncio.to_thread(self.store.put_bytes, key, json.dumps(reading.data).encode(), "application/json")
        return ChunkAnswer(status=AnswerStatus.OK, answer_key=key, **tokens)
