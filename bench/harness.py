"""Shared pieces of the pipeline benchmarks.

``running_stack()`` starts the whole service as `docparse up` runs it — Temporal dev server,
SeaweedFS S3, SQLite, the API and N worker processes — on free ports in a temp dir, and stops it.
The other helpers upload, wait, summarise latencies and write ``bench/results/<name>.json``.
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devstack.s3 import S3Server  # noqa: E402
from devstack.temporal import TemporalDevServer  # noqa: E402
from tests.support.appstack import AppStack  # noqa: E402

RESULTS = ROOT / "bench" / "results"
EVAL_DIR = ROOT.parent / "shared" / "eval"
TERMINAL = {"processed", "failed", "needs_review"}

# The benchmarks measure the pipeline, not the per-key rate limit.
BENCH_ENV = {"DOCPARSE_RATE_LIMIT": "1000000/second"}


@contextmanager
def running_stack(*, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[AppStack]:
    tmp = Path(tempfile.mkdtemp(prefix="docparse-bench-"))
    temporal = s3 = app = None
    try:
        temporal = TemporalDevServer.start(tmp / "temporal", headless=True)
        s3 = S3Server.start(tmp / "s3")
        app = AppStack(temporal_address=temporal.address, s3=s3, db_url=None, tmp=tmp / "app",
                       extra_env={**BENCH_ENV, **(env or {})})
        app.start_api()
        for _ in range(workers):
            app.start_worker()
        yield app
    finally:
        for server in (app, s3, temporal):
            if server is not None:
                server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def create_extraction(http: httpx.Client, body: dict) -> str:
    r = http.post("/v1/extractions", json=body)
    r.raise_for_status()
    return r.json()["extraction"]["id"]


def upload(http: httpx.Client, extraction_id: str, files: Sequence[tuple[str, bytes]]) -> tuple[str, float]:
    """(batch id, seconds the upload took)."""
    t0 = time.perf_counter()
    r = http.post(f"/v1/extractions/{extraction_id}/batches",
                  files=[("files", (name, data)) for name, data in files])
    if r.status_code != 202:
        raise RuntimeError(f"upload refused: {r.status_code} {r.text}")
    return r.json()["batch"]["id"], time.perf_counter() - t0


def wait_terminal(http: httpx.Client, extraction_id: str, batch_id: str, *, timeout: float = 600,
                  poll: float = 0.05, reads: list[float] | None = None) -> dict:
    """Polls the status until every file is terminal; returns the last status body. Each read's
    duration goes to ``reads`` when given."""
    deadline = time.monotonic() + timeout
    while True:
        t0 = time.monotonic()
        body = http.get(f"/v1/extractions/{extraction_id}/batches/{batch_id}").json()
        if reads is not None:
            reads.append(time.monotonic() - t0)
        if body["batch"]["status"] in TERMINAL:
            return body
        if time.monotonic() > deadline:
            raise TimeoutError(f"batch {batch_id} not done after {timeout} s: {body['batch']['status']}")
        time.sleep(poll)


def file_statuses(body: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in body["files"]:
        counts[f["status"]] = counts.get(f["status"], 0) + 1
    return counts


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 4),
        "p99": round(percentile(values, 99), 4),
        "mean": round(statistics.fmean(values), 4) if values else float("nan"),
        "max": round(max(values), 4) if values else float("nan"),
    }


def eval_documents(eval_dir: Path = EVAL_DIR, *, min_pages: int = 0) -> list[tuple[str, bytes, int]]:
    """(name, bytes, pages) of every eval document, repeated until ``min_pages`` is reached."""
    import pymupdf

    docs = []
    for path in sorted(eval_dir.glob("*/docs/*")):
        if path.suffix.lower() not in (".pdf", ".png", ".jpg", ".jpeg"):
            continue
        with pymupdf.open(path) as d:
            docs.append((f"{path.parent.parent.name}-{path.name}", path.read_bytes(), d.page_count))
    if not docs:
        raise SystemExit(f"no documents under {eval_dir}/*/docs (pass --eval-dir)")
    out, pages, round_ = [], 0, 0
    while True:
        for name, data, n in docs:
            out.append((f"r{round_}-{name}", data, n))
            pages += n
        round_ += 1
        if pages >= min_pages:
            return out


def write_report(name: str, report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"benchmark": name, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cpus": _cpus(), "python": platform.python_version()}, **report}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def verdict(value: float, target: float, *, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "MET" if ok else "NOT MET"
