"""Logs (JSON with ids) and metrics helpers of core/observability.py, in process."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from core import observability as obs


def _json_logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(obs.json_formatter())
    handler.addFilter(obs.LogIds())
    logger = logging.getLogger("docparse.test-json")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_record_carries_the_bound_ids():
    stream = io.StringIO()
    logger = _json_logger(stream)
    token = obs.bind_ids(extraction_id="ext_1", batch_id="btc_1", file_id="file_1")
    try:
        logger.info("file %s done", "file_1")
    finally:
        obs.unbind_ids(token)
    logger.warning("no ids here")
    with_ids, without = _lines(stream)
    assert with_ids["message"] == "file file_1 done"
    assert with_ids["level"] == "INFO" and with_ids["logger"] == "docparse.test-json"
    assert with_ids["timestamp"].startswith("20") and "T" in with_ids["timestamp"]
    assert (with_ids["extraction_id"], with_ids["batch_id"], with_ids["file_id"]) == ("ext_1", "btc_1", "file_1")
    assert without["level"] == "WARNING" and not {"batch_id", "file_id", "extraction_id"} & set(without)


def test_json_record_takes_the_batch_id_from_temporal_context_and_keeps_its_own():
    stream = io.StringIO()
    logger = _json_logger(stream)
    logger.info("from a workflow", extra={"temporal_workflow": {"workflow_id": "batch-btc_9", "run_id": "r"}})
    token = obs.bind_ids(batch_id="btc_ctx")
    try:
        logger.info("explicit", extra={"batch_id": "btc_own"})
    finally:
        obs.unbind_ids(token)
    workflow, explicit = _lines(stream)
    assert workflow["batch_id"] == "btc_9" and workflow["temporal_workflow"]["run_id"] == "r"
    assert explicit["batch_id"] == "btc_own"


def test_logging_config_json_goes_through_root(capsys):
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    logging.config.dictConfig(obs.logging_config("json"))
    try:
        logging.getLogger("uvicorn.error").info("started")
        err = capsys.readouterr().err.strip().splitlines()
        assert json.loads(err[-1])["logger"] == "uvicorn.error"
    finally:
        for lg, handlers, level, propagate in saved:
            lg.handlers[:], lg.level, lg.propagate = handlers, level, propagate
    with pytest.raises(ValueError):
        obs.logging_config("yaml")


def test_activity_ids_from_workflow_id_and_input():
    info = SimpleNamespace(workflow_id="batch-btc_2")
    assert obs._activity_ids(info, [SimpleNamespace(file_id="file_2")]) == {"batch_id": "btc_2", "file_id": "file_2"}
    nested = SimpleNamespace(batch_id="btc_3", file=SimpleNamespace(file_id="file_3"))
    assert obs._activity_ids(SimpleNamespace(workflow_id="other"), [nested]) == {"batch_id": "btc_3", "file_id": "file_3"}
    assert obs._activity_ids(SimpleNamespace(workflow_id=None), []) == {}


def _sample(name: str, **labels) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_http_metrics_label_by_route_template_and_expose_ids_to_logs():
    app = FastAPI()
    app.add_middleware(obs.HttpMetrics)
    seen: list[dict] = []

    @app.get("/t/{extraction_id}/batches/{batch_id}")
    async def item(extraction_id: str, batch_id: str) -> dict:
        seen.append(obs.current_ids())
        return {}

    route = "/t/{extraction_id}/batches/{batch_id}"
    labels = {"route": route, "method": "GET", "status": "200"}
    before = _sample("docparse_http_requests_total", **labels) or 0
    with TestClient(app) as client:
        assert client.get("/t/ext_a/batches/btc_b").status_code == 200
        assert client.get("/nowhere/at/all").status_code == 404
    assert seen == [{"extraction_id": "ext_a", "batch_id": "btc_b"}]
    assert _sample("docparse_http_requests_total", **labels) == before + 1
    assert _sample("docparse_http_request_duration_seconds_count", **labels) >= 1
    assert _sample("docparse_http_requests_total", route="unmatched", method="GET", status="404") >= 1
    body, content_type = obs.render_metrics()
    assert content_type.startswith("text/plain") and b"/t/ext_a" not in body


def test_worker_counters():
    before = _sample("docparse_files_processed_total", status="failed") or 0
    obs.count_file("failed")
    obs.count_file("processing")  # not an outcome: not counted
    assert _sample("docparse_files_processed_total", status="failed") == before + 1
    assert _sample("docparse_files_processed_total", status="processing") is None
    obs.observe_extraction("offline", 0.2)
    assert _sample("docparse_extraction_duration_seconds_count", engine="offline") >= 1
    obs.count_tokens("gemini-x", 10, 3)
    assert _sample("docparse_model_tokens_total", direction="input", model="gemini-x") >= 10
    assert _sample("docparse_model_tokens_total", direction="output", model="gemini-x") >= 3
