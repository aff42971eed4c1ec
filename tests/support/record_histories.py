"""Records BatchWorkflow (and ReconcileWorkflow) histories of today's workflow code into
tests/histories/, for the replay test. Run it after a change that goes behind a new workflow.patched() (and keep the old files):

    .venv/bin/python -m tests.support.record_histories [--prefix current_] [--only NAME,NAME]

It starts its own Temporal dev server, S3 server, API and worker (SQLite), the fake Gemini server
for the model scenarios, and a webhook receiver; every scenario is a real batch.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core import storage
from core.storage import ObjectStore
from core.temporal import batch_workflow_id, connect
from devstack.ports import free_port
from devstack.s3 import S3Server
from devstack.temporal import TemporalDevServer
from tests.support.appstack import AppStack
from tests.support.fake_gemini import FakeGemini
from tests.support.images import scanned_pdf
from tests.support.invoices import make_invoice, schema_invoice

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
GEMINI_SCHEMA = {
    "name": "gemini", "language": "en", "review_threshold": 0,
    "fields": [
        {"key": "invoice_number", "type": "string", "required": True},
        {"key": "total_amount", "type": "number"},
        {"key": "line_items", "type": "list<object>", "fields": [
            {"key": "description", "type": "string"}, {"key": "qty", "type": "integer"},
            {"key": "unit_price", "type": "number"}, {"key": "amount", "type": "number"}]},
    ],
}


def _scenario_pdf(marker: str, pages: int = 1) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for p in range(pages):
        page = doc.new_page()
        lines = [f"SCENARIO-{marker}"] + (["Invoice No: INV-77"] if p == 0 else [])
        lines += [f"ITEM P{p + 1}-{i} 2 x 10.00 = 20.00" for i in range(2)]
        for k, line in enumerate(lines):
            page.insert_text((72, 72 + 18 * k), line, fontsize=10)
    return doc.tobytes()


def _pdfs(*docs: tuple[str, bytes]) -> list:
    return [("files", (name, data, "application/pdf")) for name, data in docs]


class _Receiver:
    """Accepts every webhook delivery (signatures are tests/e2e/test_webhooks.py's business)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()


def _upload(stack: AppStack, http, ext: str, files: list, **form) -> dict:
    r = http.post(f"/v1/extractions/{ext}/batches", files=files, data=form)
    assert r.status_code == 202, r.text
    return stack.wait_terminal(http, ext, r.json()["batch"]["id"], timeout=180)


def _wait_done(stack: AppStack, http, ext: str, batch_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http.get(f"/v1/extractions/{ext}/batches/{batch_id}").json()["batch"]["status"] in ("processed", "failed"):
            return
        time.sleep(0.3)
    raise AssertionError(f"batch {batch_id} did not finish")


def _review_then_delete(stack: AppStack, http, ext: str, body: dict) -> None:
    approve, delete = body["files"]
    http.post(f"/v1/extractions/{ext}/files/{approve['id']}/review",
              json={"action": "approve", "revision": 1, "values": {"invoice_number": "FIXED-1"}}).raise_for_status()
    assert http.delete(f"/v1/extractions/{ext}/files/{delete['id']}").status_code == 204
    _wait_done(stack, http, ext, body["batch"]["id"])


def _signal(stack: AppStack, batch_id: str, payload: dict) -> None:
    async def send() -> None:
        client = await connect(stack.settings)
        await client.get_workflow_handle(batch_workflow_id(batch_id)).signal("review", payload)

    asyncio.run(send())


def _run_id(stack: AppStack, batch_id: str) -> str:
    async def describe() -> str:
        client = await connect(stack.settings)
        return (await client.get_workflow_handle(batch_workflow_id(batch_id)).describe()).run_id

    return asyncio.run(describe())


def _until(check, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.3)


def record(stack: AppStack, gemini: AppStack, guarded: AppStack, prefix: str, only: str | None) -> list[Path]:
    http = stack.client(stack.create_key(name="histories"))
    ghttp = gemini.client(gemini.create_key(name="histories"))
    receiver = _Receiver()
    http.post("/v1/webhook-secret").raise_for_status()
    offline = http.post("/v1/extractions", json={**schema_invoice(), "name": "h", "review_threshold": 0}).json()
    strict = http.post("/v1/extractions", json={**schema_invoice(), "name": "s", "review_threshold": 1.0}).json()
    hooked = http.post("/v1/extractions", json={**schema_invoice(), "name": "w", "review_threshold": 1.0,
                                                "webhook_url": receiver.url}).json()
    model = ghttp.post("/v1/extractions", json=GEMINI_SCHEMA).json()
    ext, sext, wext, gext = (x["extraction"]["id"] for x in (offline, strict, hooked, model))

    def offline_processed() -> tuple[AppStack, str]:
        body = _upload(stack, http, ext, _pdfs(("a.pdf", make_invoice(seed=1)[0]), ("b.pdf", make_invoice(seed=2)[0])))
        return stack, body["batch"]["id"]

    def review_approved_and_deleted() -> tuple[AppStack, str]:
        body = _upload(stack, http, sext, _pdfs(("r1.pdf", make_invoice(seed=3)[0]), ("r2.pdf", make_invoice(seed=4)[0])))
        _review_then_delete(stack, http, sext, body)
        return stack, body["batch"]["id"]

    def webhooks_review_approved() -> tuple[AppStack, str]:
        body = _upload(stack, http, wext, _pdfs(("w.pdf", make_invoice(seed=5)[0])))
        (f,) = body["files"]
        http.post(f"/v1/extractions/{wext}/files/{f['id']}/review",
                  json={"action": "approve", "revision": 1}).raise_for_status()
        _wait_done(stack, http, wext, body["batch"]["id"])
        return stack, body["batch"]["id"]

    def gemini_split_and_quota() -> tuple[AppStack, str]:
        body = _upload(gemini, ghttp, gext, _pdfs(("split.pdf", _scenario_pdf("TRUNCATES-OVER-1-PAGE", 3)),
                                                  ("quota.pdf", _scenario_pdf("DAILY-QUOTA"))))
        return gemini, body["batch"]["id"]

    def gemini_one_chunk() -> tuple[AppStack, str]:
        body = _upload(gemini, ghttp, gext, _pdfs(("clean.pdf", _scenario_pdf("CLEAN-H")),
                                                  ("again.pdf", _scenario_pdf("MALFORMED-ONCE"))))
        return gemini, body["batch"]["id"]

    def gemini_blocked_and_split() -> tuple[AppStack, str]:
        # patch model-answer-kinds: a SAFETY block fails its file at once; a chunk the service finds too
        # large, and one it answers 500 INTERNAL on every attempt, are split
        body = _upload(gemini, ghttp, gext, _pdfs(("blocked.pdf", _scenario_pdf("SAFETY", 2)),
                                                  ("large.pdf", _scenario_pdf("TOO-LARGE-OVER-1-PAGE", 3)),
                                                  ("internal.pdf", _scenario_pdf("INTERNAL-OVER-1-PAGE", 2))))
        return gemini, body["batch"]["id"]

    def review_signal_refused_then_approved() -> tuple[AppStack, str]:
        # patch review-signal: a stale signal refused (kept in the review record), then one approving
        body = _upload(stack, http, sext, _pdfs(("sig.pdf", make_invoice(seed=6)[0])))
        (f,) = body["files"]
        batch_id, detail = body["batch"]["id"], f"/v1/extractions/{sext}/files/{f['id']}/review"
        _signal(stack, batch_id, {"file_id": f["id"], "action": "approve", "revision": 0, "reviewer": "ops"})
        _until(lambda: http.get(detail).json()["refused"])
        _signal(stack, batch_id, {"file_id": f["id"], "action": "approve", "revision": 1, "reviewer": "ops",
                                  "values": {"invoice_number": "SIG-1"}})
        _wait_done(stack, http, sext, batch_id)
        return stack, batch_id

    def deleted_mid_prepare() -> tuple[AppStack, str]:
        # patch delete-cancels-work: a long scan deleted while it is OCRed: prepare_document cancelled
        r = http.post(f"/v1/extractions/{ext}/batches",
                      files=_pdfs(("long.pdf", scanned_pdf(120)), ("short.pdf", make_invoice(seed=7)[0])))
        assert r.status_code == 202, r.text
        batch_id = r.json()["batch"]["id"]
        files = http.get(f"/v1/extractions/{ext}/batches/{batch_id}").json()["files"]
        long_id = next(f["id"] for f in files if f["file_name"] == "long.pdf")
        store = ObjectStore(stack.settings)
        words = storage.file_prefix(batch_id, long_id) + "words/"
        _until(lambda: len(list(store.client.list_objects(store.bucket, words, recursive=True))) >= 8)
        assert http.delete(f"/v1/extractions/{ext}/files/{long_id}").status_code == 204
        _wait_done(stack, http, ext, batch_id)
        return stack, batch_id

    def review_continued_as_new() -> tuple[AppStack, str]:
        # patch history-guard: past its (lowered) history budget with one file left waiting, the batch
        # continues as a new run, where an approval with corrections stored by reference finishes it
        gext_strict = ghttp_strict.post("/v1/extractions", json={**schema_invoice(), "name": "g",
                                                                 "review_threshold": 1.0}).json()["extraction"]["id"]
        body = _upload(guarded, ghttp_strict, gext_strict, _pdfs(("c1.pdf", make_invoice(seed=8)[0]),
                                                                 ("c2.pdf", make_invoice(seed=9)[0])))
        batch_id = body["batch"]["id"]
        reject, approve = (f["id"] for f in body["files"])
        ghttp_strict.post(f"/v1/extractions/{gext_strict}/files/{reject}/review",
                          json={"action": "reject", "revision": 1, "reason": "duplicate"}).raise_for_status()
        first = _run_id(guarded, batch_id)
        for _ in range(60):
            if _run_id(guarded, batch_id) != first:
                break
            _signal(guarded, batch_id, {"file_id": approve, "action": "approve", "revision": 5, "reviewer": "ops"})
            time.sleep(0.2)
        assert _run_id(guarded, batch_id) != first, "the batch did not continue as a new run"
        written.append(_write(guarded, batch_workflow_id(batch_id), f"{prefix}review_continued_as_new_first_run",
                              first))
        ghttp_strict.post(f"/v1/extractions/{gext_strict}/files/{approve}/review", json={
            "action": "approve", "revision": 1, "values": {"invoice_number": "REF-" + "9" * 20_000}}).raise_for_status()
        _wait_done(guarded, ghttp_strict, gext_strict, batch_id)
        return guarded, batch_id

    def reconcile_pass() -> None:
        # patch reconcile-report: one pass of the reconciler's schedule workflow (reconcile_batches)
        workflow_id = f"reconcile-history-{time.time_ns()}"
        asyncio.run(_run_reconcile(stack, workflow_id))
        written.append(_write(stack, workflow_id, f"{prefix}reconcile_pass"))

    ghttp_strict = guarded.client(guarded.create_key(name="histories"))
    scenarios = [offline_processed, review_approved_and_deleted, webhooks_review_approved,
                 gemini_split_and_quota, gemini_one_chunk, gemini_blocked_and_split,
                 review_signal_refused_then_approved, deleted_mid_prepare, review_continued_as_new]
    written: list[Path] = []
    for scenario in scenarios:
        if only and scenario.__name__ not in only.split(","):
            continue
        on, batch_id = scenario()
        written.append(_write(on, batch_workflow_id(batch_id), f"{prefix}{scenario.__name__}"))
    if not only or "reconcile_pass" in only.split(","):
        reconcile_pass()
    return written


async def _run_reconcile(stack: AppStack, workflow_id: str) -> None:
    from workflows.reconcile import ReconcileWorkflow

    client = await connect(stack.settings)
    await client.execute_workflow(ReconcileWorkflow.run, id=workflow_id, task_queue=stack.settings.task_queue,
                                  execution_timeout=timedelta(minutes=5))


def _write(stack: AppStack, workflow_id: str, name: str, run_id: str | None = None) -> Path:
    path = HISTORIES / f"{name}.json"
    path.write_text(asyncio.run(_history(stack, workflow_id, run_id)))
    print("wrote", path)
    return path


async def _history(stack: AppStack, workflow_id: str, run_id: str | None = None) -> str:
    """The workflow's history: of run_id, else of its latest run."""
    client = await connect(stack.settings)
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    if run_id is None:  # the batch may look finished (a deleted file left out) before its workflow is
        await asyncio.wait_for(handle.result(), 120)
    return (await handle.fetch_history()).to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="current_")
    parser.add_argument("--only", help="scenarios, by name (comma-separated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docparse-histories-") as tmp:
        root = Path(tmp)
        temporal = TemporalDevServer.start(root / "temporal", headless=True)
        s3 = S3Server.start(root / "s3")
        fake = FakeGemini().start()
        stacks = []
        try:
            stack = AppStack(temporal_address=temporal.address, s3=s3, db_url=None, tmp=root / "stack",
                             extra_env={"DOCPARSE_WEBHOOK_ALLOW_PRIVATE": "true"}).start()
            stacks.append(stack)
            gemini = AppStack(temporal_address=temporal.address, s3=s3, db_url=None, tmp=root / "gemini", extra_env={
                "DOCPARSE_GEMINI_API_KEY": "test-key", "DOCPARSE_GEMINI_BASE_URL": fake.base_url,
                "DOCPARSE_MODEL_PAGES_PER_CHUNK": "2", "DOCPARSE_MODEL_CHUNK_OVERLAP": "1",
                "DOCPARSE_MODEL_INTERNAL_ERROR_ATTEMPTS": "2"}).start()
            stacks.append(gemini)
            guarded = AppStack(temporal_address=temporal.address, s3=s3, db_url=None, tmp=root / "guarded",
                               extra_env={"DOCPARSE_HISTORY_BUDGET_EVENTS": "60"}).start()
            stacks.append(guarded)
            record(stack, gemini, guarded, args.prefix, args.only)
        finally:
            for s in stacks:
                s.stop()
            fake.stop()
            s3.stop()
            temporal.stop()


if __name__ == "__main__":
    main()
