"""Oversized requests against the API's caps (issue 14, item 7): how much of each the API reads
before it answers, how long that takes, and how much its memory grows.

Usage: .venv/bin/python bench/limits.py [--interval 0.02]

Before the caps, 20,000 text fields of 10 KB took the API from 331 MB to 898 MB (each field kept and
copied into the Idempotency-Key fingerprint) and a 50 MB JSON body with 5 million enum values was
read, parsed and accepted. Target: every case answered with its 4xx after reading at most a few MB,
API RSS growth <= 50 MB. The tests assert the caps themselves (tests/api/test_limits.py); these are
the figures.

Starts its own stack (harness.running_stack, no worker: nothing here reaches one). Each request is
written to a raw socket in 64 KB steps; sending stops as soon as the API has answered, so "sent"
says how much the API let in before refusing. API RSS is sampled from /proc (bench/upload.py's
sampler); growth = peak during the request - the median of the second before it.
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import create_extraction, running_stack, verdict, write_report  # noqa: E402
from bench.upload import RssSampler  # noqa: E402
from core import limits  # noqa: E402

MB = 1024 * 1024
STEP = 64 * 1024
SCHEMA = {"name": "bench", "review_threshold": 0, "fields": [{"key": "invoice_number", "type": "string"}]}


# ---- the requests, as byte streams (never held whole by this client) ---------------------------------

def _fields(name_of, n: int, size: int) -> tuple[int, Iterator[bytes]]:
    value = b"x" * size

    def part(i: int) -> bytes:
        return (f'--B\r\nContent-Disposition: form-data; name="{name_of(i)}"\r\n\r\n'.encode() + value + b"\r\n")

    total = sum(len(part(i)) for i in range(n)) + len(b"--B--\r\n")
    return total, (b for i in range(n + 1) for b in ([part(i)] if i < n else [b"--B--\r\n"]))


def _enum_json(values: int) -> tuple[int, Iterator[bytes]]:
    head = b'{"name": "x", "fields": [{"key": "c", "type": "enum", "values": ['
    batch = 10_000

    def chunks() -> Iterator[bytes]:
        yield head
        for start in range(0, values, batch):
            yield b",".join(b'"v%07d"' % i for i in range(start, min(values, start + batch))) + (
                b"," if start + batch < values else b"")
        yield b"]}]}"

    return sum(len(c) for c in chunks()), chunks()


def send(port: int, request_line: str, headers: dict[str, str], length: int, body: Iterator[bytes],
         chunked: bool) -> dict:
    """Streams the request; stops sending once the API answers. (status, code, sent, seconds)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {length}\r\n"
    t0 = time.perf_counter()
    sock.sendall(f"{request_line}\r\nHost: bench\r\n{head}\r\n".encode())
    sent, pending = 0, b""
    try:
        for piece in body:
            pending += piece
            while len(pending) >= STEP:
                out, pending = pending[:STEP], pending[STEP:]
                sock.sendall(f"{len(out):x}\r\n".encode() + out + b"\r\n" if chunked else out)
                sent += len(out)
                if select.select([sock], [], [], 0)[0]:  # answered: stop sending
                    raise StopIteration
        if pending:
            sock.sendall(f"{len(pending):x}\r\n".encode() + pending + b"\r\n" if chunked else pending)
            sent += len(pending)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except (StopIteration, BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    while not (b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}")):
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    seconds = time.perf_counter() - t0
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    body_json = answer.split(b"\r\n\r\n", 1)[-1]
    try:
        code = json.loads(body_json[body_json.index(b"{"):]).get("code")
    except ValueError:
        code = None
    return {"status": status, "code": code, "sent_bytes": sent, "seconds": round(seconds, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=0.02, help="RSS sampling interval, seconds")
    args = ap.parse_args()

    with running_stack(workers=0) as stack:
        key = stack.create_key(name="bench-limits")
        import httpx

        with httpx.Client(base_url=stack.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            ext = create_extraction(http, SCHEMA)
            for i in range(250):  # a listing of many extractions: one page is all an answer holds
                create_extraction(http, {**SCHEMA, "name": f"e{i}"})
            listing = {
                "extractions": 251,
                "default_page": len(http.get("/v1/extractions").json()["extractions"]),
                "largest_page_bytes": len(http.get("/v1/extractions", params={"limit": 100}).content),
            }
        auth = {"Authorization": f"Bearer {key}"}
        upload = f"POST /v1/extractions/{ext}/batches HTTP/1.1"
        multipart = {**auth, "Content-Type": "multipart/form-data; boundary=B"}
        as_json = {**auth, "Content-Type": "application/json"}
        cases = {
            "20000 unknown text fields x 10 KB": lambda: (upload, multipart, *_fields(lambda i: f"f{i}", 20_000, 10_000),
                                                          False),
            "20000 'name' fields x 100 B": lambda: (upload, multipart, *_fields(lambda i: "name", 20_000, 100), False),
            "50 MB JSON, 5 million enum values, Content-Length": lambda: (
                "POST /v1/extractions HTTP/1.1", as_json, *_enum_json(5_000_000), False),
            "50 MB JSON, 5 million enum values, chunked": lambda: (
                "POST /v1/extractions HTTP/1.1", as_json, *_enum_json(5_000_000), True),
        }
        assert stack.api is not None
        sampler = RssSampler(stack.api.pid, args.interval)
        sampler.start()
        results = {}
        try:
            for name, make in cases.items():
                time.sleep(1.0)
                t0 = time.monotonic()
                line, headers, length, body, chunked = make()
                out = send(stack.port, line, headers, length, body, chunked)
                t1 = time.monotonic()
                time.sleep(0.3)
                base = [s[1] for s in sampler.window(t0 - 1.0, t0)] or [sampler.samples[-1][1]]
                during = [s[1] for s in sampler.window(t0, t1 + 0.3)] or base
                out.update(body_bytes=length, rss_growth_mb=round((max(during) - statistics.median(base)) / MB, 1),
                           api_rss_mb=round(max(during) / MB, 1))
                results[name] = out
        finally:
            sampler.stop()

    worst_growth = max(r["rss_growth_mb"] for r in results.values())
    worst_read = max(r["sent_bytes"] for r in results.values())
    print(f"{'case':54} {'status':>6} {'code':>20} {'sent MB':>8} {'of MB':>7} {'s':>6} {'RSS +MB':>8}")
    for name, r in results.items():
        print(f"{name:54} {r['status']:>6} {str(r['code']):>20} {r['sent_bytes'] / MB:8.1f} "
              f"{r['body_bytes'] / MB:7.1f} {r['seconds']:6.2f} {r['rss_growth_mb']:8.1f}")
    print(f"listing: {listing['extractions']} extractions, default page {listing['default_page']}, "
          f"a page of 100: {listing['largest_page_bytes'] / 1024:.0f} KB")
    print(f"API RSS growth, worst case: {worst_growth} MB (target <= 50): {verdict(worst_growth, 50, higher_is_better=False)}")
    print(f"read before answering, worst case: {worst_read / MB:.1f} MB (JSON cap {limits.MAX_JSON_BODY_BYTES / MB:.0f} MB)")
    write_report("limits", {"cases": results, "listing": listing, "worst_rss_growth_mb": worst_growth,
                            "worst_read_bytes": worst_read, "json_body_cap_bytes": limits.MAX_JSON_BODY_BYTES,
                            "target_rss_growth_mb": 50})


if __name__ == "__main__":
    main()
