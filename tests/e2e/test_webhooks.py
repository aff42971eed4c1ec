"""Webhooks end to end: a real local receiver verifies Standard Webhooks signatures; a receiver that
fails five times gets the same event (same webhook-id) again until it accepts; every attempt is
recorded; review events; URLs in private ranges are refused unless allowed."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from devstack.ports import free_port
from tests.conftest import make_stack
from tests.support.invoices import make_invoice, schema_invoice

FAILS = 5


class Receiver:
    """POST /flaky answers 500 to the first FAILS deliveries of each event id, then 204;
    POST /ok answers 204 at once. Every delivery is checked against the account's secret."""

    def __init__(self):
        self.secret: str | None = None
        self.deliveries: dict[str, list[dict]] = defaultdict(list)  # webhook-id -> deliveries
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                except Exception:
                    with receiver._lock:
                        receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                event_id = headers["webhook-id"]
                with receiver._lock:
                    seen = receiver.deliveries[event_id]
                    fail = self.path == "/flaky" and len(seen) < FAILS
                    seen.append({"payload": payload, "answered": 500 if fail else 204})
                self.send_response(500 if fail else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def accepted(self) -> dict[str, dict]:
        """event type -> its deliveries, for events that were finally accepted."""
        with self._lock:
            return {d[-1]["payload"]["type"]: d for d in self.deliveries.values() if d[-1]["answered"] == 204}

    def wait_for(self, *types: str, timeout: float = 60) -> dict[str, list[dict]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.accepted()
            if all(t in got for t in types):
                return got
            time.sleep(0.2)
        raise AssertionError(f"events {types} not accepted in {timeout} s: {dict(self.deliveries)}")

    def stop(self):
        self._server.shutdown()


@pytest.fixture(scope="module")
def hook_stack(request, temporal_server, s3_server, tmp_path_factory):
    s = make_stack(request, temporal_server, s3_server, tmp_path_factory, "sqlite",
                   DOCPARSE_WEBHOOK_ALLOW_PRIVATE="true", DOCPARSE_WEBHOOK_RETRY_INITIAL_S="0.05").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def hooked(hook_stack, receiver):
    http = hook_stack.client(hook_stack.create_key(name="hooks"))
    no_secret = http.post("/v1/extractions", json={**schema_invoice(), "webhook_url": receiver.url + "/ok"})
    assert no_secret.status_code == 409 and no_secret.json()["code"] == "webhook_secret_missing"
    r = http.post("/v1/webhook-secret")
    assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
    receiver.secret = r.json()["secret"]
    yield http
    http.close()


def _extraction(http, url: str, threshold: float) -> str:
    r = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": threshold, "webhook_url": url})
    assert r.status_code == 201, r.text
    assert r.json()["extraction"]["webhook_url"] == url
    return r.json()["extraction"]["id"]


def test_failing_receiver_gets_each_event_again_with_the_same_id_until_it_accepts(hook_stack, hooked, receiver):
    from sqlmodel import select

    from core.db import init_db, session_scope
    from core.models import WebhookAttempt

    ext = _extraction(hooked, receiver.url + "/flaky", 0)
    r = hooked.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", make_invoice(seed=61)[0]))])
    batch_id = r.json()["batch"]["id"]
    got = receiver.wait_for("file.processed", "batch.processed")
    file_event, batch_event = got["file.processed"], got["batch.processed"]
    for deliveries in (file_event, batch_event):
        assert [d["answered"] for d in deliveries] == [500] * FAILS + [204]  # one event, six attempts
        assert len({json.dumps(d["payload"], sort_keys=True) for d in deliveries}) == 1  # the same body
    assert file_event[0]["payload"]["data"]["batch_id"] == batch_id
    assert file_event[0]["payload"]["data"]["status"] == "processed"
    assert batch_event[0]["payload"]["data"]["files_by_status"] == {"processed": 1}
    assert receiver.bad_signatures == 0
    with session_scope(init_db(hook_stack.settings)) as session:
        rows = session.exec(select(WebhookAttempt).where(WebhookAttempt.batch_id == batch_id)
                            .order_by(WebhookAttempt.event_type, WebhookAttempt.attempt)).all()
    by_type = defaultdict(list)
    for row in rows:
        by_type[row.event_type].append((row.attempt, row.status_code))
    expected = [(i + 1, 500) for i in range(FAILS)] + [(FAILS + 1, 204)]
    assert by_type == {"batch.processed": expected, "file.processed": expected}


def test_review_events(hooked, receiver):
    ext = _extraction(hooked, receiver.url + "/ok", 1.0)  # every file waits for a reviewer
    hooked.post(f"/v1/extractions/{ext}/batches", files=[("files", ("r.pdf", make_invoice(seed=62)[0]))])
    got = receiver.wait_for("file.needs_review", "batch.needs_review")
    assert got["batch.needs_review"][0]["payload"]["data"]["files_by_status"] == {"needs_review": 1}


def test_rejected_file_fails_and_so_does_its_batch(hook_stack, hooked, receiver):
    ext = _extraction(hooked, receiver.url + "/ok", 1.0)
    r = hooked.post(f"/v1/extractions/{ext}/batches", files=[("files", ("x.pdf", make_invoice(seed=63)[0]))])
    batch_id = r.json()["batch"]["id"]
    (f,) = hook_stack.wait_terminal(hooked, ext, batch_id)["files"]
    assert f["status"] == "needs_review"
    assert hooked.post(f"/v1/extractions/{ext}/files/{f['id']}/review",
                       json={"action": "reject", "revision": 1, "reason": "not an invoice"}).status_code == 200
    got = receiver.wait_for("file.failed", "batch.failed")
    assert got["file.failed"][0]["payload"]["data"]["error"].endswith("not an invoice")
    assert got["batch.failed"][0]["payload"]["data"]["files_by_status"] == {"failed": 1}


def test_private_receivers_are_refused_unless_allowed(sqlite_stack):
    http = sqlite_stack.client(sqlite_stack.create_key(name="ssrf"))
    assert http.post("/v1/webhook-secret").status_code == 201
    for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://10.1.2.3/x", "ftp://example.com/"):
        r = http.post("/v1/extractions", json={**schema_invoice(), "webhook_url": url})
        assert r.status_code == 400 and r.json()["code"] == "webhook_url_refused", (url, r.text)
    http.close()
