"""Status reads under load: the batch status and batch list endpoints hammered while batches run.

Usage: .venv/bin/python bench/status_load.py [--duration 20] [--concurrency 32] [--list-share 0.2]
           [--batches 4] [--files 30] [--pages 20] [--name status_load]

Target: >= 300 req/s (answered 200) with p99 <= 100 ms, on 2 cores (shared by the API, the
worker, Temporal, S3 and this load generator).

Starts its own stack (harness.running_stack), creates an extraction (review_threshold 0),
processes a small warm-up batch, times each endpoint alone (a few sequential requests, no load),
then uploads --batches batches of --files generated invoices of --pages pages (enough work to
keep the worker busy through the window) and, while they run, drives for --duration seconds
GET /v1/extractions/{id}/batches/{batch_id} (status, rotating over the batches) and
GET /v1/extractions/{id}/batches (list, a --list-share of the requests).

Closed loop: --concurrency keep-alive connections, each sending its next request as soon as
the previous answer is read. The client is a small asyncio HTTP/1.1 client on raw sockets, much
cheaper per request than httpx (which matters on 2 shared cores); it checks every status code
(non-200 is an error) and reads bodies by Content-Length or chunked encoding. A request that
fails (error code, timeout after --request-timeout, dropped connection) counts in the latency
figures with its elapsed time. The batches' state is sampled from the status answers, to report
how much of the window they were running. CPU seconds of the generator and of each stack process
in the window are reported, and whether the API still answers once the load stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import TERMINAL, percentile, running_stack, verdict, write_report  # noqa: E402
from bench.upload import descendants  # noqa: E402
from tests.support.invoices import make_invoice, schema_invoice  # noqa: E402

ERRORS = (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)


class Conn:
    """One HTTP/1.1 keep-alive connection; get() sends a prepared request, returns (code, body)."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.reader, self.writer = host, port, None, None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        code = int(lines[0].split(b" ", 2)[1])
        headers = {k.strip().lower(): v.strip().lower() for k, _, v in (ln.partition(b":") for ln in lines[1:])}
        if b"content-length" in headers:
            body = await self.reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding") == b"chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            await self.reader.readuntil(b"\r\n")  # end of the (empty) trailer
            body = b"".join(parts)
        else:  # the body runs until the server closes
            body, headers[b"connection"] = await self.reader.read(), b"close"
        if headers.get(b"connection") == b"close":
            self.close()
        return code, body


class Load:
    def __init__(self, args, base_url: str, key: str, extraction_id: str, batch_ids: list[str]):
        host, port = base_url.split("//")[1].split(":")
        self.host, self.port, self.args = host, int(port), args
        tail = f" HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n\r\n"
        base = f"/v1/extractions/{extraction_id}/batches"
        self.status = [f"GET {base}/{b}{tail}".encode() for b in batch_ids]
        self.list = f"GET {base}{tail}".encode()
        self.latency: dict[str, list[float]] = {"status": [], "list": []}  # every request, failed too
        self.codes: Counter = Counter()  # "200", "503", "TimeoutError", ...
        self.samples: list[tuple[float, int, str, int]] = []  # (time, batch, status, files terminal)

    async def drive(self, index: int, stop_at: float) -> None:
        conn, rnd, n = Conn(self.host, self.port), random.Random(index), index
        try:
            while (started := time.perf_counter()) < stop_at:
                is_list = rnd.random() < self.args.list_share
                kind, n = ("list", n) if is_list else ("status", n + 1)
                try:
                    async with asyncio.timeout(self.args.request_timeout):
                        code, body = await conn.get(self.list if is_list else self.status[n % len(self.status)])
                except ERRORS as e:
                    self.latency[kind].append(time.perf_counter() - started)
                    self.codes[type(e).__name__] += 1
                    conn.close()
                    continue
                now = time.perf_counter()
                self.latency[kind].append(now - started)
                self.codes[str(code)] += 1
                if code == 200 and not is_list and (not self.samples or now - self.samples[-1][0] > 0.25):
                    data = json.loads(body)  # a few times a second: which batch is running?
                    self.samples.append((now, n % len(self.status), data["batch"]["status"],
                                         sum(f["status"] in TERMINAL for f in data["files"])))
        finally:
            conn.close()

    async def run(self) -> tuple[float, float]:
        start = time.perf_counter()
        await asyncio.gather(*(self.drive(i, start + self.args.duration) for i in range(self.args.concurrency)))
        return start, time.perf_counter()

    def busy_share(self, start: float, end: float, still_running: bool | None) -> tuple[float | None, bool]:
        """(share of the window in which some batch was still running, whether that is only a
        lower bound); (None, True) when no answer told."""
        done_at: dict[int, float] = {}
        for t, b, status, _ in self.samples:
            if status in TERMINAL:
                done_at.setdefault(b, t)
        lower_bound = False
        if still_running:
            until = end
        elif len(done_at) == len(self.status):
            until = max(done_at.values())
        elif self.samples:
            until, lower_bound = self.samples[-1][0], True  # running at the last answer seen
        else:
            return None, True
        return round(max(0.0, min(until, end) - start) / (end - start), 3), lower_bound


def cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process and its live descendants."""
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def stack_processes(app) -> dict[str, int]:
    """Label -> pid of the processes the stack runs: api, worker0.., temporal, weed (S3)."""
    named = {app.api.pid: "api", **{w.pid: f"worker{i}" for i, w in enumerate(app.workers)}}
    out = {}
    children = [int(p) for t in os.listdir("/proc/self/task")
                for p in Path(f"/proc/self/task/{t}/children").read_text().split()]
    for pid in children:
        try:
            out[named.get(pid) or Path(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()).name] = pid
        except OSError:
            pass
    return out


def lat_ms(seconds: list[float]) -> dict:
    if not seconds:
        return {"n": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    r = lambda p: round(percentile(seconds, p) * 1000, 1)  # noqa: E731
    return {"n": len(seconds), "p50_ms": r(50), "p90_ms": r(90), "p99_ms": r(99), "max_ms": r(100)}


def timed(http: httpx.Client, url: str, n: int, timeout: float = 10) -> dict:
    """n sequential GETs with no other load; failures count with their elapsed time."""
    seconds, codes = [], Counter()
    for _ in range(n):
        t = time.perf_counter()
        try:
            codes[str(http.get(url, timeout=timeout).status_code)] += 1
        except httpx.HTTPError as e:
            codes[type(e).__name__] += 1
        seconds.append(time.perf_counter() - t)
    return {**lat_ms(seconds), "codes": dict(codes)}


def run(args) -> dict:
    distinct = [make_invoice(seed=i, language=("en", "de", "fr")[i % 3], n_items=12 * args.pages, pages=args.pages)[0]
                for i in range(min(args.files, 6))]  # generating is slow; the worker does not mind repeats
    env = {"DOCPARSE_API_PROCESSES": str(args.api_processes)}
    with running_stack(workers=args.workers, env=env) as app, app.client(app.create_key(pages=10_000_000)) as http:
        r = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0})
        r.raise_for_status()
        base = f"/v1/extractions/{(ext := r.json()['extraction']['id'])}/batches"

        def upload(n: int) -> str:
            files = [("files", (f"inv-{i}.pdf", distinct[i % len(distinct)], "application/pdf")) for i in range(n)]
            r = http.post(base, files=files)
            if r.status_code != 202:
                raise SystemExit(f"upload refused: {r.status_code} {r.text[:300]}")
            return r.json()["batch"]["id"]

        def running(batch_id: str) -> bool:
            return http.get(f"{base}/{batch_id}", timeout=10).json()["batch"]["status"] not in TERMINAL

        warm, t = upload(3), time.monotonic()
        while running(warm) and time.monotonic() - t < 300:
            time.sleep(0.2)
        probes = {"status_finished_batch": timed(http, f"{base}/{warm}", args.probe),
                  "list": timed(http, base, args.probe)}
        # --batches 0: the same load with nothing running (the API's own ceiling on this machine)
        batches = [upload(args.files) for _ in range(args.batches)] or [warm]
        if args.batches:
            probes["status_running_batch"] = timed(http, f"{base}/{batches[-1]}", args.probe)

        load = Load(args, app.base_url, http.headers["Authorization"].split()[1], ext, batches)
        procs = stack_processes(app)
        cpu0, ru0 = {k: cpu_seconds(p) for k, p in procs.items()}, resource.getrusage(resource.RUSAGE_SELF)
        start, end = asyncio.run(load.run())
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = {k: round(cpu_seconds(p) - cpu0[k], 2) for k, p in procs.items()}
        after = timed(http, f"{base}/{batches[-1]}", 1)  # does the API still answer?
        try:
            still_running = any(running(b) for b in batches)
        except (httpx.HTTPError, KeyError, ValueError):
            still_running = None

    gen_cpu = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime
    wall, total, ok = end - start, sum(load.codes.values()), load.codes.get("200", 0)
    overall = lat_ms(load.latency["status"] + load.latency["list"])
    return {
        "target": {"ok_req_per_s_min": args.target_rps, "p99_ms_max": args.target_p99_ms},
        "mode": f"closed loop, {args.concurrency} keep-alive connections (raw asyncio HTTP/1.1 client)",
        "duration_s": round(wall, 2), "list_share": args.list_share,
        "workload": {"batches": args.batches, "files": args.files, "pages_per_file": args.pages},
        "api_processes": args.api_processes,
        "requests": total, "req_per_s": round(total / wall, 1), "ok_req_per_s": round(ok / wall, 1),
        "codes": dict(load.codes), "errors": total - ok,
        "latency": {"overall": overall, "status": lat_ms(load.latency["status"]), "list": lat_ms(load.latency["list"])},
        "batches_running_share_of_window": (share := load.busy_share(start, end, still_running))[0],
        "share_is_lower_bound": share[1],
        "batches_running_after_window": still_running,
        "files_terminal_in_last_sample": load.samples[-1][3] if load.samples else None,
        "after_load_status_read": after,
        "cpu_s_during_window": {"load_generator": round(gen_cpu, 2), **cpu},
        "generator_us_cpu_per_request": round(gen_cpu / max(total, 1) * 1e6),
        "unloaded_probes": probes,
        "verdict_rps": verdict(ok / wall, args.target_rps),
        "verdict_p99": verdict(overall["p99_ms"] or float("inf"), args.target_p99_ms, higher_is_better=False),
    }


def print_table(rep: dict) -> None:
    print(f"  {rep['mode']}, {rep['duration_s']} s, list share {rep['list_share']}")
    print(f"  {'endpoint':<8} {'n':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name in ("status", "list", "overall"):
        s = rep["latency"][name]
        cells = "".join(f" {str(s[k]):>8}" for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms"))
        print(f"  {name:<8} {s['n']:>7}{cells}")
    w, share, after = rep["workload"], rep["batches_running_share_of_window"], rep["after_load_status_read"]
    print(f"  {rep['req_per_s']} req/s, {rep['ok_req_per_s']} ok/s; by code: {rep['codes']} (errors: {rep['errors']})")
    share = "an unknown share" if share is None else f"{'at least ' if rep['share_is_lower_bound'] else ''}{share:.0%}"
    print(f"  {w['batches']} batches x {w['files']} files x {w['pages_per_file']} pages "
          f"running for {share} of the window")
    print(f"  after the load, one status read: {after['codes']} in {after['max_ms']} ms")
    print(f"  CPU s in the window: {rep['cpu_s_during_window']} "
          f"(generator {rep['generator_us_cpu_per_request']} us/request)")
    print("  no load, sequential: " + ", ".join(f"{k} p50 {v['p50_ms']} ms (max {v['max_ms']})"
                                               for k, v in rep["unloaded_probes"].items()))
    t = rep["target"]
    print(f"  TARGET  >= {t['ok_req_per_s_min']} ok req/s: {rep['ok_req_per_s']} -> {rep['verdict_rps']};  "
          f"p99 <= {t['p99_ms_max']} ms: {rep['latency']['overall']['p99_ms']} -> {rep['verdict_p99']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=20, help="seconds of load")
    ap.add_argument("--concurrency", type=int, default=32, help="keep-alive connections (closed loop)")
    ap.add_argument("--list-share", type=float, default=0.2, help="share of list requests (the rest: status)")
    ap.add_argument("--batches", type=int, default=4, help="batches running during the load")
    ap.add_argument("--files", type=int, default=30, help="files per batch (API max 30)")
    ap.add_argument("--pages", type=int, default=20, help="pages per file")
    ap.add_argument("--workers", type=int, default=1, help="worker processes")
    ap.add_argument("--api-processes", type=int, default=1, help="DOCPARSE_API_PROCESSES (uvicorn workers)")
    ap.add_argument("--probe", type=int, default=10, help="sequential unloaded requests per endpoint")
    ap.add_argument("--request-timeout", type=float, default=30, help="seconds before a request counts as failed")
    ap.add_argument("--target-rps", type=float, default=300)
    ap.add_argument("--target-p99-ms", type=float, default=100)
    ap.add_argument("--name", default="status_load", help="report name: bench/results/<name>.json")
    args = ap.parse_args(argv)
    rep = run(args)
    print_table(rep)
    write_report(args.name, rep)
    return 0 if rep["verdict_rps"] == rep["verdict_p99"] == "MET" else 1


if __name__ == "__main__":
    sys.exit(main())
