"""The Gemini engine's pure parts (extraction/engines/gemini/): the response schema the service is
sent and its caps, how an answer is read (finish reasons, blocks, truncation with thinking), the
request (what goes beside a page image and beside a one-page PDF), the generation settings per
model family, and the chunk policy for blocked, too-large and failing answers."""

from __future__ import annotations

import json

import pytest

from core import limits
from core.schema import ExtractionSchema
from extraction.engines.gemini import (
    AnswerBlocked,
    AnswerStatus,
    AnswerUnusable,
    Blob,
    Chunk,
    ChunkQueue,
    GeminiEngine,
    ModelReply,
    generation_options,
)
from extraction.engines.gemini.plan import INVALID_RETRIES, chunk_plan
from extraction.engines.gemini.prompt import instructions, response_json_schema, schema_problems
from extraction.pages import PageText, Word

SCHEMA = ExtractionSchema(language="en", fields=[
    {"key": "invoice_number", "type": "string", "required": True, "description": "the number, as printed"},
    {"key": "issue_date", "type": "date"},
    {"key": "currency", "type": "enum", "values": ["EUR", "USD"]},
    {"key": "line_items", "type": "list<object>", "fields": [
        {"key": "description", "type": "string"}, {"key": "unit", "type": "enum", "values": ["pc", "h"]}]},
])


def walk(node):
    yield node
    for child in (node.get("properties") or {}).values():
        yield from walk(child)
    if isinstance(node.get("items"), dict):
        yield from walk(node["items"])
    for branch in node.get("anyOf") or []:
        yield from walk(branch)


def validates_null(node) -> bool:
    """JSON Schema's answer to: may this node be null? (type lists, enums, anyOf)"""
    if "anyOf" in node:
        return any(validates_null(b) for b in node["anyOf"])
    kinds = node["type"] if isinstance(node.get("type"), list) else [node.get("type")]
    return "null" in kinds and (None in node["enum"] if "enum" in node else True)


# -- the response schema ----------------------------------------------------------------------------

def test_every_absent_value_may_be_null_enums_included():
    schema = response_json_schema(SCHEMA)
    props = schema["properties"]
    for key in ("invoice_number", "issue_date", "currency"):
        assert validates_null(props[key]), (key, props[key])
    assert props["currency"] == {"anyOf": [{"type": "string", "enum": ["EUR", "USD"]}, {"type": "null"}]}
    item = props["line_items"]["items"]["properties"]
    assert validates_null(item["unit"]) and not validates_null(props["line_items"])  # a list: [] when absent
    assert set(schema["required"]) == set(props)


def test_the_schema_has_no_formats_and_no_descriptions_the_prompt_has_the_guidance():
    schema = response_json_schema(SCHEMA)
    assert not any("format" in n or "description" in n for n in walk(schema))
    text = instructions(SCHEMA, Chunk(first=1, last=1, own_first=1, own_last=1), 1)
    assert "invoice_number: the number, as printed" in text
    assert "issue_date: a date, as YYYY-MM-DD" in text
    assert "currency: one of: EUR, USD; null if none applies" in text
    assert "line_items[].unit: one of: pc, h" in text


def fields(n: int, **extra) -> list[dict]:
    return [{"key": f"f{i}", "type": "string", **extra} for i in range(n)]


