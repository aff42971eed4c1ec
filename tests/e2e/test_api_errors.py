"""Every error row of the public API, over real HTTP: JSON {"error", "code", "retryable"} with the
seed's status codes and stable machine-readable codes."""

from __future__ import annotations

import io
import re
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.support.invoices import make_invoice
from tests.support.rawhttp import read_answer

SCHEMA = {"name": "e", "language": "en", "review_threshold": 0, "fields": [{"key": "invoice_number", "type": "string"}]}


@pytest.fixture(scope="module")
def pdf():
    return make_invoice(seed=11)[0]


@pytest.fixture(scope="module")
def owner(sqlite_stack):
    key = sqlite_stack.create_key(pages=500, name="owner")
    http = sqlite_stack.client(key)
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    yield http, ext, key
    http.close()


def _error(r: httpx.Response, status: int, code: str | None = None) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error", "code", "retryable"} and isinstance(body["error"], str) and body["error"]
    assert re.fullmatch(r"[a-z][a-z_]*[a-z]", body["code"]), body
    assert body["retryable"] is (status in (429, 503) or status >= 500), body
    if code is not None:
        assert body["code"] == code, body
    return body["error"]


def test_missing_and_invalid_key(sqlite_stack):
    with sqlite_stack.client(None) as anon:
        assert "Bearer" in _error(anon.get("/v1/extractions"), 401, "missing_api_key")
    with sqlite_stack.client("dp_not-a-real-key") as bad:
        _error(bad.get("/v1/extractions"), 401, "invalid_api_key")
        _error(bad.post("/v1/extractions", json=SCHEMA), 401)


def test_revoked_key_is_refused(sqlite_stack):
    from core.accounts import revoke_key
    from core.db import init_db, session_scope

    key = sqlite_stack.create_key(name="to-revoke")
    with sqlite_stack.client(key) as http:
        assert http.get("/v1/extractions").status_code == 200
        with session_scope(init_db(sqlite_stack.settings)) as session:
            revoke_key(session, key)
            session.commit()
        assert "revoked" in _error(http.get("/v1/extractions"), 403, "api_key_revoked")


@pytest.mark.parametrize(
    "body, words",
    [
        ({"name": "x", "fields": [{"key": "a", "type": "money"}]}, "type"),
        ({"name": "x", "fields": [{"key": "a", "type": "string"}, {"key": "a", "type": "number"}]}, "duplicate"),
        ({"name": "x", "fields": []}, "fields"),
        ({"fields": [{"key": "a", "type": "string"}]}, "name"),
        ({"name": "x", "fields": [{"key": "e", "type": "enum"}]}, "values"),
        ({"name": "x", "fields": [{"key": "l", "type": "list<object>"}]}, "nested"),
        ({"name": "x", "fields": [{"key": "l", "type": "list<object>", "fields": [
            {"key": "m", "type": "list<object>", "fields": [{"key": "z", "type": "string"}]}]}]}, "nested"),
        ({"name": "x", "fields": [{"key": f"f{i}", "type": "string"} for i in range(1000)]}, "at most"),
    ],
)
def test_bad_schema_is_400_naming_the_problem(owner, body, words):
    http, _, _ = owner
    assert words in _error(http.post("/v1/extractions", json=body), 400)


def test_non_json_body_is_400(owner):
    http, _, _ = owner
    r = http.post("/v1/extractions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert "JSON" in _error(r, 400)


def test_unknown_ids_are_404(owner):
    http, ext, _ = owner
    _error(http.get("/v1/extractions/ext_nope"), 404)
    _error(http.post("/v1/extractions/ext_nope/batches", files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))]), 404)
    _error(http.get(f"/v1/extractions/{ext}/batches/btc_nope"), 404)
    _error(http.get(f"/v1/extractions/{ext}/files/file_nope/result"), 404)
    _error(http.delete(f"/v1/extractions/{ext}/files/file_nope"), 404)
    _error(http.get("/v1/no-such-route"), 404)


