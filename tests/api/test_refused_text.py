"""Text no database stores (NUL, which PostgreSQL's text refuses and SQLite keeps silently; an
unpaired surrogate, which neither driver can encode) and cursors that do not parse are a 400 naming
the field, the same on SQLite and PostgreSQL (issue 14, item 5)."""

from __future__ import annotations

import json

import pytest

from tests.api.helpers import SCHEMA, error, extraction, upload


def _post_json(http, url: str, body: dict):
    # json.dumps writes a surrogate as the escape "\ud800", as a client's JSON would carry it
    return http.post(url, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("body, names", [
    ({**SCHEMA, "name": "in\x00voices"}, "name contains a NUL character"),
    ({**SCHEMA, "description": "supplier\x00"}, "description contains a NUL character"),
    ({**SCHEMA, "fields": [{"key": "a", "type": "string", "description": "x\x00y"}]},
     "fields[0].description contains a NUL character"),
    ({**SCHEMA, "fields": [{"key": "c", "type": "enum", "values": ["EUR", "US\x00D"]}]},
     "fields[0].values[1] contains a NUL character"),
    ({**SCHEMA, "name": "half a pair \ud800"}, "name contains an unpaired UTF-16 surrogate"),
    ({**SCHEMA, "fields": [{"key": "a", "type": "string", "k\x00": 1}]}, "a key of fields[0] contains a NUL"),
])
def test_unstorable_text_in_an_extraction_is_a_400_naming_the_field(both_api, body, names):
    http = both_api.client()
    assert names in error(_post_json(http, "/v1/extractions", body), 400, "invalid_request")
    assert http.get("/v1/extractions").json()["extractions"] == []  # nothing stored


def multipart(*parts: tuple[bytes, bytes]) -> tuple[bytes, dict]:
    """A multipart body written by hand, (Content-Disposition value, content) per part: httpx
    would percent-encode a NUL in a file name, a client of its own need not."""
    body = b"".join(b"--b\r\nContent-Disposition: " + cd + b"\r\n\r\n" + content + b"\r\n" for cd, content in parts)
    return body + b"--b--\r\n", {"Content-Type": "multipart/form-data; boundary=b"}


FILE = (b'form-data; name="files"; filename="a.pdf"', b"%PDF page")


@pytest.mark.parametrize("parts, names", [
    ([(b'form-data; name="name"', b"nov\x00ember"), FILE], "form field 'name' contains a NUL character"),
    ([FILE, (b'form-data; name="webhook_url"', b"http://8.8.8.8/\x00")],
     "form field 'webhook_url' contains a NUL character"),
    ([(b'form-data; name="files"; filename="in\x00voice.pdf"', b"%PDF page")],
     "the file name of file 1 ('in\\x00voice.pdf') contains a NUL character"),
])
def test_unstorable_text_in_an_upload_is_a_400_naming_the_field(both_api, parts, names):
    http = both_api.client()
    ext = extraction(http)
    body, headers = multipart(*parts)
    r = http.post(f"/v1/extractions/{ext}/batches", content=body, headers=headers)
    assert names in error(r, 400, "invalid_request")
    assert both_api.store.objects == {} and both_api.temporal.started == []


@pytest.mark.parametrize("template", [
    "/v1/extractions/{bad}", "/v1/extractions/{bad}/batches", "/v1/extractions/{ext}/batches/{bad}",
    "/v1/extractions/{ext}/files/{bad}/result", "/v1/extractions/{bad}/reviews",
])
def test_a_path_id_with_a_nul_is_a_400_naming_it(both_api, template):
    http = both_api.client()
    ext = extraction(http)
    r = http.get(template.format(ext=ext, bad="ext_01%00x"))
    assert "contains a NUL character" in error(r, 400, "invalid_request")
    assert "_id" in r.json()["error"]


@pytest.mark.parametrize("before", [
    "9999-12-31T23:59:59-01:00",  # fine as written, past the calendar in UTC: OverflowError before
    "0001-01-01T00:00:00+01:00",  # before the calendar's start in UTC
    "2026-01-01T00:00:00Z~btc_\x00",  # a next_before whose id no database holds
    "yesterday", "2026-13-01", "~btc_01",
])
def test_an_unparsable_cursor_is_invalid_cursor_on_both_listings(both_api, before):
    http = both_api.client()
    ext = extraction(http)
    upload(http, ext)
    for url in (f"/v1/extractions/{ext}/batches", "/v1/extractions"):
        assert "before" in error(http.get(url, params={"before": before}), 400, "invalid_cursor")


def test_cursors_at_the_calendars_edges_that_parse_are_answered(both_api):
    http = both_api.client()
    ext = extraction(http)
    upload(http, ext)
    listed = http.get(f"/v1/extractions/{ext}/batches", params={"before": "9999-12-31T23:59:59+00:00"})
    assert listed.status_code == 200 and len(listed.json()["batches"]) == 1
    assert http.get("/v1/extractions", params={"before": "0001-01-01T00:00:00Z"}).json()["extractions"] == []
