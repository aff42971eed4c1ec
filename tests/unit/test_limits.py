"""What the caps of core/limits.py guarantee downstream (issue 14, items 1 and 7): the workflow's
input fits Temporal's payload limit at the caps, and a JSON body is refused while it streams."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from api.json_body import CappedRequest, unstorable_text
from api.schemas import ExtractionCreate
from core import limits
from core.config import Settings
from core.languages import MULTI
from core.models import Batch, Extraction, FileRecord
from core.schema import FieldSpec, schema_bytes, size_problems
from workflows.start import batch_input

TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024  # the server's default blob size limit (error), per payload
WIDE = "\U0001f600"  # 4 bytes in UTF-8: the most bytes one character can take


def _largest_accepted_fields() -> list[FieldSpec]:
    """200 fields whose descriptions (of 4-byte characters, so bytes bind before characters) bring
    the fields' JSON up to MAX_SCHEMA_BYTES: the largest schema creation accepts."""
    fields = [FieldSpec(key=f"k{i:03d}_" + "k" * 58, type="string", description="") for i in range(limits.MAX_FIELDS)]
    room = limits.MAX_SCHEMA_BYTES - schema_bytes(fields)
    per_field = min(room // limits.MAX_FIELDS // len(WIDE.encode()), limits.MAX_DESCRIPTION_CHARS)
    for f in fields:
        f.description = WIDE * per_field
    assert schema_bytes(fields) <= limits.MAX_SCHEMA_BYTES and not size_problems(fields)
    assert limits.MAX_SCHEMA_BYTES - schema_bytes(fields) < limits.MAX_FIELDS * len(WIDE.encode())
    return fields


def test_batch_input_at_the_caps_fits_temporals_payload_limit():
    """BatchInput carries the schema once (for the review validator) and one small FileInput per
    file: at every cap at once it must be one payload under 2 MB, or the workflow cannot start."""
    settings = Settings(data_dir="/nonexistent")
    fields = _largest_accepted_fields()
    body = ExtractionCreate(name="n" * 200, language=MULTI, fields=fields,  # the longest language accepted
                            webhook_url="https://h.example/" + WIDE * (limits.MAX_WEBHOOK_URL_CHARS - 18))
    ext = Extraction(id="ext_" + "0" * 26, account_id="acc_" + "0" * 26, name=body.name, language=body.language,
                     fields=[f.model_dump(exclude_none=True) for f in body.fields], webhook_url=body.webhook_url)
    batch = Batch(id="btc_" + "0" * 26, account_id=ext.account_id, extraction_id=ext.id, name="b" * 200,
                  webhook_url=body.webhook_url, file_count=settings.max_files_per_batch, page_count=0,
                  created_at=datetime.now(timezone.utc))
    files = [FileRecord(id=f"file_{i:026d}", batch_id=batch.id, extraction_id=ext.id, account_id=ext.account_id,
                        position=i, file_name=WIDE * limits.MAX_FILE_NAME_CHARS, kind="tiff",
                        size_bytes=settings.max_file_bytes, page_count=settings.max_pages_per_file,
                        object_key=f"files/{batch.id}/file_{i:026d}/original")
             for i in range(settings.max_files_per_batch)]
    payload = pydantic_data_converter.payload_converter.to_payloads([batch_input(settings, ext, batch, files)])[0]
    size = payload.ByteSize()
    # The arithmetic: the schema's bytes, then per field its nulls ("description":null ...), per
    # file its ids, key and name, the webhook URL: everything else is a few hundred bytes.
    per_field_nulls = len(',"description":null,"values":null,"fields":null')
    per_file = 4 * limits.MAX_FILE_NAME_CHARS + 3 * 40 + 120
    bound = (limits.MAX_SCHEMA_BYTES + limits.MAX_FIELDS * per_field_nulls + settings.max_files_per_batch * per_file
             + 4 * limits.MAX_WEBHOOK_URL_CHARS + 2_000)
    print(f"BatchInput at the caps: {size:,} bytes (bound {bound:,}; Temporal's limit {TEMPORAL_PAYLOAD_LIMIT:,})")
    assert size <= bound < TEMPORAL_PAYLOAD_LIMIT
    assert size > limits.MAX_SCHEMA_BYTES * 0.99  # the schema really is at its cap


async def test_a_json_body_is_refused_at_the_cap_without_reading_the_rest():
    chunk, total = b"x" * 65_536, 50 * 1024 * 1024
    received = 0

    async def receive():
        nonlocal received
        received += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": received < total}

    scope = {"type": "http", "method": "POST", "path": "/v1/extractions", "headers": [
        (b"content-type", b"application/json")], "query_string": b""}
    with pytest.raises(Exception) as refused:
        await CappedRequest(scope, receive).body()
    assert refused.value.error.code == "body_too_large"
    assert received == (limits.MAX_JSON_BODY_BYTES // len(chunk) + 1) * len(chunk)  # 4 MB + one chunk, not 50


async def test_a_declared_length_over_the_cap_is_refused_before_reading():
    async def receive():
        raise AssertionError("nothing may be read")

    scope = {"type": "http", "method": "POST", "path": "/v1/extractions", "query_string": b"",
             "headers": [(b"content-length", str(limits.MAX_JSON_BODY_BYTES + 1).encode())]}
    with pytest.raises(Exception) as refused:
        await CappedRequest(scope, receive).body()
    assert refused.value.error.code == "body_too_large"


def test_unstorable_text_is_found_however_deep():
    deep: object = "ok"
    for _ in range(5000):  # deeper than Python's recursion limit: the walk is not recursive
        deep = [deep]
    assert unstorable_text({"a": deep}) is None
    assert unstorable_text({"a": [{"b": "x\x00"}]}) == "a[0].b contains a NUL character (U+0000)"
