"""activities/sweep.py under ActivityEnvironment, on a migrated SQLite database and an object store
in memory (tests/support/fakes.py MemoryStore): objects that no batch row holds are removed once
past the grace period; a batch's own objects, and recent uploads, stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.testing import ActivityEnvironment

from activities.sweep import SweepActivities
from core import storage
from core.config import Settings
from core.db import init_db, session_scope
from core.models import Account, Batch, Extraction, utcnow
from tests.support.fakes import MemoryStore
from workflows.models import SweepReport


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, orphan_grace_s=600)


@pytest.fixture
def db(settings):
    engine = init_db(settings)
    with session_scope(engine) as s:
        for row in (Account(id="acc_1", name="acme", pages_limit=100),
                    Extraction(id="ext_1", account_id="acc_1", name="invoice", fields=[]),
                    Batch(id="btc_kept", account_id="acc_1", extraction_id="ext_1", file_count=1, page_count=1)):
            s.add(row)
            s.flush()
        s.commit()
    yield engine
    engine.dispose()


def put(store: MemoryStore, batch_id: str, file_id: str, age_s: float) -> None:
    for name in ("original", "words/0001.json"):
        key = storage.file_prefix(batch_id, file_id) + name
        store.put_bytes(key, b"x")
        store.modified[key] = utcnow() - timedelta(seconds=age_s)


async def test_objects_without_a_batch_row_are_removed_after_the_grace_period(db, settings):
    store = MemoryStore()
    put(store, "btc_kept", "file_1", age_s=7200)  # an old batch's objects: it has its row
    put(store, "btc_crashed", "file_1", age_s=7200)  # the API died between the objects and the rows
    put(store, "btc_crashed", "file_2", age_s=3600)
    put(store, "btc_uploading", "file_1", age_s=5)  # an upload on its way to its rows
    put(store, "btc_half", "file_1", age_s=7200)
    put(store, "btc_half", "file_2", age_s=30)  # its newest object is recent: not yet
    store.put_bytes("elsewhere/notes.txt", b"not ours")

    report = await ActivityEnvironment().run(SweepActivities(settings, db, store).sweep_orphans)

    assert report == SweepReport(removed_batches=1, removed_objects=4)
    assert not store.keys("files/btc_crashed/")
    for kept in ("files/btc_kept/", "files/btc_uploading/", "files/btc_half/", "elsewhere/"):
        assert store.keys(kept), kept
    again = await ActivityEnvironment().run(SweepActivities(settings, db, store).sweep_orphans)
    assert again == SweepReport()
