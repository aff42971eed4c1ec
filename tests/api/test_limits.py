"""The API's input caps (core/limits.py), each a 4xx naming it (issue 14, items 1 and 7): schema
size at creation, JSON body size, multipart fields, listing pages."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi.routing import APIRoute

from api.json_body import CappedBodyRoute
from core import limits
from tests.api.helpers import SCHEMA, error, extraction, upload
from tests.support.schemas import at_the_documented_maximum, fields


def create(http, fs: list[dict]):
    return http.post("/v1/extractions", json={**SCHEMA, "fields": fs})


# -- item 1: schema size at creation ---------------------------------------------------------------

def test_the_documented_maximum_is_accepted(api):
    fs = at_the_documented_maximum()
    r = create(api.client(), fs)
    assert r.status_code == 201, r.text[:500]
    assert len(r.json()["extraction"]["fields"]) == limits.MAX_FIELDS


@pytest.mark.parametrize("fs, names", [
    (fields(1, enums=1, enum_values=limits.MAX_ENUM_VALUES + 1),
     f"field 'f_000' has {limits.MAX_ENUM_VALUES + 1} enum values; at most {limits.MAX_ENUM_VALUES}"),
    (fields(5, enums=5, enum_values=limits.MAX_ENUM_VALUES_TOTAL // 5 + 1),
     f"have {limits.MAX_ENUM_VALUES_TOTAL + 5:,} values together; at most {limits.MAX_ENUM_VALUES_TOTAL:,}"),
    (fields(1, enums=1, enum_values=2, value_chars=limits.MAX_ENUM_VALUE_CHARS + 1),
     f"an enum value of {limits.MAX_ENUM_VALUE_CHARS + 1} characters"),
    # 2,000 characters of 4 UTF-8 bytes each: within the characters, over the bytes
    (fields(limits.MAX_FIELDS, description_chars=limits.MAX_DESCRIPTION_CHARS, char="\U0001f600"),
     f"bytes as JSON; at most {limits.MAX_SCHEMA_BYTES:,} are allowed"),
])
def test_a_schema_over_a_size_cap_is_a_400_naming_it(api, fs, names):
    http = api.client()
    assert names in error(create(http, fs), 400, "invalid_request")
    assert http.get("/v1/extractions").json()["extractions"] == []


def test_gemini_caps_still_apply_on_top_where_gemini_is_configured(make_api):
    api = make_api(gemini_api_key="k")
    fs = fields(1, enums=1, enum_values=limits.GEMINI_MAX_ENUM_VALUES + 1)  # within the general cap
    assert "with Gemini at most" in error(create(api.client(), fs), 400, "invalid_request")
    assert create(make_api().client(), fs).status_code == 201  # offline: only the general caps


# -- item 1 and 7: the JSON body ------------------------------------------------------------------------

def test_a_20_mb_enum_schema_is_413_naming_the_cap_never_a_503(api):
    http = api.client()
    body = json.dumps({**SCHEMA, "fields": [{"key": "c", "type": "enum",
                                             "values": [f"value-{i:08d}" for i in range(1_250_000)]}]})
    assert len(body) > 20_000_000
    r = http.post("/v1/extractions", content=body, headers={"Content-Type": "application/json"})
    assert f"{limits.MAX_JSON_BODY_BYTES:,} bytes" in error(r, 413, "body_too_large")


def test_a_body_without_a_length_is_counted_as_it_streams(api):
    http = api.client()

    def chunks():
        yield b'{"name": "x", "fields": [{"key": "c", "type": "enum", "values": ['
        for i in range(limits.MAX_JSON_BODY_BYTES // 60_000 + 2):
            yield (b'"' + b"v" * 59_990 + b'%03d",' % i)
        yield b'"end"]}]}'

    r = http.post("/v1/extractions", content=chunks(), headers={"Content-Type": "application/json"})
    error(r, 413, "body_too_large")


def test_a_body_at_the_cap_is_read(api):
    http = api.client()
    body = json.dumps({**SCHEMA, "description": None}).encode()
    padded = body[:-1] + b" " * (limits.MAX_JSON_BODY_BYTES - len(body)) + b"}"
    assert len(padded) == limits.MAX_JSON_BODY_BYTES
    assert http.post("/v1/extractions", content=padded, headers={"Content-Type": "application/json"}).status_code == 201


def _api_routes(routes) -> list[APIRoute]:
    out: list[APIRoute] = []
    for r in routes:  # FastAPI 0.16x keeps an included router whole (original_router), older ones copied
        if isinstance(r, APIRoute):
            out.append(r)
        elif hasattr(r, "original_router"):
            out += _api_routes(r.original_router.routes)
    return out


def test_every_route_reads_its_body_within_the_caps(api):
    from api.main import create_app

    routes = [r for r in _api_routes(create_app(api.state.settings).routes) if r.path.startswith("/v1/")]
    assert len(routes) >= 10
    assert routes and all(isinstance(r, CappedBodyRoute) for r in routes), [
        r.path for r in routes if not isinstance(r, CappedBodyRoute)]


# -- item 7: multipart form fields ----------------------------------------------------------------------

def test_unknown_form_fields_are_refused_naming_them_before_any_file_is_kept(api):
    http = api.client()
    ext = extraction(http)
    url = f"/v1/extractions/{ext}/batches"
    pdf = ("files", ("a.pdf", b"%PDF page", "application/pdf"))
    r = http.post(url, data={"name": "n", "note": "x"}, files=[pdf])
    assert "unexpected form field 'note'" in error(r, 400, "unexpected_field")
    # 20,000 fields of 10 KB were all kept (and copied into the Idempotency-Key fingerprint): the
    # first unknown one ends the request now
    many = {f"f{i}": "x" * 10_000 for i in range(200)}
    assert "'f0'" in error(http.post(url, data=many, files=[pdf]), 400, "unexpected_field")
    assert "given twice" in error(http.post(url, data={"name": ["a", "b"]}, files=[pdf]), 400, "unexpected_field")
    assert api.store.objects == {} and api.temporal.started == []


def test_form_fields_have_lengths(api):
    http = api.client()
    ext = extraction(http)
    url = f"/v1/extractions/{ext}/batches"
    pdf = ("files", ("a.pdf", b"%PDF page", "application/pdf"))
    long_name = "n" * (limits.MAX_BATCH_NAME_CHARS + 1)
    assert f"longer than {limits.MAX_BATCH_NAME_CHARS}" in error(
        http.post(url, data={"name": long_name}, files=[pdf]), 400, "field_too_long")
    assert f"longer than {limits.MAX_FORM_FIELD_BYTES:,} bytes" in error(
        http.post(url, data={"webhook_url": "h" * 20_000}, files=[pdf]), 400, "field_too_long")
    r = http.post(url, data={"name": "n" * limits.MAX_BATCH_NAME_CHARS}, files=[pdf])
    assert r.status_code == 202 and r.json()["batch"]["name"] == "n" * limits.MAX_BATCH_NAME_CHARS


def _raw(http, ext: str, body: bytes):
    return http.post(f"/v1/extractions/{ext}/batches", content=body,
                     headers={"Content-Type": "multipart/form-data; boundary=b"})


def test_a_part_without_content_disposition_is_told_so(api):
    http = api.client()
    ext = extraction(http)
    body = b"--b\r\nContent-Type: application/pdf\r\n\r\n%PDF page\r\n--b--\r\n"
    message = error(_raw(http, ext, body), 400, "malformed_multipart")
    assert "part 1 of the upload has no Content-Disposition header" in message and "too long" not in message
    body = b'--b\r\nContent-Disposition: form-data; filename="a.pdf"\r\n\r\n%PDF page\r\n--b--\r\n'
    assert "no field name" in error(_raw(http, ext, body), 400, "malformed_multipart")


def test_part_headers_are_capped(api):
    """python-multipart's own caps: 8 header lines of at most 4 KB per part."""
    http = api.client()
    ext = extraction(http)
    head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
    for extra in (b"X-Pad: " + b"p" * 5000 + b"\r\n", b"X-Pad: p\r\n" * 9):
        body = head + extra + b"\r\n%PDF page\r\n--b--\r\n"
        assert "header" in error(_raw(http, ext, body), 400, "malformed_multipart")


