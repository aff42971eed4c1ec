"""The Gemini path through the real workflow and worker, against a local fake of the REST API."""

from __future__ import annotations

import pymupdf
import pytest

from tests.conftest import make_stack
from tests.support.fake_gemini import FakeGemini

SCHEMA = {
    "name": "gemini", "language": "en", "review_threshold": 0,
    "fields": [
        {"key": "invoice_number", "type": "string", "required": True},
        {"key": "issue_date", "type": "date"},
        {"key": "total_amount", "type": "number", "description": "grand total"},
        {"key": "line_items", "type": "list<object>", "fields": [
            {"key": "description", "type": "string"}, {"key": "qty", "type": "integer"},
            {"key": "unit_price", "type": "number"}, {"key": "amount", "type": "number"}]},
    ],
}


def scenario_pdf(marker: str, *, pages: int = 1, items_per_page: int = 3) -> tuple[bytes, list[str]]:
    """A document the fake model reads: items add up to the printed total (no rule fires)."""
    doc = pymupdf.open()
    codes, total = [], 0.0
    for p in range(pages):
        page = doc.new_page()
        y = 72
        lines = [f"SCENARIO-{marker}"]
        if p == 0:
            lines += ["Invoice No: INV-77", "Date: 05.03.2024"]
        for i in range(items_per_page):
            code = f"P{p + 1}-{i + 1}"
            codes.append(code)
            amount = round((i + 2) * 123.45, 2)
            total += amount
            lines.append(f"ITEM {code} {i + 2} x 123.45 = {amount:.2f}")
        if p == pages - 1:
            lines.append(f"Total: {total:,.2f}")  # printed with a thousands separator
        for line in lines:
            page.insert_text((72, y), line, fontsize=10)
            y += 18
    return doc.tobytes(), codes


@pytest.fixture(scope="module")
def fake():
    server = FakeGemini().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gstack(request, temporal_server, s3_server, tmp_path_factory, fake):
    s = make_stack(
        request, temporal_server, s3_server, tmp_path_factory, "sqlite",
        DOCPARSE_GEMINI_API_KEY="test-key", DOCPARSE_GEMINI_BASE_URL=fake.base_url,
        DOCPARSE_MODEL_PAGES_PER_CHUNK="2", DOCPARSE_MODEL_CHUNK_OVERLAP="1",
    ).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gemini_ext(gstack):
    http = gstack.client(gstack.create_key(name="gemini"))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    yield http, ext
    http.close()


def run(gstack, gemini_ext, docs: dict[str, bytes]) -> dict[str, dict]:
    http, ext = gemini_ext
    r = http.post(f"/v1/extractions/{ext}/batches",
                  files=[("files", (name, data, "application/pdf")) for name, data in docs.items()])
    assert r.status_code == 202, r.text
    body = gstack.wait_terminal(http, ext, r.json()["batch"]["id"], timeout=180)
    out = {}
    for f in body["files"]:
        res = http.get(f"/v1/extractions/{ext}/files/{f['id']}/result")
        out[f["file_name"]] = {"file": f, "result": res.json(), "batch": body["batch"]}
    return out


def activities_run(gstack, batch_id: str) -> list[str]:
    """Activity types the batch's workflow scheduled, in order."""
    import asyncio

    from core.temporal import batch_workflow_id, connect

    async def history():
        client = await connect(gstack.settings)
        h = await client.get_workflow_handle(batch_workflow_id(batch_id)).fetch_history()
        return [e.activity_task_scheduled_event_attributes.activity_type.name
                for e in h.events if e.HasField("activity_task_scheduled_event_attributes")]

    return asyncio.run(history())


