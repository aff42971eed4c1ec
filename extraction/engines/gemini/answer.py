"""Reading the model's answer: JSON that must match the response schema."""

from __future__ import annotations

import json
from typing import Any

from core.schema import ExtractionSchema


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
