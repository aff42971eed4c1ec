"""The SDK's batch results, one file's status and the housekeeping deletes (sync and async), and the
CLI's CSV, against an httpx.MockTransport."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pytest

from cli.extract import Item, write_csv
from client import AsyncClient, BatchFileResult, BatchResults, FileInfo
from client.errors import NotFound
from tests.unit.test_client import BASE, BATCH, make

ITEM = {"file_id": "file_1", "batch_id": "btc_1", "file_name": "a.pdf", "status": "needs_review", "page_count": 1,
        "error": None, "reviewed": False, "review_reasons": ["total below 0.8"], "result": {"total": 1.5},
        "confidence": {"total": 0.4}, "citations": {}, "warnings": [], "engine": "offline",
        "model_used": "docparse-offline-v1", "usage": {"input_tokens": 0, "output_tokens": 0},
        "extracted": {"total": 1.5}, "review": None}
FILE = {"id": "file_1", "batch_id": "btc_1", "extraction_id": "ext_1", "file_name": "a.pdf", "status": "failed",
        "page_count": 2, "error": "damaged", "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:01Z"}


def handler(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.method == "DELETE":
        return httpx.Response(204)
    if path.endswith("/results") and request.url.params["format"] == "csv":
        return httpx.Response(200, text="file_id,status\r\nfile_1,needs_review\r\n", headers={"Content-Type": "text/csv"})
    if path.endswith("/results"):
        return httpx.Response(200, json={"batch": BATCH, "files": [ITEM]})
    return httpx.Response(200, json={"file": FILE})


def test_batch_results_file_status_and_deletes():
    seen: list[httpx.Request] = []

    def record(request):
        seen.append(request)
        return handler(request)

    dp, _ = make(record)
    results = dp.get_batch_results("ext_1", "btc_1")
    assert isinstance(results, BatchResults) and results.batch.id == "btc_1"
    (f,) = results.files
    assert f.status == "needs_review" and f.result == {"total": 1.5} and f.reviewed is False
    assert dp.get_batch_results_csv("ext_1", "btc_1").splitlines()[1] == "file_1,needs_review"
    info = dp.get_file("ext_1", "file_1")
    assert isinstance(info, FileInfo) and (info.status, info.error, info.page_count) == ("failed", "damaged", 2)
    assert dp.delete_batch("ext_1", "btc_1") is None and dp.delete_extraction("ext_1") is None
    assert [(r.method, r.url.path, r.url.params.get("format")) for r in seen] == [
        ("GET", "/v1/extractions/ext_1/batches/btc_1/results", "json"),
        ("GET", "/v1/extractions/ext_1/batches/btc_1/results", "csv"),
        ("GET", "/v1/extractions/ext_1/files/file_1", None),
        ("DELETE", "/v1/extractions/ext_1/batches/btc_1", None),
        ("DELETE", "/v1/extractions/ext_1", None),
    ]


async def test_the_async_client_has_the_same_methods():
    async with AsyncClient(BASE, "dp_test", transport=httpx.MockTransport(handler)) as dp:
        assert (await dp.get_batch_results("ext_1", "btc_1")).files[0].review_reasons == ["total below 0.8"]
        assert "needs_review" in await dp.get_batch_results_csv("ext_1", "btc_1")
        assert (await dp.get_file("ext_1", "file_1")).status == "failed"
        assert await dp.delete_batch("ext_1", "btc_1") is None
        assert await dp.delete_extraction("ext_1") is None


def test_the_cli_csv_has_the_apis_columns_and_a_row_for_files_never_sent(tmp_path: Path):
    fields = [{"key": "total", "type": "number"}, {"key": "error", "type": "string"},
              {"key": "items", "type": "list<object>", "fields": [{"key": "q", "type": "number"}]}]
    sent = Item(tmp_path / "a.pdf", 10, status="needs_review", file_id="file_1")
    skipped = Item(tmp_path / "big.pdf", 10**9, status="skipped", error="over 25 MB")
    out = io.StringIO()
    write_csv(out, [sent, skipped], {sent: {**ITEM, "result": {"total": 1.5, "error": "E1", "items": []}}}, fields)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["file_id", "file_name", "status", "reviewed", "total", "error", "_error"],
                    ["file_1", "a.pdf", "needs_review", "false", "1.5", "E1", ""],
                    ["", "big.pdf", "skipped", "false", "", "", "over 25 MB"]]


def test_an_e_mail_becomes_a_result_per_attachment_in_the_cli(tmp_path: Path):
    """`docparse extract mail.eml a.pdf`: the upload's answer says which files each input became
    (`part`); the message's attachments each get their own result, the PDF its own, matched by id
    (an attachment may carry the name of another input)."""
    from cli.extract import collect_results, per_file, upload_chunk

    accepted = [
        {"id": "file_a1", "file_name": "a.pdf", "page_count": 1, "part": 0, "from_message": "mail.eml"},
        {"id": "file_a2", "file_name": "b.pdf", "page_count": 1, "part": 0, "from_message": "mail.eml"},
        {"id": "file_p", "file_name": "a.pdf", "page_count": 1, "part": 1, "from_message": None},
    ]
    results = [{**ITEM, "file_id": f["id"], "file_name": f["file_name"], "status": "processed",
                "result": {"total": n}} for n, f in enumerate(accepted)]

    def api(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, json={"batch": {**BATCH, "file_count": 3}, "files": accepted})
        return httpx.Response(200, json={"batch": BATCH, "files": results})

    (tmp_path / "mail.eml").write_bytes(b"From: a@b.c\nSubject: x\n\nbody")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    sent = [Item(tmp_path / "mail.eml", 30), Item(tmp_path / "a.pdf", 8)]
    dp, _ = make(api)
    assert upload_chunk(dp, "ext_1", sent, None) == "btc_1"
    items = per_file(sent)
    values = collect_results(dp, "ext_1", ["btc_1"], items)

    assert [(i.file_id, i.name, i.stem, i.status) for i in items] == [
        ("file_a1", "a.pdf", "mail-a", "processed"), ("file_a2", "b.pdf", "mail-b", "processed"),
        ("file_p", "a.pdf", "a", "processed")]
    assert [values[i]["result"] for i in items] == [{"total": 0}, {"total": 1}, {"total": 2}]
    assert items[0].label == f"{tmp_path / 'mail.eml'} [a.pdf]" and items[2].label == str(tmp_path / "a.pdf")


def _ndjson_handler(calls: list[int]):
    """503 once, then three files as NDJSON (a blank line between them, as a proxy may add)."""
    second = {**ITEM, "file_id": "file_2", "status": "failed", "result": None, "error": "damaged"}

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        assert request.url.params["format"] == "ndjson"
        if len(calls) == 1:
            return httpx.Response(503, json={"error": "busy", "code": "database_unavailable"}, headers={"Retry-After": "0"})
        body = "\n".join(json.dumps(x) for x in (ITEM, second)) + "\n\n" + json.dumps({**ITEM, "file_id": "file_3"}) + "\n"
        return httpx.Response(200, stream=httpx.ByteStream(body.encode()),
                              headers={"Content-Type": "application/x-ndjson"})
    return handle


def test_batch_results_stream_one_file_per_ndjson_line_after_a_retry():
    calls: list[int] = []
    dp, sleeps = make(_ndjson_handler(calls))
    files = list(dp.iter_batch_results("ext_1", "btc_1"))
    assert [(f.file_id, f.status, f.error) for f in files] == [
        ("file_1", "needs_review", None), ("file_2", "failed", "damaged"), ("file_3", "needs_review", None)]
    assert isinstance(files[0], BatchFileResult) and files[0].result == {"total": 1.5}
    assert len(calls) == 2 and sleeps == [0]


def test_batch_results_stream_errors_are_typed():
    dp, _ = make(lambda r: httpx.Response(404, json={"error": "batch 'btc_x' not found", "code": "not_found"}))
    with pytest.raises(NotFound, match="btc_x"):
        dp.iter_batch_results("ext_1", "btc_x")


async def test_async_batch_results_stream():
    calls: list[int] = []
    async with AsyncClient(BASE, "dp_test", transport=httpx.MockTransport(_ndjson_handler(calls)),
                           sleep=_no_sleep) as dp:
        assert [f.file_id async for f in dp.iter_batch_results("ext_1", "btc_1")] == ["file_1", "file_2", "file_3"]
    assert len(calls) == 2


async def _no_sleep(_s: float) -> None:
    return None
