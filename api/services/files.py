"""Files: the owner's lookup, a file's result, deleting a file."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine

from api.data import files as data
from api.domain_errors import Conflict, NotFound
from api.schemas import FileResultOut, Usage
from api.state import Temporal
from api.status_views import StatusViews
from core import storage
from core.models import Account, FileRecord
from core.status import Status
from core.storage import ObjectStore
from core.temporal import batch_workflow_id
from extraction.result import engine_of
from workflows.batch import BatchWorkflow

log = logging.getLogger("docparse.api")


def owned(*, db: Engine, account: Account, extraction_id: str, file_id: str) -> FileRecord:
    rec = data.get(db=db, account_id=account.id, extraction_id=extraction_id, file_id=file_id)
    if rec is None:
        raise NotFound("file", file_id)
    return rec


def result(*, db: Engine, rec: FileRecord) -> FileResultOut:
    """The file's result once it is processed; Conflict saying why not otherwise."""
    res = data.result(db=db, file_id=rec.id)
    if rec.status == Status.FAILED:
        raise Conflict("file_failed", f"file '{rec.file_name}' failed and has no result: {rec.error}")
    if rec.status == Status.NEEDS_REVIEW:
        raise Conflict("awaiting_review",
                       f"file '{rec.file_name}' is waiting for human review; its result is final once reviewed")
    if res is None or rec.status != Status.PROCESSED:
        raise Conflict("no_result_yet", f"file '{rec.file_name}' has no result yet (status: {rec.status})")
    return FileResultOut(
        file_id=rec.id, file_name=rec.file_name, status=rec.status, result=res.result,
        confidence=res.confidence, citations=res.citations or {},
        warnings=res.warnings or [], engine=res.engine or engine_of(res.model_used), model_used=res.model_used,
        usage=Usage(input_tokens=res.input_tokens, output_tokens=res.output_tokens),
        extracted=res.extracted or res.result, review=res.review,
    )


async def delete(
    *, db: Engine, store: ObjectStore, temporal: Temporal, views: StatusViews, rec: FileRecord,
) -> None:
    """Removes the file's result and objects and tells its workflow; later reads answer 404."""
    data.mark_deleted(db=db, file_id=rec.id)
    await asyncio.to_thread(store.delete_prefix, storage.file_prefix(rec.batch_id, rec.id))
    try:
        client = await temporal()
        await client.get_workflow_handle(batch_workflow_id(rec.batch_id)).signal(
            BatchWorkflow.file_deleted, rec.id, rpc_timeout=timedelta(seconds=5)
        )
    except Exception as e:  # a closed workflow has nothing left to do for the file
        # (a running one that missed the signal finds the file gone at its next activity)
        log.info("file_deleted signal for %s not delivered (%s)", rec.id, type(e).__name__)
    views.forget(rec.batch_id)  # the next read asks the workflow again
