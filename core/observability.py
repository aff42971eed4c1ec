"""Metrics (Prometheus) and logs (text or JSON, with the batch/file/extraction ids) for the API
and the worker.

API: `HttpMetrics` (pure ASGI middleware) times every request by route template, method and status,
and `render_metrics` is the body of GET /metrics. Worker: `start_worker_metrics` serves the
process's metrics on DOCPARSE_WORKER_METRICS_PORT; the activities call `observe_extraction`,
`count_file` and `count_tokens`; `temporal_runtime` gives the Temporal client a runtime that serves
the SDK's own metrics on DOCPARSE_TEMPORAL_METRICS_PORT.

Logs: `logging_config(format)` is a dictConfig for both processes. Its `LogIds` filter puts
batch_id / file_id / extraction_id on every record where they are known: inside an activity (set
by the `ActivityLogIds` worker interceptor from the workflow id and the activity's input), inside
a request (the route's path parameters), or from Temporal's own workflow/activity log context.
"""

from __future__ import annotations

import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

log = logging.getLogger("docparse.observability")

ID_KEYS = ("extraction_id", "batch_id", "file_id")
# BatchWorkflow ids are "batch-<batch id>" (core.temporal.batch_workflow_id).
_BATCH_WORKFLOW_PREFIX = "batch-"

# -- metrics ----------------------------------------------------------------------------------------

disable_created_metrics()  # no *_created series: half the exposition, and nothing reads them

