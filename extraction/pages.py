"""What the page-preparation step hands to an engine: per page, words with positions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

# Words read from a part of the page set aside from the rest (a dark sidebar with the seller's
# details, documents/columns.py) carry a block number from here up: they are not in the rows of
# the tables beside them.
ASIDE_BLOCK = 1000


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
    # An OCRed page is read upright and straight: turned by this many degrees (PyMuPDF's
    # Matrix.prerotate, about the page's centre; +-90 swaps width and height). Words, and so
    # citations, are in that upright page's points; readers draw the page turned the same way.
    rotation: float = 0.0
    # The OCR straightened the page image before reading it (documents/scanprep): its lines are
    # level, whatever slope a tesseract line's word boxes seem to have. False: words of a scan
    # read as it was (stored before), which an engine may straighten itself.
    deskewed: bool = False
    # Problems met reading this page (on page 1 also the document's: a damaged PDF that had to be
    # repaired), as sentences: they become the result's warnings and a reason to review it.
    warnings: list[str] = []


class DocumentText(BaseModel):
    file_name: str = ""
    pages: list[PageText]

    @property
    def warnings(self) -> list[str]:
        return [w for page in self.pages for w in page.warnings]
