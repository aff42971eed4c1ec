"""Accepting a batch upload: inspect the files, store them, charge and record the batch, start its
workflow. Idempotency-Key replays answer with the batch the first request made."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import Engine

from api.data import accounts as accounts_data
from api.data import batches as batches_data
from api.data.batches import Recorded
from api.domain_errors import Invalid, NotFound, OutOfPages, Unavailable
from api.schemas import FileAccepted
from api.services import idempotency, webhooks
from api.services.upload_documents import Incoming, incoming_files
from api.state import Temporal
from api.uploads import ParsedUpload
from core import storage
from core.config import Settings
from core.ids import new_id
from core.models import Account, Batch, Extraction, FileRecord, IdempotencyKey
from core.storage import ObjectStore
from documents.service import DocumentService
from workflows.start import start_batch

log = logging.getLogger("docparse.api")


class Accepted(NamedTuple):
    batch: Batch
    created: bool  # False: an Idempotency-Key replay of an earlier request
    files: list[FileAccepted] | None = None  # on creation: what each file became


async def accept(
    *, db: Engine, settings: Settings, store: ObjectStore, documents: DocumentService, temporal: Temporal,
    account: Account, ext: Extraction, upload: ParsedUpload, idempotency_key: str | None,
) -> Accepted:
    """The batch made, or the earlier batch when Idempotency-Key replays one."""
    if not upload.files:
        raise Invalid("no_files", "no files: send 1 to 30 documents in the 'files' field")
    fingerprint = upload.fingerprint(ext.id)

    def replayed() -> Batch | None:
        if idempotency_key is None:
            return None
        return idempotency.earlier_batch(db=db, account_id=account.id, key=idempotency_key, fingerprint=fingerprint)

    if (earlier := replayed()) is not None:
        return Accepted(earlier, False)
    name = upload.fields.get("name") or None
    webhook_url = await webhooks.checked_url(url=upload.fields.get("webhook_url") or None,
                                             allow_private=settings.webhook_allow_private, account=account)
    files = await incoming_files(documents, upload, Path(upload.files[0].path).parent, owner=account.id,
                                 max_files=settings.max_files_per_batch)
    infos = [f.info for f in files if f.info is not None]
    pages = sum(i.page_count for i in infos)
    left = accounts_data.pages_left(db=db, account_id=account.id)
    if pages > left:
        raise OutOfPages(pages, left)

    batch_id = new_id("btc")
    records = []
    for f, info in zip(files, infos, strict=True):
        file_id = new_id("file")
        records.append(FileRecord(
            id=file_id, batch_id=batch_id, extraction_id=ext.id, account_id=account.id,
            position=f.position, file_name=f.file_name, kind=info.kind, size_bytes=f.size,
            page_count=info.page_count,
            object_key=(storage.converted_key if f.converted else storage.original_key)(batch_id, file_id),
        ))
    # Objects first: a database row never points at an object that is not there.
    for f, rec in zip(files, records, strict=True):
        await _put(store, f, rec)

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
            return Accepted(earlier, False)
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
    return Accepted(batch, True, [
        FileAccepted(id=rec.id, file_name=rec.file_name, page_count=rec.page_count, part=f.part,
                     from_message=f.from_message, converted_from=f.info.source_kind if f.info else None)
        for f, rec in zip(files, records, strict=True)
    ])


async def _put(store: ObjectStore, f: Incoming, rec: FileRecord) -> None:
    """The original as uploaded; for an office document also the PDF it became (the object the
    pipeline reads, rec.object_key)."""
    await asyncio.to_thread(store.put_file, storage.original_key(rec.batch_id, rec.id), f.path, f.original_type)
    if f.converted:
        await asyncio.to_thread(store.put_file, rec.object_key, f.document, f.document_type)


async def _delete_objects(store: ObjectStore, batch_id: str, records: list[FileRecord]) -> None:
    for rec in records:
        await asyncio.to_thread(store.delete_prefix, storage.file_prefix(batch_id, rec.id))
