"""activities/model.py: Gemini's failures classified at the activity edge (classify), the
transport's own failure in transit, and model_read_chunk under ActivityEnvironment with a fake
transport and an in-memory store.

The APIError objects are built as google-genai builds them from an error response
(errors.APIError(code, response_json, response)): body {"error": {code, message, status, details}}.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
from google.genai import errors
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.extract import ExtractActivities
from activities.model import CallLimits, GeminiTransport, ModelActivities, RequestTooLarge, classify, is_too_large
from activities.pages import PageReader
from core import storage
from core.config import Settings
from core.gemini import TRANSPORT_ERRORS, ModelInfo
from core.schema import ExtractionSchema
from extraction.engines.gemini import AnswerStatus, Blob, Chunk, ModelReply, ModelRequest
from extraction.result import FinalResult
from tests.support.fakes import FixedCatalog, MemoryStore
from tests.support.pages import words_page
from workflows.contracts import ErrorType
from workflows.models import ChunkTask

MODEL = "gemini-2.5-flash"
QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"
RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


def api_error(code: int, status: str, message: str, details: list[dict] | None = None, *,
              cls: type[errors.APIError] | None = None, response: object = None) -> errors.APIError:
    cls = cls or (errors.ServerError if code >= 500 else errors.ClientError)
    body = {"error": {"code": code, "message": message, "status": status, "details": details or []}}
    return cls(code, body, response)


def per_minute_limit(retry_delay: str | None = "7s") -> errors.APIError:
    details = [{"@type": QUOTA_FAILURE, "violations": [
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
         "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]}]
    if retry_delay is not None:
        details.append({"@type": RETRY_INFO, "retryDelay": retry_delay})
    return api_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", details)


def assert_type(err: ApplicationError, kind: ErrorType, *, non_retryable: bool) -> None:
    assert isinstance(err, ApplicationError)
    assert (err.type, err.non_retryable) == (kind, non_retryable), err.message


# -- classify -------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,status", [(401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED")])
def test_refused_credentials_are_not_retried(code, status):
    err = classify(api_error(code, status, "Method doesn't allow unregistered callers."), MODEL)
    assert_type(err, ErrorType.MODEL_AUTH, non_retryable=True)
    assert "refused the API key" in err.message and str(code) in err.message


def test_an_invalid_key_is_an_auth_failure_though_gemini_answers_400():
    e = api_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                  [{"@type": ERROR_INFO, "reason": "API_KEY_INVALID", "domain": "googleapis.com"}])
    assert_type(classify(e, MODEL), ErrorType.MODEL_AUTH, non_retryable=True)


def test_a_daily_quota_is_not_retried_even_with_a_retry_delay():
    e = api_error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", [
        {"@type": QUOTA_FAILURE, "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
        {"@type": RETRY_INFO, "retryDelay": "37s"},
    ])
    err = classify(e, MODEL)
    assert_type(err, ErrorType.MODEL_QUOTA, non_retryable=True)
    assert f"daily quota for {MODEL} is exhausted" in err.message


def test_a_daily_quota_named_in_error_info_metadata():
    e = api_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", [
        {"@type": ERROR_INFO, "reason": "RATE_LIMIT_EXCEEDED",
         "metadata": {"quota_limit": "GenerateContentRequestsPerDayPerProjectPerModel"}}])
    assert_type(classify(e, MODEL), ErrorType.MODEL_QUOTA, non_retryable=True)


@pytest.mark.parametrize("delay,expected", [("7s", timedelta(seconds=7)), ("1.5s", timedelta(seconds=1.5))])
def test_a_rate_limit_is_retried_after_the_servers_delay(delay, expected):
    err = classify(per_minute_limit(delay), MODEL)
    assert_type(err, ErrorType.MODEL_UNAVAILABLE, non_retryable=False)
    assert err.next_retry_delay == expected
    assert "retrying" in err.message and "429 RESOURCE_EXHAUSTED" in err.message


def test_a_rate_limit_without_retry_info_uses_the_retry_after_header():
    e = per_minute_limit(None)
    e.response = httpx.Response(429, headers={"Retry-After": "12"})
    assert classify(e, MODEL).next_retry_delay == timedelta(seconds=12)
    e.response = None  # neither: Temporal's own backoff
    assert classify(e, MODEL).next_retry_delay is None


@pytest.mark.parametrize("code,status", [(500, "INTERNAL"), (503, "UNAVAILABLE"), (504, "DEADLINE_EXCEEDED"),
                                         (408, "REQUEST_TIMEOUT")])
def test_server_errors_and_timeouts_are_retried(code, status):
    err = classify(api_error(code, status, "The model is overloaded. Please try again later."), MODEL)
    assert_type(err, ErrorType.MODEL_UNAVAILABLE, non_retryable=False)
    assert err.next_retry_delay is None


@pytest.mark.parametrize("code,status", [(400, "INVALID_ARGUMENT"), (404, "NOT_FOUND"), (413, "PAYLOAD_TOO_LARGE")])
def test_a_rejected_request_is_not_retried(code, status):
    err = classify(api_error(code, status, "Request contains an invalid argument."), MODEL)
    assert_type(err, ErrorType.MODEL_REQUEST, non_retryable=True)
    assert "Request contains an invalid argument." in err.message


def test_an_error_without_a_body_still_has_a_message():
    err = classify(errors.ServerError(502, None, None), MODEL)
    assert_type(err, ErrorType.MODEL_UNAVAILABLE, non_retryable=False)
    assert "502" in err.message and "no message" in err.message


# -- the transport (against a real socket; the fake service: tests/activities/test_gemini_transport.py) --

def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


class KnownModels:
    """ModelCatalog.lookup's contract, for calls that must reach generateContent."""

    async def lookup(self, model: str) -> ModelInfo:
        return ModelInfo(name=model, output_token_limit=65536)