def test_other_tenant_sees_404_on_every_route(sqlite_stack, owner, pdf):
    http, ext, _ = owner
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", pdf, "application/pdf"))])
    assert r.status_code == 202, r.text
    batch = r.json()["batch"]["id"]
    body = sqlite_stack.wait_terminal(http, ext, batch)
    file_id = body["files"][0]["id"]
    with sqlite_stack.client(sqlite_stack.create_key(name="intruder")) as other:
        for method, url, kw in [
            ("GET", f"/v1/extractions/{ext}", {}),
            ("POST", f"/v1/extractions/{ext}/batches", {"files": [("files", ("a.pdf", pdf, "application/pdf"))]}),
            ("GET", f"/v1/extractions/{ext}/batches", {}),
            ("GET", f"/v1/extractions/{ext}/batches/{batch}", {}),
            ("GET", f"/v1/extractions/{ext}/batches/{batch}/results", {}),
            ("GET", f"/v1/extractions/{ext}/files/{file_id}", {}),
            ("GET", f"/v1/extractions/{ext}/files/{file_id}/result", {}),
            ("DELETE", f"/v1/extractions/{ext}/files/{file_id}", {}),
            ("DELETE", f"/v1/extractions/{ext}/batches/{batch}", {}),
            ("DELETE", f"/v1/extractions/{ext}", {}),
        ]:
            msg = _error(other.request(method, url, **kw), 404)
            assert "not found" in msg
        assert other.get("/v1/extractions").json()["extractions"] == []
    # the owner still has everything
    assert http.get(f"/v1/extractions/{ext}/files/{file_id}/result").status_code == 200


def test_zero_files_and_31_files(owner, pdf):
    http, ext, _ = owner
    _error(http.post(f"/v1/extractions/{ext}/batches", files=[], data={"name": "empty"}), 400)
    many = [("files", (f"f{i}.pdf", pdf, "application/pdf")) for i in range(31)]
    assert "at most 30" in _error(http.post(f"/v1/extractions/{ext}/batches", files=many), 400)


def test_not_multipart_is_400(owner):
    http, ext, _ = owner
    _error(http.post(f"/v1/extractions/{ext}/batches", json={"files": []}), 400)


def test_unsupported_type_is_sniffed_from_bytes(owner):
    http, ext, _ = owner
    gif = b"GIF89a" + b"\x00" * 100  # an image type we do not read, named like a PDF
    msg = _error(http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("invoice.pdf", gif, "application/pdf"))]), 400)
    assert "invoice.pdf" in msg and "not a supported" in msg
    zip_bytes = b"PK\x03\x04" + b"\x00" * 100
    assert "data.pdf" in _error(http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("data.pdf", zip_bytes, "application/pdf"))]), 400)


def test_file_over_25mb_is_413_while_streaming(sqlite_stack, owner):
    """The server answers 413 at byte 25 MB + 1 without reading the rest of the body."""
    http, ext, key = owner
    limit = sqlite_stack.settings.max_file_bytes
    boundary = "b0undary"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    # Claim a 200 MB file but send only a little over the limit, then wait for the answer:
    # a server that buffered the body first would never answer.
    total = 200 * 1024 * 1024
    sock = socket.create_connection(("127.0.0.1", sqlite_stack.port), timeout=30)
    sock.sendall(
        (
            f"POST /v1/extractions/{ext}/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n"
        ).encode()
        + head
    )
    sent, chunk = len(head), b"0" * (1024 * 1024)
    try:
        while sent < limit + 2 * len(chunk):
            sock.sendall(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = read_answer(sock)
    sock.close()
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert sent < total


def test_file_of_exactly_25mb_plus_one_byte_is_413(owner):
    http, ext, _ = owner
    data = b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024 + 1 - 9)
    msg = _error(http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("big.pdf", io.BytesIO(data), "application/pdf"))]), 413,
                 "file_too_large")
    assert "big.pdf" in msg


