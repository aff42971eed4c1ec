"""What engines return (RawResult) and what a file's result is once finalized (FinalResult)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, model_validator


class EngineKind(StrEnum):
    EINVOICE = "einvoice"  # values read from an embedded e-invoice XML
    OFFLINE = "offline"  # our own engine, on the page words
    GEMINI = "gemini"  # a Gemini model, on page images and words


class Citation(BaseModel):
    page: int  # 1-based
    bbox: tuple[float, float, float, float]  # x0, y0, x1, y1 normalised to 0..1


class RawResult(BaseModel):
    """An engine's reading of one document, before finalize() scores and checks it."""

    engine: EngineKind
    model_used: str  # the engine's name, or the model that answered
    # Values typed per the schema: number -> float, integer -> int, date -> "YYYY-MM-DD",
    # list<object> -> list of dicts. A field the engine could not find is None (or [] for lists).
    result: dict[str, Any]
    # The engine's own score per top-level key and per leaf path ("line_items[2].qty"), in [0, 1].
    confidence: dict[str, float]
    citations: dict[str, Citation] = {}
    # Evidence behind a value, per path, for the confidence model (extraction/confidence): named
    # features in [0, 1] that transfer across layouts, e.g. "margin" (best candidate's score minus
    # the runner-up's), "label" (how well the label matched), "agree" (share of independent readings
    # that agree: label, arithmetic, position), "ocr" (mean OCR word confidence; absent on a text
    # layer), "derived" (1: inferred, not printed). An engine fills what it knows; the rest is absent.
    evidence: dict[str, dict[str, float]] = {}
    warnings: list[str] = []
    input_tokens: int = 0
    output_tokens: int = 0


def engine_of(model_used: str) -> EngineKind:
    """Results stored before the engine kind was recorded named it only in model_used."""
    if model_used.startswith("einvoice-xml"):
        return EngineKind.EINVOICE
    return EngineKind.OFFLINE if model_used.startswith("docparse-offline") else EngineKind.GEMINI


class FinalResult(BaseModel):
    """A file's result: values, calibrated confidence and citations per path, failed rules, and
    why it needs a reviewer (empty: accepted). What result.json holds and the database serves."""

    engine: EngineKind
    model_used: str
    result: dict[str, Any]
    confidence: dict[str, float]
    citations: dict[str, Citation] = {}
    issues: list[str] = []  # failed validation rules, as sentences
    warnings: list[str] = []
    review_reasons: list[str] = []
    reviewed: bool = False  # a reviewer approved these values (confidence 1.0)
    input_tokens: int = 0
    output_tokens: int = 0

    @model_validator(mode="before")
    @classmethod
    def _stored_before_engine_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "engine" not in data and "model_used" in data:
            data = {**data, "engine": engine_of(str(data["model_used"]))}
        return data
