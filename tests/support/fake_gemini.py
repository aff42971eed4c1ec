"""A local fake of the Gemini REST API, as strict as the service where production would break,
for the real google-genai client (generateContent and models.get, on the Developer API and on
Vertex AI, plus an OAuth token endpoint for service-account credentials).

Strict like the service: only the exact paths of the pinned API version (404 otherwise), 403
without a key and 400 API_KEY_INVALID for a refused one (Developer API; `refused_keys`), 401
without a bearer token it issued (Vertex AI), 404 for a model it does not have, 400 for a body over its size limit ("Request payload size exceeds the limit"),
for maxOutputTokens over the model's limit, for a thinking level sent to a 2.x model or a thinking
budget to a 3.x one, and for a response schema with too many states. Answers are decoded against
the response schema as the service does (constrained decoding): a value the schema cannot hold is
replaced by one it can (a null where an enum does not allow null becomes the enum's first value).
Usage counts thinking (`thoughtsTokenCount`) when thinking is on.

It records every request and answers from a responder function. The default responder is a tiny
"model" that reads the text it is sent (text parts, and the text layer of PDF parts): lines
`ITEM <code> <qty> x <price> = <amount>` become line items (with the page they are on),
`Invoice No: X`, `Date: DD.MM.YYYY`, `Total: Y` and `Currency: C` header values. A document can steer
the fake with markers in its text (see `scripted`), so one server serves many scenarios at once.
"""

from __future__ import annotations

import base64
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
MB = 1024 * 1024

# name -> models.get fields (the Developer API's Model resource)
MODELS: dict[str, dict[str, Any]] = {
    "gemini-3.8-flash": {"outputTokenLimit": 65536, "inputTokenLimit": 1048576, "thinking": True},
    "gemini-3.5-flash-lite": {"outputTokenLimit": 65536, "inputTokenLimit": 1048576, "thinking": True},
    "gemini-3.1-pro-preview": {"outputTokenLimit": 65536, "inputTokenLimit": 1048576, "thinking": True},
    "gemini-2.5-flash": {"outputTokenLimit": 65536, "inputTokenLimit": 1048576, "thinking": True},
    "gemini-2.5-pro": {"outputTokenLimit": 65536, "inputTokenLimit": 1048576, "thinking": True},
    "gemini-2.0-flash": {"outputTokenLimit": 8192, "inputTokenLimit": 1048576, "thinking": False},
}
THOUGHTS = {"MINIMAL": 0, "LOW": 120, "MEDIUM": 400, "HIGH": 1000}  # thinking tokens per level
# "Too many states": the service's limit is undocumented; this is the fake's stand-in, above the
# caps docparse enforces at creation (core/limits.py) and below what the old schema generator made.
MAX_STATES = 400
MAX_SCHEMA_DEPTH = 5


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    data: Any = None  # the answer as data: decoded against the response schema, then sent as its text


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    size: int = 0  # bytes of the request body
    done: float | None = None  # when the reply was sent (after any latency_s)
    _text: str | None = None

    @property
    def model(self) -> str:
        return self.path.split("/models/")[-1].split(":")[0]

    @property
    def parts(self) -> list[dict[str, Any]]:
        return [p for c in self.body.get("contents", []) for p in c.get("parts", [])]

    def blobs(self) -> list[tuple[str, bytes]]:
        """(mime type, bytes) of every inline part, in order."""
        out = []
        for p in self.parts:
            inline = p.get("inlineData") or p.get("inline_data")
            if inline:
                out.append((inline.get("mimeType") or inline.get("mime_type"), _b64(inline["data"])))
        return out

    @property
    def text(self) -> str:
        """What the model reads as text: the text parts and the text layer of PDF parts."""
        if self._text is None:
            chunks = []
            for p in self.parts:
                if "text" in p:
                    chunks.append(p["text"])
                inline = p.get("inlineData") or p.get("inline_data")
                if inline and (inline.get("mimeType") or inline.get("mime_type")) == "application/pdf":
                    chunks.append(_pdf_text(_b64(inline["data"])))
            self._text = "\n".join(chunks)
        return self._text

    @property
    def pages(self) -> list[int]:
        return [int(n) for n in PAGE_RE.findall(self.text)]

    @property
    def images(self) -> int:
        return len(self.blobs())

    def config(self) -> dict[str, Any]:
        return self.body.get("generationConfig") or self.body.get("generation_config") or {}

    def setting(self, name: str) -> Any:
        """A generationConfig field, camelCase or snake_case (the service takes both)."""
        return _get(self.config(), name)

    def thinking(self) -> dict[str, Any]:
        return self.setting("thinkingConfig") or {}

    def schema(self) -> dict[str, Any] | None:
        return self.setting("responseJsonSchema")


