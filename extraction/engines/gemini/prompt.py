"""What the model is asked: the instructions, each page's text layer, and the response schema.

The response schema is what the service decodes against, so it says only shapes: every key always
present, null allowed where a value may be absent (an enum's null is an anyOf branch: by JSON
Schema rules `{"type": ["string", "null"], "enum": [...]}` forbids null), no `format` and no
descriptions (they add decoding states; the guidance is in the instructions instead). Its size is
capped (core/limits.py, the Gemini caps): schema_problems() says what is over, at creation.
"""

from __future__ import annotations

import json
from typing import Any

from core import limits
from core.schema import ExtractionSchema, FieldSpec, all_fields
from extraction.engines.gemini.plan import Chunk
from extraction.pages import PageText

PAGE_KEY = "_page"  # per list item: the page it starts on (items on context pages are dropped)
CONF_KEY = "_confidence"  # the model's self-report, per top-level field and per list item

_SCALAR = {"number": "number", "integer": "integer", "boolean": "boolean", "string": "string", "date": "string"}


def _field_schema(f: FieldSpec) -> dict[str, Any]:
    if f.type == "list<object>":
        item_fields = {sub.key: _field_schema(sub) for sub in f.fields or []}
        item_fields[PAGE_KEY] = {"type": "integer"}
        item_fields[CONF_KEY] = {"type": "number"}
        return {"type": "array", "items": {"type": "object", "properties": item_fields, "required": list(item_fields)}}
    if f.type == "enum":
        return {"anyOf": [{"type": "string", "enum": list(f.values or [])}, {"type": "null"}]}
    # Every key is always present in the output; absent values are null.
    return {"type": [_SCALAR.get(f.type, "string"), "null"]}


def response_json_schema(schema: ExtractionSchema) -> dict[str, Any]:
    props = {f.key: _field_schema(f) for f in schema.fields}
    scalar_keys = [f.key for f in schema.fields if f.type != "list<object>"]
    if scalar_keys:
        props[CONF_KEY] = {
            "type": "object",
            "properties": {k: {"type": "number"} for k in scalar_keys},
            "required": scalar_keys,
        }
    return {"type": "object", "properties": props, "required": list(props)}


def _walk(node: dict[str, Any], depth: int = 0) -> tuple[int, int]:
    """(properties, deepest object/array nesting) of a response schema."""
    kind = node.get("type")
    kinds: list[Any] = kind if isinstance(kind, list) else [kind]
    here = depth + (1 if {"object", "array"} & set(kinds) else 0)
    count, deepest = 0, here
    for child in (node.get("properties") or {}).values():
        n, d = _walk(child, here)
        count, deepest = count + 1 + n, max(deepest, d)
    for child in ([node["items"]] if isinstance(node.get("items"), dict) else []) + list(node.get("anyOf") or []):
        n, d = _walk(child, here)
        count, deepest = count + n, max(deepest, d)
    return count, deepest


def schema_problems(schema: ExtractionSchema) -> list[str]:
    """What in this schema is over the Gemini caps (core/limits.py), one sentence each."""
    problems = []
    enums = [f for f in all_fields(schema.fields) if f.type == "enum"]
    for f in enums:
        if len(f.values or []) > limits.GEMINI_MAX_ENUM_VALUES:
            problems.append(f"field '{f.key}' has {len(f.values or [])} enum values; with Gemini at most "
                            f"{limits.GEMINI_MAX_ENUM_VALUES} are allowed")
    total = sum(len(f.values or []) for f in enums)
    if total > limits.GEMINI_MAX_ENUM_VALUES_TOTAL:
        problems.append(f"the enum fields have {total} values together; with Gemini at most "
                        f"{limits.GEMINI_MAX_ENUM_VALUES_TOTAL} are allowed")
    response = response_json_schema(schema)
    properties, depth = _walk(response)
    if properties > limits.GEMINI_MAX_SCHEMA_PROPERTIES:
        problems.append(f"the schema makes a Gemini response schema of {properties} properties (each scalar field "
                        f"counts twice: its value and its confidence); at most {limits.GEMINI_MAX_SCHEMA_PROPERTIES} "
                        "are allowed")
    if depth > limits.GEMINI_MAX_SCHEMA_DEPTH:
        problems.append(f"the Gemini response schema nests {depth} levels; at most {limits.GEMINI_MAX_SCHEMA_DEPTH}")
    size = len(json.dumps(response))
    if size > limits.GEMINI_MAX_SCHEMA_BYTES:
        problems.append(f"the Gemini response schema is {size} bytes; at most {limits.GEMINI_MAX_SCHEMA_BYTES}")
    return problems


def page_text(page: PageText) -> str:
    """The page's text layer (or OCR words) as lines, for exact numbers."""
    lines: dict[tuple[int, int], list[str]] = {}
    for w in page.words:
        lines.setdefault((w.block, w.line), []).append(w.text)
    return "\n".join(" ".join(ws) for ws in lines.values())


def _guidance(f: FieldSpec, prefix: str = "") -> list[str]:
    out = []
    notes = [f.description] if f.description else []
    if f.type == "date":
        notes.append("a date, as YYYY-MM-DD")
    if f.type == "enum":
        notes.append("one of: " + ", ".join(f.values or []) + "; null if none applies")
    if notes:
        out.append(f"- {prefix}{f.key}: " + "; ".join(notes))
    for sub in f.fields or []:
        out += _guidance(sub, prefix=f"{f.key}[].")
    return out


def instructions(schema: ExtractionSchema, chunk: Chunk, page_count: int) -> str:
    required = [f.key for f in schema.fields if f.required]
    lang = schema.language if schema.language not in ("", "auto") else "not stated; detect it"
    parts = [
        "Extract the fields described by the response schema from the document pages below.",
        f"Document language: {lang}.",
        f"You see {chunk.label()} of a {page_count}-page document"
        + (f"; pages before {chunk.own_first} are context only." if chunk.first < chunk.own_first else "."),
        "Copy values exactly as printed (same digits, same spelling); do not compute, translate or "
        "invent values. Use null for a field that is not on these pages.",
        "Dates as YYYY-MM-DD. Numbers as JSON numbers (read the document's decimal separator).",
        f"List every line item on these pages, once each, in order; give each item's {PAGE_KEY} (the page "
        f"number, as labelled below, on which it starts) and {CONF_KEY} (your confidence from 0 to 1 that its "
        "values are exactly as printed).",
    ]
    if any(f.type != "list<object>" for f in schema.fields):
        parts.append(f"In {CONF_KEY}, give per field your confidence from 0 to 1 that its value is exactly as "
                     "printed (0 when you returned null).")
    if required:
        parts.append("Required fields: " + ", ".join(required) + ".")
    described = [line for f in schema.fields for line in _guidance(f)]
    if described:
        parts.append("Field guidance:\n" + "\n".join(described))
    return "\n".join(parts)