HTTP_REQUESTS = Counter(
    "docparse_http_requests", "API requests, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "docparse_http_request_duration_seconds", "API request latency, by route template, method and status code.",
    ["route", "method", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
FILES = Counter(
    "docparse_files_processed", "Files whose outcome the worker wrote to the database, by status "
    "(processed, needs_review, failed; a reviewed file counts at needs_review and again at its decision).",
    ["status"],
)
EXTRACTION_LATENCY = Histogram(
    "docparse_extraction_duration_seconds", "Engine run time per file (offline, einvoice) or per model call (gemini).",
    ["engine"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
MODEL_TOKENS = Counter("docparse_model_tokens", "Model tokens, by direction (input, output) and model.",
                       ["direction", "model"])

FINAL_STATUSES = frozenset({"processed", "needs_review", "failed"})
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def observe_extraction(engine: str, seconds: float) -> None:
    EXTRACTION_LATENCY.labels(engine).observe(seconds)


def count_file(status: str) -> None:
    if status in FINAL_STATUSES:
        FILES.labels(status).inc()


def count_tokens(model: str, input_tokens: int, output_tokens: int) -> None:
    if input_tokens:
        MODEL_TOKENS.labels("input", model).inc(input_tokens)
    if output_tokens:
        MODEL_TOKENS.labels("output", model).inc(output_tokens)


def render_metrics() -> tuple[bytes, str]:
    """The Prometheus text exposition of this process; of all processes when PROMETHEUS_MULTIPROC_DIR
    is set (prometheus-client's multiprocess mode, for DOCPARSE_API_PROCESSES > 1)."""
    registry = DEFAULT_REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def start_worker_metrics(host: str, port: int) -> None:
    """Serves this process's metrics on http://host:port/metrics; port 0 = off."""
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr=host)
        log.info("worker metrics on http://%s:%d/metrics", host, port)


def temporal_runtime(host: str, port: int):
    """A Temporal runtime serving the SDK's metrics (temporal_*) on host:port; None when port is 0
    (the default runtime, no metrics)."""
    if not port:
        return None
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    log.info("Temporal SDK metrics on http://%s:%d/metrics", host, port)
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}")))


class HttpMetrics:
    """Pure ASGI middleware: request count and latency by route template (never the raw path),
    method and status. Also makes the request's path parameters visible to `LogIds`."""

    def __init__(self, app):
        self.app = app
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before the response started becomes a 500 further out

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        token = _request_scope.set(scope)  # routing fills scope["path_params"] in place
        start = perf_counter()
        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = perf_counter() - start
            _request_scope.reset(token)
            route = scope.get("route")
            template = (getattr(route, "path_format", None) or getattr(route, "path", None)) if route else None
            method = scope["method"]
            key = (template or "unmatched", method if method in _METHODS else "other", status)
            children = self._children.get(key)
            if children is None:
                labels = (key[0], key[1], str(status))
                children = self._children[key] = (HTTP_LATENCY.labels(*labels), HTTP_REQUESTS.labels(*labels))
            children[0].observe(elapsed)
            children[1].inc()


# -- log context ------------------------------------------------------------------------------------

_ids: ContextVar[dict[str, str] | None] = ContextVar("docparse_log_ids", default=None)
_request_scope: ContextVar[dict | None] = ContextVar("docparse_request_scope", default=None)


def bind_ids(**ids: str | None):
    """Sets the ids for log records of this context (merged with those set already); returns the
    token for `unbind_ids`."""
    current = _ids.get() or {}
    return _ids.set({**current, **{k: v for k, v in ids.items() if v}})


def unbind_ids(token) -> None:
    _ids.reset(token)


def current_ids() -> dict[str, str]:
    ids = _ids.get()
    if ids is None:
        scope = _request_scope.get()
        ids = scope.get("path_params") if scope is not None else None
    return {k: ids[k] for k in ID_KEYS if ids and ids.get(k)}


class LogIds(logging.Filter):
    """Copies the ids known in the current context onto each record (never overwriting a record's
    own); a Temporal workflow/activity record's workflow id "batch-<id>" gives batch_id."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_ids().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if not hasattr(record, "batch_id"):
            for attr in ("temporal_activity", "temporal_workflow"):
                info = getattr(record, attr, None)
                wf = info.get("workflow_id") if isinstance(info, dict) else None
                if isinstance(wf, str) and wf.startswith(_BATCH_WORKFLOW_PREFIX):
                    record.batch_id = wf[len(_BATCH_WORKFLOW_PREFIX):]
                    break
        return True


def _activity_ids(info, args) -> dict[str, str]:
    ids: dict[str, str] = {}
    wf = getattr(info, "workflow_id", None)
    if isinstance(wf, str) and wf.startswith(_BATCH_WORKFLOW_PREFIX):
        ids["batch_id"] = wf[len(_BATCH_WORKFLOW_PREFIX):]
    arg = args[0] if args else None
    batch_id = getattr(arg, "batch_id", None)
    if isinstance(batch_id, str):
        ids["batch_id"] = batch_id
    file_id = getattr(arg, "file_id", None) or getattr(getattr(arg, "file", None), "file_id", None)
    if isinstance(file_id, str):
        ids["file_id"] = file_id
    extraction_id = getattr(arg, "extraction_id", None)
    if isinstance(extraction_id, str) and extraction_id:
        ids["extraction_id"] = extraction_id
    return ids


def activity_interceptor():
    """A worker interceptor: every activity runs with batch_id / file_id bound for its logs."""
    from temporalio import activity
    from temporalio.worker import ActivityInboundInterceptor, Interceptor

    class _Inbound(ActivityInboundInterceptor):
        async def execute_activity(self, input):
            token = _ids.set(_activity_ids(activity.info(), input.args))
            try:
                return await super().execute_activity(input)
            finally:
                _ids.reset(token)

    class ActivityLogIds(Interceptor):
        def intercept_activity(self, next):
            return _Inbound(next)

    return ActivityLogIds()


# -- log format -------------------------------------------------------------------------------------

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _JsonFormatter(JsonFormatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def json_formatter() -> logging.Formatter:
    """One JSON object per record: timestamp (ISO 8601, UTC), level, logger, message, then the
    record's extras (batch_id, file_id, extraction_id where known; Temporal's temporal_activity /
    temporal_workflow) and exc_info."""
    return _JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
        # uvicorn adds a colourised copy of its message
        reserved_attrs=[*RESERVED_ATTRS, "color_message", "taskName"],
    )


def logging_config(log_format: str = "text", level: str = "INFO") -> dict:
    """A logging.config.dictConfig for a process: one stderr handler on the root logger, text or
    JSON, with the ids filter; uvicorn's loggers go through it too (uvicorn applies this dict in
    every process it starts)."""
    if log_format not in ("text", "json"):
        raise ValueError(f"log format must be 'text' or 'json', not {log_format!r}")
    formatter = {"()": f"{__name__}.json_formatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"ids": {"()": f"{__name__}.LogIds"}},
        "formatters": {"main": formatter},
        "handlers": {
            "main": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["ids"],
                     "stream": "ext://sys.stderr"},
        },
        "root": {"level": level, "handlers": ["main"]},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
            # every process migrates at start: Alembic's per-plugin INFO lines would bury the
            # `docparse up` banner; its warnings still show
            "alembic": {"level": "WARNING"},
        },
    }


def configure_logging(log_format: str = "text", level: str = "INFO") -> None:
    import logging.config

    logging.config.dictConfig(logging_config(log_format, level))
