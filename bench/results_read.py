"""Reading a whole batch's results: one request (`GET .../results`, JSON, NDJSON or CSV) against one
`GET .../files/{id}/result` per file, for a batch of 30 generated invoices (30 line items each).

Usage: .venv/bin/python bench/results_read.py [--files 30] [--items 30] [--rounds 5]

Starts its own stack (bench/harness.py), uploads one batch, waits until it is processed (offline
engine, review off), then reads its results --rounds times each way and reports the median wall
time and the bytes received. Writes bench/results/results_read.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.harness import running_stack, wait_terminal, write_report  # noqa: E402
from tests.support.invoices import make_invoice, schema_invoice  # noqa: E402


def timed(read) -> tuple[float, int]:
    t0 = time.perf_counter()
    size = read()
    return time.perf_counter() - t0, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--items", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    with running_stack() as stack:
        key = stack.create_key(name="bench-results")
        with stack.client(key) as http:
            ext = harness.create_extraction(http, {**schema_invoice(), "review_threshold": 0.0})
            files = [(f"inv-{n}.pdf", make_invoice(seed=700 + n, n_items=args.items)[0]) for n in range(args.files)]
            batch, _ = harness.upload(http, ext, files)
            body = wait_terminal(http, ext, batch, timeout=900, poll=0.5)
            ids = [f["id"] for f in body["files"]]
            url = f"/v1/extractions/{ext}/batches/{batch}/results"

            def per_file() -> int:
                return sum(len(http.get(f"/v1/extractions/{ext}/files/{i}/result").content) for i in ids)

            def whole(fmt: str):
                def read() -> int:
                    r = http.get(url, params={"format": fmt})
                    r.raise_for_status()
                    return len(r.content)
                return read

            ways = {"per_file_requests": per_file, "results_json": whole("json"), "results_ndjson": whole("ndjson"),
                    "results_csv": whole("csv")}
            figures = {}
            for name, read in ways.items():
                runs = [timed(read) for _ in range(args.rounds)]
                figures[name] = {"requests": len(ids) if name == "per_file_requests" else 1,
                                 "median_s": round(statistics.median(t for t, _ in runs), 4),
                                 "bytes": runs[-1][1]}
    print(f"batch of {len(ids)} files ({args.items} line items each), median of {args.rounds} reads:")
    for name, f in figures.items():
        print(f"  {name:18} {f['requests']:3} request(s)  {f['median_s'] * 1000:8.1f} ms  {f['bytes']:>9,} bytes")
    write_report("results_read", {"files": len(ids), "items_per_file": args.items, "rounds": args.rounds,
                                  "figures": figures})


if __name__ == "__main__":
    main()
