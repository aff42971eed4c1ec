"""Merging the chunks' answers into one reading: every list item once, scalars by agreement."""

from __future__ import annotations

import json
from typing import Any

from core.schema import ExtractionSchema
from extraction.engines.gemini.plan import Chunk
from extraction.engines.gemini.prompt import CONF_KEY, PAGE_KEY
from extraction.values import coerce

DEFAULT_SELF_REPORT = 0.9  # what a missing or malformed self-report counts as


def _self_report(raw: Any) -> float:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0.0 <= raw <= 1.0:
        return float(raw)
    return DEFAULT_SELF_REPORT


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
