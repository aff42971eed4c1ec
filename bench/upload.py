"""Big upload: 30 files x ~25 MB in one request -- upload time and API process RSS growth.

Usage: .venv/bin/python bench/upload.py [--files 30] [--file-mb 24.9] [--wait] [--timeout 1800]

Target: RSS growth <= 100 MB (the upload is streamed to disk, never buffered whole).

Starts its own stack (harness.running_stack). Each file is a generated one-page invoice PDF with
an incompressible embedded attachment that brings it just under the API's 25 MB per-file cap
(DOCPARSE_MAX_FILE_BYTES), so it is a valid PDF the API accepts and counts pages of. The files
are written to a temp dir and the multipart body is streamed from disk (httpx reads file objects
in chunks), so the client does not hold 750 MB either; its own RSS is reported to show it.

A thread samples VmRSS of the API process and of its descendants (the PyMuPDF page pool) from
/proc every --interval seconds. Baseline = median RSS in the second before the upload, after a
warm-up upload of one small invoice has been processed (so the pool process exists and the
imports are done). Growth = peak during the upload - baseline; the API's VmHWM is read as a
cross-check for peaks between samples. With --wait the batch is also processed to the end and
the processing time is reported (slow: 30 big files).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import file_statuses, running_stack, verdict, wait_terminal, write_report  # noqa: E402
from tests.support.invoices import make_invoice, schema_invoice  # noqa: E402

MB = 1024 * 1024
CAP = 25 * MB  # core.config.Settings.max_file_bytes


# ---- the files -------------------------------------------------------------------------------

def padded_invoice(seed: int, size: int) -> bytes:
    """A one-page invoice PDF of at most ``size`` bytes: random bytes as an embedded file,
    stored uncompressed (deflating 25 MB of noise per file would only cost time)."""
    pdf, _ = make_invoice(seed=seed, language=("en", "de", "fr")[seed % 3], n_items=5)
    pad = size - len(pdf) - 8 * 1024
    for _ in range(3):  # the PDF objects around the attachment cost a few KB: correct for them
        with pymupdf.open(stream=pdf, filetype="pdf") as doc:
            doc.embfile_add("attachment.bin", b"x")
            xref = next(x for x in range(1, doc.xref_length())
                        if doc.xref_is_stream(x) and "/EmbeddedFile" in doc.xref_object(x))
            doc.update_stream(xref, os.urandom(pad), compress=False)
            doc.xref_set_key(xref, "DL", str(pad))
            doc.xref_set_key(xref, "Params/Size", str(pad))
            out = doc.tobytes()
        if len(out) <= size:
            return out
        pad -= len(out) - size
    raise RuntimeError(f"could not fit invoice {seed} into {size} bytes")


def write_files(folder: Path, n: int, size: int) -> list[Path]:
    paths = [folder / f"big-{i:02d}.pdf" for i in range(n)]
    for i, path in enumerate(paths):
        path.write_bytes(padded_invoice(1000 + i, size))
    return paths


# ---- RSS of a process tree from /proc --------------------------------------------------------

def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:  # the process just ended
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Children, grandchildren ... of a process (from /proc/<pid>/task/<tid>/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = [int(k) for t in os.listdir(f"/proc/{p}/task")
                    for k in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
        except OSError:  # it just ended
            continue
        out += kids
        todo += kids
    return out


class RssSampler(threading.Thread):
    """Samples (time, API RSS, API + descendants RSS, this client's RSS) in bytes until stopped."""

    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int, int, int]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            own = _status_kb(self.pid, "VmRSS")
            kids = sum(_status_kb(k, "VmRSS") for k in descendants(self.pid))
            client = _status_kb(os.getpid(), "VmRSS")
            self.samples.append((time.monotonic(), own * 1024, (own + kids) * 1024, client * 1024))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def window(self, start: float, end: float) -> list[tuple[float, int, int, int]]:
        return [s for s in self.samples if start <= s[0] <= end]


# ---- the run ---------------------------------------------------------------------------------

class TimedFile(io.FileIO):
    """A file that notes when it was read to the end (httpx reads it in 64 KB chunks)."""

    eof_at = 0.0

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        if not data:
            TimedFile.eof_at = max(TimedFile.eof_at, time.perf_counter())
        return data


def post_files(http: httpx.Client, extraction_id: str, paths: list[Path], timeout: float) -> tuple[str, float, float]:
    """Upload the files in one request, streamed from disk: (batch id, seconds until the body
    was handed to the socket, seconds until the 202)."""
    with ExitStack() as stack:
        files = [("files", (p.name, stack.enter_context(TimedFile(p, "rb")), "application/pdf")) for p in paths]
        t0 = time.perf_counter()
        r = http.post(f"/v1/extractions/{extraction_id}/batches", files=files, timeout=timeout)
        seconds = time.perf_counter() - t0
    if r.status_code != 202:
        raise SystemExit(f"upload refused: {r.status_code} {r.text[:500]}")
    return r.json()["batch"]["id"], TimedFile.eof_at - t0, seconds


