"""The Gemini client from settings and the model catalog, for the worker's model calls, its start
check, the API's check of an extraction's `model` and `docparse doctor`.

Two backends: the Gemini Developer API with a key (`vertexai=False` passed explicitly, so a stray
GOOGLE_GENAI_USE_VERTEXAI cannot flip it), or Vertex AI with a project, a location and
application-default credentials. The API version is pinned (a setting), so neither the SDK's
default nor GOOGLE_GENAI_API_VERSION moves it. google-genai is imported on first use (~0.8 s).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import httpx2

from core.config import Settings

if TYPE_CHECKING:
    from google import genai


def _transport_errors() -> tuple[type[BaseException], ...]:
    """What the SDK's active HTTP client raises for a connection that failed or timed out: httpx2's
    TransportError (its default), httpx's (its fallback), aiohttp's where aiohttp is installed."""
    found: list[type[BaseException]] = [httpx.TransportError, httpx2.TransportError]
    try:
        import aiohttp

        found += [aiohttp.ClientError, asyncio.TimeoutError]
    except ImportError:
        pass
    return tuple(found)


TRANSPORT_ERRORS = _transport_errors()


class GeminiNotConfigured(Exception):
    """No key for the Developer API and not the Vertex AI backend."""


class ModelNotFound(Exception):
    """The service says the model does not exist (404): a setting or an extraction names it wrongly."""


class ModelLookupFailed(Exception):
    """The model could not be looked up (no connection, 5xx, 429, a refused key): `auth` says which."""

    def __init__(self, message: str, *, auth: bool = False):
        super().__init__(message)
        self.auth = auth


@dataclass(frozen=True)
class ModelInfo:
    name: str  # as asked
    output_token_limit: int | None  # None: not said (Vertex AI's publisher models do not)
    input_token_limit: int | None = None
    thinking: bool | None = None


def short_name(model: str) -> str:
    """gemini-3.8-flash from models/gemini-3.8-flash or publishers/google/models/gemini-3.8-flash."""
    return model.rsplit("/", 1)[-1]


def describe(settings: Settings) -> str:
    """Which backend, for people (logs, doctor)."""
    if settings.gemini_backend == "vertex":
        return (f"Vertex AI (project {settings.gemini_vertex_project}, location {settings.gemini_vertex_location}, "
                f"API {settings.gemini_api_version})")
    return f"the Gemini Developer API (API {settings.gemini_api_version})"


def make_client(settings: Settings, *, credentials: Any = None) -> genai.Client:
    """credentials: google.auth credentials for Vertex AI (default: application-default credentials)."""
    from google import genai
    from google.genai import types

    options = types.HttpOptions(api_version=settings.gemini_api_version, timeout=int(settings.gemini_timeout_s * 1000))
    if settings.gemini_base_url:
        options.base_url = settings.gemini_base_url
    if settings.gemini_backend == "vertex":
        return genai.Client(vertexai=True, project=settings.gemini_vertex_project,
                            location=settings.gemini_vertex_location, credentials=credentials, http_options=options)
    if not settings.gemini_api_key:
        raise GeminiNotConfigured("no Gemini API key is configured (GOOGLE_API_KEY, GEMINI_API_KEY or "
                                  "DOCPARSE_GEMINI_API_KEY), and DOCPARSE_GEMINI_BACKEND is not vertex")
    return genai.Client(vertexai=False, api_key=settings.gemini_api_key, http_options=options)


class ModelCatalog:
    """models.get, remembered for an hour per model once found (a model that exists keeps existing
    for much longer; one not found is asked again next time)."""

    def __init__(self, settings: Settings, client: genai.Client | None = None, *, ttl_s: float = 3600.0):
        self.settings = settings
        self._client = client
        self.ttl_s = ttl_s
        self._found: dict[str, tuple[float, ModelInfo]] = {}

    @property
    def client(self) -> genai.Client:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    async def lookup(self, model: str) -> ModelInfo:
        """Raises ModelNotFound (the service said 404) or ModelLookupFailed (anything else)."""
        from google.genai import errors

        known = self._found.get(model)
        if known is not None and time.monotonic() - known[0] < self.ttl_s:
            return known[1]
        try:
            got = await self.client.aio.models.get(model=model)
        except errors.APIError as e:
            said = f"{e.code} {e.status or ''}: {e.message or 'no message'}"
            if e.code == 404:
                raise ModelNotFound(f"Gemini has no model '{model}' ({describe(self.settings)} answered {said})") from None
            raise ModelLookupFailed(f"the model '{model}' could not be looked up ({said})",
                                    auth=e.code in (401, 403) or "API_KEY_INVALID" in str(e.details)) from None
        except TRANSPORT_ERRORS as e:
            raise ModelLookupFailed(f"the model '{model}' could not be looked up: {type(e).__name__} {e}") from None
        info = ModelInfo(name=model, output_token_limit=got.output_token_limit,
                         input_token_limit=got.input_token_limit, thinking=got.thinking)
        self._found[model] = (time.monotonic(), info)
        return info
