"""Accepted means finished at the documented limits, on the real stack (issue 14, item 1): an
extraction at every schema cap at once plus a full batch runs to the end (Temporal's payload and
gRPC limits hold: activity inputs carry ids, BatchInput the schema once), and a body far over the
JSON cap is refused while it streams over real HTTP, never accepted to be stranded."""

from __future__ import annotations

import json
import socket

import pytest

from core import limits
from core.schema import FieldSpec, schema_bytes
from tests.support.invoices import make_invoice
from tests.support.rawhttp import read_answer
from tests.support.schemas import at_the_documented_maximum

pytestmark = pytest.mark.slow


def test_a_schema_at_every_cap_and_a_full_batch_finish(sqlite_stack):
    fields = at_the_documented_maximum()
    size = schema_bytes([FieldSpec.model_validate(f) for f in fields])
    assert limits.MAX_SCHEMA_BYTES * 0.75 < size <= limits.MAX_SCHEMA_BYTES
    files = sqlite_stack.settings.max_files_per_batch
    with sqlite_stack.client(sqlite_stack.create_key(pages=1000, name="at-the-caps")) as http:
        r = http.post("/v1/extractions", json={"name": "at the caps", "review_threshold": 0, "fields": fields})
        assert r.status_code == 201, r.text[:300]
        ext = r.json()["extraction"]["id"]
        r = http.post(f"/v1/extractions/{ext}/batches", files=[
            ("files", (f"inv-{i:02d}.pdf", make_invoice(seed=100 + i)[0], "application/pdf")) for i in range(files)])
        assert r.status_code == 202, r.text[:300]
        batch = r.json()["batch"]["id"]
        body = sqlite_stack.wait_terminal(http, ext, batch, timeout=300)
    statuses = [f["status"] for f in body["files"]]
    assert len(statuses) == files and set(statuses) <= {"processed", "failed"}, body
    assert statuses.count("processed") == files, [f["error"] for f in body["files"] if f["error"]]


def test_a_20_mb_schema_is_refused_while_it_streams(sqlite_stack):
    """Chunked (no Content-Length): the API answers 413 after 4 MB, having read no further."""
    key = sqlite_stack.create_key(name="big-body")
    values = json.dumps([f"value-{i:010d}" for i in range(1_100_000)]).encode()  # ~20 MB
    head = b'{"name": "x", "fields": [{"key": "c", "type": "enum", "values": '
    sock = socket.create_connection(("127.0.0.1", sqlite_stack.port), timeout=60)
    sock.sendall((f"POST /v1/extractions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
    body, sent, step = head + values + b"}]}", 0, 256 * 1024
    assert len(body) > 20_000_000
    try:
        while sent < limits.MAX_JSON_BODY_BYTES + 8 * step:
            part = body[sent:sent + step]
            sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            sent += len(part)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = read_answer(sock, body=True)
    sock.close()
    assert response.startswith(b"HTTP/1.1 413"), response[:300]
    assert b'"body_too_large"' in response and sent < len(body)
