"""A measuring corpus: documents of evaluation sets read in-process, grouped by layout family.

For the out-of-family protocol (evals.out_of_family) and the confidence fit (evals.calibrate):
every document's words (text layer or OCR, as the worker reads them), the engine's raw reading and
its layout family:

* a generated set's manifest names each document's ``family`` (its template id);
* a shared set's family is its source set plus the seller part of the manifest's ``content_key``
  (near-duplicates and one vendor's documents stay together); a document without a seller there is
  a family of its own content key (its ``-png`` copy joins it).

OCR is the slow part, so page words can be kept in a cache directory keyed by the file's hash and
the source of the page-reading code (documents/): a change there reads the pages again.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from core.schema import ExtractionSchema
from extraction.pages import DocumentText, PageText
from extraction.result import RawResult

DOC_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


@dataclass
class CorpusDoc:
    id: str  # <set>/<doc id>
    group: str  # what it is reported under: a set name, "shared", "synth", "synth-scans"
    family: str
    path: Path
    truth: dict[str, Any]
    document: DocumentText | None = None
    raw: RawResult | None = None
    error: str | None = None
    ocr_pages: int = 0
    ocr_s: float = 0.0
    extract_s: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


def _norm_family(s: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", s.casefold())


def families(set_dir: Path) -> dict[str, str]:
    """doc id -> layout family (see the module docstring); {} without a manifest."""
    mpath = set_dir / "manifest.json"
    if not mpath.exists():
        return {}
    m = json.loads(mpath.read_text())
    docs = m if isinstance(m, list) else m.get("docs", [])
    out = {}
    for d in docs:
        if not isinstance(d, dict) or not d.get("id"):
            continue
        if d.get("family"):
            out[d["id"]] = str(d["family"])
            continue
        key = str(d.get("content_key") or d["id"])
        seller = key.split("|", 1)[0]
        part = seller if seller and seller != "None" else key
        out[d["id"]] = f"{set_dir.name}:{_norm_family(part)[:40] or d['id']}"
    return out


def list_docs(set_dir: Path, group: str | None = None, limit: int | None = None) -> list[CorpusDoc]:
    """The documents of a set that have a truth file, with their families."""
    fam = families(set_dir)
    docs_dir, truth_dir = set_dir / "docs", set_dir / "truth"
    out = []
    for p in sorted(docs_dir.iterdir()) if docs_dir.is_dir() else []:
        t = truth_dir / (p.stem + ".json")
        if p.suffix.lower() not in DOC_SUFFIXES or not t.exists():
            continue
        out.append(CorpusDoc(id=f"{set_dir.name}/{p.stem}", group=group or set_dir.name,
                             family=fam.get(p.stem, f"{set_dir.name}:{p.stem}"), path=p,
                             truth=json.loads(t.read_text())))
        if limit and len(out) >= limit:
            break
    return out


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A hash of the page-reading code: cached words are valid while it does not change."""
    root = Path(__file__).resolve().parents[1] / "documents"
    h = hashlib.sha256()
    for p in sorted(root.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def read_pages(path: Path, *, render_dpi: int = 110, cache: Path | None = None
               ) -> tuple[DocumentText, int, float]:
    """A document's words as the worker reads them: (document, OCR'd pages, OCR seconds)."""
    data = path.read_bytes()
    key = None
    if cache is not None:
        key = cache / f"{hashlib.sha256(data).hexdigest()[:32]}-{reader_version()}.json"
        if key.exists():
            c = json.loads(key.read_text())
            return DocumentText.model_validate(c["document"]), c["ocr_pages"], c["ocr_s"]
    import pymupdf

    from documents.kinds import sniff_kind
    from documents.pages import render_pages

    kind = sniff_kind(data[:1024])
    if kind is None:
        raise ValueError("not a supported document type")
    with pymupdf.open(str(path), filetype=kind) as d:
        n = d.page_count
    pages: list[PageText] = []
    ocr_pages, ocr_s = 0, 0.0
    for i in range(n):
        t0 = time.perf_counter()
        (rendered,) = render_pages(path, kind=kind, start=i, stop=i + 1, dpi=render_dpi, images=False)
        words_json = rendered.words_json
        assert words_json is not None  # words are always asked for here
        page = PageText.model_validate_json(words_json)
        if page.source == "ocr" or kind != "pdf":
            ocr_pages += 1
            ocr_s += time.perf_counter() - t0
        pages.append(page)
    document = DocumentText(file_name=path.name, pages=pages)
    if key is not None:
        key.parent.mkdir(parents=True, exist_ok=True)
        key.write_text(json.dumps({"document": document.model_dump(), "ocr_pages": ocr_pages, "ocr_s": ocr_s}))
    return document, ocr_pages, ocr_s


def read_all(docs: list[CorpusDoc], schema: ExtractionSchema, *, engine: str = "offline",
             cache: Path | None = None, progress: Callable[[str], None] | None = None) -> None:
    """Fills every document's words and the engine's raw reading (an embedded e-invoice first, as
    the worker does); a document that fails keeps its error."""
    from documents.attachments import find_einvoice_xml
    from extraction.engines.registry import engine_by_name, read_locally

    eng = engine_by_name(engine)
    for n, d in enumerate(docs):
        try:
            d.document, d.ocr_pages, d.ocr_s = read_pages(d.path, cache=cache)
            t0 = time.perf_counter()
            found = find_einvoice_xml(d.path) if d.path.suffix.lower() == ".pdf" else None
            d.raw = read_locally(schema, d.document, found[1] if found else None, fallback=eng)
            d.extract_s = time.perf_counter() - t0
        except Exception as e:  # one bad document must not stop the measurement
            d.error = f"{type(e).__name__}: {e}"
        if progress and (n % 25 == 24 or n == len(docs) - 1):
            progress(f"read {n + 1}/{len(docs)} documents")
