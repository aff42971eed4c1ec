"""The Gemini path through the real workflow and worker, against a local fake of the REST API as
strict as the service (tests/support/fake_gemini.py): every finding of issue 15 gets a batch here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from tests.conftest import make_stack
from tests.support.fake_gemini import FakeGemini
from tests.support.images import phone_photo

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
    # gemini-2.5-flash is past its shutdown: the service answers with the model it reroutes to
    server = FakeGemini(reroute={"gemini-2.5-flash": "gemini-3.5-flash-lite"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gstack(request, temporal_server, s3_server, tmp_path_factory, fake):
    s = make_stack(
        request, temporal_server, s3_server, tmp_path_factory, "sqlite",
        DOCPARSE_GEMINI_API_KEY="test-key", DOCPARSE_GEMINI_BASE_URL=fake.base_url,
        DOCPARSE_MODEL_PAGES_PER_CHUNK="2", DOCPARSE_MODEL_CHUNK_OVERLAP="1",
        DOCPARSE_GEMINI_TIMEOUT_S="6", DOCPARSE_MODEL_INTERNAL_ERROR_ATTEMPTS="3",
        # the production pace (2 s doubling to 2 min; 2 calls a second per task queue) would add
        # minutes of waiting to this file; the fake has no quota
        DOCPARSE_MODEL_RETRY_INITIAL_S="0.2", DOCPARSE_MODEL_RETRY_MAX_S="1", DOCPARSE_MODEL_CALLS_PER_SECOND="50",
    ).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def gemini_ext(gstack):
    http = gstack.client(gstack.create_key(name="gemini"))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    yield http, ext
    http.close()


def schema_nodes(node: dict):
    """Every (sub)schema of a JSON schema: the node, its properties', items' and anyOf branches'."""
    yield node
    for child in [*(node.get("properties") or {}).values(), *node.get("anyOf", []),
                  *([node["items"]] if "items" in node else [])]:
        yield from schema_nodes(child)


def run(gstack, gemini_ext, docs: dict[str, bytes]) -> dict[str, dict]:
    http, ext = gemini_ext
    r = http.post(f"/v1/extractions/{ext}/batches",
                  files=[("files", (name, data, "application/octet-stream")) for name, data in docs.items()])
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
    assert result["model_used"] == "gemini-3.8-flash"  # the default: a current GA Flash model
    assert result["result"]["invoice_number"] == "INV-77"
    assert result["result"]["issue_date"] == "2024-03-05"
    assert result["result"]["total_amount"] == 2222.1  # printed "2,222.10"
    assert [i["description"] for i in result["result"]["line_items"]] == [f"Item {c}" for c in codes]
    # thinking is billed as output: 200 answer tokens + 120 thinking tokens
    assert result["usage"] == {"input_tokens": 1000, "output_tokens": 320}
    assert got["batch"]["usage"] == {"input_tokens": 1000, "output_tokens": 320}
    (call,) = fake.calls_for("CLEAN-A")
    assert call.path == "/v1/models/gemini-3.8-flash:generateContent"  # the pinned API version, exactly
    assert call.headers.get("x-goog-api-key") == "test-key"
    schema = call.schema()
    assert set(schema["properties"]) == {"invoice_number", "issue_date", "total_amount", "line_items", "_confidence"}
    assert not any("format" in node or "description" in node for node in schema_nodes(schema))
    assert call.thinking() in ({"thinkingLevel": "LOW"}, {"thinking_level": "LOW"})
    assert call.setting("temperature") is None and call.setting("maxOutputTokens") == 65536
    # every page, as a one-page PDF that carries its own text layer
    assert call.pages == [1, 2] and [m for m, _ in call.blobs()] == ["application/pdf"] * 2
    assert "Text layer of page" not in "".join(p.get("text", "") for p in call.parts)
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
    [call] = fake.calls_for("PRO-MODEL")
    assert call.path == "/v1/models/gemini-2.5-pro:generateContent"
    # a 2.5 model: temperature 0 and a thinking budget (a level would be refused)
    assert call.setting("temperature") == 0 and call.thinking() in ({"thinkingBudget": 512}, {"thinking_budget": 512})


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


# -- issue 15: Gemini as the real service answers -------------------------------------------------