REQUEST = ModelRequest(parts=["Extract the fields."], response_schema={"type": "object"})


async def test_a_connection_error_is_a_retryable_model_unavailable():
    settings = Settings(gemini_api_key="test-key", gemini_base_url=f"http://127.0.0.1:{closed_port()}",
                        gemini_timeout_s=10)
    with pytest.raises(ApplicationError) as err:
        await GeminiTransport(settings, catalog=KnownModels()).send(MODEL, REQUEST)
    assert_type(err.value, ErrorType.MODEL_UNAVAILABLE, non_retryable=False)
    assert "in transit (ConnectError" in err.value.message


async def test_the_model_lookup_failing_in_transit_is_retryable_too():
    settings = Settings(gemini_api_key="test-key", gemini_base_url=f"http://127.0.0.1:{closed_port()}",
                        gemini_timeout_s=10)
    with pytest.raises(ApplicationError) as err:
        await GeminiTransport(settings).send(MODEL, REQUEST)
    assert_type(err.value, ErrorType.MODEL_UNAVAILABLE, non_retryable=False)
    assert "could not be looked up: ConnectError" in err.value.message


@pytest.fixture
def hanging_server():
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in accepted:
        conn.close()


async def test_a_server_that_hangs_is_a_retryable_timeout(hanging_server):
    settings = Settings(gemini_api_key="test-key", gemini_base_url=hanging_server, gemini_timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(ApplicationError) as err:
        await GeminiTransport(settings, catalog=KnownModels()).send(MODEL, REQUEST)
    assert time.monotonic() - started < 10  # the client's timeout, not the activity's
    assert_type(err.value, ErrorType.MODEL_UNAVAILABLE, non_retryable=False)
    assert "Timeout" in err.value.message and "no answer within 0.5 s" in err.value.message


async def test_no_api_key_is_an_auth_failure_before_any_call():
    with pytest.raises(ApplicationError) as err:
        await GeminiTransport(Settings(gemini_api_key=None)).send(MODEL, ModelRequest(parts=["x"], response_schema={}))
    assert_type(err.value, ErrorType.MODEL_AUTH, non_retryable=True)


def test_what_the_active_client_raises_is_caught():
    import httpx2

    assert issubclass(httpx2.ConnectError, TRANSPORT_ERRORS) and issubclass(httpx2.ReadTimeout, TRANSPORT_ERRORS)
    assert issubclass(httpx.ConnectError, TRANSPORT_ERRORS)


# -- model_read_chunk -----------------------------------------------------------------------------

SCHEMA = ExtractionSchema(fields=[{"key": "invoice_number", "type": "string"}, {"key": "total", "type": "number"}])


class ScriptedTransport:
    """GeminiTransport.send's contract: the replies in order (an exception is raised)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests: list[ModelRequest] = []

    async def send(self, model: str, request: ModelRequest) -> ModelReply:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        return reply


def store_pages(store: MemoryStore, pages: int) -> None:
    for n in range(1, pages + 1):
        page = words_page([[(50, "Invoice"), (110, "No."), (150, f"INV-{n}")], [(50, "Total"), (110, "42.00")]], number=n)
        store.put_bytes(storage.page_words_key("b1", "f1", n), page.model_dump_json().encode())
        store.put_bytes(storage.page_image_key("b1", "f1", n), b"\x89PNG page %d" % n)


def model_activities(store: MemoryStore, transport: ScriptedTransport) -> ModelActivities:
    catalog = FixedCatalog(SCHEMA, review_threshold=0.5)
    return ModelActivities(store, transport, catalog, ExtractActivities(store, PageReader(store, None), catalog))


def chunk_task(chunk: Chunk, page_count: int) -> ChunkTask:
    return ChunkTask(batch_id="b1", extraction_id="e1", file_id="f1", page_count=page_count, chunk=chunk, model=MODEL)


def reply(data: dict | None, finish: str = "STOP", text: str | None = None) -> ModelReply:
    return ModelReply(text=text if text is not None else json.dumps(data), finish_reason=finish,
                      input_tokens=1200, output_tokens=80, model_version="gemini-2.5-flash-001")


async def test_a_chunk_answer_is_stored_for_the_merge():
    store, transport = MemoryStore(), ScriptedTransport(reply({"invoice_number": "INV-1", "total": None}))
    store_pages(store, 3)
    part = Chunk(first=1, last=2, own_first=1, own_last=2)
    answer = await ActivityEnvironment().run(model_activities(store, transport).model_read_chunk, chunk_task(part, 3))

    assert answer.status == AnswerStatus.OK and answer.outcome is None
    assert answer.answer_key == storage.answer_key("b1", "f1", 1, 2)
    assert json.loads(store.get_bytes(answer.answer_key)) == {"invoice_number": "INV-1", "total": None}
    assert (answer.input_tokens, answer.output_tokens, answer.model_version) == (1200, 80, "gemini-2.5-flash-001")
    [request] = transport.requests
    # pages prepared before model pages had their own key: the stored page PNGs
    assert [p for p in request.parts if isinstance(p, Blob)] == [
        Blob(b"\x89PNG page 1", "image/png"), Blob(b"\x89PNG page 2", "image/png")]


async def test_a_whole_document_chunk_is_finished_in_the_activity():
    store = MemoryStore()
    transport = ScriptedTransport(reply({"invoice_number": "INV-1", "total": 42.0}))
    store_pages(store, 1)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    answer = await ActivityEnvironment().run(model_activities(store, transport).model_read_chunk, chunk_task(whole, 1))

    assert answer.status == AnswerStatus.OK and answer.outcome is not None
    assert answer.outcome.result_key == answer.answer_key == storage.result_key("b1", "f1")
    final = FinalResult.model_validate_json(store.get_bytes(answer.outcome.result_key))
    assert final.result == {"invoice_number": "INV-1", "total": 42.0}
    assert final.engine == "gemini" and final.model_used == "gemini-2.5-flash-001"  # the model that answered
    assert (final.input_tokens, final.output_tokens) == (1200, 80)


@pytest.mark.parametrize("model_reply,status,words", [
    (reply(None, finish="MAX_TOKENS", text='{"invoice_number": "INV'), AnswerStatus.TRUNCATED, "truncated at 80 tokens"),
    (reply(None, text="I cannot read this"), AnswerStatus.INVALID, "not JSON"),
    (reply(None, text='{"total": [1, 2]}'), AnswerStatus.INVALID, "'total' is not a single value"),
])
async def test_an_unusable_answer_is_reported_with_its_tokens(model_reply, status, words):
    store = MemoryStore()
    store_pages(store, 1)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    answer = await ActivityEnvironment().run(
        model_activities(store, ScriptedTransport(model_reply)).model_read_chunk, chunk_task(whole, 1))
    assert answer.status == status and words in answer.detail
    assert answer.answer_key is None and answer.outcome is None
    assert (answer.input_tokens, answer.output_tokens) == (1200, 80)  # counted, though unusable
    assert store.keys("files/b1/f1/chunks/") == [] and not store.exists(storage.result_key("b1", "f1"))


async def test_pages_deleted_before_the_call_mean_the_file_is_gone():
    store, transport = MemoryStore(), ScriptedTransport()
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(model_activities(store, transport).model_read_chunk, chunk_task(whole, 1))
    assert_type(err.value, ErrorType.FILE_GONE, non_retryable=True)
    assert transport.requests == []  # no model call for a deleted file


async def test_the_transports_classified_error_fails_the_activity_as_is():
    store = MemoryStore()
    store_pages(store, 1)
    limited = classify(per_minute_limit("3s"), MODEL)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(
            model_activities(store, ScriptedTransport(limited)).model_read_chunk, chunk_task(whole, 1))
    assert err.value is limited and err.value.next_retry_delay == timedelta(seconds=3)


# -- answers about the input: the page as stored, too large, a 500 that stays -----------------------

ONE_PAGE_PDF = b"%PDF-1.7\n% one page\n"


def store_model_pages(store: MemoryStore, pages: int, data: bytes = ONE_PAGE_PDF) -> None:
    store_pages(store, pages)
    for n in range(1, pages + 1):
        store.put_bytes(storage.model_page_key("b1", "f1", n), data)


async def test_the_model_page_goes_as_stored_its_type_from_its_bytes():
    store = MemoryStore()
    store_model_pages(store, 1)
    transport = ScriptedTransport(reply({"invoice_number": "INV-1", "total": 42.0}))
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    await ActivityEnvironment().run(model_activities(store, transport).model_read_chunk, chunk_task(whole, 1))
    [request] = transport.requests
    assert [p for p in request.parts if isinstance(p, Blob)] == [Blob(ONE_PAGE_PDF, "application/pdf")]
    assert not any("Text layer" in p for p in request.parts if isinstance(p, str))  # the PDF carries its own


async def test_a_request_over_the_byte_budget_is_too_large_without_a_call():
    store = MemoryStore()
    store_model_pages(store, 2, b"\xff\xd8\xff" + b"j" * 600_000)  # two 0.6 MB JPEGs
    transport = ScriptedTransport()
    acts = ModelActivities(store, transport, FixedCatalog(SCHEMA), None, CallLimits(max_request_bytes=1_000_000))
    answer = await ActivityEnvironment().run(acts.model_read_chunk, chunk_task(Chunk(first=1, last=2, own_first=1,
                                                                                     own_last=2), 2))
    assert answer.status == AnswerStatus.TOO_LARGE and "over the 0.953674 MB" in answer.detail
    assert transport.requests == []


async def test_the_services_size_refusal_is_too_large():
    store = MemoryStore()
    store_model_pages(store, 1)
    refused = RequestTooLarge("Gemini refused the request for its size (400 INVALID_ARGUMENT: Request payload size "
                              "exceeds the limit: 20971520 bytes.)")
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    answer = await ActivityEnvironment().run(
        model_activities(store, ScriptedTransport(refused)).model_read_chunk, chunk_task(whole, 1))
    assert answer.status == AnswerStatus.TOO_LARGE and "payload size exceeds" in answer.detail


def test_a_payload_size_answer_is_told_from_other_400s():
    assert is_too_large(api_error(400, "INVALID_ARGUMENT", "Request payload size exceeds the limit: 20971520 bytes."))
    assert is_too_large(api_error(413, "PAYLOAD_TOO_LARGE", "Request Entity Too Large"))
    assert not is_too_large(api_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument."))


def attempt(n: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=n)
    return env


@pytest.mark.parametrize("code,status", [(500, "INTERNAL"), (503, "UNAVAILABLE")])
async def test_early_attempts_of_a_server_error_are_retried(code, status):
    store = MemoryStore()
    store_model_pages(store, 1)
    failing = classify(api_error(code, status, "An internal error has occurred."), MODEL)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    with pytest.raises(ApplicationError) as err:
        await attempt(4).run(model_activities(store, ScriptedTransport(failing)).model_read_chunk, chunk_task(whole, 1))
    assert (err.value.message, err.value.type, err.value.details) == (failing.message, failing.type, failing.details)
    assert not err.value.non_retryable and err.value.next_retry_delay == timedelta(seconds=16)  # 2 s doubled 3 times


async def test_without_the_services_own_delay_the_worker_paces_the_retries():
    store = MemoryStore()
    store_model_pages(store, 1)
    busy = classify(api_error(503, "UNAVAILABLE", "The model is overloaded."), MODEL)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    limits = CallLimits(retry_initial_s=0.25, retry_max_s=1.0)
    delays = []
    for n in (1, 2, 3, 9):
        acts = ModelActivities(store, ScriptedTransport(busy), FixedCatalog(SCHEMA), None, limits)
        with pytest.raises(ApplicationError) as err:
            await attempt(n).run(acts.model_read_chunk, chunk_task(whole, 1))
        delays.append(err.value.next_retry_delay.total_seconds())
    assert delays == [0.25, 0.5, 1.0, 1.0]
    assert CallLimits().backoff(1) == timedelta(seconds=2) and CallLimits().backoff(99) == timedelta(minutes=2)


async def test_a_500_still_there_at_the_fifth_attempt_is_an_answer_for_the_chunk_policy():
    store = MemoryStore()
    store_model_pages(store, 1)
    failing = classify(api_error(500, "INTERNAL", "An internal error has occurred."), MODEL)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    answer = await attempt(5).run(model_activities(store, ScriptedTransport(failing)).model_read_chunk,
                                  chunk_task(whole, 1))
    assert answer.status == AnswerStatus.SERVER_ERROR
    assert answer.detail == "Gemini is busy or unavailable (500 INTERNAL: An internal error has occurred.) (attempt 5)"


async def test_a_503_is_retried_at_any_attempt():
    store = MemoryStore()
    store_model_pages(store, 1)
    busy = classify(api_error(503, "UNAVAILABLE", "The model is overloaded."), MODEL)
    whole = Chunk(first=1, last=1, own_first=1, own_last=1)
    with pytest.raises(ApplicationError):
        await attempt(40).run(model_activities(store, ScriptedTransport(busy)).model_read_chunk, chunk_task(whole, 1))


def test_a_missing_model_is_not_retried():
    err = classify(api_error(404, "NOT_FOUND", "models/gemini-1.0-pro is not found for API version v1"), MODEL)
    assert_type(err, ErrorType.MODEL_REQUEST, non_retryable=True)
    assert "has no model" in err.message
