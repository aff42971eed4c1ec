"""Throughput of the offline pipeline against a plain script doing the same page work.

Usage: .venv/bin/python bench/throughput.py [--eval-dir ../shared/eval] [--pages 300] [--workers 1]
           [--skip-script] [--out-name throughput]

The documents of ../shared/eval (PDFs and PNGs), repeated to at least --pages pages, go
1. through a plain single-process script: for each file, the words of every page (text layer, or
   tesseract where a page has none: documents.pages.render_pages with images=False, the very call
   the worker makes) and the offline engine with confidence (activities.extract.extract_locally);
2. through the whole stack (API upload in batches of 30, Temporal, S3, SQLite, --workers worker
   processes), timed from the first upload to the last file terminal.
Prints pages/s of both and the ratio. Target: pipeline >= 0.9 x the script (and better on 2 cores).
Writes bench/results/<out-name>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    EVAL_DIR,
    create_extraction,
    eval_documents,
    file_statuses,
    running_stack,
    upload,
    verdict,
    wait_terminal,
    write_report,
)

BATCH = 30


def eval_schema(eval_dir: Path) -> dict:
    body = json.loads((eval_dir / "schema-invoice.json").read_text())
    return {**body, "name": "throughput", "review_threshold": 0}


def run_script(docs: list[tuple[str, bytes, int]], schema_body: dict) -> dict:
    """What a user's loop over the files would do, with our own page and engine code."""
    from activities.extract import extract_locally
    from core.config import Settings
    from core.schema import ExtractionSchema
    from documents.kinds import sniff_kind
    from documents.pages import render_pages

    settings = Settings()
    schema = ExtractionSchema(fields=schema_body["fields"], language=schema_body.get("language", "auto"))
    pages = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (_name, data, n) in enumerate(docs):
            path = Path(tmp) / f"doc{i}"
            path.write_bytes(data)
            kind = sniff_kind(data[:1024])
            pages_json = [p.words_json for p in render_pages(path, kind=kind, start=0, stop=n, dpi=settings.render_dpi,
                                                             language=schema.language, images=False)]
            extract_locally(schema, pages_json, None, 0.8)
            pages += n
    seconds = time.perf_counter() - t0
    return {"pages": pages, "files": len(docs), "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 2)}


def run_pipeline(docs: list[tuple[str, bytes, int]], schema_body: dict, *, workers: int = 1,
                 env: dict | None = None) -> dict:
    """All documents through a fresh stack; batches of 30 uploaded at once."""
    with running_stack(workers=workers, env=env) as app:
        with app.client(app.create_key(pages=1_000_000)) as http:
            ext = create_extraction(http, schema_body)
            # warm-up: the worker's page processes start on first use
            warm, _ = upload(http, ext, [docs[0][:2]])
            wait_terminal(http, ext, warm)
            batches = [docs[i:i + BATCH] for i in range(0, len(docs), BATCH)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(len(batches)) as pool:
                ids = list(pool.map(lambda b: upload(http, ext, [(n, d) for n, d, _ in b])[0], batches))
            uploaded = time.perf_counter() - t0
            counts: dict[str, int] = {}
            for batch_id in ids:
                for status, c in file_statuses(wait_terminal(http, ext, batch_id, timeout=3600, poll=0.2)).items():
                    counts[status] = counts.get(status, 0) + c
            seconds = time.perf_counter() - t0
    pages = sum(n for _, _, n in docs)
    return {"pages": pages, "files": len(docs), "batches": len(ids), "workers": workers,
            "upload_s": round(uploaded, 2), "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 2), "files_by_status": counts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--skip-script", action="store_true")
    ap.add_argument("--out-name", default="throughput")
    args = ap.parse_args()

    docs = eval_documents(args.eval_dir, min_pages=args.pages)
    schema = eval_schema(args.eval_dir)
    print(f"{len(docs)} files, {sum(n for _, _, n in docs)} pages")
    script = None if args.skip_script else run_script(docs, schema)
    if script:
        print(f"script:   {script['pages_per_s']:7.2f} pages/s ({script['seconds']} s, one process)")
    pipe = run_pipeline(docs, schema, workers=args.workers)
    print(f"pipeline: {pipe['pages_per_s']:7.2f} pages/s ({pipe['seconds']} s, {args.workers} worker(s), "
          f"files {pipe['files_by_status']})")
    report = {"target": "pipeline >= 0.9 x script pages/s", "script": script, "pipeline": pipe}
    if script:
        ratio = pipe["pages_per_s"] / script["pages_per_s"]
        report["ratio"] = round(ratio, 3)
        report["verdict"] = verdict(ratio, 0.9)
        print(f"ratio:    {ratio:.2f} x the script (target >= 0.9): {report['verdict']}")
    write_report(args.out_name, report)


if __name__ == "__main__":
    main()
