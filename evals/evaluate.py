"""`docparse eval`: run an evaluation set through docparse and score it against its truth.

A set directory holds ``docs/<id>.pdf|png|...`` and ``truth/<id>.json`` (see shared/eval/README.md);
an optional ``manifest.json`` gives a ``content_key`` per document (near-duplicates).

Two ways to run:

* through the real pipeline (default): an extraction is created over the HTTP API, the documents
  are uploaded in batches of at most 30, each batch is polled until it is terminal and every
  file's result is read back;
* ``direct``: in this process, the same steps the worker runs: page preparation
  (documents.pages.render_pages, text layer or OCR), the embedded e-invoice check, then the engine.

``as_scans`` first turns every PDF into an image-only PDF (pages rasterised, no text layer) so the
OCR path is measured with the same truth. Scores follow evals.scoring.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.schema import ExtractionSchema
from evals.scoring import Aggregate, score_document

DOC_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
MAX_BATCH = 30
SCAN_DPI = 150
TERMINAL = {"processed", "failed", "needs_review"}


class EvalError(Exception):
    """A problem with the set, the schema or the API that stops the evaluation (message for humans)."""


@dataclass
class DocRun:
    id: str
    path: Path
    truth: dict[str, Any]
    result: dict[str, Any] | None = None
    model_used: str | None = None
    error: str | None = None
    pages: int = 0
    ocr_pages: int = 0
    prepare_s: float = 0.0
    ocr_s: float = 0.0
    extract_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    in_review: bool = False


# ---------------------------------------------------------------------------------------------
# inputs


def default_schema_path(set_dir: Path) -> Path | None:
    """The set's own schema-invoice.json (a generated set carries one), else its parent's."""
    for p in (set_dir / "schema-invoice.json", set_dir.parent / "schema-invoice.json"):
        if p.exists():
            return p
    return None


def load_schema(path: Path) -> tuple[dict[str, Any], ExtractionSchema]:
    """The API body (as POSTed to /v1/extractions) and the parsed schema."""
    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise EvalError(f"cannot read the schema {path}: {e}") from None
    body.setdefault("name", path.stem)
    schema = ExtractionSchema(fields=body["fields"], language=body.get("language", "auto"))
    return body, schema


def list_documents(set_dir: Path, limit: int | None = None) -> list[DocRun]:
    docs_dir, truth_dir = set_dir / "docs", set_dir / "truth"
    if not docs_dir.is_dir() or not truth_dir.is_dir():
        raise EvalError(f"{set_dir} is not an evaluation set (it needs docs/ and truth/)")
    runs = []
    for p in sorted(docs_dir.iterdir()):
        if p.suffix.lower() not in DOC_SUFFIXES:
            continue
        t = truth_dir / (p.stem + ".json")
        if not t.exists():
            continue
        runs.append(DocRun(id=p.stem, path=p, truth=json.loads(t.read_text())))
        if limit and len(runs) >= limit:
            break
    if not runs:
        raise EvalError(f"{set_dir}/docs has no document with a truth file")
    return runs


def content_keys(set_dir: Path) -> dict[str, str]:
    mpath = set_dir / "manifest.json"
    if not mpath.exists():
        return {}
    try:
        m = json.loads(mpath.read_text())
    except ValueError:
        return {}
    docs = m if isinstance(m, list) else m.get("docs", [])
    return {d["id"]: d["content_key"] for d in docs if isinstance(d, dict) and d.get("id") and d.get("content_key")}


@dataclass(frozen=True)
class ScanDamage:
    """What a scanner does to a page, for scanned-looking copies: speckle noise (this share of the
    pixels set to black or white at random), a small skew (degrees, counter-clockwise) and a page
    turned by a multiple of 90 degrees. Seeded: the same document gets the same damage."""

    noise: float = 0.0
    rotate: float = 0.0
    turn: int = 0  # 0, 90, 180, 270
    seed: int = 0

    @property
    def angle(self) -> float:
        return (self.turn + self.rotate) % 360


def _speckle(samples: bytearray, share: float, rng) -> None:
    n = len(samples)
    for _ in range(int(n * share)):
        samples[rng.randrange(n)] = 0 if rng.random() < 0.5 else 255


def scanned_pixmap(page, dpi: int, damage: ScanDamage, rng):
    """A page as a grey scan of it: drawn through a turned matrix (turned about its centre, white
    around it) and speckled; ``rng`` a random.Random."""
    import pymupdf

    mat = pymupdf.Matrix(dpi / 72, dpi / 72).prerotate(damage.angle)
    pix = page.get_pixmap(matrix=mat, colorspace=pymupdf.csGRAY, alpha=False)
    if damage.noise:
        samples = bytearray(pix.samples)
        _speckle(samples, damage.noise, rng)
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pix.width, pix.height, bytes(samples), False)
    return pix


def rasterize_pdf(src: Path, dst: Path, dpi: int = SCAN_DPI, damage: ScanDamage | None = None) -> None:
    """An image-only copy of a PDF: every page a grayscale picture of itself, no text layer
    (with ``damage``: skewed, turned and speckled like a scan)."""
    import random
    import zlib

    import pymupdf

    damage = damage or ScanDamage()
    rng = random.Random(zlib.crc32(f"{src.name}:{damage.seed}".encode()))
    with pymupdf.open(str(src)) as doc, pymupdf.open() as out:
        for page in doc:
            pix = scanned_pixmap(page, dpi, damage, rng)
            new = out.new_page(width=pix.width * 72 / dpi, height=pix.height * 72 / dpi)
            new.insert_image(new.rect, stream=pix.tobytes("png"))
        out.save(str(dst), garbage=3, deflate=True)


def as_scans(runs: list[DocRun], work: Path, dpi: int = SCAN_DPI, damage: ScanDamage | None = None) -> None:
    """Point every PDF run at a rasterised copy (images stay as they are)."""
    work.mkdir(parents=True, exist_ok=True)
    for r in runs:
        if r.path.suffix.lower() == ".pdf":
            dst = work / r.path.name
            rasterize_pdf(r.path, dst, dpi, damage)
            r.path = dst


# ---------------------------------------------------------------------------------------------
# direct: page preparation + e-invoice check + engine, in this process


def run_direct(runs: list[DocRun], schema: ExtractionSchema, engine_name: str = "offline",
               render_dpi: int = 110, progress: Callable[[str], None] | None = None) -> None:
    from documents.attachments import find_einvoice_xml
    from evals.corpus import read_pages
    from extraction.engines.registry import engine_by_name, read_locally

    engine = engine_by_name(engine_name)
    for r in runs:
        try:
            t0 = time.perf_counter()
            document, r.ocr_pages, r.ocr_s = read_pages(r.path, render_dpi=render_dpi)
            r.pages = len(document.pages)
            r.prepare_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            found = find_einvoice_xml(r.path) if r.path.suffix.lower() == ".pdf" else None
            res = read_locally(schema, document, found[1] if found else None, fallback=engine)
            r.extract_s = time.perf_counter() - t1
            r.result, r.model_used = res.result, res.model_used
            r.warnings += res.warnings
            _check_confidence(r, res.confidence)
        except Exception as e:  # one bad document must not stop the evaluation
            r.error = f"{type(e).__name__}: {e}"
        if progress:
            progress(f"{r.id}: {r.pages} page(s), {'error ' + r.error if r.error else 'ok'}")


def _check_confidence(r: DocRun, confidence: dict[str, float]) -> None:
    bad = [k for k, v in confidence.items() if not (0.0 <= v <= 1.0)]
    if bad:
        r.warnings.append(f"confidence outside [0, 1] for {bad[:5]}")


# ---------------------------------------------------------------------------------------------
# through the API


def _err(r) -> str:
    try:
        return r.json().get("error") or r.text
    except ValueError:
        return r.text[:300]


def run_api(runs: list[DocRun], schema_body: dict[str, Any], api_url: str, key: str,
            timeout_s: float = 1800.0, poll_s: float = 0.5, cleanup: bool = True,
            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Uploads, waits, reads every result (a file waiting for review: what the engine extracted);
    with ``cleanup``, then deletes every file it uploaded, so nothing stays in the review queue."""
    import httpx

    mime = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
            ".jpeg": "image/jpeg", ".tif": "image/tiff", ".tiff": "image/tiff"}
    info: dict[str, Any] = {"api": api_url, "batches": []}
    uploaded: list[str] = []
    with httpx.Client(base_url=api_url.rstrip("/"), timeout=120,
                      headers={"Authorization": f"Bearer {key}"}) as http:
        try:
            r = http.post("/v1/extractions", json=schema_body)
        except httpx.HTTPError as e:
            raise EvalError(f"the API at {api_url} cannot be reached ({e}); start it with `docparse up`") from None
        if r.status_code != 201:
            raise EvalError(f"creating the extraction failed ({r.status_code}): {_err(r)}")
        ext = r.json()["extraction"]["id"]
        info["extraction_id"] = ext
        for start in range(0, len(runs), MAX_BATCH):
            chunk = runs[start:start + MAX_BATCH]
            files = [("files", (d.path.name, d.path.read_bytes(), mime.get(d.path.suffix.lower(), "application/octet-stream")))
                     for d in chunk]
            t0 = time.perf_counter()
            r = http.post(f"/v1/extractions/{ext}/batches", files=files,
                          data={"name": f"eval {start // MAX_BATCH + 1}"})
            if r.status_code != 202:
                raise EvalError(f"uploading a batch failed ({r.status_code}): {_err(r)}")
            batch = r.json()["batch"]
            deadline = time.monotonic() + timeout_s
            while True:
                r = http.get(f"/v1/extractions/{ext}/batches/{batch['id']}")
                if r.status_code != 200:
                    raise EvalError(f"reading batch {batch['id']} failed ({r.status_code}): {_err(r)}")
                body = r.json()
                if body["batch"]["status"] in TERMINAL:
                    break
                if time.monotonic() > deadline:
                    raise EvalError(f"batch {batch['id']} was not finished after {timeout_s:.0f} s")
                time.sleep(poll_s)
            wall = time.perf_counter() - t0
            info["batches"].append({"id": batch["id"], "files": len(chunk), "pages": batch.get("page_count"),
                                    "status": body["batch"]["status"], "wall_s": round(wall, 3)})
            for d, f in zip(chunk, body["files"]):
                uploaded.append(f["id"])
                d.pages = f.get("page_count") or 0
                if f["status"] not in ("processed", "needs_review"):
                    d.error = f"file {f['status']}: {f.get('error')}"
                    continue
                rr = http.get(f"/v1/extractions/{ext}/files/{f['id']}/result")
                if rr.status_code == 200:
                    out = rr.json()
                    d.result, d.model_used = out["result"], out.get("model_used")
                    _check_confidence(d, out.get("confidence") or {})
                    continue
                if f["status"] == "needs_review":
                    # the engine's own output waits for a person: score what it extracted
                    rv = http.get(f"/v1/extractions/{ext}/files/{f['id']}/review")
                    if rv.status_code == 200:
                        out = rv.json()
                        d.result = out.get("extracted") or {}
                        d.model_used = out.get("model_used")
                        d.in_review = True
                        _check_confidence(d, out.get("confidence") or {})
                        continue
                    rr = rv
                d.error = f"result {rr.status_code}: {_err(rr)}"
            if progress:
                progress(f"batch {start // MAX_BATCH + 1}: {len(chunk)} files, {body['batch']['status']}, {wall:.1f} s")
        info["pages_charged"] = sum(b.get("pages") or 0 for b in info["batches"])
        if cleanup:
            info["cleanup"] = _delete_files(http, ext, uploaded)
    return info


