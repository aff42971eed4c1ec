"""What the model is asked: the instructions, each page's text layer, and the response schema."""

from __future__ import annotations

from typing import Any

from core.schema import ExtractionSchema, FieldSpec
from extraction.engines.gemini.plan import Chunk
from extraction.pages import PageText

PAGE_KEY = "_page"  # per list item: the page it starts on (items on context pages are dropped)
CONF_KEY = "_confidence"  # the model's self-report, per top-level field and per list item


def _field_schema(f: FieldSpec, *, in_list: bool = False) -> dict[str, Any]:
    desc = f.description or ""
    if f.type == "list<object>":
        item_fields = {sub.key: _field_schema(sub, in_list=True) for sub in f.fields or []}
        item_fields[PAGE_KEY] = {
            "type": "integer",
            "description": "the page number (as labelled in the input) on which this item starts",
        }
        item_fields[CONF_KEY] = {
            "type": "number",
            "description": "your confidence from 0 to 1 that this item's values are exactly as printed",
        }
        return {
            "type": "array",
            "description": desc or f"every {f.key} item, in document order",
            "items": {"type": "object", "properties": item_fields, "required": list(item_fields)},
        }
    base: dict[str, Any]
    if f.type == "date":
        base = {"type": "string", "format": "date"}
        desc = (desc + " " if desc else "") + "(YYYY-MM-DD)"
    elif f.type == "enum":
        base = {"type": "string", "enum": list(f.values or [])}
    elif f.type in ("number", "integer", "boolean", "string"):
        base = {"type": f.type}
    else:  # pragma: no cover - schema validation forbids others
        base = {"type": "string"}
    # Every key is always present in the output; absent values are null.
    base["type"] = [base["type"], "null"]
    if desc:
        base["description"] = desc
    return base


def response_json_schema(schema: ExtractionSchema) -> dict[str, Any]:
    props = {f.key: _field_schema(f) for f in schema.fields}
    scalar_keys = [f.key for f in schema.fields if f.type != "list<object>"]
    if scalar_keys:
        props[CONF_KEY] = {
            "type": "object",
            "description": "your confidence from 0 to 1, per field, that the value is exactly as printed "
            "(0 when you returned null)",
            "properties": {k: {"type": "number"} for k in scalar_keys},
            "required": scalar_keys,
        }
    return {"type": "object", "properties": props, "required": list(props)}


def page_text(page: PageText) -> str:
    """The page's text layer (or OCR words) as lines, for exact numbers."""
    lines: dict[tuple[int, int], list[str]] = {}
    for w in page.words:
        lines.setdefault((w.block, w.line), []).append(w.text)
    return "\n".join(" ".join(ws) for ws in lines.values())


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
        "List every line item on these pages, once each, in order, with the page it starts on.",
    ]
    if required:
        parts.append("Required fields: " + ", ".join(required) + ".")
    described = [f"- {f.key}: {f.description}" for f in schema.fields if f.description]
    if described:
        parts.append("Field guidance:\n" + "\n".join(described))
    return "\n".join(parts)