def test_clean_response_carries_schema_and_every_page(gstack, gemini_ext, fake):
    pdf, codes = scenario_pdf("CLEAN-A", pages=2)
    got = run(gstack, gemini_ext, {"clean.pdf": pdf})["clean.pdf"]
    assert got["file"]["status"] == "processed"
    result = got["result"]
    assert result["model_used"] == "gemini-2.5-flash"
    assert result["result"]["invoice_number"] == "INV-77"
    assert result["result"]["issue_date"] == "2024-03-05"
    assert result["result"]["total_amount"] == 2222.1  # printed "2,222.10", coerced
    assert [i["description"] for i in result["result"]["line_items"]] == [f"Item {c}" for c in codes]
    assert result["usage"] == {"input_tokens": 1000, "output_tokens": 200}
    assert got["batch"]["usage"] == {"input_tokens": 1000, "output_tokens": 200}
    (call,) = fake.calls_for("CLEAN-A")
    assert "/models/gemini-2.5-flash:generateContent" in call.path
    assert call.headers.get("x-goog-api-key") == "test-key"
    schema = call.config().get("responseJsonSchema") or call.config().get("response_json_schema")
    assert set(schema["properties"]) == {"invoice_number", "issue_date", "total_amount", "line_items", "_confidence"}
    assert call.pages == [1, 2] and call.images == 2  # every page: image and text layer
    assert "Document language: en" in call.text
    # one chunk is the whole document: the call stores the assessed result, no merge step
    assert "merge_chunks" not in activities_run(gstack, got["batch"]["id"])


