"""Which engine extracts a file."""

from __future__ import annotations

from core.config import Settings
from core.engines.base import Engine


def offline_engine() -> Engine:
    from core.engines.offline import OfflineEngine

    return OfflineEngine()


def engine_for(settings: Settings) -> Engine:
    # Gemini arrives with its own issue; until then every file uses the offline engine.
    return offline_engine()
