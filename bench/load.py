"""Load test: N concurrent clients upload small batches and poll them for D seconds.

Usage: .venv/bin/python bench/load.py [--api http://127.0.0.1:8000] [--key KEY | --data-dir DIR]
           [--clients 20] [--duration 60] [--drain-timeout 300] [--out bench/results/load.json]

Against a running stack (`docparse up`). Each client owns an extraction and keeps at most
--in-flight batches (1-3 generated invoices each) going: it uploads, polls every batch's status
every --poll seconds, reads one result of each finished batch, and uploads again. After
--duration it stops uploading and waits (at most --drain-timeout) until every accepted file is
terminal. A file is *lost* when it was accepted (202) and then is missing from its batch, or is
still not terminal at the end of the drain.

Keys: with --key every client shares that key (429s are honoured via Retry-After; the default
rate limit is 50/s and 1000/min per key). Without --key the script creates one key per client,
all on one new account, with `docparse keys create` against --data-dir (default
DOCPARSE_DATA_DIR or ~/.docparse, as for `docparse up`); if that fails it falls back to the
data dir's dev key (shared), like `docparse eval`.

Prints a summary and writes JSON: throughput (files/s accepted and processed), p50/p99 latency of
uploads, status reads and result reads, batch turnaround, errors by status, lost files.
Requests go to 127.0.0.1 only; the run stops by itself (every loop is bounded by a deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TERMINAL = {"processed", "failed", "needs_review"}
SCHEMA = {
    "name": "load", "language": "en", "review_threshold": 0,
    "fields": [
        {"key": "invoice_number", "type": "string"},
        {"key": "issue_date", "type": "date"},
        {"key": "total_amount", "type": "number"},
        {"key": "currency", "type": "string"},
    ],
}
MAX_RETRY_AFTER = 10.0  # seconds: longer Retry-After values are capped (the run is time-boxed)
MAX_ATTEMPTS = 5  # per request, for 429 and connection errors


# ---------------------------------------------------------------------------------------------
# measurements


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of values, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


def latency_summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    r = lambda v: None if v is None else round(v, 1)  # noqa: E731
    return {"n": len(ms), "p50_ms": r(percentile(ms, 50)), "p99_ms": r(percentile(ms, 99)),
            "max_ms": r(max(ms) if ms else None)}


@dataclass
class Batch:
    extraction_id: str
    batch_id: str
    file_count: int
    uploaded_at: float
    files: dict[str, str] = field(default_factory=dict)  # file id -> last status seen
    done_at: float | None = None
    problem: str | None = None  # why its files count as lost


@dataclass
class Stats:
    upload_s: list[float] = field(default_factory=list)
    status_s: list[float] = field(default_factory=list)
    result_s: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # "429", "503", "ConnectError", ...
    by_operation: Counter = field(default_factory=Counter)  # "upload 429", ...
    batches: list[Batch] = field(default_factory=list)
    upload_requests: int = 0
    last_terminal_at: float = 0.0


class Client:
    def __init__(self, index: int, api: str, key: str, stats: Stats, invoices: list[bytes], *,
                 in_flight: int, poll: float, rnd: random.Random):
        self.index, self.stats, self.invoices, self.in_flight, self.poll, self.rnd = (
            index, stats, invoices, in_flight, poll, rnd)
        self.http = httpx.AsyncClient(base_url=api, headers={"Authorization": f"Bearer {key}"},
                                      timeout=httpx.Timeout(60, connect=10))
        self.extraction_id = ""
        self.pending: list[Batch] = []

    async def request(self, op: str, method: str, url: str, deadline: float, **kw) -> httpx.Response | None:
        """One call, retried after 429 (honouring Retry-After) and connection errors, at most
        MAX_ATTEMPTS times and never past the deadline. Times the successful attempt only."""
        for _ in range(MAX_ATTEMPTS):
            started = time.monotonic()
            try:
                r = await self.http.request(method, url, **kw)
            except httpx.HTTPError as e:
                self.stats.errors[type(e).__name__] += 1
                self.stats.by_operation[f"{op} {type(e).__name__}"] += 1
                if time.monotonic() + 1 > deadline:
                    return None
                await asyncio.sleep(1)
                continue
            elapsed = time.monotonic() - started
            if r.status_code >= 400:
                self.stats.errors[str(r.status_code)] += 1
                self.stats.by_operation[f"{op} {r.status_code}"] += 1
            if r.status_code == 429:
                wait = min(MAX_RETRY_AFTER, float(r.headers.get("Retry-After") or 1))
                if time.monotonic() + wait > deadline:
                    return r
                await asyncio.sleep(wait)
                continue
            {"upload": self.stats.upload_s, "status": self.stats.status_s,
             "result": self.stats.result_s}.get(op, []).append(elapsed)
            return r
        return None

    async def setup(self, deadline: float) -> None:
        r = await self.request("create", "POST", "/v1/extractions", deadline,
                               json={**SCHEMA, "name": f"load-{self.index}"})
        if r is None or r.status_code != 201:
            raise RuntimeError(f"client {self.index}: cannot create an extraction: "
                               f"{r.status_code if r is not None else 'no answer'} {r.text[:200] if r is not None else ''}")
        self.extraction_id = r.json()["extraction"]["id"]

    async def upload(self, deadline: float) -> None:
        n = self.rnd.randint(1, 3)
        picks = self.rnd.sample(range(len(self.invoices)), n)
        files = [("files", (f"c{self.index}-inv{i}.pdf", self.invoices[i], "application/pdf")) for i in picks]
        self.stats.upload_requests += 1
        r = await self.request("upload", "POST", f"/v1/extractions/{self.extraction_id}/batches", deadline,
                               files=files, data={"name": f"load-{self.index}"})
        if r is None or r.status_code != 202:
            return
        b = r.json()["batch"]
        batch = Batch(self.extraction_id, b["id"], b["file_count"], time.monotonic())
        self.stats.batches.append(batch)
        self.pending.append(batch)

    async def check(self, batch: Batch, deadline: float) -> None:
        r = await self.request("status", "GET", f"/v1/extractions/{batch.extraction_id}/batches/{batch.batch_id}",
                               deadline)
        if r is None or r.status_code != 200:
            if r is not None and r.status_code == 404:
                batch.problem = "batch not found"
                self.pending.remove(batch)
            return
        files = r.json()["files"]
        batch.files = {f["id"]: f["status"] for f in files}
        if len(files) != batch.file_count:
            batch.problem = f"{batch.file_count} files accepted, {len(files)} listed"
        if files and all(s in TERMINAL for s in batch.files.values()):
            now = time.monotonic()
            batch.done_at = now
            self.stats.last_terminal_at = max(self.stats.last_terminal_at, now)
            self.pending.remove(batch)
            processed = [fid for fid, s in batch.files.items() if s == "processed"]
            if processed:  # the result of a processed file must be readable
                rr = await self.request("result", "GET",
                                        f"/v1/extractions/{batch.extraction_id}/files/{processed[0]}/result", deadline)
                if rr is not None and rr.status_code != 200:
                    batch.problem = f"result of processed file {processed[0]}: {rr.status_code}"

    async def run(self, stop_uploading: float, deadline: float) -> None:
        try:
            while time.monotonic() < deadline:
                now = time.monotonic()
                if now < stop_uploading and len(self.pending) < self.in_flight:
                    await self.upload(deadline)
                    continue
                if not self.pending:
                    if now >= stop_uploading:
                        return
                    await asyncio.sleep(self.poll)
                    continue
                for batch in list(self.pending):
                    await self.check(batch, deadline)
                await asyncio.sleep(self.poll * (0.5 + self.rnd.random()))
        finally:
            await self.http.aclose()


async def run_load(api: str, keys: list[str], *, clients: int = 20, duration: float = 60,
                   drain_timeout: float = 300, in_flight: int = 2, poll: float = 0.5, seed: int = 1,
                   progress=None) -> dict:
    """Run the load and return the report (see the module docstring). keys: one per client, or
    a single shared one."""
    from tests.support.invoices import make_invoice

    check_local(api)
    rnd = random.Random(seed)
    invoices = [make_invoice(seed=1000 + i, language=rnd.choice(["en", "de", "fr"]), n_items=rnd.randint(2, 8))[0]
                for i in range(12)]
    stats = Stats()
    pool = [Client(i, api, keys[i % len(keys)], stats, invoices, in_flight=in_flight, poll=poll,
                   rnd=random.Random(seed * 1000 + i)) for i in range(clients)]
    setup_deadline = time.monotonic() + 60
    await asyncio.gather(*(c.setup(setup_deadline) for c in pool))

    started = time.monotonic()
    stop_uploading = started + duration
    deadline = stop_uploading + drain_timeout
    ticker = asyncio.create_task(_progress(stats, started, stop_uploading, progress)) if progress else None
    try:
        await asyncio.gather(*(c.run(stop_uploading, deadline) for c in pool))
    finally:
        if ticker:
            ticker.cancel()
    ended = time.monotonic()
    return build_report(stats, api=api, clients=clients, duration=duration, drain_timeout=drain_timeout,
                        shared_key=len(keys) == 1 and clients > 1, started=started, ended=ended,
                        stop_uploading=stop_uploading)


async def _progress(stats: Stats, started: float, stop: float, progress) -> None:
    while True:
        await asyncio.sleep(10)
        now = time.monotonic()
        accepted = sum(b.file_count for b in stats.batches)
        terminal = sum(b.file_count for b in stats.batches if b.done_at)
        phase = "load" if now < stop else "drain"
        progress(f"{now - started:5.0f}s {phase}: {accepted} files accepted, {terminal} terminal, "
                 f"errors {dict(stats.errors)}")


def build_report(stats: Stats, *, api: str, clients: int, duration: float, drain_timeout: float,
                 shared_key: bool, started: float, ended: float, stop_uploading: float) -> dict:
    accepted = sum(b.file_count for b in stats.batches)
    statuses: Counter = Counter()
    lost: list[dict] = []
    for b in stats.batches:
        statuses.update(b.files.values())
        if b.problem or b.done_at is None:
            not_terminal = [fid for fid, s in b.files.items() if s not in TERMINAL]
            lost.append({"batch_id": b.batch_id, "extraction_id": b.extraction_id,
                         "reason": b.problem or "not terminal when the drain ended",
                         "files": b.file_count if b.problem or not b.files else len(not_terminal),
                         "statuses": b.files})
    lost_files = sum(x["files"] for x in lost)
    terminal = sum(b.file_count for b in stats.batches if b.done_at and not b.problem)
    in_window = sum(b.file_count for b in stats.batches if b.done_at and b.done_at <= stop_uploading)
    processing_span = max(1e-9, (stats.last_terminal_at or ended) - started)
    turnaround = [b.done_at - b.uploaded_at for b in stats.batches if b.done_at]
    five_xx = sum(n for code, n in stats.errors.items() if code.isdigit() and int(code) >= 500)
    return {
        "api": api, "clients": clients, "duration_s": duration, "drain_timeout_s": drain_timeout,
        "keys": "one shared key" if shared_key else "one key per client",
        "wall_s": round(ended - started, 1),
        "drain_s": round(max(0.0, ended - stop_uploading), 1),
        "files": {
            "accepted": accepted, "terminal": terminal, "lost": lost_files,
            "by_status": dict(statuses),
        },
        "batches": {"accepted": len(stats.batches), "upload_requests": stats.upload_requests},
        "throughput": {
            "accepted_files_per_s": round(accepted / duration, 2),
            "processed_files_per_s": round(terminal / processing_span, 2),
            "processed_files_per_s_during_load": round(in_window / duration, 2),
        },
        "latency": {
            "upload": latency_summary(stats.upload_s),
            "status_read": latency_summary(stats.status_s),
            "result_read": latency_summary(stats.result_s),
            "batch_turnaround": {k.replace("_ms", "_s"): (None if v is None else round(v / 1000, 2))
                                 for k, v in latency_summary(turnaround).items() if k != "n"}
            | {"n": len(turnaround)},
        },
        "errors_by_status": dict(stats.errors),
        "errors_by_operation": dict(stats.by_operation),
        "server_errors_5xx": five_xx,
        "lost": lost[:50],
    }


def format_report(rep: dict) -> str:
    lat, f, t = rep["latency"], rep["files"], rep["throughput"]

    def line(name: str, s: dict) -> str:
        return f"  {name:14} n={s['n']:<6} p50={s['p50_ms']} ms  p99={s['p99_ms']} ms  max={s['max_ms']} ms"

    bt = lat["batch_turnaround"]
    return "\n".join([
        f"load: {rep['clients']} clients x {rep['duration_s']:g} s against {rep['api']} ({rep['keys']}); "
        f"drain {rep['drain_s']} s",
        f"  files: {f['accepted']} accepted, {f['terminal']} terminal {f['by_status']}, LOST {f['lost']}",
        f"  throughput: {t['accepted_files_per_s']} files/s accepted, {t['processed_files_per_s']} files/s "
        f"processed ({t['processed_files_per_s_during_load']} within the load window)",
        line("upload", lat["upload"]),
        line("status read", lat["status_read"]),
        line("result read", lat["result_read"]),
        f"  batch turnaround (upload -> all files terminal): p50={bt['p50_s']} s  p99={bt['p99_s']} s  "
        f"max={bt['max_s']} s",
        f"  errors by status: {rep['errors_by_status'] or 'none'}; 5xx: {rep['server_errors_5xx']}",
    ])


# ---------------------------------------------------------------------------------------------
# command line


def check_local(api: str) -> None:
    host = urlsplit(api).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"error: --api must point at 127.0.0.1 (got {api!r}); this script only loads a local stack")


def data_dir_of(arg: str | None) -> Path:
    return Path(arg or os.environ.get("DOCPARSE_DATA_DIR") or Path.home() / ".docparse").expanduser().resolve()


def create_keys(data_dir: Path, n: int, pages: int) -> list[str]:
    """n keys on one new account via `docparse keys create` (the key is the output's last line)."""
    def create(*extra: str) -> tuple[str, str]:
        out = subprocess.run(
            [sys.executable, "-m", "cli", "keys", "create", "--data-dir", str(data_dir), *extra],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
        ).stdout.strip().splitlines()
        account = re.search(r"for account (\S+)", out[0])
        return out[-1].strip(), account.group(1) if account else ""

    first, account = create("--name", "load-0", "--pages", str(pages))
    keys = [first]
    for i in range(1, n):
        keys.append(create("--name", f"load-{i}", "--account", account)[0])
    return keys


def resolve_keys(args) -> list[str]:
    if args.key:
        return [args.key]
    data_dir = data_dir_of(args.data_dir)
    try:
        keys = create_keys(data_dir, args.clients, args.pages)
        print(f"created {len(keys)} keys (one per client) on a new account in {data_dir}", file=sys.stderr)
        return keys
    except (subprocess.SubprocessError, OSError, IndexError) as e:
        print(f"could not create keys in {data_dir} ({type(e).__name__}); using the dev key", file=sys.stderr)
    from core.accounts import default_api_key

    key = default_api_key(data_dir)
    if not key:
        raise SystemExit(f"error: no API key: pass --key, or --data-dir of a `docparse up` stack ({data_dir})")
    return [key]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api", default=os.environ.get("DOCPARSE_API_URL") or "http://127.0.0.1:8000")
    ap.add_argument("--key", default=os.environ.get("DOCPARSE_API_KEY"), help="share this key between all clients")
    ap.add_argument("--data-dir", help="stack state dir for creating keys (default DOCPARSE_DATA_DIR or ~/.docparse)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60, help="seconds of uploading")
    ap.add_argument("--drain-timeout", type=float, default=300, help="max seconds to wait for accepted files")
    ap.add_argument("--in-flight", type=int, default=2, help="unfinished batches per client before it waits")
    ap.add_argument("--poll", type=float, default=0.5, help="seconds between status reads")
    ap.add_argument("--pages", type=int, default=1_000_000, help="page budget of the account created for the run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = ap.parse_args(argv)
    check_local(args.api)
    try:
        httpx.get(args.api.rstrip("/") + "/healthz", timeout=5).raise_for_status()
    except httpx.HTTPError as e:
        print(f"error: the API at {args.api} cannot be reached ({e}); start it with `docparse up`", file=sys.stderr)
        return 2
    keys = resolve_keys(args)
    rep = asyncio.run(run_load(
        args.api.rstrip("/"), keys, clients=args.clients, duration=args.duration,
        drain_timeout=args.drain_timeout, in_flight=args.in_flight, poll=args.poll, seed=args.seed,
        progress=lambda m: print("  " + m, file=sys.stderr),
    ))
    print(format_report(rep))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rep, indent=1))
    print(f"wrote {out}")
    return 1 if rep["files"]["lost"] or rep["server_errors_5xx"] else 0


if __name__ == "__main__":
    sys.exit(main())
