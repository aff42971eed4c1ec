"""Accepting a batch upload: inspect the files, store them, charge and record the batch, start its
workflow. Idempotency-Key replays answer with the batch the first request made."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.engine import Engine

from api.data import accounts as accounts_data
from api.data import batches as batches_data
from api.data.batches import Recorded
from api.domain_errors import Invalid, NotFound, OutOfPages, Unavailable
from api.services import idempotency, webhooks
from api.state import Temporal
from api.uploads import ParsedUpload
from core import storage
from core.config import Settings
from core.ids import new_id
from core.models import Account, Batch, Extraction, FileRecord, IdempotencyKey
from core.storage import ObjectStore
from core.text import without_paths
from documents.errors import DocumentRejected
from documents.inspect import DocumentInfo
from documents.kinds import KINDS
from documents.service import DocumentService
from workflows.start import start_batch

log = logging.getLogger("docparse.api")


async def accept(
    *, db: Engine, settings: Settings, store: ObjectStore, documents: DocumentService, temporal: Temporal,
    account: Account, ext: Extraction, upload: ParsedUpload, idempotency_key: str | None,
) -> tuple[Batch, bool]:
    """(batch, True) when created; (the earlier batch, False) when Idempotency-Key replays one."""
    if not upload.files:
        raise Invalid("no_files", "no files: send 1 to 30 documents in the 'files' field")
    fingerprint = upload.fingerprint(ext.id)

    def replayed() -> Batch | None:
        if idempotency_key is None:
            return None
        return idempotency.earlier_batch(db=db, account_id=account.id, key=idempotency_key, fingerprint=fingerprint)

    if (earlier := replayed()) is not None:
        return earlier, False
    name = upload.fields.get("name") or None
    webhook_url = await webhooks.checked_url(url=upload.fields.get("webhook_url") or None,
                                             allow_private=settings.webhook_allow_private, account=account)
    infos = await _inspect_all(documents, upload)
    pages = sum(i.page_count for i in infos)
    left = accounts_data.pages_left(db=db, account_id=account.id)
    if pages > left:
        raise OutOfPages(pages, left)

    batch_id = new_id("btc")
    records = []
    for f, info in zip(upload.files, infos):
        file_id = new_id("file")
        records.append(FileRecord(
            id=file_id, batch_id=batch_id, extraction_id=ext.id, account_id=account.id,
            position=f.position, file_name=f.file_name, kind=info.kind, size_bytes=f.size,
            page_count=info.page_count, object_key=storage.original_key(batch_id, file_id),
        ))
    # Objects first: a database row never points at an object that is not there.
    for f, rec in zip(upload.files, records):
        await asyncio.to_thread(store.put_file, rec.object_key, Path(f.path), KINDS[rec.kind])

    batch = Batch(id=batch_id, account_id=account.id, extraction_id=ext.id, name=name, webhook_url=webhook_url,
                  file_count=len(records), page_count=pages)
    key_row = None if idempotency_key is None else IdempotencyKey(
        account_id=account.id, key=idempotency_key, request_hash=fingerprint, batch_id=batch_id)
    recorded = batches_data.record(db=db, batch=batch, files=records, idempotency=key_row)
    if recorded is not Recorded.CREATED:
        # Nothing of this request stays (pages, rows, objects). The same request, arrived at once,
        # may have taken the pages or the key first: then answer as a replay of it.
        await _delete_objects(store, batch_id, records)
        if (earlier := replayed()) is not None:
            return earlier, False
        if recorded is Recorded.OUT_OF_PAGES:
            raise OutOfPages(pages, accounts_data.pages_left(db=db, account_id=account.id))
        if recorded is Recorded.EXTRACTION_GONE:  # DELETE of the extraction came first
            raise NotFound("extraction", ext.id)
        raise RuntimeError(f"Idempotency-Key of batch {batch_id} taken, but no batch holds it")

    try:
        await start_batch(await temporal(), settings, ext, batch, records)
    except Exception as e:
        log.exception("could not start the workflow for %s", batch_id)
        # The batch stays queued: the worker's stranded-batch schedule starts queued batches
        # without a workflow (with workflows.start.start_batch too), so nothing accepted is lost.
        raise Unavailable(
            "batch_not_scheduled_yet",
            f"batch {batch_id} was stored but could not be scheduled yet ({type(e).__name__}); "
            "it will be scheduled automatically",
            retryable=False,  # sending it again would make a second batch
            details={"batch_id": batch_id},
        ) from None
    return batch, True


async def _inspect_all(documents: DocumentService, upload: ParsedUpload) -> list[DocumentInfo]:
    async def one(f) -> DocumentInfo:
        try:
            return await documents.inspect(f.path, f.file_name)
        except DocumentRejected as e:
            raise Invalid("document_rejected", without_paths(str(e), f.file_name)) from None

    return list(await asyncio.gather(*(one(f) for f in upload.files)))


async def _delete_objects(store: ObjectStore, batch_id: str, records: list[FileRecord]) -> None:
    for rec in records:
        await asyncio.to_thread(store.delete_prefix, storage.file_prefix(batch_id, rec.id))
