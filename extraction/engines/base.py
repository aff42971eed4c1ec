"""The one interface every extraction engine implements."""

from __future__ import annotations

from typing import Protocol

from core.schema import ExtractionSchema
from extraction.pages import DocumentText
from extraction.result import EngineKind, RawResult


class Engine(Protocol):
    """Reads a schema's fields from a prepared document. finalize() (extraction/finalize.py)
    then scores, cites and checks the reading, whichever engine made it."""

    kind: EngineKind
    name: str  # model_used, unless the engine learns a more exact one (the model that answered)

    def extract(self, schema: ExtractionSchema, document: DocumentText) -> RawResult: ...