def test_a_schema_within_the_caps_has_no_problems():
    at_caps = ExtractionSchema(fields=[
        *fields(limits.GEMINI_MAX_SCHEMA_PROPERTIES // 2 - 5),
        *({"key": f"e{i}", "type": "enum", "values": [f"v{j}" for j in range(limits.GEMINI_MAX_ENUM_VALUES)]}
          for i in range(limits.GEMINI_MAX_ENUM_VALUES_TOTAL // limits.GEMINI_MAX_ENUM_VALUES)),
    ])
    assert schema_problems(at_caps) == []
    assert schema_problems(SCHEMA) == []


@pytest.mark.parametrize("schema,words", [
    (ExtractionSchema(fields=[{"key": "c", "type": "enum", "values": [f"v{j}" for j in range(51)]}]),
     "field 'c' has 51 enum values"),
    (ExtractionSchema(fields=[{"key": f"c{i}", "type": "enum", "values": [f"v{j}" for j in range(45)]}
                              for i in range(5)]), "the enum fields have 225 values together"),
    (ExtractionSchema(fields=fields(61)), "response schema of 123 properties"),
    (ExtractionSchema(fields=[{"key": "c", "type": "enum", "values": ["x" * 330 + str(j) for j in range(50)]}]),
     "bytes; at most 16000"),
])
def test_a_schema_over_a_cap_is_named(schema, words):
    problems = schema_problems(schema)
    assert any(words in p for p in problems), problems


# -- reading an answer ------------------------------------------------------------------------------

def reply(text: str | None = None, finish: str | None = "STOP", **kw) -> ModelReply:
    return ModelReply(text=text, finish_reason=finish, input_tokens=100, output_tokens=50, **kw)


VALID = json.dumps({"invoice_number": "A-1", "issue_date": None, "currency": None, "line_items": []})


def test_only_a_stop_with_valid_json_is_an_answer():
    reading = GeminiEngine("m").read(SCHEMA, reply(VALID))
    assert reading.status == AnswerStatus.OK and reading.data["invoice_number"] == "A-1"


@pytest.mark.parametrize("finish", ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"])
def test_a_safety_or_recitation_stop_is_a_block_even_with_valid_json(finish):
    reading = GeminiEngine("m").read(SCHEMA, reply(VALID, finish))
    assert reading.status == AnswerStatus.BLOCKED and reading.data is None
    assert f"finish reason {finish}" in reading.detail


def test_a_blocked_prompt_without_candidates_is_a_block():
    reading = GeminiEngine("m").read(SCHEMA, reply(None, None, block_reason="PROHIBITED_CONTENT"))
    assert reading.status == AnswerStatus.BLOCKED and "prompt was blocked (PROHIBITED_CONTENT)" in reading.detail


@pytest.mark.parametrize("finish,words", [("OTHER", "finish reason OTHER"), ("MALFORMED_RESPONSE", "MALFORMED"),
                                          (None, "no answer")])
def test_other_finishes_are_not_ok(finish, words):
    reading = GeminiEngine("m").read(SCHEMA, reply(VALID, finish))
    assert reading.status == AnswerStatus.INVALID and words in reading.detail


def test_truncation_names_the_thinking_tokens():
    reading = GeminiEngine("m").read(SCHEMA, ModelReply(text='{"a', finish_reason="MAX_TOKENS", output_tokens=8192,
                                                        thinking_tokens=7900))
    assert reading.status == AnswerStatus.TRUNCATED
    assert reading.detail == "output truncated at 8192 tokens, 7900 of them thinking"


# -- the request ------------------------------------------------------------------------------------

def page(number: int, source: str = "text") -> PageText:
    return PageText(number=number, width=595, height=842, source=source,
                    words=[Word(text="Total", x0=1, y0=1, x1=2, y1=2), Word(text="42.00", x0=3, y0=1, x1=4, y1=2)])


def test_a_page_image_gets_its_text_layer_a_pdf_page_only_its_ocr_words():
    png, pdf = Blob(b"\x89PNG...", "image/png"), Blob(b"%PDF-1.7...", "application/pdf")
    request = GeminiEngine("m").request(SCHEMA, Chunk(first=1, last=3, own_first=1, own_last=3), 3,
                                        [(page(1), png), (page(2), pdf), (page(3, "ocr"), pdf)])
    texts = [p for p in request.parts if isinstance(p, str)]
    assert texts[1].startswith("--- Page 1 ---") and "Total 42.00" in texts[1]
    assert texts[2] == "--- Page 2 ---"  # the PDF carries its own text layer
    assert "Total 42.00" in texts[3]  # a scan's PDF has none: the OCR words go beside it
    assert [p for p in request.parts if isinstance(p, Blob)] == [png, pdf, pdf]


def test_the_request_size_counts_blobs_as_base64():
    request = GeminiEngine("m").request(SCHEMA, Chunk(first=1, last=1, own_first=1, own_last=1), 1,
                                        [(page(1), Blob(b"x" * 3_000_000, "image/jpeg"))])
    assert 4_000_000 < request.size_bytes() < 4_020_000


# -- generation settings per family -----------------------------------------------------------------

def options(model: str, output_limit: int | None = 65536):
    return generation_options(model, output_limit=output_limit, max_output_tokens=65536, thinking_level="low",
                              thinking_budget=512)


def test_gemini_3_keeps_its_temperature_and_gets_a_thinking_level():
    for model in ("gemini-3.8-flash", "models/gemini-3.5-flash-lite", "gemini-3-pro-image", "gemini-flash-latest"):
        o = options(model)
        assert (o.temperature, o.thinking_level, o.thinking_budget) == (None, "low", None), model


def test_gemini_2_5_gets_temperature_0_and_a_thinking_budget_and_2_0_no_thinking():
    o = options("gemini-2.5-flash")
    assert (o.temperature, o.thinking_level, o.thinking_budget) == (0.0, None, 512)
    o = options("gemini-2.0-flash", 8192)
    assert (o.temperature, o.thinking_budget, o.max_output_tokens) == (0.0, None, 8192)


def test_max_output_tokens_is_never_above_the_models_limit():
    assert options("gemini-3.8-flash", 8192).max_output_tokens == 8192
    assert options("gemini-3.8-flash", None).max_output_tokens == 65536  # limit unknown: the setting


# -- the chunk policy -------------------------------------------------------------------------------

def test_a_block_fails_at_once_without_splitting():
    queue: ChunkQueue[dict] = ChunkQueue(chunk_plan(4, 8, 1))
    [whole] = queue.next_round()
    with pytest.raises(AnswerBlocked, match="Gemini refused to read pages 1-4: the answer was stopped"):
        queue.record(whole, None, "the answer was stopped (finish reason SAFETY)", AnswerStatus.BLOCKED)


@pytest.mark.parametrize("status", [AnswerStatus.TOO_LARGE, AnswerStatus.SERVER_ERROR])
def test_too_large_or_failing_is_split_then_fails_without_asking_the_same_again(status):
    queue: ChunkQueue[dict] = ChunkQueue(chunk_plan(2, 8, 1))
    asked = []
    with pytest.raises(AnswerUnusable) as failed:
        while queue.open:
            for c in queue.next_round():
                asked.append(c.label())
                if c.own_first == c.own_last == 1:
                    queue.record(c, {"ok": True})
                else:
                    queue.record(c, None, "too big", status)
    assert not isinstance(failed.value, AnswerBlocked)
    assert "could not read page 2: too big" in str(failed.value)
    assert asked == ["pages 1-2", "page 1", "pages 1-2", "page 2"]  # the half with context, then without


def test_truncated_and_invalid_keep_their_policy():
    queue: ChunkQueue[dict] = ChunkQueue(chunk_plan(1, 8, 1))
    asked = 0
    with pytest.raises(AnswerUnusable):
        while queue.open:
            for c in queue.next_round():
                asked += 1
                queue.record(c, None, "not JSON", AnswerStatus.INVALID)
    assert asked == 1 + INVALID_RETRIES


def test_extract_stops_at_a_block():
    calls = []

    def transport(model, request):
        calls.append(request)
        return ModelReply(text=VALID, finish_reason="RECITATION")

    engine = GeminiEngine("m", pages_per_chunk=1, transport=transport,
                          page_image=lambda n: Blob(b"\x89PNG", "image/png"))
    from extraction.pages import DocumentText

    with pytest.raises(AnswerBlocked):
        engine.extract(SCHEMA, DocumentText(pages=[page(1), page(2)]))
    assert len(calls) == 1  # the first chunk's block ends the reading: no split, no second ask
