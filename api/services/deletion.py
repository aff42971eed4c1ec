"""Deleting what an account stored: one file, a batch, or an extraction with all its batches.

One path for all three: the files are marked deleted (reads answer 404 from then on, and the
workflow's activities stop saving for them); a workflow still running is told with the
`file_deleted` signal per file (it drops the file, and purges whatever an activity still writes for
it); the objects are removed; for a batch or an extraction the rows go last, so a delete that fails
half way (the object store down) can simply be sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from datetime import timedelta

from sqlalchemy.engine import Engine

from api.data import deletion as data
from api.data import files as files_data
from api.state import Temporal
from api.status_views import StatusViews
from core import storage
from core.models import Batch, Extraction, FileRecord
from core.status import BATCH_TERMINAL
from core.storage import ObjectStore
from core.temporal import batch_workflow_id
from workflows.batch import BatchWorkflow

log = logging.getLogger("docparse.api")

BATCHES_PER_STEP = 100  # an extraction's batches are deleted this many at a time


async def delete_file(*, db: Engine, store: ObjectStore, temporal: Temporal, views: StatusViews,
                      rec: FileRecord) -> None:
    """Removes the file's result and objects and tells its workflow; later reads answer 404."""
    files_data.mark_deleted(db=db, file_id=rec.id)
    await asyncio.to_thread(store.delete_prefix, storage.file_prefix(rec.batch_id, rec.id))
    await _tell_workflow(temporal, rec.batch_id, [rec.id])
    views.forget(rec.batch_id)  # the next read asks the workflow again


async def delete_batch(*, db: Engine, store: ObjectStore, temporal: Temporal, views: StatusViews,
                       known_batches: MutableMapping, batch: Batch) -> None:
    await _delete_batches(db=db, store=store, temporal=temporal, views=views, known_batches=known_batches,
                          batches=[batch])


async def delete_extraction(*, db: Engine, store: ObjectStore, temporal: Temporal, views: StatusViews,
                            known_batches: MutableMapping, ext: Extraction) -> None:
    """Every batch of the extraction (a step of BATCHES_PER_STEP at a time), then the extraction; a
    batch uploaded meanwhile is deleted in one more pass."""
    while True:
        while batches := data.batches_of(db=db, extraction_id=ext.id, limit=BATCHES_PER_STEP):
            await _delete_batches(db=db, store=store, temporal=temporal, views=views, known_batches=known_batches,
                                  batches=batches)
        if data.remove_extraction(db=db, extraction_id=ext.id):
            return


async def _delete_batches(*, db: Engine, store: ObjectStore, temporal: Temporal, views: StatusViews,
                          known_batches: MutableMapping, batches: list[Batch]) -> None:
    ids = [b.id for b in batches]
    files = data.file_ids(db=db, batch_ids=ids)
    data.mark_files_deleted(db=db, batch_ids=ids)
    # A batch whose row says processed or failed has a finished workflow: nothing to tell.
    await asyncio.gather(*(_tell_workflow(temporal, b.id, files[b.id]) for b in batches
                           if b.status not in BATCH_TERMINAL))
    for batch_id in ids:
        await asyncio.to_thread(store.delete_prefix, storage.batch_prefix(batch_id))
    data.remove_batches(db=db, batch_ids=ids)
    for batch_id in ids:
        views.forget(batch_id)
        known_batches.pop(batch_id, None)


async def _tell_workflow(temporal: Temporal, batch_id: str, file_ids: list[str]) -> None:
    """`file_deleted` per file, best effort: a closed workflow has nothing left to do for them, and
    a running one that missed the signal finds each file gone at its next activity."""
    if not file_ids:
        return
    try:
        handle = (await temporal()).get_workflow_handle(batch_workflow_id(batch_id))
        for file_id in file_ids:
            await handle.signal(BatchWorkflow.file_deleted, file_id, rpc_timeout=timedelta(seconds=5))
    except Exception as e:  # the first refusal (closed, not found, unreachable) holds for the rest
        log.info("file_deleted signals for batch %s not delivered (%s)", batch_id, type(e).__name__)
