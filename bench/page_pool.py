"""The API's page processes under one account's heavy work (issue 14, item 6).

Usage: .venv/bin/python bench/page_pool.py [--frames 1500] [--runs 10]

Starts its own stack with the API and no worker (only the API's page work is measured; the
batches are never processed). Two accounts: a heavy one and a light one. Measures
1. the light account's 1-page PDF upload (request to 202), idle and then while the heavy account
   uploads two ``--frames``-frame TIFFs (A4 at 300 dpi) at once;
2. a decompression-bomb page image: the heavy account asks for page 1 of an 80-megapixel PNG
   (within the upload pixel cap, a few kilobytes compressed, drawn by the API on first request)
   while the light account uploads; how long the bomb request takes and what it answers.
Writes bench/results/page_pool.json. Figures, not assertions: the limits themselves are tested in
tests/unit/test_procpool.py.
"""

from __future__ import annotations

import argparse
import struct
import sys
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import create_extraction, running_stack, summary, upload, write_report  # noqa: E402
from tests.support.damaged import tiff  # noqa: E402
from tests.support.invoices import make_invoice  # noqa: E402

SCHEMA = {"name": "bench", "review_threshold": 0, "fields": [{"key": "invoice_number", "type": "string"}]}


def bomb_png(side: int = 8900) -> bytes:
    """side x side white RGB pixels (79 MP): about 230 KB of PNG, 240 MB once decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    rows = (b"\x00" + b"\xff" * (3 * side)) * side  # filter byte 0, then the row
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def light_uploads(http, ext: str, pdf: bytes, runs: int, stop: threading.Event | None = None) -> list[float]:
    times = []
    while len(times) < runs or (stop is not None and not stop.is_set()):
        times.append(upload(http, ext, [("one-page.pdf", pdf)])[1])
        if stop is None and len(times) >= runs:
            break
    return times


def in_background(fn, *args) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        t0 = time.perf_counter()
        try:
            out["value"] = fn(*args)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            out["error"] = f"{type(e).__name__}: {e}"
        out["seconds"] = round(time.perf_counter() - t0, 3)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=1500)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()

    pdf = make_invoice(seed=1)[0]
    heavy_tiff = tiff(frames=args.frames, width=2480, height=3508)
    bomb = bomb_png()
    print(f"heavy TIFF: {args.frames} frames, {len(heavy_tiff) / 2**20:.1f} MB; bomb PNG {len(bomb) / 1024:.0f} KB")
    with running_stack(workers=0) as stack:
        heavy = stack.client(stack.create_key(name="heavy", pages=10**7))
        light = stack.client(stack.create_key(name="light", pages=10**6))
        heavy.timeout = light.timeout = 600
        heavy_ext, light_ext = create_extraction(heavy, SCHEMA), create_extraction(light, SCHEMA)
        light_uploads(light, light_ext, pdf, 3)  # warm up
        idle = light_uploads(light, light_ext, pdf, args.runs)

        def heavy_upload() -> int:
            r = heavy.post(f"/v1/extractions/{heavy_ext}/batches",
                           files=[("files", ("scan.tiff", heavy_tiff, "image/tiff"))])
            return r.status_code

        stop = threading.Event()
        tiffs = [in_background(heavy_upload) for _ in range(2)]
        time.sleep(0.2)
        loaded_thread, loaded = in_background(light_uploads, light, light_ext, pdf, args.runs, stop)
        for thread, _ in tiffs:
            thread.join()
        stop.set()
        loaded_thread.join()

        batch, _ = upload(heavy, heavy_ext, [("bomb.png", bomb)])
        file_id = heavy.get(f"/v1/extractions/{heavy_ext}/batches/{batch}").json()["files"][0]["id"]

        def bomb_page() -> dict:
            r = heavy.get(f"/v1/extractions/{heavy_ext}/files/{file_id}/pages/1")
            return {"status": r.status_code, "bytes": len(r.content) if r.status_code == 200 else 0,
                    "error": r.json().get("error") if r.status_code != 200 else None}

        stop = threading.Event()
        bomb_thread, bomb_out = in_background(bomb_page)
        time.sleep(0.1)
        during_thread, during = in_background(light_uploads, light, light_ext, pdf, 3, stop)
        bomb_thread.join()
        stop.set()
        during_thread.join()

    report = {
        "heavy_tiff": {"frames": args.frames, "mb": round(len(heavy_tiff) / 2**20, 1),
                       "uploads": [{"status": out.get("value"), "seconds": out["seconds"], "error": out.get("error")}
                                   for _, out in tiffs]},
        "light_upload_idle_s": summary(idle),
        "light_upload_during_tiffs_s": summary(loaded.get("value", [])),
        "bomb_page": {**bomb_out.get("value", {}), "seconds": bomb_out["seconds"], "error": bomb_out.get("error")},
        "light_upload_during_bomb_s": summary(during.get("value", [])),
    }
    print(f"light 1-page upload, idle:                 p50 {report['light_upload_idle_s']['p50']:.3f} s, "
          f"max {report['light_upload_idle_s']['max']:.3f} s")
    print(f"  while two {args.frames}-frame TIFFs upload:  p50 {report['light_upload_during_tiffs_s']['p50']:.3f} s, "
          f"max {report['light_upload_during_tiffs_s']['max']:.3f} s "
          f"(TIFF uploads: {[(u['status'], u['seconds']) for u in report['heavy_tiff']['uploads']]})")
    print(f"bomb page image: {report['bomb_page']}")
    print(f"  light uploads meanwhile:                 p50 {report['light_upload_during_bomb_s']['p50']:.3f} s, "
          f"max {report['light_upload_during_bomb_s']['max']:.3f} s")
    write_report("page_pool", report)


if __name__ == "__main__":
    main()
