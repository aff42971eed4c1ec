"""The Python client against an httpx.MockTransport: typed errors, retries (429 + Retry-After, 5xx,
broken connections) and Idempotency-Key on uploads; the sync and async clients alike."""

from __future__ import annotations

import io
import json

import httpx
import pytest

from cli.extract import Item, _normal_fields, _settings_of, summary
from cli.review import parse_sets
from client import (
    ApiConnectionError,
    ApiError,
    AsyncClient,
    AuthError,
    BadRequest,
    Batch,
    BatchStatus,
    Client,
    ConfigError,
    Conflict,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
)

BASE = "http://api.test"
BATCH = {"id": "btc_1", "extraction_id": "ext_1", "name": None, "status": "queued", "file_count": 1,
         "page_count": 1, "created_at": "2025-01-01T00:00:00Z"}


def error(status: int, code: str, message: str, headers: dict | None = None, retryable: bool | None = None):
    body = {"error": message, "code": code, "retryable": status in (429, 503) or status >= 500
            if retryable is None else retryable}
    return httpx.Response(status, json=body, headers=headers or {})


class Recorder:
    """A MockTransport handler answering from a list (the last answer repeats), recording requests."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make(handler, **kw) -> tuple[Client, list[float]]:
    sleeps: list[float] = []
    dp = Client(BASE, "dp_test", transport=httpx.MockTransport(handler), sleep=sleeps.append, **kw)
    return dp, sleeps


@pytest.mark.parametrize("status,code,cls", [
    (400, "document_rejected", BadRequest), (401, "invalid_api_key", AuthError), (403, "out_of_pages", AuthError),
    (404, "not_found", NotFound), (409, "awaiting_review", Conflict), (413, "file_too_large", PayloadTooLarge),
    (429, "rate_limited", RateLimited), (500, "internal_error", ServerError),
    (503, "database_unavailable", ServerError),
])
def test_errors_map_to_typed_exceptions_with_status_code_and_message(status, code, cls):
    dp, _ = make(Recorder(error(status, code, f"the {code} sentence")), max_attempts=1)
    with pytest.raises(cls) as info:
        dp.get_extraction("ext_1")
    e = info.value
    assert isinstance(e, ApiError)
    assert (e.status, e.code, e.message) == (status, code, f"the {code} sentence")
    assert e.retryable == (status in (429, 500, 503))
    assert e.method == "GET" and e.url == f"{BASE}/v1/extractions/ext_1"


def test_an_error_without_a_json_body_still_has_a_code_and_message():
    dp, _ = make(Recorder(httpx.Response(502, text="Bad Gateway from the proxy")), max_attempts=1)
    with pytest.raises(ServerError) as info:
        dp.list_extractions()
    assert info.value.code == "internal_error" and "Bad Gateway" in info.value.message


def test_requests_carry_the_key_and_answers_are_typed():
    rec = Recorder(httpx.Response(200, json={"batch": BATCH, "files": [
        {"id": "file_1", "file_name": "a.pdf", "status": "processed", "page_count": 1, "error": None}]}))
    dp, _ = make(rec)
    status = dp.get_batch("ext_1", "btc_1")
    assert isinstance(status, BatchStatus) and status.batch.id == "btc_1" and status.files[0].id == "file_1"
    assert status.counts()["processed"] == 1 and not status.batch.is_terminal
    assert rec.requests[0].headers["Authorization"] == "Bearer dp_test"
    assert rec.requests[0].url.path == "/v1/extractions/ext_1/batches/btc_1"


def test_429_with_retry_after_is_retried_then_succeeds():
    ok = httpx.Response(200, json={"extractions": []})
    rec = Recorder(error(429, "rate_limited", "slow down", {"Retry-After": "3"}),
                   error(429, "rate_limited", "slow down", {"Retry-After": "1"}), ok)
    dp, sleeps = make(rec)
    assert dp.list_extractions().extractions == []
    assert len(rec.requests) == 3 and sleeps == [3.0, 1.0]


def test_429_is_retried_also_for_a_request_that_is_not_idempotent():
    created = httpx.Response(201, json={"extraction": {"id": "ext_1", "name": "x", "fields": [], "status": "ready"}})
    rec = Recorder(error(429, "rate_limited", "slow down", {"Retry-After": "0"}), created)
    dp, sleeps = make(rec)
    assert dp.create_extraction(name="x", fields=[{"key": "a", "type": "string"}]).id == "ext_1"
    assert len(rec.requests) == 2 and sleeps == [0.0]


def test_retries_stop_at_max_attempts_and_raise_the_last_error():
    rec = Recorder(error(429, "rate_limited", "slow down", {"Retry-After": "2"}))
    dp, sleeps = make(rec, max_attempts=3)
    with pytest.raises(RateLimited) as info:
        dp.list_extractions()
    assert len(rec.requests) == 3 and sleeps == [2.0, 2.0] and info.value.retry_after == 2.0


def test_5xx_is_retried_with_exponential_backoff_for_reads():
    rec = Recorder(error(503, "database_unavailable", "db down"), error(500, "internal_error", "boom"),
                   httpx.Response(200, json={"extractions": []}))
    dp, sleeps = make(rec)
    dp.list_extractions()
    assert len(rec.requests) == 3
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # base 0.5 s, doubled, with jitter


def test_5xx_is_not_retried_for_a_review_decision_or_an_extraction_create():
    rec = Recorder(error(500, "internal_error", "boom"))
    dp, sleeps = make(rec)
    with pytest.raises(ServerError):
        dp.decide_review("ext_1", "file_1", "approve", 1)
    with pytest.raises(ServerError):
        dp.create_extraction(name="x", fields=[{"key": "a", "type": "string"}])
    assert len(rec.requests) == 2 and sleeps == []


def test_a_connection_error_is_retried_then_reported():
    rec = Recorder(httpx.ConnectError("refused"))
    dp, sleeps = make(rec, max_attempts=2)
    with pytest.raises(ApiConnectionError) as info:
        dp.list_extractions()
    assert len(rec.requests) == 2 and len(sleeps) == 1 and "2 attempt" in str(info.value)


def test_uploads_carry_an_idempotency_key_and_a_retried_upload_reuses_it(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 first file")
    rec = Recorder(error(503, "database_unavailable", "db down", {"Retry-After": "1"}),
                   httpx.ReadError("connection reset"),
                   error(503, "batch_not_scheduled_yet", "stored, not scheduled", retryable=False),
                   httpx.Response(202, json={"batch": BATCH}))
    dp, sleeps = make(rec)
    batch = dp.upload_batch("ext_1", [pdf, ("b.png", b"\x89PNG second")], name="nov")
    assert isinstance(batch, Batch) and batch.id == "btc_1"
    assert len(rec.requests) == 4 and sleeps[0] == 1.0
    keys = {r.headers.get("Idempotency-Key") for r in rec.requests}
    assert len(keys) == 1 and None not in keys and len(keys.pop()) >= 16
    for r in rec.requests:  # every attempt sends the whole body again
        assert b"%PDF-1.4 first file" in r.content and b"\x89PNG second" in r.content
        assert b'name="name"' in r.content and b"nov" in r.content
        assert b'filename="a.pdf"' in r.content and b'filename="b.png"' in r.content

    # each upload call gets its own key; a given key is sent as is
    dp.upload_batch("ext_1", [("c.pdf", b"%PDF")])
    dp.upload_batch("ext_1", [("c.pdf", b"%PDF")], idempotency_key="mine-1")
    assert rec.requests[-2].headers["Idempotency-Key"] not in keys | {"mine-1"}
    assert rec.requests[-1].headers["Idempotency-Key"] == "mine-1"


def test_an_upload_without_idempotency_key_is_not_retried_after_a_5xx():
    rec = Recorder(error(503, "database_unavailable", "db down"))
    dp, _ = make(rec, auto_idempotency_key=False)
    with pytest.raises(ServerError):
        dp.upload_batch("ext_1", [("a.pdf", b"%PDF")])
    assert len(rec.requests) == 1 and "Idempotency-Key" not in rec.requests[0].headers


def test_a_file_object_is_sent_whole_on_every_attempt():
    stream = io.BytesIO(b"%PDF-1.7 the whole body")
    rec = Recorder(error(429, "rate_limited", "slow", {"Retry-After": "0"}), httpx.Response(202, json={"batch": BATCH}))
    dp, _ = make(rec)
    dp.upload_batch("ext_1", [("a.pdf", stream)])
    assert len(rec.requests) == 2
    for r in rec.requests:
        assert b"%PDF-1.7 the whole body" in r.content


def test_webhook_secret_and_a_batch_webhook_url():
    rec = Recorder(httpx.Response(201, json={"secret": "whsec_abc"}), httpx.Response(202, json={"batch": BATCH}))
    dp, _ = make(rec)
    assert dp.rotate_webhook_secret() == "whsec_abc"
    dp.upload_batch("ext_1", [("a.pdf", b"%PDF")], webhook_url="https://hooks.example/x")
    assert rec.requests[0].method == "POST" and rec.requests[0].url.path == "/v1/webhook-secret"
    assert b'name="webhook_url"' in rec.requests[1].content and b"https://hooks.example/x" in rec.requests[1].content


def test_iter_batches_follows_next_before():
    pages = {None: {"batches": [{**BATCH, "id": "btc_3"}, {**BATCH, "id": "btc_2"}], "next_before": "c2"},
             "c2": {"batches": [{**BATCH, "id": "btc_1"}], "next_before": None}}
    seen = []

    def handler(request):
        before = request.url.params.get("before")
        seen.append((before, request.url.params.get("limit")))
        return httpx.Response(200, json=pages[before])

    dp, _ = make(handler)
    assert [b.id for b in dp.iter_batches("ext_1", page_size=2)] == ["btc_3", "btc_2", "btc_1"]
    assert seen == [(None, "2"), ("c2", "2")]


def test_review_helpers_read_the_revision_and_send_the_decision():
    detail = {"file_id": "file_1", "file_name": "a.pdf", "extraction_id": "ext_1", "batch_id": "btc_1",
              "status": "needs_review", "revision": 4, "reasons": ["low confidence"], "fields": [],
              "extracted": {}, "confidence": {}, "citations": {}, "review_threshold": 1.0, "pages": []}
    posted = []

    def handler(request):
        if request.method == "GET" and request.url.path.endswith("/review"):
            return httpx.Response(200, json=detail)
        if request.url.path == "/v1/reviews":
            return httpx.Response(200, json={"files": []})
        if request.url.path.endswith("/pages/2"):
            return httpx.Response(200, content=b"\x89PNG..", headers={"Content-Type": "image/png"})
        if request.method == "DELETE":
            return httpx.Response(204)
        posted.append(json.loads(request.content))
        return httpx.Response(200, json={"file_id": "file_1", "status": "processed", "decision": "approved",
                                         "revision": 4})

    dp, _ = make(handler)
    assert dp.approve("ext_1", "file_1", values={"total": 1.5}, reason="typo").status == "processed"
    dp.reject("ext_1", "file_1", reason="not an invoice")
    assert posted == [{"action": "approve", "revision": 4, "values": {"total": 1.5}, "reason": "typo"},
                      {"action": "reject", "revision": 4, "reason": "not an invoice"}]
    assert dp.list_reviews() == []
    assert dp.page_image("ext_1", "file_1", 2) == b"\x89PNG.."
    assert dp.delete_file("ext_1", "file_1") is None


def test_base_url_and_key_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DOCPARSE_API_URL", "http://env.test:9/")
    monkeypatch.setenv("DOCPARSE_API_KEY", "dp_env")
    dp = Client()
    assert dp.base_url == "http://env.test:9" and dp.api_key == "dp_env"
    monkeypatch.delenv("DOCPARSE_API_KEY")
    with pytest.raises(ConfigError):
        Client()


async def test_the_async_client_retries_and_types_errors_the_same_way():
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    rec = Recorder(error(429, "rate_limited", "slow down", {"Retry-After": "2"}),
                   httpx.Response(202, json={"batch": BATCH}), error(404, "not_found", "batch 'btc_x' was not found"))
    async with AsyncClient(BASE, "dp_test", transport=httpx.MockTransport(rec), sleep=sleep) as dp:
        batch = await dp.upload_batch("ext_1", [("a.pdf", b"%PDF")])
        assert batch.id == "btc_1" and sleeps == [2.0]
        assert rec.requests[0].headers["Idempotency-Key"] == rec.requests[1].headers["Idempotency-Key"]
        with pytest.raises(NotFound) as info:
            await dp.get_batch("ext_1", "btc_x")
        assert info.value.code == "not_found" and "btc_x" in info.value.message


# -- CLI helpers


def test_extraction_reuse_compares_fields_with_the_api_defaults_filled_in():
    body = {"name": "inv", "fields": [{"key": "a", "type": "string"},
                                      {"key": "items", "type": "list<object>", "fields": [{"key": "q", "type": "number"}]}],
            "review_threshold": 0}
    stored = {"name": "inv", "description": None, "language": "auto", "model": None, "review_threshold": 0.0,
              "review_deadline_hours": 168, "status": "ready",
              "fields": [{"key": "a", "type": "string", "required": False},
                         {"key": "items", "type": "list<object>", "required": False,
                          "fields": [{"key": "q", "type": "number", "required": False}]}]}
    assert _settings_of(body) == _settings_of(stored)
    assert _settings_of({**body, "review_threshold": 1.0}) != _settings_of(stored)
    assert _settings_of({**body, "fields": body["fields"][:1]}) != _settings_of(stored)
    assert _normal_fields([{"key": "a", "type": "string", "description": None}]) == [
        {"key": "a", "type": "string", "required": False}]


def test_set_values_are_typed_by_the_schema():
    fields = [{"key": "total", "type": "number"}, {"key": "n", "type": "integer"}, {"key": "paid", "type": "boolean"},
              {"key": "number", "type": "string"}]
    assert parse_sets(["total=118.5", "n=3", "paid=yes", "number=0017", "due=null", "other=x=y"], fields) == {
        "total": 118.5, "n": 3, "paid": True, "number": "0017", "due": None, "other": "x=y"}


def test_summary_counts_every_status(tmp_path):
    items = [Item(tmp_path / "a", 1, status="processed"), Item(tmp_path / "b", 1, status="rejected")]
    assert summary(items) == "summary: processed 1, needs_review 0, failed 0, rejected 1, skipped 0 (2 files)"
