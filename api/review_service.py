"""Review queue and decisions: reads come from the database, decisions go to the workflow."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from api.schemas import ReviewDecisionIn, ReviewDetail, ReviewItem, ReviewOutcomeOut
from api.state import AppState
from core.status import Status
from core import storage
from documents.errors import DocumentRejected
from core.storage import ObjectMissing
from core.models import ApiKey, Extraction, FileRecord, FileResult
from core.temporal import batch_workflow_id
from workflows.contracts import ErrorType
from workflows.batch import BatchWorkflow
from workflows.models import ReviewDecision, ReviewOutcome

_UPDATE_CODES = {
    ErrorType.REVIEW_STALE: (409, "review_stale"),
    ErrorType.REVIEW_NOT_OPEN: (409, "not_awaiting_review"),
    ErrorType.REVIEW_INVALID: (400, "invalid_review"),
}


def queue(session: Session, account_id: str, extraction_id: str | None = None) -> list[ReviewItem]:
    query = (
        select(FileRecord, FileResult)
        .join(FileResult, FileResult.file_id == FileRecord.id, isouter=True)
        .where(FileRecord.account_id == account_id, FileRecord.status == Status.NEEDS_REVIEW,
               FileRecord.deleted_at.is_(None))
        .order_by(FileRecord.updated_at, FileRecord.id)
    )
    if extraction_id:
        query = query.where(FileRecord.extraction_id == extraction_id)
    return [
        ReviewItem(
            file_id=rec.id, file_name=rec.file_name, extraction_id=rec.extraction_id, batch_id=rec.batch_id,
            page_count=rec.page_count, revision=rec.review_revision,
            reasons=(res.review_reasons or []) if res else [], created_at=rec.created_at,
        )
        for rec, res in session.exec(query).all()
    ]


def detail(session: Session, ext: Extraction, rec: FileRecord, base_url: str) -> ReviewDetail:
    res = session.get(FileResult, rec.id)
    if res is None:
        raise ApiError(409, f"file '{rec.file_name}' has no extracted values yet (status: {rec.status})",
                       code="no_result_yet")
    return ReviewDetail(
        file_id=rec.id, file_name=rec.file_name, extraction_id=ext.id, batch_id=rec.batch_id,
        status=rec.status, revision=rec.review_revision, reasons=res.review_reasons or [],
        fields=ext.fields, extracted=res.extracted or res.result, confidence=res.confidence or {},
        citations=res.citations or {}, review_threshold=ext.review_threshold,
        pages=[f"{base_url}/v1/extractions/{ext.id}/files/{rec.id}/pages/{n}" for n in range(1, rec.page_count + 1)],
    )


async def page_image(state: AppState, rec: FileRecord, page: int) -> bytes:
    if not 1 <= page <= rec.page_count:
        raise ApiError(404, f"file '{rec.file_name}' has pages 1 to {rec.page_count}, not {page}",
                       code="page_out_of_range")
    key = storage.page_image_key(rec.batch_id, rec.id, page)
    try:
        return await asyncio.to_thread(state.store.get_bytes, key)
    except ObjectMissing:
        pass
    # The pipeline draws page images only for the model: draw this one now, once, and keep it.
    with tempfile.TemporaryDirectory(prefix="docparse-page-") as tmp:
        path = Path(tmp) / "original"
        try:
            await asyncio.to_thread(state.store.download, rec.object_key, path)
        except ObjectMissing:
            raise ApiError(404, f"file '{rec.file_name}' is gone", code="not_found") from None
        try:
            png = await state.documents.draw_page(path, kind=rec.kind, number=page)
        except DocumentRejected as e:
            raise ApiError(409, f"page {page} of '{rec.file_name}' cannot be drawn: {e}", code="page_not_drawable") from None
    await asyncio.to_thread(state.store.put_bytes, key, png, "image/png")
    if not await asyncio.to_thread(state.store.exists, rec.object_key):
        # the file was deleted while its page was drawn: nothing may stay under its prefix
        await asyncio.to_thread(state.store.delete_prefix, storage.file_prefix(rec.batch_id, rec.id))
        raise ApiError(404, f"file '{rec.file_name}' is gone", code="not_found")
    return png


async def decide(state: AppState, rec: FileRecord, key: ApiKey, body: ReviewDecisionIn) -> ReviewOutcomeOut:
    decision = ReviewDecision(
        file_id=rec.id, action=body.action, revision=body.revision, values=body.values,
        reason=body.reason, reviewer=f"{key.name} ({key.id})",
    )
    client = await state.temporal()
    handle = client.get_workflow_handle(batch_workflow_id(rec.batch_id))
    try:
        outcome: ReviewOutcome = await handle.execute_update(
            BatchWorkflow.review, decision, rpc_timeout=timedelta(seconds=30)
        )
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        if isinstance(cause, ApplicationError) and cause.type in _UPDATE_CODES:
            status, code = _UPDATE_CODES[cause.type]
            raise ApiError(status, cause.message, code=code) from None
        raise
    except RPCError as e:
        if e.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise ApiError(409, f"file '{rec.file_name}' is not awaiting review (status: {rec.status})",
                           code="not_awaiting_review") from None
        raise
    state.status_views.forget(rec.batch_id)  # the next status read shows the decision
    return ReviewOutcomeOut(**outcome.model_dump())
