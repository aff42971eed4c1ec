"""The synthetic invoice generator (evals/synth): seeded, exact truth, diverse families."""

from __future__ import annotations

import json

import pymupdf
import pytest
from typer.testing import CliRunner

from cli.main import app
from evals.synth import draw_families, make_document, write_set
from evals.synth.locales import LOCALES, format_date, ordinal_en
from evals.synth.vocab import LANGUAGES


def _page_texts(pdf: bytes) -> list[str]:
    with pymupdf.open(stream=pdf, filetype="pdf") as d:
        return [" ".join(p.get_text().split()) for p in d]


def test_the_same_seed_gives_the_same_documents_and_another_seed_others():
    fams = draw_families(5, 8)
    a = [make_document(5, i, fams) for i in range(6)]
    b = [make_document(5, i, draw_families(5, 8)) for i in range(6)]
    assert [d.pdf for d in a] == [d.pdf for d in b]
    assert [d.truth for d in a] == [d.truth for d in b]
    c = [make_document(6, i) for i in range(6)]
    assert [d.truth["invoice_number"] for d in c] != [d.truth["invoice_number"] for d in a]
    # scans are seeded too
    s1, s2 = make_document(5, 1, fams, scans=True), make_document(5, 1, fams, scans=True)
    assert s1.data == s2.data and s1.scan == s2.scan and s1.truth == a[1].truth


def test_every_truth_value_is_printed_on_the_page_the_manifest_names():
    fams = draw_families(3, 12)
    for i in range(36):
        doc = make_document(3, i, fams)
        texts = _page_texts(doc.pdf)
        assert len(texts) == doc.pages
        where = {}
        for p in doc.printed:
            assert " ".join(p.text.split()) in texts[p.page - 1], (doc.id, p)
            where.setdefault(p.path, p)
        for key, value in doc.truth.items():
            if key == "line_items" or value is None:
                continue
            assert key in where or key in doc.derived, (doc.id, key, value)
        for n, item in enumerate(doc.truth["line_items"]):
            for k in item:
                assert f"line_items[{n}].{k}" in where, (doc.id, n, k)
            # the printed amount is the truth's, in the family's number format
        assert doc.truth["document_type_code"] in ("380", "381")
        assert abs(doc.truth["subtotal_amount"] + doc.truth["tax_amount"] - doc.truth["total_amount"]) < 0.005


def test_families_vary_what_real_invoices_vary():
    fams = draw_families(1, 24)
    assert {LOCALES[f.locale].lang for f in fams} >= set(LANGUAGES)
    assert len({f.seller_place for f in fams}) >= 4
    assert len({f.meta_style for f in fams}) >= 3
    assert len({tuple(f.columns) for f in fams}) >= 6
    assert len({f.font for f in fams}) == 3
    assert any(f.buyer_first and f.seller_heading for f in fams)
    assert any(f.return_line for f in fams)
    docs = [make_document(1, i, fams) for i in range(96)]
    assert any(d.pages > 1 for d in docs)
    assert any(d.truth["document_type_code"] == "381" for d in docs)
    assert any(d.truth["purchase_order_number"] is None for d in docs)
    assert any(d.truth["purchase_order_number"] for d in docs)
    assert any("amount_due" in d.derived for d in docs) and any("currency" in d.derived for d in docs)


def test_dates_the_countrys_way():
    from datetime import date

    d = date(2026, 3, 5)
    assert ordinal_en(1) == "1st" and ordinal_en(12) == "12th" and ordinal_en(23) == "23rd"
    us = [format_date(LOCALES["en-US"], d, k) for k in range(6)]
    assert "03/05/2026" in us and "March 5th, 2026" in us and "March 5, 2026" in us
    assert format_date(LOCALES["fr-FR"], date(2026, 3, 1), 1) == "1er mars 2026"
    assert format_date(LOCALES["es-ES"], d, 1) == "5 de marzo de 2026"


@pytest.mark.parametrize("scans", [False, True])
def test_docparse_synth_writes_a_set(tmp_path, scans):
    out = tmp_path / "set"
    res = CliRunner().invoke(app, ["synth", str(out), "--count", "4", "--seed", "2", "--families", "2",
                                   *(["--scans"] if scans else [])])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest) == 4 and {m["family"] for m in manifest} == {"synth-00", "synth-01"}
    assert all((out / m["file"]).exists() and (out / "truth" / f"{m['id']}.json").exists() for m in manifest)
    assert json.loads((out / "GENERATOR.json").read_text())["seed"] == 2
    assert (out / "schema-invoice.json").exists()
    if scans:
        assert all(not m["text_layer"] and m["scan"]["dpi"] == 150 for m in manifest)
        pdfs = [m for m in manifest if m["file"].endswith(".pdf")]
        for m in pdfs:
            with pymupdf.open(out / m["file"]) as d:
                assert not d[0].get_text().strip()  # image only
    res = CliRunner().invoke(app, ["synth", str(out), "--count", "1"])
    assert res.exit_code == 2 and "not empty" in res.output


def test_write_set_records_generator_and_families(tmp_path):
    info = write_set(tmp_path / "s", count=30, seed=9, n_families=6)
    assert info["count"] == 30 and len(info["family_templates"]) == 6