def _delete_files(http, ext: str, file_ids: list[str]) -> dict[str, Any]:
    """Deletes the evaluation's files (a file waiting for review leaves the queue); a file already
    gone counts as deleted."""
    deleted, failed = 0, []
    for fid in file_ids:
        r = http.delete(f"/v1/extractions/{ext}/files/{fid}")
        if r.status_code in (204, 404):
            deleted += 1
        else:
            failed.append(f"{fid}: {r.status_code} {_err(r)}")
    return {"files_deleted": deleted, "failed": failed}


# ---------------------------------------------------------------------------------------------
# scoring and report


def score(runs: list[DocRun], keys: dict[str, str] | None = None) -> dict[str, Any]:
    agg = Aggregate()
    by_key: dict[str, Aggregate] = {}
    docs = []
    for r in runs:
        pred = r.result or {}
        sc = score_document(r.truth, pred)
        agg.add(sc)
        ck = (keys or {}).get(r.id)
        if ck:
            by_key.setdefault(ck, Aggregate()).add(sc)
        wrong = {k: {"truth": r.truth.get(k), "pred": pred.get(k)} for k, ok in sc["header"].items() if not ok}
        items = {k: {x: v[x] for x in ("tp", "pred", "truth", "items_truth", "items_pred")}
                 for k, v in sc["items"].items()}
        docs.append({"id": r.id, "pages": r.pages, "ocr_pages": r.ocr_pages, "model_used": r.model_used,
                     "error": r.error, "prepare_s": round(r.prepare_s, 4), "ocr_s": round(r.ocr_s, 4),
                     "extract_s": round(r.extract_s, 4), "wrong": wrong, "items": items,
                     **({"warnings": r.warnings} if r.warnings else {})})
    summ = agg.summary()
    summ["errors"] = sum(1 for r in runs if r.error)
    summ["in_review"] = sum(1 for r in runs if r.in_review)
    pages = sum(r.pages for r in runs)
    text_pages = pages - sum(r.ocr_pages for r in runs)
    timings: dict[str, Any] = {"pages": pages}
    if any(r.prepare_s or r.extract_s for r in runs):
        timings["extract_ms_per_page"] = round(1000 * sum(r.extract_s for r in runs) / max(pages, 1), 2)
        text_prep = sum(r.prepare_s - r.ocr_s for r in runs)
        timings["prepare_text_ms_per_page"] = round(1000 * text_prep / text_pages, 2) if text_pages else None
        ocr_pages = sum(r.ocr_pages for r in runs)
        timings["ocr_pages"] = ocr_pages
        timings["ocr_s_per_page"] = round(sum(r.ocr_s for r in runs) / ocr_pages, 3) if ocr_pages else None
    summ["timings"] = timings
    if by_key and len(by_key) < len(runs):
        summ["per_content_key"] = {
            k: {"docs": a.docs, "header_accuracy": a.summary()["header_accuracy"],
                "line_items_f1": a.summary()["line_items"]["f1"]}
            for k, a in sorted(by_key.items())
        }
    summ["documents"] = docs
    return summ


