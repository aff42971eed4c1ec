"""Concurrency: a fake model server with a fixed latency per call; one 30-file batch.
Target: the batch is processed within 3 s of upload (30 s if the calls ran one after another).

Usage: .venv/bin/python bench/concurrency.py [--files 30] [--latency 1.0] [--target 3.0]
           [--model-max-concurrent 30] [--model-calls-per-second 100] [--max-concurrent-files 30]
           [--render-processes N] [--workers 1] [--poll 0.05]

Starts tests/support/fake_gemini.py with --latency seconds per call, and its own stack
(bench/harness.py) with the Gemini key and base URL pointing at it and the model concurrency
settings raised from their free-tier defaults (DOCPARSE_MODEL_MAX_CONCURRENT,
DOCPARSE_MODEL_CALLS_PER_SECOND, DOCPARSE_MAX_CONCURRENT_FILES; DOCPARSE_RENDER_PROCESSES only
when given). After one small warm-up batch it uploads --files one-page generated invoices as one
batch (review_threshold 0, so nothing waits for a reviewer) and polls the status every --poll
seconds. Reports upload -> all files terminal, the model call timeline seen by the fake (first
call, last reply, most calls in flight at once), the phases (before the first call: upload,
ingest, render; model calls; after the last reply: merge, save, status) and, from the Temporal
history, per activity type the spread, queue waits and run times. Writes
bench/results/concurrency.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import running_stack, summary, verdict, wait_terminal, write_report  # noqa: E402
from bench.latency import create_extraction, timelines, upload, workflow_task_stats  # noqa: E402
from tests.support.fake_gemini import FakeGemini  # noqa: E402
from tests.support.invoices import make_invoice  # noqa: E402


def max_in_flight(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])  # ends sort first
    most = cur = 0
    for _, d in events:
        cur += d
        most = max(most, cur)
    return most


def per_activity(tl: dict, origin: float) -> list[dict]:
    """Per activity type (whatever the names are): count, first scheduled / last completed from
    origin, and p50/max of queue wait (scheduled -> started) and run (started -> completed)."""
    by: dict[str, list[dict]] = defaultdict(list)
    for a in tl["activities"]:
        by[a["type"]].append(a)
    out = []
    for name, acts in sorted(by.items(), key=lambda kv: min(a["scheduled"] for a in kv[1])):
        waits = [(a["started"] or a["scheduled"]) - a["scheduled"] for a in acts]
        runs = [(a["completed"] or a["started"] or a["scheduled"]) - (a["started"] or a["scheduled"]) for a in acts]
        out.append({
            "activity": name, "n": len(acts),
            "first_scheduled_at": round(min(a["scheduled"] for a in acts) - origin, 3),
            "last_completed_at": round(max(a["completed"] or a["scheduled"] for a in acts) - origin, 3),
            "queue_wait_p50": round(statistics.median(waits), 3), "queue_wait_max": round(max(waits), 3),
            "run_p50": round(statistics.median(runs), 3), "run_max": round(max(runs), 3),
        })
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--latency", type=float, default=1.0, help="seconds the fake model takes per call")
    ap.add_argument("--target", type=float, default=3.0, help="seconds from upload to batch processed")
    ap.add_argument("--model-max-concurrent", type=int, default=30, help="DOCPARSE_MODEL_MAX_CONCURRENT")
    ap.add_argument("--model-calls-per-second", type=float, default=100, help="DOCPARSE_MODEL_CALLS_PER_SECOND")
    ap.add_argument("--max-concurrent-files", type=int, default=30, help="DOCPARSE_MAX_CONCURRENT_FILES")
    ap.add_argument("--render-processes", type=int, help="DOCPARSE_RENDER_PROCESSES (default: the service's)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--warmup-files", type=int, default=3)
    ap.add_argument("--poll", type=float, default=0.05, help="seconds between status reads")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--runs", type=int, default=3, help="batches measured; the verdict is their median")
    args = ap.parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews timings

    settings = {
        "DOCPARSE_MODEL_MAX_CONCURRENT": str(args.model_max_concurrent),
        "DOCPARSE_MODEL_CALLS_PER_SECOND": str(args.model_calls_per_second),
        "DOCPARSE_MAX_CONCURRENT_FILES": str(args.max_concurrent_files),
        **({"DOCPARSE_RENDER_PROCESSES": str(args.render_processes)} if args.render_processes else {}),
    }
    docs = [(f"inv-{i:02d}.pdf", make_invoice(seed=300 + i, n_items=4, pages=1)[0]) for i in range(args.files)]
    warm = [(f"warm-{i}.pdf", make_invoice(seed=900 + i, n_items=3, pages=1)[0]) for i in range(args.warmup_files)]
    fake = FakeGemini(latency_s=args.latency).start()
    try:
        env = {"DOCPARSE_GEMINI_API_KEY": "bench-key", "DOCPARSE_GEMINI_BASE_URL": fake.base_url, **settings}
        with running_stack(workers=args.workers, env=env) as app:
            http = app.client(app.create_key(name="bench-concurrency"))
            ext = create_extraction(http, name="bench-concurrency")
            b, _, _ = upload(http, ext, warm)
            wait_terminal(http, ext, b, poll=args.poll, timeout=args.timeout)
            runs = []
            for _ in range(args.runs):  # one batch at a time; the median run is reported in detail
                calls_before = len(fake.calls)
                t0 = time.monotonic()
                batch_id, wall, up_s = upload(http, ext, docs)
                body = wait_terminal(http, ext, batch_id, poll=args.poll, timeout=args.timeout)
                runs.append((time.monotonic() - t0, t0, batch_id, wall, up_s, body, calls_before))
            all_totals = [round(r[0], 3) for r in runs]
            total, t0, batch_id, wall, up_s, body, warm_calls = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
            calls_after = next((r[6] for r in runs if r[6] > warm_calls), len(fake.calls))
            try:
                tl = timelines(app.settings, [batch_id])[batch_id]
            except Exception as e:  # the figures stand without the breakdown
                print(f"(no Temporal history breakdown: {type(e).__name__}: {e})")
                tl = None
    finally:
        fake.stop()

    statuses: dict[str, int] = defaultdict(int)
    for f in body["files"]:
        statuses[f["status"]] += 1
    calls = [c for c in fake.calls[warm_calls:calls_after] if c.at >= t0]
    spans = [(c.at - t0, (c.done or c.at + args.latency) - t0) for c in calls]
    first = min((a for a, _ in spans), default=float("nan"))
    last = max((b for _, b in spans), default=float("nan"))
    sequential = len(calls) * args.latency
    result = verdict(total, args.target, higher_is_better=False)
    phases = {
        "upload_request": round(up_s, 3),
        "before_first_model_call": round(first, 3),  # upload + workflow start + ingest + render
        "model_calls": round(last - first, 3),  # first call sent -> last reply
        "after_last_model_reply": round(total - last, 3),  # merge + save + status visible (+ poll)
    }

    print(f"\nconcurrency: {args.files} one-page files in one batch, fake model {args.latency:g} s per call, "
          f"{args.workers} worker(s); file statuses {dict(statuses)}")
    print("  settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    print(f"  {'upload -> batch terminal':34} {total:7.2f} s   (after the 202: {total - up_s:.2f} s)")
    print(f"  {'same calls one after another':34} {sequential:7.2f} s   ({len(calls)} calls x {args.latency:g} s)")
    print(f"  {'model calls in flight at once':34} {max_in_flight(spans):7d}     (max)")
    starts = summary([a for a, _ in spans])
    print(f"  {'model call durations':34} {summary([b - a for a, b in spans])['p50']:7.2f} s   (p50, as the fake saw them)")
    print(f"  {'model calls sent (s from upload)':34} {first:7.2f} .. {starts['max']:.2f}   (p50 {starts['p50']:.2f})")
    print("  where the time goes (s from upload start):")
    print(f"    {'upload request':32} {phases['upload_request']:7.2f}")
    print(f"    {'first model call sent at':32} {first:7.2f}   (upload, workflow start, ingest, render)")
    print(f"    {'last model reply at':32} {last:7.2f}   (model phase {phases['model_calls']:.2f} s)")
    print(f"    {'batch terminal seen at':32} {total:7.2f}   ({phases['after_last_model_reply']:.2f} s after the "
          "last reply: merge, save, status)")
    print(f"  target <= {args.target:g} s: {total:.2f} s (median of {args.runs} batches: {all_totals})  {result}")

    acts = per_activity(tl, wall) if tl else []
    wts = workflow_task_stats(tl) if tl else {}
    if wts:
        print(f"  batch workflow tasks (one at a time): {wts['n']}, running {wts['run_total_s']:.2f} s in all "
              f"(max {wts['run_max_s']:.2f}), waiting for the worker {wts['wait_total_s']:.2f} s in all "
              f"(max {wts['wait_max_s']:.2f})")
    if acts:
        print("\n  per activity (s; at = from upload start)")
        print(f"  {'activity':22} {'n':>3} {'first@':>7} {'last@':>7} {'wait p50':>9} {'max':>6} {'run p50':>8} {'max':>6}")
        for a in acts:
            print(f"  {a['activity']:22} {a['n']:3d} {a['first_scheduled_at']:7.2f} {a['last_completed_at']:7.2f} "
                  f"{a['queue_wait_p50']:9.3f} {a['queue_wait_max']:6.2f} {a['run_p50']:8.3f} {a['run_max']:6.2f}")

    write_report("concurrency", {
        "load_avg_before": load_before, "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "target": f"{args.files}-file batch processed within {args.target} s of upload, fake model {args.latency} s/call",
        "verdict": result, "files": args.files, "model_latency_s": args.latency, "workers": args.workers,
        "settings": settings, "file_statuses": dict(statuses),
        "upload_to_terminal_s": round(total, 3), "runs_s": all_totals, "after_202_s": round(total - up_s, 3),
        "sequential_s": round(sequential, 3),
        "model_calls": {"n": len(calls), "max_in_flight": max_in_flight(spans),
                        "first_sent_at_s": round(first, 3), "last_reply_at_s": round(last, 3),
                        "starts_s": sorted(round(a, 3) for a, _ in spans)},
        "phases_s": phases,
        "per_activity": acts, "workflow_tasks": wts,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
