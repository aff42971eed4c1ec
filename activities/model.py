"""Model activities: one Gemini call per page chunk (google-genai), and the merge of the chunks.

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
from typing import Any

import httpx
from google import genai
from google.genai import errors, types
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import gone
from activities.extract import load_words, store_result
from activities.heartbeat import keep_alive
from core import storage
from core.config import Settings
from extraction.engines import gemini
from extraction.finalize import finalize
from extraction.result import EngineKind, RawResult
from core.observability import count_tokens, observe_extraction
from extraction.pages import PageText
from core.storage import ObjectMissing, ObjectStore
from workflows import activity_names as act
from workflows.models import ChunkInput, ChunkOutput, ExtractOutput, MergeInput
from workflows.contracts import ErrorType

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
    options = types.HttpOptions(timeout=int(settings.gemini_timeout_s * 1000))
    if settings.gemini_base_url:
        options.base_url = settings.gemini_base_url
    return genai.Client(api_key=settings.gemini_api_key, http_options=options)


class ModelActivities:
    def __init__(self, settings: Settings, store: ObjectStore, client: genai.Client | None = None):
        self.settings = settings
        self.store = store
        self._client = client

    @property
    def client(self) -> genai.Client:
        if self._client is None:
            if not self.settings.gemini_api_key:
                raise ApplicationError("no Gemini API key is configured on the worker", type=ErrorType.MODEL_AUTH, non_retryable=True)
            self._client = make_client(self.settings)
        return self._client

    def _page_parts(self, inp: ChunkInput, number: int) -> list[types.Part]:
        words = PageText.model_validate_json(
            self.store.get_bytes(storage.page_words_key(inp.batch_id, inp.file_id, number))
        )
        png = self.store.get_bytes(storage.page_image_key(inp.batch_id, inp.file_id, number))
        text = gemini.page_text(words)
        header = f"--- Page {number} ---"
        if text:
            header += f"\nText layer of page {number} (use it for exact characters):\n{text}"
        return [types.Part.from_text(text=header), types.Part.from_bytes(data=png, mime_type="image/png")]

    async def _contents(self, inp: ChunkInput) -> list[types.Part]:
        parts = [types.Part.from_text(text=gemini.instructions(inp.extraction_schema, inp.chunk, inp.page_count))]
        try:
            for number in inp.chunk.pages:
                parts += await asyncio.to_thread(self._page_parts, inp, number)
        except ObjectMissing:
            raise gone(inp.file_id) from None
        return parts

    @activity.defn(name=act.MODEL_EXTRACT_CHUNK)
    async def model_extract_chunk(self, inp: ChunkInput) -> ChunkOutput:
        async with keep_alive():
            contents = await self._contents(inp)
            config = types.GenerateContentConfig(
                response_mime_type="application/json",
                response_json_schema=gemini.response_json_schema(inp.extraction_schema),
                temperature=0,
                max_output_tokens=self.settings.model_max_output_tokens,
            )
            started = time.perf_counter()
            try:
                response = await self.client.aio.models.generate_content(
                    model=inp.model, contents=contents, config=config
                )
            except errors.APIError as e:
                raise classify(e, inp.model) from None
            except (httpx.TimeoutException, httpx.TransportError) as e:
                raise ApplicationError(f"Gemini call failed in transit ({type(e).__name__}); retrying", type=ErrorType.MODEL_UNAVAILABLE) from None
            observe_extraction("gemini", time.perf_counter() - started)

        usage = response.usage_metadata
        tokens = dict(
            input_tokens=(usage.prompt_token_count or 0) if usage else 0,
            output_tokens=(usage.candidates_token_count or 0) if usage else 0,
            model_version=response.model_version,
        )
        count_tokens(inp.model, tokens["input_tokens"], tokens["output_tokens"])
        candidate = (response.candidates or [None])[0]
        finish = getattr(candidate, "finish_reason", None)
        if finish == types.FinishReason.MAX_TOKENS:
            return ChunkOutput(status="truncated", detail=f"output truncated at {tokens['output_tokens']} tokens", **tokens)
        try:
            data = gemini.parse_output(response.text if candidate else None, inp.extraction_schema)
        except gemini.OutputInvalid as e:
            reason = f" (finish reason {finish.value})" if finish is not None and hasattr(finish, "value") else ""
            return ChunkOutput(status="invalid", detail=str(e) + reason, **tokens)
        if inp.finalize_review_threshold is not None:
            merge = MergeInput(
                batch_id=inp.batch_id, file_id=inp.file_id, extraction_schema=inp.extraction_schema, model=inp.model,
                chunks=[], input_tokens=inp.earlier_tokens[0] + tokens["input_tokens"],
                output_tokens=inp.earlier_tokens[1] + tokens["output_tokens"],
                review_threshold=inp.finalize_review_threshold,
            )
            async with keep_alive():
                extracted = await self._finish(merge, [(inp.chunk, data)], tokens["model_version"])
            return ChunkOutput(status="ok", result_key=extracted.result_key, extracted=extracted, **tokens)
        key = storage.file_prefix(inp.batch_id, inp.file_id) + f"chunks/{inp.chunk.first:04d}-{inp.chunk.last:04d}.json"
        await asyncio.to_thread(self.store.put_bytes, key, json.dumps(data).encode(), "application/json")
        return ChunkOutput(status="ok", result_key=key, **tokens)

    @activity.defn(name=act.MERGE_CHUNKS)
    async def merge_chunks(self, inp: MergeInput) -> ExtractOutput:
        try:
            outputs = [
                (c.chunk, json.loads(await asyncio.to_thread(self.store.get_bytes, c.result_key)))
                for c in inp.chunks
            ]
        except ObjectMissing:
            raise gone(inp.file_id) from None
        return await self._finish(inp, outputs, next((c.model_version for c in inp.chunks if c.model_version), None))

    async def _finish(self, inp: MergeInput, outputs: list, model_version: str | None) -> ExtractOutput:
        """Merged, typed, assessed (confidence, citations, rules) and stored: the file's result."""
        result, confidence, warnings = gemini.merge_chunks(inp.extraction_schema, outputs)
        document = await load_words(self.store, inp.batch_id, inp.file_id, max(c.last for c, _ in outputs))
        # The model that actually answered (the service names its version), else the one asked.
        model_used = model_version or inp.model
        # CPU-bound: in a thread, so the model calls sharing this event loop keep going
        raw = RawResult(engine=EngineKind.GEMINI, result=result, confidence=confidence, model_used=model_used,
                        warnings=warnings, input_tokens=inp.input_tokens, output_tokens=inp.output_tokens)
        final = await asyncio.to_thread(finalize, inp.extraction_schema, raw, document, threshold=inp.review_threshold)
        return await store_result(self.store, inp, final)
