"""What an extraction must pass when Gemini reads its files, checked at creation (a 400, not a
batch failed later): its schema within the Gemini caps (core/limits.py), and a `model` it names
that Gemini has (models.get)."""

from __future__ import annotations

import logging

from api.domain_errors import Invalid
from core.config import Settings
from core.gemini import ModelCatalog, ModelLookupFailed, ModelNotFound
from core.schema import ExtractionSchema
from extraction.engines.gemini.prompt import schema_problems

log = logging.getLogger("docparse.api")


class GeminiCheck:
    """The API's one look at Gemini. Nothing is checked where Gemini is not configured (the offline
    engine reads every file); a model lookup that fails for another reason than "no such model"
    (Gemini unreachable, a refused key) lets the extraction through: the worker checks again and
    says why a file failed."""

    def __init__(self, settings: Settings, catalog: ModelCatalog | None = None):
        self.settings = settings
        self._catalog = catalog

    @property
    def catalog(self) -> ModelCatalog:
        if self._catalog is None:
            self._catalog = ModelCatalog(self.settings)
        return self._catalog

    async def check(self, *, model: str | None, schema: ExtractionSchema) -> None:
        if not self.settings.gemini_configured:
            return
        problems = schema_problems(schema)
        if problems:
            raise Invalid("invalid_request", "; ".join(problems) + " (this service reads documents with Gemini)")
        if model is None:
            return
        try:
            await self.catalog.lookup(model)
        except ModelNotFound as e:
            raise Invalid("unknown_model", f"model '{model}' cannot be used: {e}") from None
        except ModelLookupFailed as e:
            log.warning("could not check model %s for a new extraction (accepted): %s", model, e)
