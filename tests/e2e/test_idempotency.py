"""Idempotency-Key on batch upload, over real HTTP on SQLite and PostgreSQL: a retried upload gives
the batch it made (one workflow, one page charge); the key with another request is refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.support.invoices import make_invoice, schema_invoice

PDF_A = make_invoice(seed=501)[0]
PDF_B = make_invoice(seed=502)[0]


@pytest.fixture
def client(stack):
    key = stack.create_key(pages=3, name="idem")  # every invoice here is one page
    http = stack.client(key)
    ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
    yield http, ext
    http.close()


def _upload(http, ext, pdf: bytes, key: str | None, name: str = "a.pdf"):
    headers = {"Idempotency-Key": key} if key else {}
    return http.post(f"/v1/extractions/{ext}/batches", files=[("files", (name, pdf, "application/pdf"))],
                     headers=headers)


def _batches(http, ext) -> list[str]:
    return [b["id"] for b in http.get(f"/v1/extractions/{ext}/batches").json()["batches"]]


def test_same_key_same_request_gives_the_same_batch_and_one_charge(stack, client):
    http, ext = client
    first = _upload(http, ext, PDF_A, "retry-1")
    again = _upload(http, ext, PDF_A, "retry-1")
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["batch"]["id"] == first.json()["batch"]["id"]
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert _batches(http, ext) == [first.json()["batch"]["id"]]
    # 3 pages in the account: one charged so far, so two more one-page batches fit, and no third
    assert _upload(http, ext, PDF_B, None).status_code == 202
    assert _upload(http, ext, PDF_B, None).status_code == 202
    out = _upload(http, ext, PDF_B, None)
    assert out.status_code == 403 and out.json()["code"] == "out_of_pages"
    assert stack.wait_terminal(http, ext, first.json()["batch"]["id"])["batch"]["status"] == "processed"


def test_same_key_with_another_request_is_409(client):
    http, ext = client
    assert _upload(http, ext, PDF_A, "k-2").status_code == 202
    for pdf, name in ((PDF_B, "a.pdf"), (PDF_A, "renamed.pdf")):
        r = _upload(http, ext, pdf, "k-2", name=name)
        assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused", r.text
        assert "k-2" in r.json()["error"]
    other_field = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", PDF_A, "application/pdf"))],
                            data={"name": "another batch name"}, headers={"Idempotency-Key": "k-2"})
    assert other_field.status_code == 409 and other_field.json()["code"] == "idempotency_key_reused"
    assert len(_batches(http, ext)) == 1


def test_the_same_upload_sent_twice_at_once_makes_one_batch(client):
    http, ext = client
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _upload(http, ext, PDF_A, "race"), range(4)))
    assert {r.status_code for r in answers} == {202}, [r.text for r in answers]
    assert len({r.json()["batch"]["id"] for r in answers}) == 1
    assert len(_batches(http, ext)) == 1


def test_keys_expire_after_24_hours(stack, client):
    from sqlmodel import update

    from core.db import init_db, session_scope
    from core.models import IdempotencyKey, utcnow

    http, ext = client
    first = _upload(http, ext, PDF_A, "old").json()["batch"]["id"]
    with session_scope(init_db(stack.settings)) as session:
        session.exec(update(IdempotencyKey).where(IdempotencyKey.key == "old").values(
            created_at=utcnow() - timedelta(hours=25)))
        session.commit()
    second = _upload(http, ext, PDF_A, "old")
    assert second.status_code == 202 and second.json()["batch"]["id"] != first


def test_bad_key_is_400(client):
    http, ext = client
    r = _upload(http, ext, PDF_A, "x" * 300)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["error"]
