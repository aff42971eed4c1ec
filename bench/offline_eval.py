"""Measure the offline engine on the shared evaluation set (text-layer PDFs only).

Usage: .venv/bin/python bench/offline_eval.py [--eval-dir ../shared/eval] [--verbose]

For every set directory (one with docs/ and truth/), each PDF's text layer is read with PyMuPDF and
handed to OfflineEngine; PNG documents are reported as skipped (no OCR here). Scores follow
evals/scoring.py. Writes bench/results/offline_eval.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.schema import ExtractionSchema  # noqa: E402
from documents.textlayer import page_text  # noqa: E402
from evals.scoring import Aggregate, score_document  # noqa: E402
from extraction.engines.offline import OfflineEngine  # noqa: E402
from extraction.pages import DocumentText  # noqa: E402


def load_schema(eval_dir: Path) -> ExtractionSchema:
    body = json.loads((eval_dir / "schema-invoice.json").read_text())
    return ExtractionSchema(fields=body["fields"], language=body.get("language", "auto"))


def run(eval_dir: Path, verbose: bool = False) -> dict:
    import pymupdf

    schema = load_schema(eval_dir)
    engine = OfflineEngine()
    report: dict = {"eval_dir": str(eval_dir), "engine": engine.name, "sets": {}}
    overall = Aggregate()
    for set_dir in sorted(p for p in eval_dir.iterdir() if (p / "docs").is_dir() and (p / "truth").is_dir()):
        manifest = {}
        mpath = set_dir / "manifest.json"
        if mpath.exists():
            m = json.loads(mpath.read_text())
            manifest = {d["id"]: d for d in (m if isinstance(m, list) else m.get("docs", []))}
        agg = Aggregate()
        by_key: dict[str, Aggregate] = {}
        docs, skipped = [], []
        times = []
        for doc_path in sorted((set_dir / "docs").iterdir()):
            tpath = set_dir / "truth" / (doc_path.stem + ".json")
            if not tpath.exists():
                continue
            if doc_path.suffix.lower() != ".pdf":
                skipped.append({"id": doc_path.stem, "reason": "image (no OCR in this benchmark)"})
                continue
            truth = json.loads(tpath.read_text())
            t0 = time.perf_counter()
            with pymupdf.open(doc_path) as pdf:
                pages = [page_text(p, i + 1) for i, p in enumerate(pdf)]
            document = DocumentText(file_name=doc_path.name, pages=pages)
            t1 = time.perf_counter()
            res = engine.extract(schema, document)
            t2 = time.perf_counter()
            times.append((t2 - t1) / max(1, len(pages)))
            sc = score_document(truth, res.result)
            agg.add(sc)
            overall.add(sc)
            ck = manifest.get(doc_path.stem, {}).get("content_key")
            if ck:
                by_key.setdefault(ck, Aggregate()).add(sc)
            wrong = {k: {"truth": truth.get(k), "pred": res.result.get(k)}
                     for k, ok in sc["header"].items() if not ok}
            items = {k: {x: v[x] for x in ("tp", "pred", "truth", "items_truth", "items_pred")}
                     for k, v in sc["items"].items()}
            docs.append({"id": doc_path.stem, "pages": len(pages), "read_s": round(t1 - t0, 4),
                         "extract_s": round(t2 - t1, 4), "wrong": wrong, "items": items})
            if verbose:
                print(f"  {set_dir.name}/{doc_path.stem}: wrong={list(wrong)} items={items}")
        summ = agg.summary()
        summ["skipped"] = skipped
        summ["ms_per_page_extract"] = round(1000 * sum(times) / len(times), 2) if times else None
        summ["documents"] = docs
        if by_key and len(by_key) < summ["docs"]:
            summ["per_content_key"] = {
                k: {"docs": a.docs, "header_accuracy": a.summary()["header_accuracy"],
                    "line_items_f1": a.summary()["line_items"]["f1"]}
                for k, a in sorted(by_key.items())
            }
        report["sets"][set_dir.name] = summ
    report["overall"] = overall.summary()
    return report


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "offline_eval.json"))
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    eval_dir = Path(args.eval_dir)
    if not (eval_dir / "schema-invoice.json").exists():
        print(f"no evaluation set at {eval_dir}: skipped")
        return 0
    report = run(eval_dir, args.verbose)
    for name, s in list(report["sets"].items()) + [("OVERALL", report["overall"])]:
        li = s["line_items"]
        print(f"\n== {name}: {s['docs']} docs scored"
              + (f", {len(s['skipped'])} skipped (images)" if s.get("skipped") else "")
              + (f", {s['ms_per_page_extract']} ms/page" if s.get("ms_per_page_extract") else ""))
        for k, v in s["per_field_accuracy"].items():
            print(f"   {k:24s} {v:6.3f}  (n={s['per_field_count'][k]})")
        print(f"   header accuracy (mean over fields) {s['header_accuracy']}"
              f"   micro {s['header_accuracy_micro']}")
        print(f"   line items P={li['precision']} R={li['recall']} F1={li['f1']}"
              f"  (tp={li['tp']} pred={li['pred']} truth={li['truth']})")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
