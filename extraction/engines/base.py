"""The one small interface every extraction engine implements."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel

from extraction.pages import DocumentText
from core.schema import ExtractionSchema


class Citation(BaseModel):
    page: int  # 1-based
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 normalised to 0..1


class EngineResult(BaseModel):
    # Values typed per the schema: number -> float, integer -> int, date -> "YYYY-MM-DD",
    # list<object> -> list of dicts. A field the engine could not find is None (or [] for lists).
    result: dict[str, Any]
    # Per top-level key, and per leaf path ("line_items[2].qty"), in [0, 1].
    confidence: dict[str, float]
    citations: dict[str, Citation] = {}
    model_used: str
    warnings: list[str] = []
    # Failed validation rules (human sentences); any of them sends the file to review.
    issues: list[str] = []
    input_tokens: int = 0
    output_tokens: int = 0


class Engine(Protocol):
    name: str

    def extract(self, schema: ExtractionSchema, document: DocumentText) -> EngineResult: ...
