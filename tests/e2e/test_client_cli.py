"""`docparse extract` and `docparse review` as a user runs them: subprocesses without a TTY against a
real stack (API, worker, Temporal, S3, SQLite) over HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.invoices import make_invoice, schema_invoice

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cli(sqlite_stack):
    key = sqlite_stack.create_key(name="cli")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    env.update(DOCPARSE_API_URL=sqlite_stack.base_url, DOCPARSE_API_KEY=key)

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "cli", *map(str, args)], env=env, cwd=ROOT,
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False,
        )

    run.key = key  # type: ignore[attr-defined]
    return run


def _schema(tmp: Path, **changes) -> Path:
    path = tmp / "schema.json"
    path.write_text(json.dumps({**schema_invoice(), "review_threshold": 0, **changes}))
    return path


def _invoices(tmp: Path, seeds) -> tuple[Path, dict[str, dict]]:
    folder = tmp / "invoices"
    folder.mkdir()
    truth = {}
    for seed in seeds:
        pdf, t = make_invoice(seed=seed)
        (folder / f"inv-{seed}.pdf").write_bytes(pdf)
        truth[f"inv-{seed}"] = t
    (folder / "notes.txt").write_text("not a document: directories only contribute the types the API takes")
    return folder, truth


def test_extract_waits_writes_json_per_file_then_csv_reusing_the_extraction(cli, tmp_path):
    folder, truth = _invoices(tmp_path, (901, 902, 903))
    schema = _schema(tmp_path)
    out = tmp_path / "results"

    r = cli("extract", folder, "--schema", schema, "--wait", "--out", out, "--name", "nov")
    assert r.returncode == 0, r.stderr
    assert "extraction ext_" in r.stderr and "created" in r.stderr
    assert re.search(r"processed 3, needs review 0, failed 0 of 3", r.stderr), r.stderr  # line progress, no TTY
    assert "summary: processed 3, needs_review 0, failed 0, rejected 0, skipped 0 (3 files)" in r.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == ["inv-901.json", "inv-902.json", "inv-903.json"]
    for p in out.iterdir():
        body = json.loads(p.read_text())
        assert body["status"] == "processed" and body["file_name"] == p.stem + ".pdf"
        assert body["file_id"].startswith("file_") and body["confidence"] and body["model_used"]
        assert body["result"]["invoice_number"] == truth[p.stem]["invoice_number"]

    r = cli("extract", folder, "--schema", schema, "--wait", "--format", "csv", "--out", tmp_path / "csv")
    assert r.returncode == 0, r.stderr
    assert "reused" in r.stderr  # same name, fields and settings: the extraction made above
    rows = list(csv.DictReader(io.StringIO((tmp_path / "csv" / "results.csv").read_text())))
    assert len(rows) == 3
    assert [row["file_name"] for row in rows] == ["inv-901.pdf", "inv-902.pdf", "inv-903.pdf"]
    assert {row["status"] for row in rows} == {"processed"} and {row["reviewed"] for row in rows} == {"false"}
    assert all(row["file_id"].startswith("file_") for row in rows)
    assert "line_items" not in rows[0] and "total_amount" in rows[0]
    for row in rows:
        assert row["invoice_number"] == truth[row["file_name"][:-4]]["invoice_number"]


def test_a_damaged_and_an_oversized_file_are_reported_and_the_others_still_processed(cli, tmp_path):
    folder, _ = _invoices(tmp_path, (911,))
    (folder / "x.pdf").write_bytes(b"not a pdf")
    with open(folder / "huge.pdf", "wb") as fh:  # sparse: over 25 MB without writing it
        fh.truncate(25 * 1024 * 1024 + 1)
    out = tmp_path / "results"

    r = cli("extract", folder, "--schema", _schema(tmp_path), "--wait", "--out", out)
    assert r.returncode == 1, r.stderr
    assert "skipped" in r.stderr and "huge.pdf" in r.stderr and "25 MB" in r.stderr
    assert "'x.pdf'" in r.stderr and "document_rejected" in r.stderr  # the API's 400, naming the file
    assert "summary: processed 1, needs_review 0, failed 0, rejected 1, skipped 1 (3 files)" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["inv-911.json"]


def test_an_e_mail_in_a_folder_gives_a_result_per_attachment(cli, tmp_path):
    """A folder's .eml is sent too; its attachments become files of the batch, each with its own
    result (named after the message and the attachment), beside the folder's PDF."""
    from tests.support.office_docs import eml

    folder, truth = _invoices(tmp_path, (921,))
    pdf_a, truth_a = make_invoice(seed=922)
    pdf_b, truth_b = make_invoice(seed=923)
    (folder / "mail.eml").write_bytes(eml([("a.pdf", pdf_a, "application/pdf"), ("b.pdf", pdf_b, "application/pdf")]))
    out = tmp_path / "results"

    r = cli("extract", folder, "--schema", _schema(tmp_path), "--wait", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "summary: processed 3, needs_review 0, failed 0, rejected 0, skipped 0 (3 files)" in r.stderr
    written = {p.name: json.loads(p.read_text()) for p in out.iterdir()}
    assert sorted(written) == ["inv-921.json", "mail-a.json", "mail-b.json"]
    for name, t in (("inv-921.json", truth["inv-921"]), ("mail-a.json", truth_a), ("mail-b.json", truth_b)):
        assert written[name]["status"] == "processed"
        assert written[name]["result"]["invoice_number"] == t["invoice_number"]


def test_extract_without_wait_prints_the_batch_ids(cli, sqlite_stack, tmp_path):
    folder, _ = _invoices(tmp_path, (921,))
    r = cli("extract", folder / "inv-921.pdf", "--schema", _schema(tmp_path))
    assert r.returncode == 0, r.stderr
    (batch_id,) = r.stdout.split()
    assert batch_id.startswith("btc_")
    with sqlite_stack.client(cli.key) as http:
        ext = http.get("/v1/extractions").json()["extractions"][0]["id"]
        assert http.get(f"/v1/extractions/{ext}/batches/{batch_id}").status_code == 200


def test_review_list_and_approve_round_trip(cli, sqlite_stack, tmp_path):
    folder, truth = _invoices(tmp_path, (931,))
    schema = _schema(tmp_path, name="strict-cli", review_threshold=1.0)  # every file waits for review
    r = cli("extract", folder, "--schema", schema, "--wait", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr  # waiting for review is not a failure
    assert "needs_review 1" in r.stderr and "processed 0" in r.stderr
    waiting = json.loads((tmp_path / "out" / "inv-931.json").read_text())  # its extracted values, marked
    assert waiting["status"] == "needs_review" and waiting["reviewed"] is False and waiting["review_reasons"]
    assert waiting["result"]["invoice_number"] == truth["inv-931"]["invoice_number"]

    r = cli("review")
    assert r.returncode == 0, r.stderr
    header, *lines = r.stdout.splitlines()
    assert header.split()[:3] == ["FILE", "ID", "FILE"] and "REASONS" in header
    (line,) = [ln for ln in lines if "inv-931.pdf" in ln]
    file_id = re.search(r"file_\w+", line).group(0)
    ext_id = re.search(r"ext_\w+", line).group(0)
    batch_id = re.search(r"btc_\w+", line).group(0)
    assert f"strict-cli ({ext_id})" in line  # the extraction's name beside its id
    assert cli("review", "--extraction", ext_id).stdout == r.stdout

    r = cli("review", "approve", file_id, "--extraction", ext_id, "--set", "invoice_number=CLI-1",
            "--set", "total_amount=118.5", "--reason", "checked by hand")
    assert r.returncode == 0, r.stderr
    assert f"{file_id}: approved (revision 1), now processed" in r.stdout

    with sqlite_stack.client(cli.key) as http:
        result = http.get(f"/v1/extractions/{ext_id}/files/{file_id}/result").json()
        assert result["status"] == "processed"
        assert result["result"]["invoice_number"] == "CLI-1" and result["result"]["total_amount"] == 118.5
        assert result["extracted"]["invoice_number"] == truth["inv-931"]["invoice_number"]
        assert result["review"]["reason"] == "checked by hand"
        deadline = time.monotonic() + 30
        while http.get(f"/v1/extractions/{ext_id}/batches/{batch_id}").json()["batch"]["status"] != "processed":
            assert time.monotonic() < deadline, "batch not processed after the approval"
            time.sleep(0.3)
    assert "no files are waiting for review" in cli("review").stdout

    r = cli("review", "approve", file_id, "--extraction", ext_id)
    assert r.returncode == 1 and "error:" in r.stderr  # decided already: the API's 409 is reported
