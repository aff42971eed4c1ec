"""The model activity: one Gemini call (google-genai) per page chunk. Transport only: the request,
the reading of the answer and the merge are the Gemini engine's (extraction/engines/gemini).

Retries belong to Temporal: the SDK client does not retry, and every failure is classified
here, at the activity edge, into retryable (rate limits, 5xx, timeouts, connections — with the
server's retry delay passed on as `next_retry_delay`) or non-retryable (daily quota, bad key,
bad request, unknown model), which ends the file as `failed` with the message. Two answers are
about the input rather than the call, so the activity returns them for the chunk policy instead
of failing: a request over the size limit (split the chunk), and a 500 INTERNAL that is still
there after `model_internal_error_attempts` attempts (split, or fail the file).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import gone
from activities.extract import ExtractActivities
from activities.extractions import ExtractionCatalog, ExtractionSpec
from activities.heartbeat import keep_alive
from core import storage
from core.config import MB, Settings
from core.gemini import (
    TRANSPORT_ERRORS,
    GeminiNotConfigured,
    ModelCatalog,
    ModelLookupFailed,
    ModelNotFound,
    make_client,
    short_name,
)
from core.observability import count_tokens, observe_extraction
from core.storage import ObjectMissing, ObjectStore
from documents.kinds import KINDS, sniff_kind
from extraction.engines.gemini import (
    AnswerStatus,
    Blob,
    Chunk,
    GeminiEngine,
    ModelReply,
    ModelRequest,
    generation_options,
)
from extraction.pages import PageText
from extraction.result import EngineKind
from workflows import activity_names as act
from workflows.contracts import ErrorType
from workflows.models import ChunkAnswer, ChunkTask, FileIds

if TYPE_CHECKING:  # google-genai takes ~0.8 s to import: only a worker that calls Gemini pays it
    from google import genai
    from google.genai import errors

log = logging.getLogger("docparse.model")

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


def is_too_large(e: errors.APIError) -> bool:
    """413, or the 400 the service answers a request over its size limit with."""
    return int(e.code or 0) == 413 or "payload size exceeds" in (e.message or "").lower()


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
            code,  # details[0]: the HTTP status (a repeated 500 ends its retries, ModelActivities)
            type=ErrorType.MODEL_UNAVAILABLE,
            next_retry_delay=_retry_delay(e),
        )
    if code == 404:
        return ApplicationError(f"Gemini has no model '{model}' ({said})", type=ErrorType.MODEL_REQUEST,
                                non_retryable=True)
    return ApplicationError(f"Gemini rejected the request ({said})", type=ErrorType.MODEL_REQUEST, non_retryable=True)


def in_transit(e: BaseException, timeout_s: float) -> ApplicationError:
    """A connection that failed or timed out: retried, with what happened in the message."""
    timed_out = "timeout" in type(e).__name__.lower() or isinstance(e, TimeoutError)
    what = f"no answer within {timeout_s:g} s" if timed_out else (str(e) or "connection failed")
    return ApplicationError(f"Gemini call failed in transit ({type(e).__name__}: {what}); retrying",
                            type=ErrorType.MODEL_UNAVAILABLE)


class RequestTooLarge(Exception):
    """The service refused the request for its size: a smaller chunk may pass."""


class GeminiTransport:
    """Sends one ModelRequest with google-genai and classifies what can go wrong on the way. The
    model's output limit comes from models.get (ModelCatalog, cached), the generation settings from
    its family (extraction/engines/gemini/generation.py)."""

    def __init__(self, settings: Settings, client: genai.Client | None = None, catalog: ModelCatalog | None = None):
        self.settings = settings
        self._client = client
        self._catalog = catalog

    @property
    def client(self) -> genai.Client:
        if self._client is None:
            try:
                self._client = make_client(self.settings)
            except GeminiNotConfigured as e:
                raise ApplicationError(f"no Gemini API key is configured on the worker ({e})",
                                       type=ErrorType.MODEL_AUTH, non_retryable=True) from None
        return self._client

    @property
    def catalog(self) -> ModelCatalog:
        if self._catalog is None:
            self._catalog = ModelCatalog(self.settings, self.client)
        return self._catalog

    async def output_limit(self, model: str) -> int | None:
        try:
            return (await self.catalog.lookup(model)).output_token_limit
        except ModelNotFound as e:
            raise ApplicationError(str(e), type=ErrorType.MODEL_REQUEST, non_retryable=True) from None
        except ModelLookupFailed as e:
            if e.auth:
                raise ApplicationError(f"Gemini refused the API key ({e})", type=ErrorType.MODEL_AUTH,
                                       non_retryable=True) from None
            raise ApplicationError(f"{e}; retrying", type=ErrorType.MODEL_UNAVAILABLE) from None

    async def config(self, model: str, response_schema: dict[str, Any]) -> Any:
        from google.genai import types

        s = self.settings
        options = generation_options(model, output_limit=await self.output_limit(model),
                                     max_output_tokens=s.model_max_output_tokens,
                                     thinking_level=s.gemini_thinking_level, thinking_budget=s.gemini_thinking_budget)
        thinking = None
        if options.thinking_level is not None:
            thinking = types.ThinkingConfig(thinking_level=types.ThinkingLevel(options.thinking_level.upper()))
        elif options.thinking_budget is not None:
            thinking = types.ThinkingConfig(thinking_budget=options.thinking_budget)
        return types.GenerateContentConfig(
            response_mime_type="application/json",
            response_json_schema=response_schema,
            max_output_tokens=options.max_output_tokens,
            temperature=options.temperature,  # None is not sent
            thinking_config=thinking,
        )

    async def send(self, model: str, request: ModelRequest) -> ModelReply:
        """Raises ApplicationError (classified), or RequestTooLarge."""
        from google.genai import errors, types

        contents: list[types.PartUnion] = [types.Part.from_text(text=p) if isinstance(p, str) else
                    types.Part.from_bytes(data=p.data, mime_type=p.mime_type) for p in request.parts]
        config = await self.config(model, request.response_schema)
        try:
            response = await self.client.aio.models.generate_content(model=model, contents=contents, config=config)
        except errors.APIError as e:
            if is_too_large(e):
                raise RequestTooLarge(f"Gemini refused the request for its size ({e.code} {e.status}: "
                                      f"{e.message})") from None
            raise classify(e, model) from None
        except TRANSPORT_ERRORS as e:
            raise in_transit(e, self.settings.gemini_timeout_s) from None
        return reply_of(response, model)


def reply_of(response: Any, model: str) -> ModelReply:
    """A GenerateContentResponse as the engine reads it."""
    usage = response.usage_metadata
    candidate = response.candidates[0] if response.candidates else None
    finish = getattr(candidate, "finish_reason", None)
    feedback = getattr(response, "prompt_feedback", None)
    blocked = getattr(feedback, "block_reason", None) if candidate is None else None
    thinking = (usage.thoughts_token_count or 0) if usage else 0
    version = response.model_version
    if version and not short_name(version).startswith(short_name(model)):
        log.warning("asked Gemini for %s, %s answered (the service reroutes retired models)", model, version)
    return ModelReply(
        text=response.text if candidate else None,
        finish_reason=getattr(finish, "value", finish) if finish is not None else None,
        input_tokens=(usage.prompt_token_count or 0) if usage else 0,
        output_tokens=((usage.candidates_token_count or 0) + thinking) if usage else 0,
        thinking_tokens=thinking,
        model_version=version,
        block_reason=getattr(blocked, "value", blocked) if blocked is not None else None,
    )


@dataclass(frozen=True)
class CallLimits:
    """Per call: the request-size budget, the attempt from which a 500 INTERNAL stops retrying, and
    the backoff between attempts where the service named no delay of its own."""

    max_request_bytes: int = 20 * MB
    internal_error_attempts: int = 5
    retry_initial_s: float = 2.0
    retry_max_s: float = 120.0

    @classmethod
    def of(cls, settings: Settings) -> CallLimits:
        return cls(settings.model_max_request_bytes, settings.model_internal_error_attempts,
                   settings.model_retry_initial_s, settings.model_retry_max_s)

    def backoff(self, attempt: int) -> timedelta:
        """The wait after failed attempt `attempt` (1-based): doubling from the initial, capped."""
        return timedelta(seconds=min(self.retry_initial_s * 2 ** (min(attempt, 32) - 1), self.retry_max_s))


def page_blob(data: bytes) -> Blob:
    """A stored model page: its type from its first bytes (PNG, JPEG or PDF)."""
    kind = sniff_kind(data[:1024]) or "png"
    return Blob(data=data, mime_type=KINDS[kind])


class ModelActivities:
    def __init__(self, store: ObjectStore, transport: GeminiTransport, catalog: ExtractionCatalog,
                 extract: ExtractActivities, limits: CallLimits = CallLimits()):
        self.store = store
        self.transport = transport
        self.catalog = catalog
        self.extract = extract  # a chunk that is the whole document is finished right here
        self.limits = limits

    def _page(self, ids: FileIds, number: int) -> tuple[PageText, Blob]:
        words = PageText.model_validate_json(self.store.get_bytes(storage.page_words_key(ids.batch_id, ids.file_id, number)))
        try:
            return words, page_blob(self.store.get_bytes(storage.model_page_key(ids.batch_id, ids.file_id, number)))
        except ObjectMissing:  # prepared before model pages had their own key: the page PNG
            return words, page_blob(self.store.get_bytes(storage.page_image_key(ids.batch_id, ids.file_id, number)))

    @activity.defn(name=act.READ_CHUNK)
    async def model_read_chunk(self, task: ChunkTask) -> ChunkAnswer:
        spec = await asyncio.to_thread(self.catalog.get, task.extraction_id, task.file_id)
        return await self.read_chunk(task, spec, task.page_count, task.chunk, task.model)

    async def _send(self, model: str, request: ModelRequest) -> ModelReply | ChunkAnswer:
        """The call, or the answer about the input that replaces it (too large; 500 every time)."""
        size = request.size_bytes()
        if size > self.limits.max_request_bytes:
            return ChunkAnswer(status=AnswerStatus.TOO_LARGE, detail=(
                f"the request would be {size / MB:.1f} MB, over the {self.limits.max_request_bytes / MB:g} MB "
                "a Gemini request may carry"))
        try:
            return await self.transport.send(model, request)
        except RequestTooLarge as e:
            return ChunkAnswer(status=AnswerStatus.TOO_LARGE, detail=str(e))
        except ApplicationError as e:
            attempt = activity.info().attempt
            if e.details and e.details[0] == 500 and attempt >= self.limits.internal_error_attempts:
                return ChunkAnswer(status=AnswerStatus.SERVER_ERROR,
                                   detail=f"{e.message.removesuffix('; retrying')} (attempt {attempt})")
            if e.non_retryable or e.next_retry_delay is not None:
                raise
            # The pace is the worker's setting (the workflow's policy is the fallback for a
            # worker that died mid-call): a private endpoint with its own quota may retry sooner.
            raise ApplicationError(e.message, *e.details, type=e.type,
                                   next_retry_delay=self.limits.backoff(attempt)) from None

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
            reply = await self._send(model, engine.request(spec.schema, chunk, page_count, pages))
            observe_extraction(EngineKind.GEMINI, time.perf_counter() - started)
        if isinstance(reply, ChunkAnswer):
            return reply
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
