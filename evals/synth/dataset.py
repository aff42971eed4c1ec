"""Synthetic documents and evaluation sets in the format of ../shared/eval.

    doc = make_document(seed=7, index=3)          # one document: PDF bytes, truth, family, ...
    write_set(Path("out"), count=240, seed=7)    # out/docs, out/truth, out/manifest.json, ...

A set holds ``docs/<id>.pdf`` (or .jpg/.png scans), ``truth/<id>.json`` (keys of the shared
invoice schema; null where the document does not carry the field), ``manifest.json`` (per document:
family = template id, locale, pages, kind, what is printed where, what is only inferred, scan
parameters) and ``GENERATOR.json`` (version, seed, count, families). Document i belongs to family
i mod families, so every family has documents and a family can be held out whole.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.synth.canvas import Printed
from evals.synth.content import make_invoice, truth_of
from evals.synth.families import Family, draw_families
from evals.synth.render import render
from evals.synth.scan import DEFAULT_PROFILE, draw_params, scan_pdf, scan_record

# Bump when the same seed would give other documents: results of a version are comparable only to
# themselves. Frozen settings of the development set: see evals/synth/__init__.py.
GENERATOR_VERSION = "1"
DERIVABLE = ("document_type_code", "currency", "amount_due")  # may be inferred rather than printed


@dataclass
class SynthDoc:
    id: str
    family: Family
    pdf: bytes
    truth: dict[str, Any]
    printed: list[Printed]
    derived: list[str]  # truth keys not printed on the page, only inferable
    pages: int
    scan: dict[str, Any] | None = None
    suffix: str = ".pdf"
    data: bytes = b""
    meta: dict[str, Any] = field(default_factory=dict)


def _pages(pdf: bytes) -> int:
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as d:
        return d.page_count


def make_document(seed: int, index: int, families: list[Family] | None = None, n_families: int = 24,
                  scans: bool = False, scan_profile: str = DEFAULT_PROFILE) -> SynthDoc:
    """Document ``index`` of the set drawn with ``seed`` (as a scan when ``scans``, damaged the
    ``scan_profile`` way: evals.synth.scan)."""
    fams = families or draw_families(seed, n_families)
    fam = fams[index % len(fams)]
    rnd = random.Random(f"doc-{GENERATOR_VERSION}-{seed}-{index}")
    inv = make_invoice(rnd, fam.loc, fam.opts)
    pdf, printed = render(fam, inv)
    truth = truth_of(inv)
    paths = {p.path for p in printed}
    if "seller_vat_id" not in paths:
        truth["seller_vat_id"] = None  # the template does not print it
    derived = [k for k in DERIVABLE if k not in paths and truth.get(k) is not None]
    doc = SynthDoc(id=f"{fam.template_id}-{index:04d}", family=fam, pdf=pdf, truth=truth, printed=printed,
                   derived=derived, pages=_pages(pdf), data=pdf)
    if scans:
        p = draw_params(random.Random(f"scan-{seed}-{index}"), doc.pages, scan_profile)
        doc.data, doc.suffix = scan_pdf(pdf, p, seed * 100003 + index)
        doc.scan = scan_record(p, scan_profile)
    return doc


def manifest_entry(doc: SynthDoc, seed: int) -> dict[str, Any]:
    where: dict[str, list[Any]] = {}
    for p in doc.printed:
        where.setdefault(p.path, [p.page, p.text])  # the first place it is printed
    return {
        "id": doc.id, "file": f"docs/{doc.id}{doc.suffix}", "source": "synth",
        "source_repo": "docparse evals/synth", "generator_version": GENERATOR_VERSION, "seed": seed,
        "family": doc.family.template_id, "locale": doc.family.locale, "pages": doc.pages,
        "kind": "pdf-text" if doc.scan is None else f"scan-{doc.suffix.lstrip('.')}",
        "text_layer": doc.scan is None, "sha256": hashlib.sha256(doc.data).hexdigest(),
        "content_key": f"{doc.truth['seller_name']}|{doc.truth['invoice_number']}|{doc.truth['total_amount']}",
        "document_type_code": doc.truth["document_type_code"],
        "printed": where, "derived": doc.derived, **({"scan": doc.scan} if doc.scan else {}),
    }


def write_set(out: Path, *, count: int, seed: int, n_families: int = 24, scans: bool = False,
              schema: dict[str, Any] | None = None, scan_profile: str = DEFAULT_PROFILE) -> dict[str, Any]:
    """Writes ``count`` documents to ``out`` (docs/, truth/, manifest.json, GENERATOR.json and the
    schema as schema-invoice.json); returns what GENERATOR.json says."""
    t0 = time.perf_counter()
    out = Path(out)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    fams = draw_families(seed, n_families)
    manifest = []
    for i in range(count):
        doc = make_document(seed, i, fams, scans=scans, scan_profile=scan_profile)
        (out / "docs" / f"{doc.id}{doc.suffix}").write_bytes(doc.data)
        (out / "truth" / f"{doc.id}.json").write_text(json.dumps(doc.truth, ensure_ascii=False, indent=1))
        manifest.append(manifest_entry(doc, seed))
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    if schema is not None:
        (out / "schema-invoice.json").write_text(json.dumps(schema, ensure_ascii=False, indent=1))
    info = {"generator_version": GENERATOR_VERSION, "seed": seed, "count": count, "families": n_families,
            "scans": scans, **({"scan_profile": scan_profile} if scans else {}), "family_templates": [f.describe() for f in fams],
            "seconds": round(time.perf_counter() - t0, 2)}
    (out / "GENERATOR.json").write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str))
    return info