def format_summary(name: str, s: dict[str, Any]) -> str:
    li = s["line_items"]
    t = s.get("timings", {})
    api = s.get("api") or {}
    lines = [f"== {name}: {s['docs']} docs, {t.get('pages', '?')} pages"
             + (f", {s['errors']} failed" if s.get("errors") else "")
        + (f", {s['in_review']} waiting for review (scored as extracted)" if s.get("in_review") else "")]
    for k, v in s["per_field_accuracy"].items():
        lines.append(f"   {k:24s} {v:6.3f}  (n={s['per_field_count'][k]})")
    lines.append(f"   header accuracy {s['header_accuracy']}  (micro {s['header_accuracy_micro']})")
    lines.append(f"   line items P={li['precision']} R={li['recall']} F1={li['f1']}"
                 f"  (tp={li['tp']} pred={li['pred']} truth={li['truth']})")
    if s.get("absent_left_empty"):
        a = s["absent_left_empty"]
        lines.append(f"   fields the documents do not carry, left empty: {a['share']}  {a['per_field']}")
    tl = []
    if t.get("extract_ms_per_page") is not None:
        tl.append(f"extract {t['extract_ms_per_page']} ms/page")
    if t.get("prepare_text_ms_per_page") is not None:
        tl.append(f"text-layer prep {t['prepare_text_ms_per_page']} ms/page")
    if t.get("ocr_pages"):
        tl.append(f"OCR {t['ocr_s_per_page']} s/page ({t['ocr_pages']} pages)")
    if t.get("wall_s") is not None:
        tl.append(f"wall {t['wall_s']} s ({t.get('s_per_page')} s/page through the API)")
    if tl:
        lines.append("   timings: " + ", ".join(tl))
    if api.get("paid_by"):
        c = api.get("cleanup") or {}
        lines.append(f"   {api.get('pages_charged', 0)} pages charged to {api['paid_by']}; "
                     + (f"{c.get('files_deleted', 0)} uploaded files deleted" if c else "files kept (--keep)")
                     + (f", {len(c['failed'])} could not be deleted" if c.get("failed") else ""))
    for d in s["documents"]:
        if d.get("error"):
            lines.append(f"   ! {d['id']}: {d['error']}")
    return "\n".join(lines)


