"""Scaling curve: pages/s with 1, 2 and 4 worker processes; batch wall time by batch size.

Usage: .venv/bin/python bench/scaling.py [--eval-dir ../shared/eval] [--pages 300] [--workers 1,2,4]
           [--sizes 1,10,30] [--repeat 3]

1. The eval documents (repeated to --pages pages) through a fresh stack with each number of
   worker processes (each worker has its own page-process pool, DOCPARSE_RENDER_PROCESSES).
2. One stack, one worker: batches of 1, 10 and 30 generated one-page invoices, each size
   --repeat times; wall time from upload to all processed, and the cost per file. Linear cost
   means seconds per file stays flat as the batch grows.
Writes bench/results/scaling.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    EVAL_DIR,
    create_extraction,
    eval_documents,
    running_stack,
    upload,
    wait_terminal,
    write_report,
)
from bench.throughput import eval_schema, run_pipeline  # noqa: E402
from tests.support.invoices import make_invoice, schema_invoice  # noqa: E402


def by_workers(docs, schema, counts: list[int]) -> list[dict]:
    out = []
    for n in counts:
        r = run_pipeline(docs, schema, workers=n)
        print(f"{n} worker(s): {r['pages_per_s']:7.2f} pages/s ({r['pages']} pages in {r['seconds']} s)")
        out.append(r)
    return out


def by_batch_size(sizes: list[int], repeat: int) -> list[dict]:
    docs = [(f"inv-{i}.pdf", make_invoice(seed=i, n_items=6)[0]) for i in range(max(sizes))]
    out = []
    with running_stack() as app, app.client(app.create_key(pages=1_000_000)) as http:
        ext = create_extraction(http, {**schema_invoice(), "name": "scaling", "review_threshold": 0})
        warm, _ = upload(http, ext, docs[:2])
        wait_terminal(http, ext, warm)
        for size in sizes:
            walls = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                batch, _ = upload(http, ext, docs[:size])
                wait_terminal(http, ext, batch, poll=0.02)
                walls.append(time.perf_counter() - t0)
            wall = statistics.median(walls)
            out.append({"files": size, "runs": [round(w, 3) for w in walls], "wall_s": round(wall, 3),
                        "s_per_file": round(wall / size, 4)})
            print(f"batch of {size:2d}: {wall:6.2f} s (median of {repeat}), {wall / size:.3f} s per file")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--sizes", default="1,10,30")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    docs = eval_documents(args.eval_dir, min_pages=args.pages)
    workers = by_workers(docs, eval_schema(args.eval_dir), [int(n) for n in args.workers.split(",")])
    sizes = by_batch_size([int(n) for n in args.sizes.split(",")], args.repeat)
    base = workers[0]["pages_per_s"]
    speedup = {str(w["workers"]): round(w["pages_per_s"] / base, 2) for w in workers}
    print("speed-up over 1 worker:", speedup)
    write_report("scaling", {"workers": workers, "speedup": speedup, "batch_sizes": sizes})


if __name__ == "__main__":
    main()
