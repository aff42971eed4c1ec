"""`docparse eval`: a set through the real pipeline (API, Temporal, S3, worker) and in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.support.invoices import make_invoice, schema_invoice

EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval"
# A small subset of the shared evaluation set (text PDFs; German, Dutch and English layouts).
SUBSET = {"ferd-zugferd24": ["EN16931_Einfach", "EN16931_Rabatte", "XRECHNUNG_Reisekostenabrechnung"],
          "invoice2data": ["coolblue1", "AzureInterior"]}


def _eval(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["eval", *args])
    return res.exit_code, res.output + (str(res.exception) if res.exception and res.exit_code else "")


def _generated_set(root: Path, specs: list[tuple[int, str, int]]) -> Path:
    set_dir = root / "generated"
    (set_dir / "docs").mkdir(parents=True)
    (set_dir / "truth").mkdir()
    for seed, lang, n in specs:
        pdf, truth = make_invoice(seed=seed, language=lang, n_items=n)
        (set_dir / "docs" / f"{lang}-{seed}.pdf").write_bytes(pdf)
        (set_dir / "truth" / f"{lang}-{seed}.json").write_text(json.dumps(truth))
    (root / "schema-invoice.json").write_text(json.dumps(schema_invoice()))
    return set_dir


@pytest.fixture(scope="module")
def api(sqlite_stack):
    return sqlite_stack.base_url, sqlite_stack.create_key(pages=10_000)


def test_eval_shared_subset_through_the_api(api, tmp_path):
    if not (EVAL / "schema-invoice.json").exists():
        pytest.skip("../shared/eval is not present")
    set_dir = tmp_path / "subset"
    (set_dir / "docs").mkdir(parents=True)
    (set_dir / "truth").mkdir()
    for name, ids in SUBSET.items():
        for doc_id in ids:
            (set_dir / "docs" / f"{doc_id}.pdf").symlink_to(EVAL / name / "docs" / f"{doc_id}.pdf")
            (set_dir / "truth" / f"{doc_id}.json").symlink_to(EVAL / name / "truth" / f"{doc_id}.json")
    out = tmp_path / "report.json"
    url, key = api
    code, output = _eval(str(set_dir), "--schema", str(EVAL / "schema-invoice.json"),
                         "--api", url, "--key", key, "--out", str(out), "-q")
    assert code == 0, output
    assert "header accuracy" in output and "line items P=" in output
    report = json.loads(out.read_text())
    assert report["mode"] == "api" and report["docs"] == 5 and report["errors"] == 0
    # measured 1.0 / 1.0 on this subset: floors leave room for harmless changes
    assert report["header_accuracy"] >= 0.85, report["per_field_accuracy"]
    assert report["line_items"]["f1"] >= 0.85, report["line_items"]
    assert all(m.startswith("docparse-offline") for m in report["models_used"])


def test_eval_generated_set_through_the_api(api, tmp_path):
    set_dir = _generated_set(tmp_path, [(11, "en", 4), (12, "de", 6), (13, "fr", 3), (14, "en", 30)])
    out = tmp_path / "gen.json"
    url, key = api
    code, output = _eval(str(set_dir), "--api", url, "--key", key, "--out", str(out))  # schema: ../schema-invoice.json
    assert code == 0, output
    report = json.loads(out.read_text())
    assert report["docs"] == 4 and report["errors"] == 0
    assert report["header_accuracy"] >= 0.9, report["per_field_accuracy"]
    assert report["line_items"]["f1"] >= 0.9, report["line_items"]
    assert report["timings"]["pages"] >= 5 and report["api"]["batches"]


def _files_and_pages(stack, extraction_id: str) -> tuple[list, dict[str, int]]:
    """The extraction's file rows, and pages used per account name."""
    from sqlmodel import select

    from core.db import init_db, session_scope
    from core.models import Account, FileRecord

    with session_scope(init_db(stack.settings)) as session:
        files = session.exec(select(FileRecord).where(FileRecord.extraction_id == extraction_id)).all()
        used = {a.name: a.pages_used for a in session.exec(select(Account)).all()}
    return list(files), used