def evaluate(set_dir: Path, *, schema_path: Path | None = None, engine: str = "offline",
             direct: bool = False, scans: bool = False, api_url: str | None = None,
             api_key: str | None = None, data_dir: Path | None = None, limit: int | None = None,
             render_dpi: int = 110, keep: bool = False, damage: ScanDamage | None = None,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Runs the set and returns the report (see format_summary for the printed form). ``damage``
    (with ``scans``): the scanned copies are speckled, skewed or turned (ScanDamage).

    Through the API: without a key, under a throwaway account of the local stack's database
    (evals.eval_account), so the user's account is not charged; with one, that account pays. Either
    way the uploaded files are deleted afterwards unless ``keep``."""
    set_dir = Path(set_dir)
    runs = list_documents(set_dir, limit)
    schema_path = schema_path or default_schema_path(set_dir)
    if schema_path is None:
        raise EvalError(f"no --schema given and no {set_dir.parent / 'schema-invoice.json'}")
    body, schema = load_schema(Path(schema_path))
    report: dict[str, Any] = {
        "set": set_dir.name, "set_dir": str(set_dir), "schema": str(schema_path),
        "mode": "direct" if direct else "api", "as_scans": scans, "engine": engine,
        **({"scan_damage": asdict(damage)} if scans and damage else {}),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with tempfile.TemporaryDirectory(prefix="docparse-eval-") as tmp:
        if scans:
            t = time.perf_counter()
            as_scans(runs, Path(tmp) / "scans", damage=damage)
            report["rasterize_s"] = round(time.perf_counter() - t, 2)
        t0 = time.perf_counter()
        if direct:
            run_direct(runs, schema, engine, render_dpi=render_dpi, progress=progress)
        else:
            report["api"] = _run_api_paid(runs, body, api_url, api_key, data_dir, keep, progress)
        wall = time.perf_counter() - t0
    summ = score(runs, content_keys(set_dir))
    summ["timings"]["wall_s"] = round(wall, 2)
    summ["timings"]["s_per_page"] = round(wall / max(summ["timings"]["pages"], 1), 3)
    models = sorted({r.model_used for r in runs if r.model_used})
    if not models and any(r.in_review for r in runs):
        models = []  # the review view does not name the engine
    report["models_used"] = models
    if not direct and engine != "offline" and models:
        report["note"] = "through the API the server's configured engine runs; --engine applies to --direct"
    report.update(summ)
    return report


def _run_api_paid(runs: list[DocRun], body: dict[str, Any], api_url: str | None, api_key: str | None,
                  data_dir: Path | None, keep: bool, progress: Callable[[str], None] | None) -> dict[str, Any]:
    from core.accounts import default_api_key  # DOCPARSE_API_KEY, else `docparse up`'s dev key
    from evals.eval_account import eval_account, pages_of

    api_url = api_url or os.environ.get("DOCPARSE_API_URL") or "http://127.0.0.1:8000"
    if api_key is None:
        with eval_account(data_dir, pages_of([r.path for r in runs])) as acc:
            if acc is not None:
                try:
                    info = run_api(runs, body, api_url, acc[1], cleanup=not keep, progress=progress)
                except EvalError as e:
                    if "(401)" not in str(e):
                        raise
                    raise EvalError(f"{e}: the API at {api_url} does not use the local stack's database "
                                    "(--data-dir); pass --key") from None
                info["paid_by"] = f"a throwaway evaluation account ({acc[0]}, key revoked afterwards)"
                return info
    api_key = api_key or default_api_key(data_dir)
    if not api_key:
        raise EvalError("no API key: pass --key, set DOCPARSE_API_KEY, or run `docparse up` "
                        "(which writes <data-dir>/dev-api-key)")
    info = run_api(runs, body, api_url, api_key, cleanup=not keep, progress=progress)
    info["paid_by"] = "the key's account (deleting the files does not refund pages)"
    return info


def default_out(set_dir: Path, scans: bool, root: Path | None = None) -> Path:
    root = root or Path(__file__).resolve().parents[1]
    return root / "bench" / "results" / f"eval-{Path(set_dir).name}{'-scans' if scans else ''}.json"


def write_report(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
