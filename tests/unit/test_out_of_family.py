"""The out-of-family protocol (evals/out_of_family, `docparse eval --by-family`) on a small
generated set: every family reported, its values scored by a model that never saw it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from core.schema import ExtractionSchema
from evals import out_of_family as oof
from evals.corpus import families, list_docs, read_all
from evals.synth import schema_invoice, write_set

SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def test_families_of_generated_and_shared_style_manifests(tmp_path):
    write_set(tmp_path / "g", count=6, seed=3, n_families=3)
    fam = families(tmp_path / "g")
    assert sorted(set(fam.values())) == ["synth-00", "synth-01", "synth-02"]
    shared = tmp_path / "shared-set"
    shared.mkdir()
    (shared / "manifest.json").write_text(json.dumps([
        {"id": "a", "content_key": "Lieferant GmbH|471102|529.87"},
        {"id": "b", "content_key": "LIEFERANT GMBH|471113|23.54"},
        {"id": "c", "content_key": "None|#BLR_1|319"}, {"id": "c-png", "content_key": "None|#BLR_1|319"}]))
    f = families(shared)
    assert f["a"] == f["b"] == "shared-set:lieferantgmbh"  # one vendor, one family
    assert f["c"] == f["c-png"] != f["a"]  # no seller: the document and its copy


def test_leave_one_family_out_never_scores_a_family_with_its_own_fit(tmp_path, monkeypatch):
    write_set(tmp_path / "g", count=16, seed=4, n_families=4)
    docs = list_docs(tmp_path / "g", group="synth")
    read_all(docs, SCHEMA)
    rows = oof.assess_corpus(docs, SCHEMA)
    seen: list[tuple[str, set[str]]] = []
    real_fit = oof.fit_on

    def spy(rest, engine="offline"):
        seen.append(("fit", {r["doc"].family for r in rest}))
        return real_fit(rest, engine)

    monkeypatch.setattr(oof, "fit_on", spy)
    oof.leave_one_family_out(rows)
    assert len(seen) == 4
    held = sorted({r["doc"].family for r in rows})
    for fam, (_, trained_on) in zip(held, seen):
        assert fam not in trained_on and len(trained_on) == 3
    rep = oof.report(rows, SCHEMA)
    assert set(rep["families"]) == set(held) and list(rep["groups"]) == ["synth"]
    g = rep["groups"]["synth"]
    for k in ("header_accuracy", "line_items", "precision_at_threshold", "review_files", "ece",
              "high_confidence_accuracy", "accepted_values"):
        assert k in g, k
    assert 0 <= g["ece"] <= 1 and 0 <= g["review_files"] <= 1
    assert "out of family" in oof.format_report(rep)


def test_ece_of_perfectly_and_badly_calibrated_values():
    assert oof.ece([(0.9, True)] * 9 + [(0.9, False)]) == 0.0
    assert oof.ece([(0.95, False)] * 10) == 0.95


def test_docparse_eval_by_family(tmp_path):
    write_set(tmp_path / "g", count=8, seed=5, n_families=2, schema=schema_invoice())
    out = tmp_path / "fam.json"
    res = CliRunner().invoke(app, ["eval", str(tmp_path / "g"), "--by-family", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "per family" in res.output and "synth-01" in res.output
    rep = json.loads(out.read_text())
    assert set(rep["families"]) == {"synth-00", "synth-01"} and rep["all"]["docs"] == 8
