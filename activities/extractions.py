"""The extraction behind an id, for activities: its schema and review threshold.

Activity inputs carry the extraction's id, not a copy of its schema (a 30-file batch would put 30
copies of a 400 KB schema into one workflow task). Extractions never change once created, so a
worker keeps the ones it has looked up.
"""

from __future__ import annotations

from dataclasses import dataclass

from cachetools import LRUCache
from sqlalchemy.engine import Engine

from activities.errors import gone
from core.db import session_scope
from core.models import Extraction
from core.schema import ExtractionSchema


@dataclass(frozen=True)
class ExtractionSpec:
    schema: ExtractionSchema
    review_threshold: float  # 0: review off


class ExtractionCatalog:
    def __init__(self, db: Engine, size: int = 512):
        self.db = db
        self._known: LRUCache = LRUCache(maxsize=size)

    def get(self, extraction_id: str, file_id: str) -> ExtractionSpec:
        """Blocking (a database read on first use): call it in a thread."""
        spec = self._known.get(extraction_id)
        if spec is None:
            with session_scope(self.db) as session:
                ext = session.get(Extraction, extraction_id)
                if ext is None:  # deleted with its batches: nothing is left to work for
                    raise gone(file_id)
                spec = ExtractionSpec(ExtractionSchema(fields=ext.fields, language=ext.language), ext.review_threshold)
            self._known[extraction_id] = spec
        return spec
