"""Hold-out documents and evaluation sets in the format `docparse eval` reads.

    doc = make_document(seed=13, family=FAMILIES[2], k=0)     # PDF bytes, truth, where printed
    write_set(Path("out"), count=140, seed=13)               # out/docs, truth, manifest.json ...

A set holds ``docs/<id>.pdf`` (scans: .pdf, .jpg or .png), ``truth/<id>.json`` (every key of the
shared invoice schema; null where the document does not carry the field; a line item has the keys
its table prints), ``manifest.json`` (per document: ``family`` = template id, ``group`` A or B,
locale, pages, what is printed where, what is only inferable, scan parameters) and
``GENERATOR.json``. Document i of a set is the (i // F)-th document of family i mod F, and its
content depends only on (seed, family, that ordinal): a set of one group holds the same documents
as the same family's documents in a set of both.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.holdout.content import make_invoice, truth_of
from evals.holdout.families import FAMILIES, Family
from evals.holdout.sheet import Printed, fonts_used
from evals.synth.scan import DEFAULT_PROFILE

# Bump when the same seed would give other documents.
GENERATOR_VERSION = "1"
DERIVABLE = ("document_type_code", "currency", "amount_due", "tax_amount")  # may be only inferable
OPTIONAL = ("seller_vat_id", "purchase_order_number", "due_date")  # a layout may not print them


@dataclass
class HoldoutDoc:
    id: str
    family: Family
    pdf: bytes
    truth: dict[str, Any]
    printed: list[Printed]
    derived: list[str]
    pages: int
    data: bytes
    suffix: str = ".pdf"
    scan: dict[str, Any] | None = None


def families_of(groups: str = "AB") -> list[Family]:
    return [f for f in FAMILIES if f.group in groups]


def make_document(seed: int, family: Family, k: int, *, scans: bool = False,
                  scan_profile: str = DEFAULT_PROFILE) -> HoldoutDoc:
    """The k-th document of ``family`` under ``seed`` (a scanned-looking copy when ``scans``,
    damaged the ``scan_profile`` way: evals.synth.scan)."""
    rnd = random.Random(f"holdout-{GENERATOR_VERSION}-{seed}-{family.id}-{k}")
    inv = make_invoice(rnd, family.spec)
    sheet = family.draw(inv, rnd)
    printed = list(sheet.printed)
    pages = sheet.doc.page_count
    pdf = sheet.finish()
    truth = truth_of(inv, items_keys=family.item_keys)
    paths = {p.path for p in printed}
    derived = []
    for key, value in truth.items():
        if key == "line_items" or value is None or key in paths:
            continue
        if key in OPTIONAL:
            truth[key] = None  # this layout does not carry it
        elif key in DERIVABLE:
            derived.append(key)
        else:
            raise AssertionError(f"{family.id}: {key} is not printed")
    assert "amount_due" not in derived or inv.amount_due == inv.total, family.id
    assert "tax_amount" not in derived or len(inv.taxes) > 1, family.id
    for n, item in enumerate(truth["line_items"]):
        missing = [k for k in item if f"line_items[{n}].{k}" not in paths]
        assert not missing, (family.id, n, missing)
    doc = HoldoutDoc(id=f"{family.id}-{k:03d}", family=family, pdf=pdf, truth=truth, printed=printed,
                     derived=derived, pages=pages, data=pdf)
    if scans:
        from evals.synth.scan import draw_params, scan_pdf, scan_record

        p = draw_params(random.Random(f"holdout-scan-{seed}-{family.id}-{k}"), pages, scan_profile)
        doc.data, doc.suffix = scan_pdf(pdf, p, seed * 100003 + k * 131 + FAMILIES.index(family))
        doc.scan = scan_record(p, scan_profile)
    return doc


def documents(count: int, seed: int, groups: str = "AB", scans: bool = False,
              scan_profile: str = DEFAULT_PROFILE):
    fams = families_of(groups)
    for i in range(count):
        yield make_document(seed, fams[i % len(fams)], i // len(fams), scans=scans, scan_profile=scan_profile)


def manifest_entry(doc: HoldoutDoc, seed: int) -> dict[str, Any]:
    where: dict[str, list[Any]] = {}
    for p in doc.printed:
        where.setdefault(p.path, [p.page, p.text])
    t = doc.truth
    return {
        "id": doc.id, "file": f"docs/{doc.id}{doc.suffix}", "source": "holdout",
        "source_repo": "docparse evals/holdout", "generator_version": GENERATOR_VERSION, "seed": seed,
        "family": doc.family.id, "group": doc.family.group, "locale": doc.family.locale, "pages": doc.pages,
        "kind": "pdf-text" if doc.scan is None else f"scan-{doc.suffix.lstrip('.')}",
        "text_layer": doc.scan is None, "sha256": hashlib.sha256(doc.data).hexdigest(),
        "content_key": f"{t['seller_name']}|{t['invoice_number']}|{t['total_amount']}",
        "document_type_code": t["document_type_code"], "printed": where, "derived": doc.derived,
        **({"scan": doc.scan} if doc.scan else {}),
    }


def write_set(out: Path, *, count: int, seed: int, groups: str = "AB", scans: bool = False,
              schema: dict[str, Any] | None = None, scan_profile: str = DEFAULT_PROFILE) -> dict[str, Any]:
    """Writes ``count`` documents (families of ``groups`` in turn) to ``out``, scans damaged the
    ``scan_profile`` way (evals.synth.scan); returns GENERATOR.json."""
    t0 = time.perf_counter()
    out = Path(out)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    manifest = []
    for doc in documents(count, seed, groups, scans, scan_profile):
        (out / "docs" / f"{doc.id}{doc.suffix}").write_bytes(doc.data)
        (out / "truth" / f"{doc.id}.json").write_text(json.dumps(doc.truth, ensure_ascii=False, indent=1))
        manifest.append(manifest_entry(doc, seed))
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    if schema is not None:
        (out / "schema-invoice.json").write_text(json.dumps(schema, ensure_ascii=False, indent=1))
    fams = families_of(groups)
    info = {"generator": "holdout", "generator_version": GENERATOR_VERSION, "seed": seed, "count": count,
            "groups": groups, "scans": scans, **({"scan_profile": scan_profile} if scans else {}),
            "families": [{"id": f.id, "group": f.group, "locale": f.locale, "about": f.about} for f in fams],
            "fonts": fonts_used(), "seconds": round(time.perf_counter() - t0, 2)}
    (out / "GENERATOR.json").write_text(json.dumps(info, ensure_ascii=False, indent=1))
    return info
