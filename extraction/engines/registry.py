"""Which engine reads a file. Per batch: Gemini when the API has a key (the batch's ModelPlan,
workflows/start.py); per file: an embedded e-invoice beats every engine; else the offline engine.
read_locally() is that rule for the engines that run in the worker (and in `docparse eval --direct`)."""

from __future__ import annotations

from core.schema import ExtractionSchema
from extraction.engines.base import Engine
from extraction.pages import DocumentText
from extraction.result import RawResult

LOCAL_ENGINES = ("offline",)


def offline_engine() -> Engine:
    from extraction.engines.offline import OfflineEngine

    return OfflineEngine()


def engine_by_name(name: str) -> Engine:
    """An engine that runs in-process on page words, by its short name or its model_used name."""
    from extraction.engines.offline import OfflineEngine

    if name in ("offline", OfflineEngine.name):
        return offline_engine()
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(LOCAL_ENGINES)}")


def read_locally(schema: ExtractionSchema, document: DocumentText, einvoice: bytes | None = None,
                 fallback: Engine | None = None) -> RawResult:
    """The exact values of an embedded e-invoice when it can be used, else `fallback` (the
    offline engine) on the page words; an unusable e-invoice is named in the warnings."""
    from extraction.engines.einvoice import EInvoiceEngine, EInvoiceError

    warnings = []
    if einvoice is not None:
        try:
            return EInvoiceEngine(einvoice).extract(schema, document)
        except EInvoiceError as e:
            warnings.append(f"the embedded e-invoice could not be used ({e}); read the pages instead")
    raw = (fallback or offline_engine()).extract(schema, document)
    raw.warnings = warnings + raw.warnings
    return raw
