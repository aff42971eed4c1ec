"""What error bodies say (issue 14, item 10): webhook URLs refused when given, no server temp paths,
no huge echoed ids, the stored batch's id on 503 batch_not_scheduled_yet."""

from __future__ import annotations

import pytest

from documents.service import DocumentService
from tests.api.helpers import SCHEMA, error, extraction

PDF = ("files", ("a.pdf", b"%PDF page", "application/pdf"))


@pytest.mark.parametrize("url, says", [
    ("http://8.8.8.8/\r\nX-Injected: 1", "control character"),
    ("http://8.8.8.8:0/hook", "port 0"),
    ("http://[::127.0.0.1]/hook", "loopback"),
    ("http://[2002:7f00:1::]/hook", "127.0.0.1"),
])
def test_a_webhook_url_that_cannot_be_called_is_refused_when_given(api, url, says):
    http = api.client()
    assert http.post("/v1/webhook-secret").status_code == 201
    assert says in error(http.post("/v1/extractions", json={**SCHEMA, "webhook_url": url}), 400, "webhook_url_refused")
    ext = extraction(http)
    r = http.post(f"/v1/extractions/{ext}/batches", data={"webhook_url": url}, files=[PDF])
    assert says in error(r, 400, "webhook_url_refused")
    assert api.temporal.started == []


def test_a_damaged_upload_is_named_by_its_file_name_not_the_servers_temp_path(api):
    api.state.documents = DocumentService(api.state.settings, processes=1, nice=0)  # real PyMuPDF
    try:
        http = api.client()
        ext = extraction(http)
        r = http.post(f"/v1/extractions/{ext}/batches",
                      files=[("files", ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf"))])
        message = error(r, 400, "document_rejected")
    finally:
        api.state.documents.shutdown()
    assert "broken.pdf" in message
    assert "/tmp" not in message and "docparse-upload" not in message, message


def test_a_huge_id_is_not_echoed_whole(api):
    http = api.client()
    huge = "ext_" + "x" * 60_000
    message = error(http.get(f"/v1/extractions/{huge}"), 404, "not_found")
    assert len(message) < 200 and "ext_xxx" in message and "…" in message
    ext = extraction(http)
    message = error(http.get(f"/v1/extractions/{ext}/batches/btc_{'y' * 60_000}"), 404, "not_found")
    assert len(message) < 200


def test_a_huge_unknown_key_is_not_echoed_whole(api):
    message = error(api.client().post("/v1/extractions", json={**SCHEMA, "k" * 60_000: 1}), 400, "invalid_request")
    assert len(message) < 300 and "Extra inputs" in message


def test_batch_not_scheduled_yet_names_the_stored_batch(api):
    api.temporal.start_error = RuntimeError("temporal is down")
    http = api.client()
    ext = extraction(http)
    r = http.post(f"/v1/extractions/{ext}/batches", files=[PDF])
    assert r.status_code == 503, r.text
    body = r.json()
    assert set(body) == {"error", "code", "retryable", "batch_id"} and body["code"] == "batch_not_scheduled_yet"
    listed = http.get(f"/v1/extractions/{ext}/batches").json()["batches"]
    assert [b["id"] for b in listed] == [body["batch_id"]] and body["batch_id"] in body["error"]