def test_eval_through_the_api_cleans_up_and_charges_no_real_account(sqlite_stack, tmp_path, monkeypatch):
    """Without a key, against the local stack: a throwaway account pays (key revoked afterwards), the
    user's dev account is not charged, and every uploaded file is deleted, also those that waited
    for review (this schema sends every file to review)."""
    from sqlmodel import select

    from core.accounts import ensure_dev_key, find_key
    from core.db import init_db, session_scope
    from core.models import ApiKey

    monkeypatch.delenv("DOCPARSE_API_KEY", raising=False)
    settings = sqlite_stack.settings
    ensure_dev_key(settings)  # what `docparse up` leaves in the data dir
    set_dir = _generated_set(tmp_path, [(41, "en", 3), (42, "de", 4)])
    (tmp_path / "schema-invoice.json").write_text(json.dumps({**schema_invoice(), "review_threshold": 1.0}))
    _, before = _files_and_pages(sqlite_stack, "none")
    out = tmp_path / "paid.json"
    code, output = _eval(str(set_dir), "--api", sqlite_stack.base_url, "--data-dir", str(settings.data_dir),
                         "--out", str(out), "-q")
    assert code == 0, output
    report = json.loads(out.read_text())
    assert report["in_review"] == 2 and report["errors"] == 0  # scored as extracted
    api = report["api"]
    assert "throwaway" in api["paid_by"] and api["cleanup"] == {"files_deleted": 2, "failed": []}
    assert "pages charged to a throwaway evaluation account" in output
    files, after = _files_and_pages(sqlite_stack, api["extraction_id"])
    assert len(files) == 2 and all(f.deleted_at is not None for f in files)
    assert after["dev"] == before["dev"]  # the user's own account paid nothing
    evals = [k for k in after if k.startswith("docparse eval")]
    assert len(evals) == 1 and after[evals[0]] == api["pages_charged"] >= 2
    with session_scope(init_db(settings)) as session:  # the throwaway key no longer works
        keys = session.exec(select(ApiKey).where(ApiKey.name == "docparse eval")).all()
        assert keys and all(k.revoked_at is not None for k in keys)
        assert find_key(session, (settings.data_dir / "dev-api-key").read_text().strip()).revoked_at is None


def test_eval_with_a_key_deletes_its_files_unless_kept(api, sqlite_stack, tmp_path):
    url, key = api
    set_dir = _generated_set(tmp_path, [(51, "fr", 2)])
    (tmp_path / "schema-invoice.json").write_text(json.dumps({**schema_invoice(), "review_threshold": 1.0}))
    for keep in (False, True):
        out = tmp_path / f"k{keep}.json"
        code, output = _eval(str(set_dir), "--api", url, "--key", key, "--out", str(out), "-q",
                             *(["--keep"] if keep else []))
        assert code == 0, output
        rep = json.loads(out.read_text())["api"]
        assert "key's account" in rep["paid_by"] and rep["pages_charged"] == 1
        files, _ = _files_and_pages(sqlite_stack, rep["extraction_id"])
        assert [f.deleted_at is None for f in files] == [keep]
        assert ("cleanup" in rep) is not keep
        with sqlite_stack.client(key) as http:
            queue = http.get(f"/v1/extractions/{rep['extraction_id']}/reviews").json()["files"]
        assert len(queue) == (1 if keep else 0)  # deleted files leave the review queue


def test_eval_direct_as_scans_reads_the_ocr_path(tmp_path):
    set_dir = _generated_set(tmp_path, [(21, "en", 3), (22, "de", 3)])
    out = tmp_path / "scans.json"
    code, output = _eval(str(set_dir), "--direct", "--as-scans", "--out", str(out), "-q")
    assert code == 0, output
    report = json.loads(out.read_text())
    assert report["mode"] == "direct" and report["as_scans"] is True
    assert report["timings"]["ocr_pages"] == 2 and report["timings"]["ocr_s_per_page"] > 0
    assert report["header_accuracy"] >= 0.75, report["per_field_accuracy"]
    assert report["line_items"]["f1"] >= 0.6, report["line_items"]


def test_eval_errors_are_clear(tmp_path):
    code, output = _eval(str(tmp_path), "--direct")
    assert code == 2 and "docs/" in output
    set_dir = _generated_set(tmp_path, [(31, "en", 2)])
    code, output = _eval(str(set_dir), "--direct", "--engine", "nope", "--out", str(tmp_path / "x.json"))
    assert code == 2 and "unknown engine" in output
    code, output = _eval(str(set_dir), "--api", "http://127.0.0.1:9", "--key", "dp_x", "--out", str(tmp_path / "y.json"))
    assert code == 2 and "cannot be reached" in output
