"""What the page-preparation step hands to an engine: per page, words with positions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Word(BaseModel):
    """One word on a page, box in PDF points (origin top-left, y grows downward)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    block: int = 0
    line: int = 0
    conf: float | None = None  # OCR word confidence in [0, 1]; None on a text layer


class PageText(BaseModel):
    number: int  # 1-based
    width: float  # points
    height: float
    source: Literal["text", "ocr", "none"] = "text"
    words: list[Word] = []


class DocumentText(BaseModel):
    file_name: str = ""
    pages: list[PageText]
