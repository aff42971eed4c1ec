"""The independent hold-out generator (evals/holdout): seeded, exact truth printed on the page,
two groups of families, and the measurement with the shipped confidence."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pymupdf
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.schema import ExtractionSchema
from evals.holdout import FAMILIES, FROZEN, documents, families_of, make_document, write_set
from evals.holdout.formats import LOCALES, day, money, number
from evals.holdout.measure import measure
from evals.scoring import values_equal
from evals.synth import schema_invoice


def _texts(pdf: bytes) -> list[str]:
    with pymupdf.open(stream=pdf, filetype="pdf") as d:
        return [" ".join(p.get_text().split()) for p in d]


def test_the_same_seed_gives_the_same_documents_and_another_seed_others():
    for fam in FAMILIES:
        a, b = make_document(5, fam, 1), make_document(5, fam, 1)
        assert a.pdf == b.pdf and a.truth == b.truth, fam.id
        c = make_document(6, fam, 1)
        assert (c.truth["invoice_number"], c.truth["total_amount"]) != (a.truth["invoice_number"], a.truth["total_amount"])
    s1, s2 = make_document(5, FAMILIES[0], 2, scans=True), make_document(5, FAMILIES[0], 2, scans=True)
    assert s1.data == s2.data and s1.scan == s2.scan and s1.truth == make_document(5, FAMILIES[0], 2).truth


def test_every_truth_value_is_printed_where_recorded_and_the_arithmetic_holds():
    for fam in FAMILIES:
        for k in range(3):  # three documents a family (42 in all)
            doc = make_document(3, fam, k)
            texts = _texts(doc.pdf)
            assert len(texts) == doc.pages
            where = {}
            for p in doc.printed:
                assert " ".join(p.text.split()) in texts[p.page - 1], (doc.id, p)
                where.setdefault(p.path, p.text)
            t = doc.truth
            for key, value in t.items():
                if key == "line_items" or value is None:
                    continue
                assert key in where or key in doc.derived, (doc.id, key)
                if key.endswith("_date") and key in where:  # the printed date is the truth's date
                    assert str(date.fromisoformat(value).year) in where[key], (doc.id, key)
            assert t["line_items"], doc.id
            for n, item in enumerate(t["line_items"]):
                assert set(item) == set(fam.item_keys)
                for k2 in item:
                    assert f"line_items[{n}].{k2}" in where, (doc.id, n, k2)
            assert t["document_type_code"] in ("380", "381") and t["currency"] in ("USD", "GBP", "AUD", "EUR", "CHF")
            assert values_equal("x", t["subtotal_amount"] + t["tax_amount"], t["total_amount"])
            assert 0 < t["amount_due"] <= t["total_amount"] and t["subtotal_amount"] > 0  # credit notes positive
            items = sum(Decimal(str(i["amount"])) for i in t["line_items"])
            assert items >= Decimal(str(t["subtotal_amount"]))  # equal unless a document discount


def test_two_groups_of_families_over_many_countries_and_layouts():
    a, b = families_of("A"), families_of("B")
    assert len(a) == 6 and len(b) >= 6 and len(FAMILIES) == len(a) + len(b) >= 12
    assert len({f.id for f in FAMILIES}) == len(FAMILIES)
    assert {LOCALES[f.locale].lang for f in FAMILIES} >= {"en", "fr", "de", "es", "it", "nl"}
    assert {LOCALES[f.locale].lang for f in b} >= {"en", "de", "es", "it", "fr"}
    docs = list(documents(len(FAMILIES) * 3, 13))  # 42 documents: each property below turns up in them
    assert any(d.pages > 1 for d in docs) and any(d.truth["document_type_code"] == "381" for d in docs)
    assert any(d.truth["seller_vat_id"] is None for d in docs) and any(d.truth["purchase_order_number"] for d in docs)
    assert any("tax_amount" in d.derived for d in docs) and any("amount_due" not in d.derived for d in docs)
    import evals.holdout.families.group_b_en as ben
    import evals.holdout.families.group_b_eu as beu
    assert "SEALED" in (ben.__doc__ or "") and "SEALED" in (beu.__doc__ or "")


def test_numbers_money_and_dates_the_countrys_way():
    d = date(2025, 3, 1)
    assert money(Decimal("1234.5"), LOCALES["en-US"]) == "$1,234.50"
    assert money(Decimal("1234.5"), LOCALES["de-DE"]) == "1.234,50 €"
    assert money(Decimal("-120"), LOCALES["nl-NL"]) == "-€ 120,00"
    assert money(Decimal("1234.5"), LOCALES["fr-FR"]) == "1\u00a0234,50 €"
    assert number(Decimal("1234.5"), LOCALES["de-CH"]) == "1'234.50"
    assert number(Decimal("7.50"), LOCALES["de-DE"], places=-1) == "7,5"
    assert day(d, "{Mon} {d}, {yyyy}", LOCALES["en-US"]) == "Mar 1, 2025"
    assert day(d, "{d1} {month} {yyyy}", LOCALES["fr-FR"]) == "1er mars 2025"
    assert day(d, "{d}. {Month} {yyyy}", LOCALES["de-DE"]) == "1. März 2025"
    assert day(d, "{Month} {ord}, {yyyy}", LOCALES["en-US"]) == "March 1st, 2025"


def test_a_set_of_one_group_holds_the_same_documents_as_the_full_set(tmp_path):
    write_set(tmp_path / "a", count=len(families_of("A")), seed=4, groups="A")
    write_set(tmp_path / "ab", count=len(FAMILIES), seed=4)
    ma = json.loads((tmp_path / "a" / "manifest.json").read_text())
    mab = json.loads((tmp_path / "ab" / "manifest.json").read_text())
    assert {m["group"] for m in ma} == {"A"} and {m["group"] for m in mab} == {"A", "B"}
    same = {m["id"]: m["sha256"] for m in mab}
    assert all(same[m["id"]] == m["sha256"] for m in ma)


@pytest.mark.parametrize("scans", [False, True])
def test_docparse_synth_generator_holdout_writes_a_set(tmp_path, scans):
    out = tmp_path / "set"
    res = CliRunner().invoke(app, ["synth", str(out), "--generator", "holdout", "--count", "3", "--seed", "2",
                                   "--groups", "B", *(["--scans"] if scans else [])])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest) == 3 and {m["group"] for m in manifest} == {"B"}
    assert len({m["family"] for m in manifest}) == 3
    assert all((out / m["file"]).exists() and (out / "truth" / f"{m['id']}.json").exists() for m in manifest)
    info = json.loads((out / "GENERATOR.json").read_text())
    assert info["generator"] == "holdout" and info["seed"] == 2 and info["fonts"]
    assert (out / "schema-invoice.json").exists()
    assert all(m["text_layer"] is (not scans) for m in manifest)
    bad = CliRunner().invoke(app, ["synth", str(tmp_path / "x"), "--generator", "holdout", "--groups", "C"])
    assert bad.exit_code == 2 and "--groups" in bad.output


def test_measure_reports_groups_with_the_shipped_confidence_and_opens_only_group_a(tmp_path):
    d = tmp_path / "set"
    write_set(d, count=len(FAMILIES), seed=FROZEN.seed + 100, schema=schema_invoice())
    body = schema_invoice()
    rep = measure([(d, "text")], ExtractionSchema(fields=body["fields"], language="auto"))
    assert set(rep["groups"]) == {"A-text", "B-text"}
    for m in rep["groups"].values():
        assert m["docs"] > 0 and 0 <= m["header_accuracy"] <= 1 and m["ece"] is not None
        assert m["precision_at_threshold"] is not None and m["review_files"] is not None
    assert len(rep["families"]) == len(FAMILIES)
    assert rep["open_documents"] and all(o["family"].startswith("A") for o in rep["open_documents"])
    assert rep["confidence"].startswith("shipped")
