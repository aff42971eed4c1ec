"""Gemini extraction, the pure part: request building, chunk plans, output checks and merging.

The network call lives in `activities/model.py`; everything here is deterministic and testable
without a server.

Long documents are cut into page chunks with overlap. Each page is *owned* by exactly one chunk
(the first that contains it); overlap pages are only context. List items carry the page they
start on (`_page`), so items on context pages are dropped when merging: every item once.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from extraction.pages import PageText
from core.schema import ExtractionSchema, FieldSpec
from extraction.values import coerce

PAGE_KEY = "_page"
CONF_KEY = "_confidence"  # the model's self-report, per top-level field and per list item
DEFAULT_SELF_REPORT = 0.9


class Chunk(BaseModel):
    """Pages [first, last] (1-based, inclusive) are sent; [own_first, own_last] are owned."""

    first: int
    last: int
    own_first: int
    own_last: int

    @property
    def pages(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    def label(self) -> str:
        return f"pages {self.first}-{self.last}" if self.last > self.first else f"page {self.first}"


def chunk_plan(page_count: int, pages_per_chunk: int, overlap: int) -> list[Chunk]:
    size = max(1, pages_per_chunk)
    overlap = max(0, min(overlap, size - 1))
    chunks, own_first = [], 1
    while own_first <= page_count:
        own_last = min(page_count, own_first + size - 1 - (overlap if own_first > 1 else 0))
        own_last = max(own_last, own_first)
        first = max(1, own_first - overlap)
        chunks.append(Chunk(first=first, last=own_last, own_first=own_first, own_last=own_last))
        own_first = own_last + 1
    return chunks


def split_chunk(chunk: Chunk) -> list[Chunk]:
    """Halves a chunk whose output was truncated or unparseable; context pages stay in front.
    Returns the chunk itself when it cannot get smaller."""
    owned = chunk.own_last - chunk.own_first + 1
    if owned <= 1:
        if chunk.first < chunk.own_first:  # drop the context pages: the smallest request left
            return [chunk.model_copy(update={"first": chunk.own_first})]
        return [chunk]
    mid = chunk.own_first + owned // 2 - 1
    return [
        Chunk(first=chunk.first, last=mid, own_first=chunk.own_first, own_last=mid),
        Chunk(first=mid, last=chunk.last, own_first=mid + 1, own_last=chunk.own_last),
    ]


# ---------------------------------------------------------------------------------------------
# request


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


def _self_report(raw: Any) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0.0 <= raw <= 1.0:
        return float(raw)
    return DEFAULT_SELF_REPORT


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


# ---------------------------------------------------------------------------------------------
# output


class OutputInvalid(Exception):
    """The model's text is not JSON matching the response schema."""


def parse_output(text: str | None, schema: ExtractionSchema) -> dict[str, Any]:
    if not text:
        raise OutputInvalid("the model returned no text")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise OutputInvalid(f"the model's output is not JSON ({e.msg} at char {e.pos})") from None
    if not isinstance(data, dict):
        raise OutputInvalid("the model's output is not a JSON object")
    for f in schema.fields:
        value = data.get(f.key)
        if f.type == "list<object>" and value is not None and not isinstance(value, list):
            raise OutputInvalid(f"'{f.key}' is not a list in the model's output")
        if f.type != "list<object>" and isinstance(value, (dict, list)):
            raise OutputInvalid(f"'{f.key}' is not a single value in the model's output")
    return data


def _norm(v: Any) -> str:
    return " ".join(str(v).lower().split()) if v is not None else ""


def merge_chunks(
    schema: ExtractionSchema, outputs: list[tuple[Chunk, dict[str, Any]]]
) -> tuple[dict[str, Any], dict[str, float], list[str]]:
    """(typed result, confidence, warnings) from the chunk outputs, in page order."""
    outputs = sorted(outputs, key=lambda co: co[0].own_first)
    result: dict[str, Any] = {}
    confidence: dict[str, float] = {}
    warnings: list[str] = []
    lang = schema.language
    for f in schema.fields:
        if f.type == "list<object>":
            items: list[dict[str, Any]] = []
            reported: list[float] = []
            for chunk, data in outputs:
                kept = _owned_items(data.get(f.key) or [], chunk, items)
                typed, problem = coerce(kept, f, lang)
                if problem:
                    warnings.append(f"{chunk.label()}: {problem}")
                items.extend(typed)
                reported += [_self_report(k.get(CONF_KEY)) for k in kept]
            result[f.key] = items
            for i, item in enumerate(items):
                for sub in f.fields or []:
                    present = item.get(sub.key) is not None
                    confidence[f"{f.key}[{i}].{sub.key}"] = reported[i] if present else 0.0
            confidence[f.key] = round(sum(reported) / len(reported), 3) if items else 0.0
            continue
        # Scalars: the value most chunks agree on; ties go to the earliest chunk.
        votes: dict[str, tuple[int, int, Any, float]] = {}
        for order, (chunk, data) in enumerate(outputs):
            typed, problem = coerce(data.get(f.key), f, lang)
            if problem:
                warnings.append(f"{chunk.label()}: {problem}")
            if typed is None:
                continue
            key = _norm(typed)
            said = _self_report((data.get(CONF_KEY) or {}).get(f.key) if isinstance(data.get(CONF_KEY), dict) else None)
            count, first, _, best = votes.get(key, (0, order, typed, 0.0))
            votes[key] = (count + 1, first, typed, max(best, said))
        if votes:
            count, _, value, said = max(votes.values(), key=lambda v: (v[0], -v[1]))
            result[f.key] = value
            # The model's self-report, lowered when chunks disagree on the value.
            agreeing = count / max(1, sum(v[0] for v in votes.values()))
            confidence[f.key] = round(said * (0.6 + 0.4 * agreeing), 3)
        else:
            result[f.key] = None
            confidence[f.key] = 0.0
    return result, confidence, warnings


def _owned_items(raw: list[Any], chunk: Chunk, previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    tail = {_item_key(i) for i in previous[-20:]}
    for item in raw:
        if not isinstance(item, dict):
            continue
        page = item.get(PAGE_KEY)
        if isinstance(page, int) and chunk.first <= page < chunk.own_first:
            continue  # starts on a context page: the previous chunk owns it
        if not isinstance(page, int) and chunk.first < chunk.own_first and _item_key(item) in tail:
            continue  # no page given: drop exact repeats of the previous chunk's last items
        kept.append({k: v for k, v in item.items() if k != PAGE_KEY})  # CONF_KEY is read, then dropped by coerce
    return kept


def _item_key(item: dict[str, Any]) -> str:
    return json.dumps({k: _norm(v) for k, v in item.items() if k not in (PAGE_KEY, CONF_KEY)}, sort_keys=True)
