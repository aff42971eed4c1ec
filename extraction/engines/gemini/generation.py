"""The generation settings a model family takes: thinking, temperature, the output limit.

- Gemini 2.5 thinks by default and its thinking tokens count against max_output_tokens (and are
  billed as output): it gets a thinking *budget*. 2.x models get temperature 0.
- Gemini 3 and later take a thinking *level* (a budget is refused from 3.5 on) and keep their
  default temperature (Google's guidance for Gemini 3: sampling parameters are deprecated).
- max_output_tokens is never above the model's own limit (models.get's output_token_limit).

Names that are not gemini-<major>.<minor>-... (aliases such as gemini-flash-latest, which point
at current models) are treated as current models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^gemini-(\d+)(?:\.(\d+))?-")


@dataclass(frozen=True)
class GenerationOptions:
    max_output_tokens: int
    temperature: float | None = None  # None: the model's default (not sent)
    thinking_level: str | None = None  # Gemini 3+
    thinking_budget: int | None = None  # Gemini 2.5


def model_version(model: str) -> tuple[int, int] | None:
    """(2, 5) for gemini-2.5-flash, (3, 8) for models/gemini-3.8-flash; None for an alias."""
    m = _VERSION.match(model.rsplit("/", 1)[-1])
    return (int(m.group(1)), int(m.group(2) or 0)) if m else None


def generation_options(model: str, *, output_limit: int | None, max_output_tokens: int,
                       thinking_level: str, thinking_budget: int) -> GenerationOptions:
    limit = min(max_output_tokens, output_limit) if output_limit else max_output_tokens
    version = model_version(model)
    if version is not None and version[0] < 3:
        return GenerationOptions(max_output_tokens=limit, temperature=0.0,
                                 thinking_budget=thinking_budget if version >= (2, 5) else None)
    return GenerationOptions(max_output_tokens=limit, thinking_level=thinking_level)
