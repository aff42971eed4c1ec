"""A local fake of the Gemini generateContent REST API, for the real google-genai client.

It records every request and answers from a responder function. The default responder is a
tiny "model" that reads the text layer it is sent: lines `ITEM <code> <qty> x <price> = <amount>`
become line items (with the page they are on), `Invoice No: X` and `Total: Y` header values.
A document can steer the fake with markers in its text (see `scripted`), so one server serves
many scenarios at once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from devstack.ports import free_port

PAGE_RE = re.compile(r"^--- Page (\d+) ---", re.M)
ITEM_RE = re.compile(r"^ITEM (\S+) (\d+) x ([\d.]+) = ([\d.]+)$", re.M)


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    done: float | None = None  # when the reply was sent (after any latency_s)

    @property
    def text(self) -> str:
        return "\n".join(p.get("text", "") for c in self.body.get("contents", []) for p in c.get("parts", []))

    @property
    def pages(self) -> list[int]:
        return [int(n) for n in PAGE_RE.findall(self.text)]

    @property
    def images(self) -> int:
        return sum(
            1 for c in self.body.get("contents", []) for p in c.get("parts", [])
            if "inlineData" in p or "inline_data" in p
        )

    def config(self) -> dict[str, Any]:
        return self.body.get("generationConfig") or self.body.get("generation_config") or {}


def ok(data: Any, *, finish: str = "STOP", tokens: tuple[int, int] = (1000, 200), text: str | None = None) -> Reply:
    return Reply(body={
        "candidates": [{
            "content": {"role": "model", "parts": [{"text": text if text is not None else json.dumps(data)}]},
            "finishReason": finish,
        }],
        "usageMetadata": {"promptTokenCount": tokens[0], "candidatesTokenCount": tokens[1],
                          "totalTokenCount": sum(tokens)},
        "modelVersion": "gemini-2.5-flash",
    })


def error(code: int, status: str, message: str, details: list[dict] | None = None,
          headers: dict[str, str] | None = None) -> Reply:
    return Reply(status=code, body={"error": {"code": code, "message": message, "status": status,
                                              "details": details or []}}, headers=headers or {})


def rate_limited(retry_s: int = 1) -> Reply:
    return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_s}s"},
    ])


def daily_quota() -> Reply:
    return error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.", [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
            {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
             "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"},
    ])


def bad_key() -> Reply:
    return error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
         "domain": "googleapis.com"}])


def unavailable() -> Reply:
    return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")


def read_document(call: Call) -> dict[str, Any]:
    """The fake model: fields and items from the text layer of the pages it was sent."""
    text = call.text
    items = []
    for page_text in re.split(r"(?=^--- Page \d+ ---)", text, flags=re.M):
        m = PAGE_RE.match(page_text)
        if not m:
            continue
        for code, qty, price, amount in ITEM_RE.findall(page_text):
            items.append({"description": f"Item {code}", "qty": int(qty), "unit_price": float(price),
                          "amount": float(amount), "_page": int(m.group(1)), "_confidence": 0.95})
    number = re.search(r"Invoice No: (\S+)", text)
    total = re.search(r"Total: ([\d.,]+)", text)
    date = re.search(r"Date: (\d{2})\.(\d{2})\.(\d{4})", text)
    unsure = "SCENARIO-UNSURE" in text  # the model says it is not sure of the number
    return {
        "_confidence": {"invoice_number": 0.05 if unsure else 0.97, "issue_date": 0.95, "total_amount": 0.95},
        "invoice_number": number.group(1) if number else None,
        "issue_date": f"{date.group(3)}-{date.group(2)}-{date.group(1)}" if date else None,
        "total_amount": total.group(1) if total else None,  # printed form: the engine coerces
        "line_items": items,
    }


def scripted(call: Call, counts: dict[str, int]) -> Reply:
    """Behaviour chosen by a marker in the document text: SCENARIO-<name>."""
    m = re.search(r"SCENARIO-([A-Z0-9-]+)", call.text)
    name = m.group(1) if m else "CLEAN"
    counts[name] += 1
    n = counts[name]
    if name == "RATE-LIMITED-TWICE" and n <= 2:
        return rate_limited(retry_s=2)
    if name == "UNAVAILABLE-ONCE" and n <= 1:
        return unavailable()
    if name == "STORM" and n <= 6:  # a storm of 503s and 429s, then calm
        return unavailable() if n % 2 else rate_limited(retry_s=1)
    if name == "DAILY-QUOTA":
        return daily_quota()
    if name == "BAD-KEY":
        return bad_key()
    if name == "MALFORMED-ONCE" and n <= 1:
        return ok(None, text='{"invoice_number": "A-1", "line_items": [')
    if name == "MALFORMED-ALWAYS":
        return ok(None, text="this is not JSON")
    if name == "TRUNCATES-OVER-1-PAGE" and len(call.pages) > 1:
        return ok(None, finish="MAX_TOKENS", text='{"invoice_number": "A-1", "line_items": [{"descr')
    return ok(read_document(call))


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many simultaneous calls (latency_s > 0) must not overflow the backlog


class FakeGemini:
    """``latency_s``: each request waits that long before it is answered (outside the lock, so
    concurrent requests overlap), like a model that takes time to think."""

    def __init__(self, responder: Callable[[Call, dict[str, int]], Reply] = scripted, *, latency_s: float = 0.0):
        self.responder = responder
        self.latency_s = latency_s
        self.calls: list[Call] = []
        self.counts: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                call = Call(self.path, body, dict(self.headers), time.monotonic())
                with fake._lock:
                    fake.calls.append(call)
                    if not self.path.endswith(":generateContent"):
                        reply = error(404, "NOT_FOUND", f"unknown path {self.path}")
                    elif not self.headers.get("x-goog-api-key"):
                        reply = error(401, "UNAUTHENTICATED", "no API key")
                    else:
                        reply = fake.responder(call, fake.counts)
                        if "candidates" in reply.body:  # the service names the model that answered
                            reply.body["modelVersion"] = self.path.split("/models/")[-1].split(":")[0]
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                if fake.latency_s > 0:
                    time.sleep(fake.latency_s)
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                call.done = time.monotonic()

            def log_message(self, *args):  # quiet
                pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "FakeGemini":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_for(self, marker: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if f"SCENARIO-{marker}" in c.text]