def test_the_idempotency_fingerprint_is_what_it_was_for_the_same_request():
    """Keys stored within the last 24 h must still match their retries after an upgrade; what it
    hashes of the form is bounded now (TEXT_FIELDS, each capped)."""
    from api.uploads import TEXT_FIELDS, ParsedUpload

    fields_ = {"name": "nov", "webhook_url": "https://h.example/x"}
    before = hashlib.sha256(json.dumps(["ext_1", sorted(fields_.items())]).encode()).hexdigest()
    assert ParsedUpload(fields=fields_).fingerprint("ext_1") == before
    assert set(TEXT_FIELDS) == {"name", "webhook_url"} and max(TEXT_FIELDS.values()) <= limits.MAX_FORM_FIELD_BYTES


# -- item 7: extractions are listed in pages ------------------------------------------------------------

def test_extractions_are_listed_in_pages_like_batches(api):
    http = api.client()
    made = [extraction(http, name=f"e{i}") for i in range(5)]
    seen, before, pages = [], None, 0
    while True:
        body = http.get("/v1/extractions", params={"limit": 2, **({"before": before} if before else {})}).json()
        seen += [e["id"] for e in body["extractions"]]
        pages += 1
        before = body["next_before"]
        if not before:
            break
    assert seen == made[::-1] and pages == 3  # newest first, no gap, no repeat
    first = http.get("/v1/extractions").json()
    assert len(first["extractions"]) == 5 and first["next_before"] is None  # default page: 20
    assert "limit" in error(http.get("/v1/extractions", params={"limit": limits.MAX_PAGE_SIZE + 1}), 400,
                            "invalid_request")


def test_batches_page_size_is_the_same_cap(api):
    http = api.client()
    ext = extraction(http)
    upload(http, ext)
    assert "limit" in error(http.get(f"/v1/extractions/{ext}/batches", params={"limit": limits.MAX_PAGE_SIZE + 1}),
                            400, "invalid_request")