def test_out_of_pages_says_how_many_remain(sqlite_stack, pdf):
    import pymupdf

    pages = pymupdf.open(stream=pdf, filetype="pdf").page_count
    with sqlite_stack.client(sqlite_stack.create_key(pages=pages, name="small")) as http:
        ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
        assert http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", pdf, "application/pdf"))]).status_code == 202
        msg = _error(http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("b.pdf", pdf, "application/pdf"))]), 403,
                     "out_of_pages")
        assert "out of pages" in msg and "0 left" in msg


def test_list_query_errors(owner):
    http, ext, _ = owner
    _error(http.get(f"/v1/extractions/{ext}/batches", params={"limit": 101}), 400)
    _error(http.get(f"/v1/extractions/{ext}/batches", params={"limit": 0}), 400)
    _error(http.get(f"/v1/extractions/{ext}/batches", params={"limit": "lots"}), 400)
    assert "before" in _error(http.get(f"/v1/extractions/{ext}/batches", params={"before": "yesterday"}), 400)
    r = http.get(f"/v1/extractions/{ext}/batches", params={"limit": 100})
    assert r.status_code == 200


def test_listing_is_gap_free_when_created_at_ties(sqlite_stack, owner):
    """Batches sharing one created_at are paged without gaps or repeats."""
    from core.db import init_db, session_scope
    from core.ids import new_id
    from core.models import Batch, Extraction

    http, _, key = owner
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    same = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    with session_scope(init_db(sqlite_stack.settings)) as session:
        account_id = session.get(Extraction, ext).account_id
        made = []
        for i in range(7):
            when = same if i < 5 else same + timedelta(seconds=i)
            b = Batch(id=new_id("btc"), account_id=account_id, extraction_id=ext, file_count=0,
                      page_count=0, status="processed", created_at=when)
            session.add(b)
            made.append(b.id)
        session.commit()
    seen, before = [], None
    for _ in range(10):
        params = {"limit": 2, **({"before": before} if before else {})}
        page = http.get(f"/v1/extractions/{ext}/batches", params=params).json()
        seen += [b["id"] for b in page["batches"]]
        before = page["next_before"]
        if before is None:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    stamps = [http.get(f"/v1/extractions/{ext}/batches", params={"limit": 100}).json()["batches"][i]["created_at"] for i in range(7)]
    assert stamps == sorted(stamps, reverse=True)
    # a plain ISO timestamp also works as `before`
    page = http.get(f"/v1/extractions/{ext}/batches", params={"before": "2026-01-01T12:00:01+00:00"}).json()
    assert len(page["batches"]) == 5


def test_not_yet_processed_result_is_a_clear_error(sqlite_stack, owner, pdf):
    http, ext, _ = owner
    sqlite_stack.kill_worker()
    try:
        r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("slow.pdf", pdf, "application/pdf"))])
        assert r.status_code == 202
        batch = r.json()["batch"]["id"]
        status = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()
        assert status["batch"]["status"] == "queued"
        file_id = status["files"][0]["id"]
        msg = _error(http.get(f"/v1/extractions/{ext}/files/{file_id}/result"), 409)
        assert "slow.pdf" in msg and "queued" in msg
    finally:
        sqlite_stack.start_worker()
    assert sqlite_stack.wait_terminal(http, ext, batch)["batch"]["status"] == "processed"


def test_keys_never_reach_logs_or_workflow_history(sqlite_stack, owner, pdf):
    import asyncio

    from core.temporal import batch_workflow_id, connect

    http, ext, key = owner
    http.get("/v1/extractions", headers={"Authorization": "Bearer dp_wrong-key-for-the-log"})
    r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("k.pdf", pdf, "application/pdf"))])
    batch = r.json()["batch"]["id"]
    sqlite_stack.wait_terminal(http, ext, batch)
    logs = sqlite_stack.logs(lines=1_000_000)
    assert key not in logs and "dp_wrong-key-for-the-log" not in logs

    async def history_text() -> str:
        client = await connect(sqlite_stack.settings)
        history = await client.get_workflow_handle(batch_workflow_id(batch)).fetch_history()
        return history.to_json()

    text = asyncio.run(history_text())
    assert batch in text and key not in text and key[:10] not in text