def test_a_model_gemini_does_not_have_is_a_400_at_creation(gstack, gemini_ext, fake):
    http, _ = gemini_ext
    r = http.post("/v1/extractions", json={**SCHEMA, "model": "gemini-1.5-flash"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_model"
    assert "gemini-1.5-flash" in r.json()["error"]
    assert fake.lookups[-1].path == "/v1/models/gemini-1.5-flash"


def test_a_rerouted_model_is_what_model_used_names(gstack, gemini_ext, fake):
    http, _ = gemini_ext
    ext = http.post("/v1/extractions", json={**SCHEMA, "model": "gemini-2.5-flash"}).json()["extraction"]["id"]
    pdf, _ = scenario_pdf("REROUTED")
    got = run(gstack, (http, ext), {"old.pdf": pdf})["old.pdf"]
    assert got["file"]["status"] == "processed"
    assert got["result"]["model_used"] == "gemini-3.5-flash-lite"  # asked 2.5 Flash; what answered is named
    assert fake.calls_for("REROUTED")[0].path == "/v1/models/gemini-2.5-flash:generateContent"


def test_safety_recitation_and_prompt_blocks_fail_the_file_once_with_the_reason(gstack, gemini_ext, fake):
    docs = {f"{m.lower()}.pdf": scenario_pdf(m, pages=2)[0] for m in ("SAFETY", "RECITATION", "PROMPT-BLOCKED")}
    fine, _ = scenario_pdf("CLEAN-C")
    got = run(gstack, gemini_ext, {**docs, "fine.pdf": fine})
    for marker, reason in (("SAFETY", "finish reason SAFETY"), ("RECITATION", "finish reason RECITATION"),
                           ("PROMPT-BLOCKED", "prompt was blocked (PROHIBITED_CONTENT)")):
        f = got[f"{marker.lower()}.pdf"]["file"]
        assert f["status"] == "failed", f
        assert f["error"].startswith("Gemini refused to read pages 1-2") and reason in f["error"]
        assert len(fake.calls_for(marker)) == 1  # deterministic: neither split nor asked again
    assert got["fine.pdf"]["file"]["status"] == "processed"


def test_a_500_on_a_larger_chunk_is_split_and_one_that_stays_fails_the_file(gstack, gemini_ext, fake):
    split, codes = scenario_pdf("INTERNAL-OVER-1-PAGE", pages=2)
    always, _ = scenario_pdf("INTERNAL-ALWAYS")
    got = run(gstack, gemini_ext, {"split.pdf": split, "always.pdf": always})
    assert got["split.pdf"]["file"]["status"] == "processed"
    assert [i["description"] for i in got["split.pdf"]["result"]["result"]["line_items"]] == [f"Item {c}" for c in codes]
    assert [len(c.pages) for c in fake.calls_for("INTERNAL-OVER-1-PAGE")][:3] == [2, 2, 2]  # attempts 1-3, then split
    failed = got["always.pdf"]["file"]
    assert failed["status"] == "failed" and "500 INTERNAL" in failed["error"] and "attempt 3" in failed["error"]
    assert len(fake.calls_for("INTERNAL-ALWAYS")) == 3  # DOCPARSE_MODEL_INTERNAL_ERROR_ATTEMPTS, not 6 hours


def test_a_request_the_service_finds_too_large_is_split(gstack, gemini_ext, fake):
    pdf, codes = scenario_pdf("TOO-LARGE-OVER-1-PAGE", pages=3, items_per_page=2)
    got = run(gstack, gemini_ext, {"big.pdf": pdf})["big.pdf"]
    assert got["file"]["status"] == "processed"
    assert [i["description"] for i in got["result"]["result"]["line_items"]] == [f"Item {c}" for c in codes]
    assert {len(c.pages) for c in fake.calls_for("TOO-LARGE-OVER-1-PAGE")} >= {1, 2}


def test_a_phone_photo_goes_as_a_jpeg_of_at_most_3072_px(gstack, gemini_ext, fake):
    before = len(fake.calls)
    photo = phone_photo(text="Invoice No: PHOTO-77")
    got = run(gstack, gemini_ext, {"photo.jpg": photo})["photo.jpg"]
    assert got["file"]["status"] == "processed", got["file"]
    [call] = fake.calls[before:]
    [(mime, data)] = call.blobs()
    pix = pymupdf.Pixmap(data)
    assert mime == "image/jpeg" and max(pix.width, pix.height) == 3072
    assert call.size < 8 * 1024 * 1024  # the whole request; a PNG of it was 62 MB before
    assert "Text layer of page 1" in call.text  # its OCR words beside it


def test_a_call_that_hangs_past_the_timeout_is_retried(gstack, gemini_ext, fake):
    pdf, _ = scenario_pdf("HANGS-ONCE-8S")
    got = run(gstack, gemini_ext, {"slow.pdf": pdf})["slow.pdf"]
    assert got["file"]["status"] == "processed"
    assert len(fake.calls_for("HANGS-ONCE-8S")) == 2  # timed out after 6 s (DOCPARSE_GEMINI_TIMEOUT_S), retried


def test_an_absent_enum_value_is_null_not_the_first_value(gstack, gemini_ext, fake):
    http, _ = gemini_ext
    body = {**SCHEMA, "fields": [*SCHEMA["fields"], {"key": "currency", "type": "enum", "values": ["EUR", "USD"]}]}
    ext = http.post("/v1/extractions", json=body).json()["extraction"]["id"]
    none, _ = scenario_pdf("NO-CURRENCY")
    got = run(gstack, (http, ext), {"none.pdf": none})["none.pdf"]
    assert got["file"]["status"] == "processed"
    assert got["result"]["result"]["currency"] is None  # the schema let the service decode a null


def test_a_schema_at_the_gemini_caps_is_served_and_one_over_is_a_400(gstack, gemini_ext, fake):
    from core import limits

    http, _ = gemini_ext
    enums = [{"key": f"e{i}", "type": "enum", "values": [f"v{i}-{j}" for j in range(limits.GEMINI_MAX_ENUM_VALUES)]}
             for i in range(limits.GEMINI_MAX_ENUM_VALUES_TOTAL // limits.GEMINI_MAX_ENUM_VALUES)]
    # each scalar field is 2 properties (its value, its confidence), the line items 7, the confidence
    # object 1: with 3 + 4 + 48 scalar fields, 118 of the 120 allowed
    scalars = [{"key": f"s{i}", "type": "date"} for i in range(48)]
    at_caps = {**SCHEMA, "fields": [*SCHEMA["fields"], *enums, *scalars]}
    r = http.post("/v1/extractions", json=at_caps)
    assert r.status_code == 201, r.text
    pdf, _ = scenario_pdf("AT-CAPS")
    got = run(gstack, (http, r.json()["extraction"]["id"]), {"caps.pdf": pdf})["caps.pdf"]
    assert got["file"]["status"] == "processed", got["file"]  # the strict fake found no "too many states"
    over = {**at_caps, "fields": [*at_caps["fields"], {"key": "extra", "type": "enum", "values": ["a", "b"]}]}
    r = http.post("/v1/extractions", json=over)
    assert r.status_code == 400 and "enum fields have" in r.json()["error"]


def test_a_worker_configured_with_a_model_gemini_does_not_have_does_not_start(gstack, fake, tmp_path):
    env = {**gstack.env, "DOCPARSE_GEMINI_MODEL": "gemini-1.0-pro", "DOCPARSE_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "cli", "worker"], capture_output=True, text=True, timeout=60,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}, **env},
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 1
    assert "DOCPARSE_GEMINI_MODEL=gemini-1.0-pro cannot be used: Gemini has no model 'gemini-1.0-pro'" in proc.stderr
    assert "404 NOT_FOUND" in proc.stderr


def test_a_worker_whose_key_gemini_refuses_does_not_start(gstack, fake, tmp_path):
    """The SDK's own variable name (GOOGLE_API_KEY) with a key the service refuses (400 API_KEY_INVALID)."""
    env = {k: v for k, v in gstack.env.items() if k != "DOCPARSE_GEMINI_API_KEY"}
    env.update({"GOOGLE_API_KEY": "revoked-key", "DOCPARSE_DATA_DIR": str(tmp_path)})
    proc = subprocess.run([sys.executable, "-m", "cli", "worker"], capture_output=True, text=True, timeout=60,
                          env={**{k: v for k, v in os.environ.items()
                                  if not k.startswith("DOCPARSE_") and k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")},
                               **env},
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "refused the credentials" in proc.stderr and "API key not valid" in proc.stderr
    assert "revoked-key" not in proc.stderr  # the key itself is never printed


def test_a_scan_in_a_pdf_goes_as_its_pdf_with_its_ocr_words(gstack, gemini_ext, fake):
    from tests.support.images import pdf_to_png

    text_pdf, _ = scenario_pdf("SCANNED")
    scan = pymupdf.open()
    page = scan.new_page()
    page.insert_image(page.rect, stream=pdf_to_png(text_pdf, dpi=150))
    got = run(gstack, gemini_ext, {"scan.pdf": scan.tobytes()})["scan.pdf"]
    assert got["file"]["status"] == "processed"
    [call] = fake.calls_for("SCANNED")
    assert [m for m, _ in call.blobs()] == ["application/pdf"]
    assert "Text layer of page 1" in "".join(p.get("text", "") for p in call.parts)  # the OCR words beside it