def _b64(data: str) -> bytes:
    """Inline data as the service takes it: base64, standard or URL-safe (the SDK sends the latter)."""
    return base64.b64decode(data.replace("-", "+").replace("_", "/"))


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _get(d: dict[str, Any], camel: str) -> Any:
    return d.get(camel, d.get(_snake(camel)))


def _pdf_text(data: bytes) -> str:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return "\n".join(page.get_text("text") for page in doc)


# -- replies ----------------------------------------------------------------------------------------

def ok(data: Any, *, finish: str = "STOP", tokens: tuple[int, int] = (1000, 200), text: str | None = None) -> Reply:
    """An answer: `data` is decoded against the response schema; `text` is sent as it is."""
    body = {
        "candidates": [{
            "content": {"role": "model", "parts": [{"text": text if text is not None else ""}]},
            "finishReason": finish,
        }],
        "usageMetadata": {"promptTokenCount": tokens[0], "candidatesTokenCount": tokens[1],
                          "totalTokenCount": sum(tokens)},
        "modelVersion": "",
    }
    return Reply(body=body, data=data if text is None else None)


def stopped(finish: str, *, partial: str | None = None) -> Reply:
    """A candidate stopped for `finish` (SAFETY, RECITATION...), with the text written until then."""
    candidate: dict[str, Any] = {"finishReason": finish, "safetyRatings": [
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": True}]}
    if partial is not None:
        candidate["content"] = {"role": "model", "parts": [{"text": partial}]}
    return Reply(body={"candidates": [candidate], "modelVersion": "",
                       "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 12, "totalTokenCount": 1012}})


def prompt_blocked(reason: str = "PROHIBITED_CONTENT") -> Reply:
    return Reply(body={"promptFeedback": {"blockReason": reason},
                       "usageMetadata": {"promptTokenCount": 1000, "totalTokenCount": 1000}, "modelVersion": ""})


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


def internal() -> Reply:
    return error(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                 "https://developers.generativeai.google/guide/troubleshooting")


def too_large(limit: int) -> Reply:
    return error(400, "INVALID_ARGUMENT", f"Request payload size exceeds the limit: {limit} bytes.")


# -- the fake model ---------------------------------------------------------------------------------

def read_document(call: Call) -> dict[str, Any]:
    """The fake model: fields and items from the text of the pages it was sent."""
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
    currency = re.search(r"Currency: ([A-Z]{3})", text)
    unsure = "SCENARIO-UNSURE" in text  # the model says it is not sure of the number
    return {
        "_confidence": {"invoice_number": 0.05 if unsure else 0.97, "issue_date": 0.95, "total_amount": 0.95,
                        "currency": 0.95},
        "invoice_number": number.group(1) if number else None,
        "issue_date": f"{date.group(3)}-{date.group(2)}-{date.group(1)}" if date else None,
        "total_amount": total.group(1) if total else None,  # printed form: the engine coerces
        "currency": currency.group(1) if currency else None,
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
    if name == "SAFETY":  # stopped mid-answer; the text so far is valid JSON, and must not be kept
        return stopped("SAFETY", partial=json.dumps({"invoice_number": "INV-77", "line_items": []}))
    if name == "RECITATION":
        return stopped("RECITATION", partial=json.dumps(read_document(call)))
    if name == "PROMPT-BLOCKED":
        return prompt_blocked()
    if name == "INTERNAL-OVER-1-PAGE" and len(call.pages) > 1:
        return internal()
    if name == "INTERNAL-ALWAYS":
        return internal()
    if name == "TOO-LARGE-OVER-1-PAGE" and len(call.pages) > 1:
        return too_large(20 * MB)
    hang = re.fullmatch(r"HANGS-ONCE-(\d+)S", name)  # the first call waits that long: past the client's timeout
    if hang and n <= 1:
        time.sleep(float(hang.group(1)))
    return ok(read_document(call))


# -- the response schema: its states, and decoding against it ---------------------------------------

def _states(node: dict[str, Any], depth: int = 1) -> tuple[int, int]:
    """(states, depth): properties, enum values and formats weigh; descriptions too."""
    states = len(node.get("enum") or []) + (40 if "format" in node else 0) + (5 if "description" in node else 0)
    deepest = depth
    for child in (node.get("properties") or {}).values():
        s, d = _states(child, depth + 1)
        states, deepest = states + 1 + s, max(deepest, d)
    for child in ([node["items"]] if isinstance(node.get("items"), dict) else []) + list(node.get("anyOf") or []):
        s, d = _states(child, depth + 1)
        states, deepest = states + s, max(deepest, d)
    return states, deepest


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("type")
    return t if isinstance(t, list) else [t] if t else []


def _fits(value: Any, node: dict[str, Any]) -> bool:
    if "anyOf" in node:
        return any(_fits(value, branch) for branch in node["anyOf"])
    if "enum" in node and value not in node["enum"]:
        return False
    kinds = _types(node)
    if not kinds:
        return True
    checks = {"null": value is None, "string": isinstance(value, str), "boolean": isinstance(value, bool),
              "integer": isinstance(value, int) and not isinstance(value, bool),
              "number": isinstance(value, (int, float)) and not isinstance(value, bool),
              "array": isinstance(value, list), "object": isinstance(value, dict)}
    return any(checks.get(k, False) for k in kinds)


def _some(node: dict[str, Any]) -> Any:
    """A value the schema holds, as constrained decoding would produce instead of a forbidden one."""
    if "anyOf" in node:
        return _some(node["anyOf"][0])
    if node.get("enum"):
        return node["enum"][0]
    kind = (_types(node) or ["string"])[0]
    return {"string": "", "number": 0, "integer": 0, "boolean": False, "array": [], "object": {},
            "null": None}.get(kind, "")


def constrain(value: Any, node: dict[str, Any]) -> Any:
    """`value` as it can come out of decoding against `node`: every required key present."""
    if "anyOf" in node:
        fitting = [b for b in node["anyOf"] if _fits(value, b)]
        return constrain(value, fitting[0]) if fitting else _some(node)
    if isinstance(value, dict) and "object" in _types(node):
        props = node.get("properties") or {}
        out = {k: constrain(value.get(k), sub) for k, sub in props.items() if k in value or k in (node.get("required") or [])}
        return out
    if isinstance(value, list) and "array" in _types(node):
        return [constrain(v, node.get("items") or {}) for v in value]
    if not _fits(value, node):
        if isinstance(value, (int, float)) and "string" in _types(node):
            return str(value)
        if isinstance(value, str) and {"number", "integer"} & set(_types(node)):
            try:
                return float(value.replace(",", ""))
            except ValueError:
                pass
        return _some(node)
    return value


# -- the server ---------------------------------------------------------------------------------------

class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many simultaneous calls (latency_s > 0) must not overflow the backlog
    daemon_threads = True


class FakeGemini:
    """``latency_s``: each request waits that long before it is answered (outside the lock, so
    concurrent requests overlap), like a model that takes time to think. ``reroute``: models the
    service answers with another (a retired model). ``max_request_bytes``: the body size limit.
    ``token_counts``: promptTokenCount from the request (images, PDF pages, text) instead of fixed."""

    def __init__(self, responder: Callable[[Call, dict[str, int]], Reply] = scripted, *, latency_s: float = 0.0,
                 api_version: str = "v1", models: dict[str, dict[str, Any]] | None = None,
                 reroute: dict[str, str] | None = None, max_request_bytes: int = 20 * MB,
                 token_counts: bool = False, refused_keys: frozenset[str] = frozenset({"revoked-key"})):
        self.responder = responder
        self.refused_keys = refused_keys  # API keys the service answers 400 API_KEY_INVALID to, on every call
        self.latency_s = latency_s
        self.api_version = api_version
        self.models = dict(MODELS if models is None else models)
        self.reroute = dict(reroute or {})
        self.max_request_bytes = max_request_bytes
        self.token_counts = token_counts
        self.calls: list[Call] = []
        self.lookups: list[Call] = []  # models.get and token requests
        self.tokens: set[str] = set()  # bearer tokens issued by /token
        self.counts: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, reply: Reply) -> None:
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - models.get
                call = Call(self.path, {}, dict(self.headers), time.monotonic())
                with fake._lock:
                    fake.lookups.append(call)
                self._send(fake.model_lookup(self.path, self.headers))

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path == "/token":  # OAuth 2 token endpoint (service-account credentials)
                    with fake._lock:
                        token = f"fake-token-{len(fake.tokens) + 1}"
                        fake.tokens.add(token)
                        fake.lookups.append(Call(self.path, {}, dict(self.headers), time.monotonic()))
                    self._send(Reply(body={"access_token": token, "expires_in": 3600, "token_type": "Bearer"}))
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                call = Call(self.path, body, dict(self.headers), time.monotonic(), size=length)
                with fake._lock:
                    fake.calls.append(call)
                reply = fake.refusal(call, self.headers)
                if reply is None:
                    reply = fake.responder(call, fake.counts)
                    fake.finish(call, reply)
                if fake.latency_s > 0:
                    time.sleep(fake.latency_s)
                self._send(reply)
                call.done = time.monotonic()

            def log_message(self, *args):  # quiet
                pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- what the service checks before it answers ---------------------------------------------

    def _route(self, path: str, action: str) -> tuple[str, str | None] | None:
        """(model, vertex "project/location" or None) of an exact path of the API version."""
        v = re.escape(self.api_version)
        m = re.fullmatch(rf"/{v}/models/([\w.\-]+){action}", path)
        if m:
            return m.group(1), None
        m = re.fullmatch(rf"/{v}/projects/([\w\-]+)/locations/([\w\-]+)/publishers/google/models/([\w.\-]+){action}", path)
        if m:
            return m.group(3), f"{m.group(1)}/{m.group(2)}"
        m = re.fullmatch(rf"/{v}/publishers/google/models/([\w.\-]+){action}", path)  # Vertex AI models.get
        if m:
            return m.group(1), "-"
        return None

    def _auth(self, vertex: str | None, headers) -> Reply | None:
        if vertex is not None:
            token = (headers.get("authorization") or "").removeprefix("Bearer ")
            if token not in self.tokens:
                return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected "
                             "OAuth 2 access token, login cookie or other valid authentication credential.")
            return None
        if headers.get("x-goog-api-key") in self.refused_keys:
            return bad_key()
        if not headers.get("x-goog-api-key"):
            return error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without "
                         "established identity). Please use API Key or other form of API consumer identity to call "
                         "this API.")
        return None

    def model_lookup(self, path: str, headers) -> Reply:
        route = self._route(path.split("?")[0], "")
        if route is None:
            return error(404, "NOT_FOUND", f"unknown path {path}")
        model, vertex = route
        refused = self._auth(vertex, headers)
        if refused is not None:
            return refused
        if model not in self.models:
            return error(404, "NOT_FOUND", f"models/{model} is not found for API version {self.api_version}")
        if vertex is not None:  # Vertex AI's publisher model: no token limits in it
            return Reply(body={"name": f"publishers/google/models/{model}", "versionId": "001"})
        return Reply(body={"name": f"models/{model}", "version": "001", "displayName": model,
                           "supportedGenerationMethods": ["generateContent", "countTokens"], **self.models[model]})

    def refusal(self, call: Call, headers) -> Reply | None:
        route = self._route(call.path, ":generateContent")
        if route is None or route[1] == "-":
            return error(404, "NOT_FOUND", f"unknown path {call.path}")
        model, vertex = route
        refused = self._auth(vertex, headers)
        if refused is not None:
            return refused
        if model not in self.models:
            return error(404, "NOT_FOUND", f"models/{model} is not found for API version {self.api_version}, "
                         "or is not supported for generateContent.")
        if call.size > self.max_request_bytes:
            return too_large(self.max_request_bytes)
        limit = self.models[model]["outputTokenLimit"]
        asked = call.setting("maxOutputTokens")
        if asked is not None and int(asked) > limit:
            return error(400, "INVALID_ARGUMENT", f"Unable to submit request because it has a maxOutputTokens value "
                         f"of {asked} but the supported range is from 1 (inclusive) to {limit + 1} (exclusive).")
        thinking, major = call.thinking(), int(re.match(r"gemini-(\d+)", model).group(1))  # type: ignore[union-attr]
        if _get(thinking, "thinkingLevel") is not None and major < 3:
            return error(400, "INVALID_ARGUMENT", "Thinking level is not supported for this model.")
        if _get(thinking, "thinkingBudget") is not None and major >= 3:
            return error(400, "INVALID_ARGUMENT", "thinking_budget is not supported for this model; use thinking_level.")
        schema = call.schema()
        if schema is not None:
            states, depth = _states(schema)
            if states > MAX_STATES or depth > MAX_SCHEMA_DEPTH:
                return error(400, "INVALID_ARGUMENT", "The specified schema produces a constraint that has too many "
                             "states for serving. Typical causes of this error are schemas with lots of text (for "
                             "example, very long property or enum names), schemas with long array length limits, "
                             "or schemas with complex value matchers (for example, integers or numbers with "
                             "minimum/maximum bounds or strings with complex formats like date-time)")
        return None

    def finish(self, call: Call, reply: Reply) -> None:
        """What the service adds to an answer: the text decoded against the schema, the model that
        answered, thinking in the usage."""
        body = reply.body
        if "candidates" not in body and "promptFeedback" not in body:
            return
        if reply.data is not None:
            schema = call.schema()
            data = constrain(reply.data, schema) if schema else reply.data
            body["candidates"][0]["content"]["parts"][0]["text"] = json.dumps(data)
        body["modelVersion"] = self.reroute.get(call.model, call.model)
        usage = body.setdefault("usageMetadata", {})
        if self.token_counts:
            usage["promptTokenCount"] = self.count_tokens(call)
        thinking = call.thinking()
        level, budget = _get(thinking, "thinkingLevel"), _get(thinking, "thinkingBudget")
        thoughts = THOUGHTS.get(str(level).upper(), 0) if level is not None else \
            min(int(budget), 120) if budget is not None else 0
        if thoughts and "candidates" in body:
            usage["thoughtsTokenCount"] = thoughts
        usage["totalTokenCount"] = sum(usage.get(k, 0) for k in ("promptTokenCount", "candidatesTokenCount",
                                                                   "thoughtsTokenCount"))

    @staticmethod
    def count_tokens(call: Call) -> int:
        """A stand-in for the service's accounting (Gemini 3): a PDF page 560 tokens, its text layer
        free; an image 1120; text a token per 4 characters."""
        tokens = 0
        for p in call.parts:
            if "text" in p:
                tokens += len(p["text"]) // 4
        for mime, data in call.blobs():
            if mime == "application/pdf":
                import pymupdf

                with pymupdf.open(stream=data, filetype="pdf") as doc:
                    tokens += 560 * doc.page_count
            else:
                tokens += 1120
        return tokens

    def start(self) -> FakeGemini:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls_for(self, marker: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if f"SCENARIO-{marker}" in c.text]
