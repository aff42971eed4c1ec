"""Accounts, keys and the page budget on both databases: SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from core.accounts import charge_pages, create_account, create_key, find_key, hash_key, refund_pages, revoke_key
from core.config import Settings
from core.db import init_db, session_scope
from core.models import Account, ApiKey, Batch, Extraction, FileRecord, FileResult


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    if request.param == "postgres":
        settings = Settings(data_dir=tmp_path, database_url=request.getfixturevalue("pg_url"))
    else:
        settings = Settings(data_dir=tmp_path, database_url=None)
    return init_db(settings)


def test_keys_are_stored_as_hashes_and_can_be_revoked(db):
    with session_scope(db) as s:
        acc = create_account(s, name="a", pages=10)
        row, key = create_key(s, account_id=acc.id, name="k")
        s.commit()
        stored = s.exec(select(ApiKey).where(ApiKey.id == row.id)).one()
        assert key not in (stored.key_hash, stored.prefix) and stored.key_hash == hash_key(key)
        assert key[:10] == stored.prefix
        assert find_key(s, key).id == row.id
        assert find_key(s, key + "x") is None
        assert revoke_key(s, row.id).revoked_at is not None
        s.commit()
        assert find_key(s, key).revoked_at is not None


def test_page_budget_is_charged_atomically(db):
    with session_scope(db) as s:
        acc_id = create_account(s, name="a", pages=100).id
        s.commit()

    def charge(_):
        with session_scope(db) as s:
            ok = charge_pages(s, account_id=acc_id, pages=7)
            s.commit()
            return ok

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(charge, range(30)))
    assert results.count(True) == 14  # 14 * 7 = 98 <= 100 < 105
    with session_scope(db) as s:
        acc = s.get(Account, acc_id)
        assert acc.pages_used == 98 and acc.pages_left == 2
        refund_pages(s, account_id=acc_id, pages=8)
        s.commit()
        s.refresh(acc)
        assert acc.pages_left == 10


def test_json_columns_and_aware_times_round_trip(db):
    with session_scope(db) as s:
        acc = create_account(s, name="a", pages=1)
        ext = Extraction(id="ext_1", account_id=acc.id, name="e", fields=[{"key": "a", "type": "string"}])
        batch = Batch(id="btc_1", account_id=acc.id, extraction_id=ext.id, file_count=1, page_count=1)
        rec = FileRecord(id="file_1", batch_id=batch.id, extraction_id=ext.id, account_id=acc.id, position=0,
                         file_name="ä.pdf", kind="pdf", size_bytes=1, page_count=1, object_key="k")
        for row in (ext, batch, rec):
            s.add(row)
            s.flush()
        s.add(FileResult(file_id=rec.id, result={"items": [{"q": 1.5}]}, confidence={"items": 0.5},
                         citations={}, warnings=[], model_used="m"))
        s.commit()
    with session_scope(db) as s:
        assert s.get(Extraction, "ext_1").fields == [{"key": "a", "type": "string"}]
        assert s.get(FileResult, "file_1").result == {"items": [{"q": 1.5}]}
        assert s.get(Batch, "btc_1").created_at.tzinfo is not None
