"""GeminiTransport through the real google-genai client against the strict fake service
(tests/support/fake_gemini.py): the exact path and API version, the backend and key whatever the
environment says, Vertex AI's URL shape and bearer token, the generation settings per model family,
usage with thinking, rerouted models, blocks, size refusals and unknown models."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from temporalio.exceptions import ApplicationError

from activities.model import GeminiTransport, RequestTooLarge
from core.config import Settings
from core.gemini import ModelCatalog, ModelNotFound, make_client
from core.schema import ExtractionSchema
from extraction.engines.gemini import AnswerStatus, GeminiEngine, ModelRequest
from extraction.engines.gemini.prompt import response_json_schema
from tests.support.fake_gemini import FakeGemini, constrain, ok
from workflows.contracts import ErrorType

SCHEMA = ExtractionSchema(fields=[{"key": "invoice_number", "type": "string"},
                                  {"key": "currency", "type": "enum", "values": ["EUR", "USD"]}])


def request(text: str = "Invoice No: A-1") -> ModelRequest:
    return ModelRequest(parts=[text], response_schema=response_json_schema(SCHEMA))


@pytest.fixture(scope="module")
def fake():
    server = FakeGemini(reroute={"gemini-2.5-pro": "gemini-3.8-flash"}, max_request_bytes=200_000).start()
    yield server
    server.stop()


def developer(fake: FakeGemini, **kw) -> GeminiTransport:
    return GeminiTransport(Settings(gemini_api_key="test-key", gemini_base_url=fake.base_url, **kw))


def last(fake: FakeGemini):
    return fake.calls[-1]


async def test_the_exact_path_of_the_pinned_version_with_the_key_whatever_the_environment_says(fake, monkeypatch):
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")  # would flip an implicit client to Vertex AI
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1beta")  # would move the path
    reply = await developer(fake).send("gemini-3.8-flash", request())
    call = last(fake)
    assert call.path == "/v1/models/gemini-3.8-flash:generateContent"
    assert call.headers["x-goog-api-key"] == "test-key" and "authorization" not in {k.lower() for k in call.headers}
    assert fake.lookups[-1].path == "/v1/models/gemini-3.8-flash"  # models.get, for the output limit
    assert reply.finish_reason == "STOP" and json.loads(reply.text)["invoice_number"] == "A-1"


async def test_another_api_version_is_refused_by_the_strict_fake(fake):
    with pytest.raises(ApplicationError) as err:
        await developer(fake, gemini_api_version="v1beta").send("gemini-3.8-flash", request())
    assert err.value.non_retryable and "unknown path /v1beta/models/gemini-3.8-flash" in err.value.message


async def test_gemini_3_gets_a_thinking_level_and_no_temperature(fake):
    reply = await developer(fake).send("gemini-3.8-flash", request())
    call = last(fake)
    assert call.thinking() in ({"thinkingLevel": "LOW"}, {"thinking_level": "LOW"})
    assert call.setting("temperature") is None
    assert call.setting("maxOutputTokens") == 65536
    assert call.setting("responseMimeType") == "application/json" and call.schema() == request().response_schema
    # thinking is billed as output: counted in it, and named
    assert (reply.input_tokens, reply.output_tokens, reply.thinking_tokens) == (1000, 200 + 120, 120)


async def test_gemini_2_5_gets_temperature_0_and_a_budget_2_0_its_own_output_limit(fake):
    await developer(fake).send("gemini-2.5-flash", request())
    call = last(fake)
    assert call.setting("temperature") == 0 and call.thinking() in ({"thinkingBudget": 512}, {"thinking_budget": 512})
    await developer(fake).send("gemini-2.0-flash", request())
    call = last(fake)
    assert call.setting("maxOutputTokens") == 8192 and not call.thinking()  # the setting says 65536


async def test_a_rerouted_model_is_named_as_the_service_names_it(fake, caplog):
    with caplog.at_level(logging.WARNING, "docparse.model"):
        reply = await developer(fake).send("gemini-2.5-pro", request())
    assert reply.model_version == "gemini-3.8-flash"
    assert "asked Gemini for gemini-2.5-pro, gemini-3.8-flash answered" in caplog.text


async def test_blocks_reach_the_engine_as_blocks(fake):
    transport, engine = developer(fake), GeminiEngine("gemini-3.8-flash")
    stopped = await transport.send("gemini-3.8-flash", request("SCENARIO-SAFETY Invoice No: A-1"))
    assert stopped.finish_reason == "SAFETY" and stopped.text  # the text so far is there, and valid JSON
    assert engine.read(SCHEMA, stopped).status == AnswerStatus.BLOCKED
    blocked = await transport.send("gemini-3.8-flash", request("SCENARIO-PROMPT-BLOCKED"))
    assert blocked.block_reason == "PROHIBITED_CONTENT" and blocked.finish_reason is None
    assert engine.read(SCHEMA, blocked).status == AnswerStatus.BLOCKED


async def test_a_body_over_the_services_limit_is_too_large(fake):
    with pytest.raises(RequestTooLarge, match="Request payload size exceeds the limit: 200000 bytes"):
        await developer(fake).send("gemini-3.8-flash", request("x" * 300_000))


async def test_an_unknown_model_is_not_retried(fake):
    with pytest.raises(ApplicationError) as err:
        await developer(fake).send("gemini-1.0-pro", request())
    assert err.value.type == ErrorType.MODEL_REQUEST and err.value.non_retryable
    assert "Gemini has no model 'gemini-1.0-pro'" in err.value.message
    with pytest.raises(ModelNotFound):
        await ModelCatalog(developer(fake).settings).lookup("gemini-1.0-pro")


def test_no_key_is_a_403_as_the_service_answers(fake):
    r = httpx.post(f"{fake.base_url}/v1/models/gemini-3.8-flash:generateContent", json={"contents": []})
    assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"


def test_the_fake_decodes_like_the_service_a_null_the_schema_forbids_becomes_a_value():
    assert constrain(None, {"type": ["string", "null"], "enum": ["EUR", "USD"]}) == "EUR"  # the old schema's bug
    assert constrain(None, response_json_schema(SCHEMA)["properties"]["currency"]) is None


async def test_a_null_enum_comes_back_null(fake):
    reply = await developer(fake).send("gemini-3.8-flash", request("Invoice No: A-1 (no currency printed)"))
    assert json.loads(reply.text)["currency"] is None


async def test_too_many_states_is_a_rejected_request(fake):
    huge = ModelRequest(parts=["x"], response_schema={"type": "object", "properties": {
        f"f{i}": {"type": "string", "format": "date"} for i in range(20)}})
    with pytest.raises(ApplicationError) as err:
        await developer(fake).send("gemini-3.8-flash", huge)
    assert err.value.type == ErrorType.MODEL_REQUEST and "too many states" in err.value.message


# -- Vertex AI ---------------------------------------------------------------------------------------

async def test_vertex_ai_url_shape_and_bearer_token_with_injected_credentials(fake, monkeypatch):
    from google.oauth2.credentials import Credentials

    monkeypatch.setenv("GOOGLE_API_KEY", "a-stray-key")  # must not turn Vertex AI into express mode
    fake.tokens.add("injected-token")
    settings = Settings(gemini_backend="vertex", gemini_vertex_project="acme-prod", gemini_vertex_location="europe-west4",
                        gemini_base_url=fake.base_url)
    client = make_client(settings, credentials=Credentials(token="injected-token"))
    reply = await GeminiTransport(settings, client).send("gemini-3.8-flash", request())
    call = last(fake)
    assert call.path == "/v1/projects/acme-prod/locations/europe-west4/publishers/google/models/gemini-3.8-flash:generateContent"
    assert call.headers["Authorization"] == "Bearer injected-token" and "x-goog-api-key" not in call.headers
    assert fake.lookups[-1].path == "/v1/publishers/google/models/gemini-3.8-flash"
    assert call.setting("maxOutputTokens") == 65536  # Vertex AI's models.get has no limit: the setting
    assert reply.finish_reason == "STOP"


async def test_vertex_ai_without_a_token_the_service_knows_is_refused(fake):
    from google.oauth2.credentials import Credentials

    settings = Settings(gemini_backend="vertex", gemini_vertex_project="p", gemini_base_url=fake.base_url)
    transport = GeminiTransport(settings, make_client(settings, credentials=Credentials(token="forged")))
    with pytest.raises(ApplicationError) as err:
        await transport.send("gemini-3.8-flash", request())
    assert err.value.type == ErrorType.MODEL_AUTH and err.value.non_retryable


def test_ok_replies_carry_data_for_the_schema():
    assert ok({"a": 1}).data == {"a": 1} and ok(None, text="raw").data is None