def run(args) -> dict:
    size = int(args.file_mb * MB)
    if size > CAP:
        raise SystemExit(f"--file-mb {args.file_mb} is over the API's {CAP // MB} MB per-file cap")
    with tempfile.TemporaryDirectory(prefix="docparse-bench-upload-") as tmp:
        t = time.perf_counter()
        paths = write_files(Path(tmp), args.files, size)
        total = sum(p.stat().st_size for p in paths)
        print(f"wrote {len(paths)} files, {total / MB:.0f} MB, in {time.perf_counter() - t:.0f} s", flush=True)

        with running_stack(workers=args.workers) as app, app.client(app.create_key()) as http:
            r = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0})
            r.raise_for_status()
            extraction_id = r.json()["extraction"]["id"]
            warm = Path(tmp) / "warm-up.pdf"
            warm.write_bytes(make_invoice(seed=1)[0])
            warm_id, _, _ = post_files(http, extraction_id, [warm], args.timeout)
            wait_terminal(http, extraction_id, warm_id, timeout=120)

            sampler = RssSampler(app.api.pid, args.interval)
            sampler.start()
            time.sleep(1.0)
            hwm_before = _status_kb(app.api.pid, "VmHWM") * 1024
            start = time.monotonic()
            batch_id, sent, seconds = post_files(http, extraction_id, paths, args.timeout)
            end = time.monotonic()
            time.sleep(1.0)  # anything the request left behind shows up here
            sampler.stop()
            hwm_after = _status_kb(app.api.pid, "VmHWM") * 1024

            before = sampler.window(start - 1.0, start)
            during = sampler.window(start, end)
            after = sampler.window(end, end + 1.0)
            base_api = statistics.median(s[1] for s in before)
            base_all = statistics.median(s[2] for s in before)
            peak_api = max(s[1] for s in during)
            peak_all = max(s[2] for s in during)
            peak_at = next(s[0] for s in during if s[2] == peak_all) - start
            report = {
                "target": {"rss_growth_mb_max": args.target_mb},
                "files": len(paths), "file_bytes": size, "total_bytes": total,
                "upload_s": round(seconds, 2), "body_sent_s": round(sent, 2),
                "upload_mb_per_s": round(total / MB / seconds, 1),
                "samples_during_upload": len(during), "sample_interval_s": args.interval,
                "api_processes": 1 + len(descendants(app.api.pid)),
                "rss_mb": {
                    "api_baseline": mb(base_api), "api_peak": mb(peak_api), "api_growth": mb(peak_api - base_api),
                    "tree_baseline": mb(base_all), "tree_peak": mb(peak_all), "tree_growth": mb(peak_all - base_all),
                    "tree_peak_at_s": round(peak_at, 2),
                    "tree_after_upload": mb(statistics.median(s[2] for s in after)) if after else None,
                    "api_vmhwm_before": mb(hwm_before), "api_vmhwm_after": mb(hwm_after),
                },
                "client_rss_mb": {"before": mb(statistics.median(s[3] for s in before)),
                                  "peak_during_upload": mb(max(s[3] for s in during)),
                                  "lifetime_peak": mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)},
                "growth_mb": mb(peak_all - base_all),
            }
            if args.wait:
                body = wait_terminal(http, extraction_id, batch_id, timeout=args.timeout, poll=1.0)
                report["processing_s"] = round(time.monotonic() - end, 1)  # from the 202
                report["batch_status"] = body["batch"]["status"]
                report["file_statuses"] = file_statuses(body)
    report["verdict"] = verdict(report["growth_mb"], args.target_mb, higher_is_better=False)
    return report


def mb(n: float) -> float:
    return round(n / MB, 1)


def print_table(rep: dict) -> None:
    rss = rep["rss_mb"]
    rows = [
        ("files", f"{rep['files']} x {rep['file_bytes'] / MB:.2f} MB = {rep['total_bytes'] / MB:.0f} MB, one request"),
        ("upload time", f"{rep['upload_s']} s until the 202 ({rep['upload_mb_per_s']} MB/s); "
                        f"body sent after {rep['body_sent_s']} s"),
        ("API RSS (main)", f"baseline {rss['api_baseline']} MB, peak {rss['api_peak']} MB, "
                           f"growth {rss['api_growth']} MB "
                           f"(VmHWM {rss['api_vmhwm_before']} -> {rss['api_vmhwm_after']})"),
        (f"API RSS (+{rep['api_processes'] - 1} children)",
         f"baseline {rss['tree_baseline']} MB, peak {rss['tree_peak']} MB at {rss['tree_peak_at_s']} s, "
         f"growth {rss['tree_growth']} MB; 1 s after the 202 {rss['tree_after_upload']} MB"),
        ("samples", f"{rep['samples_during_upload']} during the upload, "
                    f"every {rep['sample_interval_s'] * 1000:.0f} ms"),
        ("client RSS", f"{rep['client_rss_mb']['before']} MB before, {rep['client_rss_mb']['peak_during_upload']} MB "
                       f"peak during the upload (lifetime peak {rep['client_rss_mb']['lifetime_peak']} MB, "
                       "from making the files)"),
    ]
    if "processing_s" in rep:
        rows.append(("processing", f"{rep['processing_s']} s after the 202 -> {rep['batch_status']} "
                                   f"{rep['file_statuses']}"))
    rows.append(("TARGET", f"RSS growth <= {rep['target']['rss_growth_mb_max']} MB: "
                           f"{rep['growth_mb']} MB -> {rep['verdict']}"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=30, help="files in the one request (API max 30)")
    ap.add_argument("--file-mb", type=float, default=(CAP - 64 * 1024) / MB, help="size of each file, MiB")
    ap.add_argument("--interval", type=float, default=0.02, help="RSS sampling interval, seconds")
    ap.add_argument("--target-mb", type=float, default=100, help="allowed RSS growth, MiB")
    ap.add_argument("--workers", type=int, default=1, help="worker processes")
    ap.add_argument("--wait", action="store_true", help="also wait until the batch is processed")
    ap.add_argument("--timeout", type=float, default=1800, help="upload / processing timeout, seconds")
    args = ap.parse_args(argv)
    rep = run(args)
    print_table(rep)
    write_report("upload", rep)
    return 0 if rep["verdict"] == "MET" else 1


if __name__ == "__main__":
    sys.exit(main())
