"""Observability on a real stack: the API's /metrics, the worker's metrics, the Temporal SDK's
metrics, and JSON logs carrying the batch id."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devstack.ports import free_port
from tests.conftest import make_stack
from tests.support.invoices import make_invoice, schema_invoice


@pytest.fixture(scope="module")
def metrics_stack(request, temporal_server, s3_server, tmp_path_factory):
    worker_port, temporal_port = free_port(), free_port()
    s = make_stack(
        request, temporal_server, s3_server, tmp_path_factory, "sqlite",
        DOCPARSE_WORKER_METRICS_PORT=str(worker_port), DOCPARSE_TEMPORAL_METRICS_PORT=str(temporal_port),
        DOCPARSE_METRICS_HOST="127.0.0.1", DOCPARSE_LOG_FORMAT="json",
    ).start()
    s.worker_metrics_url = f"http://127.0.0.1:{worker_port}/metrics"
    s.temporal_metrics_url = f"http://127.0.0.1:{temporal_port}/metrics"
    yield s
    s.stop()


def _samples(text: str) -> list:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def _scrape(url: str, want, timeout: float = 20) -> str:
    """The endpoint's text once `want(text)` holds (endpoints come up, and metrics appear, a
    little after the work)."""
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=2)
            text = r.text
            if r.status_code == 200 and want(text):
                return text
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not show what was expected in {timeout}s:\n{text[-3000:]}")


def test_metrics_and_json_logs(metrics_stack):
    stack = metrics_stack
    key = stack.create_key(pages=100)
    with stack.client(key) as http:
        r = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0})
        assert r.status_code == 201, r.text
        ext = r.json()["extraction"]["id"]
        pdf, _ = make_invoice(seed=7, language="en")
        r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("inv.pdf", pdf, "application/pdf"))])
        assert r.status_code == 202, r.text
        batch = r.json()["batch"]["id"]
        body = stack.wait_terminal(http, ext, batch, timeout=60)
        assert body["batch"]["status"] == "processed", body

    # API: latency histogram and counter by route template, method and status; no ids in labels.
    api = httpx.get(stack.base_url + "/metrics", timeout=5)
    assert api.status_code == 200 and api.headers["content-type"].startswith("text/plain")
    assert "/metrics" not in httpx.get(stack.base_url + "/openapi.json").json()["paths"]
    samples = _samples(api.text)
    upload = {"route": "/v1/extractions/{extraction_id}/batches", "method": "POST", "status": "202"}
    status = {"route": "/v1/extractions/{extraction_id}/batches/{batch_id}", "method": "GET", "status": "200"}
    for labels in (upload, status):
        assert any(s.name == "docparse_http_request_duration_seconds_count" and s.labels == labels and s.value >= 1
                   for s in samples), labels
        assert any(s.name == "docparse_http_requests_total" and s.labels == labels and s.value >= 1
                   for s in samples), labels
    assert any(s.name == "docparse_http_request_duration_seconds_bucket" and s.labels.get("le") == "+Inf"
               and s.labels.get("route") == status["route"] for s in samples)
    assert batch not in api.text and ext not in api.text

    # Worker: file outcomes and engine latency.
    text = _scrape(stack.worker_metrics_url, lambda t: "docparse_files_processed_total" in t)
    samples = _samples(text)
    processed = [s.value for s in samples
                 if s.name == "docparse_files_processed_total" and s.labels == {"status": "processed"}]
    assert processed and processed[0] >= 1, text
    offline = [s.value for s in samples
               if s.name == "docparse_extraction_duration_seconds_count" and s.labels == {"engine": "offline"}]
    assert offline and offline[0] >= 1, text

    # Temporal SDK runtime metrics on their own port.
    text = _scrape(stack.temporal_metrics_url, lambda t: "\ntemporal_" in "\n" + t)
    assert any(s.name.startswith("temporal_") for s in _samples(text))

    # JSON logs: every record one object; the worker's carry the batch id.
    worker_log = next(p for p in stack._logs if p.name.startswith("worker"))
    deadline = time.monotonic() + 10
    while True:
        records = [json.loads(line) for line in worker_log.read_text().splitlines() if line.startswith("{")]
        mine = [r for r in records if r.get("batch_id") == batch]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert mine, worker_log.read_text()[-3000:]
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r.get("file_id") == body["files"][0]["id"] and r.get("extraction_id") == ext
               and "processed" in r["message"] for r in mine)
    api_log = next(p for p in stack._logs if p.name.startswith("api"))
    api_records = [json.loads(line) for line in api_log.read_text().splitlines() if line.startswith("{")]
    assert any(r["logger"].startswith("uvicorn") for r in api_records), api_log.read_text()[-3000:]
