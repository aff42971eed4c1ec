"""How fast and how well scanned pages are read: seconds per page and word accuracy of OCR, and
what the offline engine makes of scanned copies of the shared set.

Usage: .venv/bin/python bench/ocr.py [--pages 24] [--eval-limit 25] [--rapidocr] [--eval-dir ../shared/eval]

1. OCR alone (documents/ocr.ocr_page on a page image, as the worker reads an upload): A4 pages
   scanned at 150 dpi in grey (generated invoices in en/de/fr and first pages of the shared set),
   clean, speckled (0.25% of pixels), skewed 2.5 degrees and speckled, turned 180 (and skewed 1).
   Per condition: wall and CPU seconds per page (median, p90; CPU counts tesseract too) and word
   accuracy (share of the text layer's words read exactly, as a multiset), with the extraction's
   language known and with `auto`. ``--rapidocr`` reads the same pages with RapidOCR
   (`pip install rapidocr-onnxruntime`; its ONNX models ship in the wheel) for comparison.
2. ``docparse eval --direct --as-scans`` on ferd-zugferd24 (first --eval-limit documents): header
   accuracy and line-item F1 of the text copies, then of scans clean, speckled, skewed and turned.

Target: median <= 0.8 s per page; scans within 0.05 of the text copies. Writes bench/results/ocr.json
(ocr-rapidocr.json with --rapidocr).
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import EVAL_DIR, percentile, verdict, write_report  # noqa: E402
from evals.evaluate import ScanDamage  # noqa: E402

CONDITIONS = {
    "clean": ScanDamage(),
    "noisy": ScanDamage(noise=0.0025),
    "skewed": ScanDamage(rotate=2.5, noise=0.0025),
    "turned": ScanDamage(turn=180, rotate=-1.0),
}
TARGET_S = 0.8
TARGET_GAP = 0.05


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def sample_pages(n: int, eval_dir: Path) -> list[tuple[str, str, bytes]]:
    """(name, language, one-page PDF) for n pages: generated invoices and shared-set first pages."""
    import pymupdf

    from tests.support.invoices import make_invoice

    out = []
    shared = sorted((eval_dir / "ferd-zugferd24" / "docs").glob("*.pdf"))[: n // 2]
    for path in shared:
        with pymupdf.open(path) as doc, pymupdf.open() as one:
            one.insert_pdf(doc, from_page=0, to_page=0)
            out.append((path.stem, "de", one.tobytes()))
    langs = ["en", "de", "fr"]
    for i in range(n - len(out)):
        lang = langs[i % 3]
        out.append((f"generated-{lang}-{i}", lang, make_invoice(seed=500 + i, language=lang, n_items=6)[0]))
    return out


def _norm(word: str) -> str:
    return word.strip(".,:;()").lower()


def word_accuracy(truth: list[str], read: list[str]) -> float:
    want = collections.Counter(w for w in map(_norm, truth) if w)
    got = collections.Counter(w for w in map(_norm, read) if w)
    return sum((want & got).values()) / max(sum(want.values()), 1)


def _scan(pdf: bytes, damage: ScanDamage, seed: int) -> bytes:
    import random

    import pymupdf

    from evals.evaluate import scanned_pixmap

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return scanned_pixmap(doc[0], 150, damage, random.Random(seed)).tobytes("png")


def tesseract_words(png: bytes, language: str) -> list[str]:
    import pymupdf

    from documents.ocr import ocr_languages, ocr_page

    image = pymupdf.Pixmap(png)
    with pymupdf.open(stream=png, filetype="png") as doc:
        page = ocr_page(doc[0], 1, image_page=True, image_px=(image.width, image.height),
                        langs=ocr_languages(language))
    return [w.text for w in page.words]


_rapid = None


def rapidocr_words(png: bytes, language: str) -> list[str]:
    global _rapid
    if _rapid is None:
        from rapidocr_onnxruntime import RapidOCR

        _rapid = RapidOCR()
    result, _ = _rapid(png)
    return [w for _box, text, _score in (result or []) for w in text.split()]


def measure(readers: dict, pages: list[tuple[str, str, bytes]]) -> dict:
    import pymupdf

    out: dict = {}
    for reader_name, (read, language_mode) in readers.items():
        for cond, damage in CONDITIONS.items():
            walls, cpus, accs = [], [], []
            for i, (_name, lang, pdf) in enumerate(pages):
                with pymupdf.open(stream=pdf, filetype="pdf") as doc:
                    truth = [w[4] for w in doc[0].get_text("words")]
                png = _scan(pdf, damage, seed=i)
                t, c = time.perf_counter(), _cpu()
                words = read(png, lang if language_mode == "known" else "auto")
                walls.append(time.perf_counter() - t)
                cpus.append(_cpu() - c)
                accs.append(word_accuracy(truth, words))
            row = {"pages": len(pages), "wall_s_p50": round(statistics.median(walls), 3),
                   "wall_s_p90": round(percentile(walls, 90), 3), "cpu_s_p50": round(statistics.median(cpus), 3),
                   "cpu_s_p90": round(percentile(cpus, 90), 3), "word_accuracy": round(statistics.fmean(accs), 4)}
            out.setdefault(reader_name, {})[cond] = row
            print(f"  {reader_name:22s} {cond:7s} wall p50 {row['wall_s_p50']:.2f} s p90 {row['wall_s_p90']:.2f} s"
                  f"  cpu p50 {row['cpu_s_p50']:.2f} s  words {row['word_accuracy']:.3f}", flush=True)
    return out


def eval_scans(eval_dir: Path, limit: int) -> dict:
    from evals.evaluate import evaluate

    set_dir = eval_dir / "ferd-zugferd24"
    runs = {"text": (False, None), **{k: (True, v) for k, v in CONDITIONS.items()},
            "turned-quarter": (True, ScanDamage(turn=90, rotate=5.0, noise=0.0025))}
    out = {}
    for name, (scans, damage) in runs.items():
        r = evaluate(set_dir, direct=True, scans=scans, damage=damage, limit=limit)
        out[name] = {"docs": r["docs"], "header_accuracy": r["header_accuracy"],
                     "line_items_f1": r["line_items"]["f1"], "ocr_s_per_page": r["timings"].get("ocr_s_per_page")}
        print(f"  eval {name:15s} header {out[name]['header_accuracy']:.3f}  line items F1 "
              f"{out[name]['line_items_f1']:.3f}  OCR {out[name]['ocr_s_per_page']} s/page", flush=True)
    text = out["text"]
    for name, row in out.items():
        if name != "text":
            row["header_gap"] = round(text["header_accuracy"] - row["header_accuracy"], 4)
            row["line_items_gap"] = round(text["line_items_f1"] - row["line_items_f1"], 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--eval-limit", type=int, default=25, help="documents of ferd-zugferd24 (0: skip)")
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    ap.add_argument("--rapidocr", action="store_true", help="also read the pages with RapidOCR")
    args = ap.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    pages = sample_pages(args.pages, args.eval_dir)
    readers = {"tesseract known-lang": (tesseract_words, "known"), "tesseract auto": (tesseract_words, "auto")}
    if args.rapidocr:
        readers["rapidocr"] = (rapidocr_words, "auto")
    print(f"OCR of {len(pages)} A4 pages scanned at 150 dpi (load average {os.getloadavg()[0]:.1f}):")
    report: dict = {"pages": [p[0] for p in pages], "ocr": measure(readers, pages),
                    "load_average_1m": round(os.getloadavg()[0], 2)}
    worst = max(row["wall_s_p50"] for row in report["ocr"]["tesseract auto"].values())
    print(f"median s/page (worst condition, auto): {worst:.2f}  target <= {TARGET_S}: "
          f"{verdict(worst, TARGET_S, higher_is_better=False)}")
    if args.eval_limit and (args.eval_dir / "ferd-zugferd24").is_dir():
        print(f"docparse eval --direct --as-scans, ferd-zugferd24, first {args.eval_limit} documents:")
        report["eval"] = scans = eval_scans(args.eval_dir, args.eval_limit)
        gap = max(max(r["header_gap"], r["line_items_gap"]) for k, r in scans.items() if k != "text")
        print(f"largest gap to the text copies: {gap:.3f}  target <= {TARGET_GAP}: "
              f"{verdict(gap, TARGET_GAP, higher_is_better=False)}")
    write_report("ocr-rapidocr" if args.rapidocr else "ocr", report)


if __name__ == "__main__":
    main()
