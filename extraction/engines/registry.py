"""In-process engines that read page words. (Which path a file takes is decided per batch:
Gemini when a key is configured, see api/batch_service._model_plan and BatchWorkflow; an
embedded e-invoice always wins; otherwise the offline engine below.)"""

from __future__ import annotations

from core.config import Settings
from extraction.engines.base import Engine


def offline_engine() -> Engine:
    from extraction.engines.offline import OfflineEngine

    return OfflineEngine()


def engine_for(settings: Settings) -> Engine:
    """The page-words engine of the extract_file activity."""
    return offline_engine()


ENGINE_NAMES = ("offline",)


def engine_by_name(name: str) -> Engine:
    """An engine that runs in-process on page words, by its short name or its model_used name."""
    from extraction.engines.offline import OfflineEngine

    if name in ("offline", OfflineEngine.name):
        return offline_engine()
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINE_NAMES)}")
