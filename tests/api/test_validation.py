"""Bad requests are 400 invalid_request (never FastAPI's 422), and the sentence names the field."""

from __future__ import annotations

import pytest

from tests.api.helpers import error, extraction, set_file, upload


@pytest.mark.parametrize("body, names", [
    ({"name": "x", "fields": [{"key": "a", "type": "money"}]}, "fields[0].type"),
    ({"fields": [{"key": "a", "type": "string"}]}, "name"),
    ({"name": "x", "fields": [{"key": "a", "type": "string"}], "review_threshold": 2}, "review_threshold"),
    ({"name": "x", "fields": [{"key": "a", "type": "string"}], "surprise": 1}, "surprise"),
    ({"name": "x", "fields": [{"key": "a", "type": "string"}, {"key": "a", "type": "number"}]}, "duplicate"),
])
def test_a_bad_schema_names_the_field(api, body, names):
    assert names in error(api.client().post("/v1/extractions", json=body), 400, "invalid_request")


def test_a_body_that_is_not_json(api):
    r = api.client().post("/v1/extractions", content=b"{nope", headers={"Content-Type": "application/json"})
    assert "JSON" in error(r, 400, "invalid_request")


@pytest.mark.parametrize("params, names", [({"limit": 101}, "limit"), ({"limit": "lots"}, "limit"),
                                           ({"limit": 0}, "limit")])
def test_a_bad_query_names_the_parameter(api, params, names):
    http = api.client()
    ext = extraction(http)
    assert names in error(http.get(f"/v1/extractions/{ext}/batches", params=params), 400, "invalid_request")


def test_a_bad_cursor_is_invalid_cursor(api):
    http = api.client()
    ext = extraction(http)
    assert "before" in error(http.get(f"/v1/extractions/{ext}/batches", params={"before": "yesterday"}), 400,
                             "invalid_cursor")


def test_a_bad_review_decision_names_the_field(api):
    http = api.client()
    ext = extraction(http)
    _, (file_id,) = upload(http, ext)
    set_file(api.state.db, file_id, status="needs_review", result={"invoice_number": "A-1"})
    url = f"/v1/extractions/{ext}/files/{file_id}/review"
    assert "action" in error(http.post(url, json={"action": "maybe", "revision": 1}), 400, "invalid_request")
    assert "revision" in error(http.post(url, json={"action": "approve", "revision": -1}), 400, "invalid_request")
    assert api.temporal.updates == []  # refused before the workflow was asked


def test_a_bad_page_number(api):
    http = api.client()
    ext = extraction(http)
    _, (file_id,) = upload(http, ext)
    assert "page" in error(http.get(f"/v1/extractions/{ext}/files/{file_id}/pages/one"), 400, "invalid_request")
    error(http.get(f"/v1/extractions/{ext}/files/{file_id}/pages/2"), 404, "page_out_of_range")


def test_a_bad_idempotency_key(api):
    http = api.client()
    ext = extraction(http)
    r = http.post(f"/v1/extractions/{ext}/batches", headers={"Idempotency-Key": "k" * 256},
                  files=[("files", ("a.pdf", b"%PDF page", "application/pdf"))])
    assert "Idempotency-Key" in error(r, 400, "invalid_request")