def test_six_pages_with_items_on_every_page_come_back_once(gstack, gemini_ext, fake):
    pdf, codes = scenario_pdf("SIX-PAGES", pages=6, items_per_page=4)
    got = run(gstack, gemini_ext, {"six.pdf": pdf})["six.pdf"]
    items = got["result"]["result"]["line_items"]
    assert [i["description"] for i in items] == [f"Item {c}" for c in codes]  # 24 items, once each
    chunk_pages = sorted(c.pages for c in fake.calls_for("SIX-PAGES"))
    assert chunk_pages == [[1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]  # overlap 1: items still once
    assert activities_run(gstack, got["batch"]["id"]).count("merge_chunks") == 1


def test_rate_limited_twice_then_success_honours_retry_delay(gstack, gemini_ext, fake):
    pdf, _ = scenario_pdf("RATE-LIMITED-TWICE")
    got = run(gstack, gemini_ext, {"busy.pdf": pdf})["busy.pdf"]
    assert got["file"]["status"] == "processed"
    calls = fake.calls_for("RATE-LIMITED-TWICE")
    assert len(calls) == 3
    gaps = [b.at - a.at for a, b in zip(calls, calls[1:])]
    assert all(g >= 1.9 for g in gaps), gaps  # RetryInfo said 2s


def test_503_is_retried(gstack, gemini_ext, fake):
    pdf, _ = scenario_pdf("UNAVAILABLE-ONCE")
    got = run(gstack, gemini_ext, {"flaky.pdf": pdf})["flaky.pdf"]
    assert got["file"]["status"] == "processed"
    assert len(fake.calls_for("UNAVAILABLE-ONCE")) == 2


def test_daily_quota_and_bad_key_fail_the_file_not_the_batch(gstack, gemini_ext, fake):
    quota, _ = scenario_pdf("DAILY-QUOTA")
    key, _ = scenario_pdf("BAD-KEY")
    fine, _ = scenario_pdf("CLEAN-B")
    got = run(gstack, gemini_ext, {"quota.pdf": quota, "key.pdf": key, "fine.pdf": fine})
    assert got["quota.pdf"]["file"]["status"] == "failed"
    assert "daily quota" in got["quota.pdf"]["file"]["error"]
    assert len(fake.calls_for("DAILY-QUOTA")) == 1  # not retried
    assert got["key.pdf"]["file"]["status"] == "failed"
    assert "API key" in got["key.pdf"]["file"]["error"]
    assert len(fake.calls_for("BAD-KEY")) == 1
    assert got["fine.pdf"]["file"]["status"] == "processed"
    assert got["fine.pdf"]["batch"]["status"] == "processed"
    assert "daily quota" in got["quota.pdf"]["result"]["error"]


def test_malformed_json_is_asked_again_then_fails_clearly(gstack, gemini_ext, fake):
    once, _ = scenario_pdf("MALFORMED-ONCE")
    always, _ = scenario_pdf("MALFORMED-ALWAYS")
    got = run(gstack, gemini_ext, {"once.pdf": once, "always.pdf": always})
    assert got["once.pdf"]["file"]["status"] == "processed"
    assert got["once.pdf"]["result"]["result"]["invoice_number"] == "INV-77"
    assert got["always.pdf"]["file"]["status"] == "failed"
    assert "unusable" in got["always.pdf"]["file"]["error"] and "not JSON" in got["always.pdf"]["file"]["error"]
    assert len(fake.calls_for("MALFORMED-ALWAYS")) == 3


def test_truncated_output_splits_the_chunk(gstack, gemini_ext, fake):
    pdf, codes = scenario_pdf("TRUNCATES-OVER-1-PAGE", pages=3, items_per_page=2)
    got = run(gstack, gemini_ext, {"long.pdf": pdf})["long.pdf"]
    assert got["file"]["status"] == "processed"
    assert [i["description"] for i in got["result"]["result"]["line_items"]] == [f"Item {c}" for c in codes]
    calls = fake.calls_for("TRUNCATES-OVER-1-PAGE")
    assert any(len(c.pages) > 1 for c in calls) and any(len(c.pages) == 1 for c in calls)


def test_embedded_e_invoice_skips_the_model(gstack, gemini_ext, fake):
    from tests.support.einvoice_xml import cii_xml, embed
    from tests.support.invoices import make_invoice

    pdf, truth = make_invoice(seed=31)
    calls_before = len(fake.calls)
    got = run(gstack, gemini_ext, {"x.pdf": embed(pdf, {"factur-x.xml": cii_xml(truth)})})["x.pdf"]
    assert got["result"]["model_used"] == "einvoice-xml:factur-x"
    assert got["result"]["result"]["invoice_number"] == truth["invoice_number"]
    assert len(fake.calls) == calls_before


def test_model_can_be_chosen_per_extraction(gstack, gemini_ext, fake):
    http, _ = gemini_ext
    ext = http.post("/v1/extractions", json={**SCHEMA, "model": "gemini-2.5-pro"}).json()["extraction"]
    assert ext["model"] == "gemini-2.5-pro"
    pdf, _ = scenario_pdf("PRO-MODEL")
    got = run(gstack, (http, ext["id"]), {"pro.pdf": pdf})["pro.pdf"]
    assert got["result"]["model_used"] == "gemini-2.5-pro"
    assert "/models/gemini-2.5-pro:generateContent" in fake.calls_for("PRO-MODEL")[0].path


@pytest.mark.slow
def test_batch_completes_after_a_429_503_storm(gstack, gemini_ext, fake):
    docs = {f"storm-{i}.pdf": scenario_pdf("STORM", items_per_page=i + 1)[0] for i in range(3)}
    got = run(gstack, gemini_ext, docs)
    assert all(g["file"]["status"] == "processed" for g in got.values())
    assert len(fake.calls_for("STORM")) == 6 + 3


def test_self_reported_confidence_reaches_the_result_and_review(gstack, gemini_ext, fake):
    http, _ = gemini_ext
    ext = http.post("/v1/extractions", json={**SCHEMA, "review_threshold": 0.8}).json()["extraction"]["id"]
    unsure, _ = scenario_pdf("UNSURE")
    sure, _ = scenario_pdf("SURE")
    got = run(gstack, (http, ext), {"unsure.pdf": unsure, "sure.pdf": sure})
    assert got["unsure.pdf"]["file"]["status"] == "needs_review"
    assert got["sure.pdf"]["file"]["status"] == "processed", got["sure.pdf"]
    conf = got["sure.pdf"]["result"]["confidence"]
    assert conf["invoice_number"] > 0.9 and conf["line_items[0].qty"] > 0.8
    detail = http.get(f"/v1/extractions/{ext}/files/{got['unsure.pdf']['file']['id']}/review").json()
    assert detail["confidence"]["invoice_number"] < 0.8  # grounded, but the model doubted it
    assert any("invoice_number" in r for r in detail["reasons"])
