"""Review queue and decisions: reads come from the database, decisions go to the workflow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.data import batches
from api.data import files as data
from api.domain_errors import Conflict, DomainError, Invalid
from api.schemas import ReviewDecisionIn, ReviewDetail, ReviewItem, ReviewOutcomeOut
from api.state import Temporal
from api.status_views import StatusViews
from core.models import Account, ApiKey, Extraction, FileRecord
from core.temporal import batch_workflow_id
from workflows.batch import BatchWorkflow
from workflows.contracts import ErrorType
from workflows.models import ReviewDecision, ReviewOutcome

# The review update's refusals (workflows/contracts.py) as the domain errors the caller gets.
_REFUSALS: dict[str, tuple[type[DomainError], str]] = {
    ErrorType.REVIEW_STALE: (Conflict, "review_stale"),
    ErrorType.REVIEW_NOT_OPEN: (Conflict, "not_awaiting_review"),
    ErrorType.REVIEW_INVALID: (Invalid, "invalid_review"),
}


def queue(*, db: Engine, account: Account, extraction_id: str | None = None) -> list[ReviewItem]:
    return [
        ReviewItem(
            file_id=w.rec.id, file_name=w.rec.file_name, extraction_id=w.rec.extraction_id,
            extraction_name=w.extraction_name, batch_id=w.rec.batch_id, batch_name=w.batch_name,
            batch_created_at=w.batch_created_at, page_count=w.rec.page_count, revision=w.rec.review_revision,
            reasons=(w.result.review_reasons or []) if w.result else [], created_at=w.rec.created_at,
        )
        for w in data.awaiting_review(db=db, account_id=account.id, extraction_id=extraction_id)
    ]


def detail(*, db: Engine, ext: Extraction, rec: FileRecord, base_url: str) -> ReviewDetail:
    res = data.result(db=db, file_id=rec.id)
    if res is None:
        raise Conflict("no_result_yet", f"file '{rec.file_name}' has no extracted values yet (status: {rec.status})")
    batch = batches.get_by_id(db=db, batch_id=rec.batch_id)
    return ReviewDetail(
        file_id=rec.id, file_name=rec.file_name, extraction_id=ext.id, extraction_name=ext.name,
        batch_id=rec.batch_id, batch_name=batch.name if batch else None,
        status=rec.status, revision=rec.review_revision, reasons=res.review_reasons or [],
        fields=ext.fields, extracted=res.extracted or res.result, confidence=res.confidence or {},
        citations=res.citations or {}, review_threshold=ext.review_threshold,
        pages=[f"{base_url}/v1/extractions/{ext.id}/files/{rec.id}/pages/{n}" for n in range(1, rec.page_count + 1)],
    )


async def decide(
    *, temporal: Temporal, views: StatusViews, rec: FileRecord, key: ApiKey,
    body: ReviewDecisionIn,
) -> ReviewOutcomeOut:
    decision = ReviewDecision(
        file_id=rec.id, action=body.action, revision=body.revision, values=body.values,
        reason=body.reason, reviewer=f"{key.name} ({key.id})",
    )
    client = await temporal()
    handle = client.get_workflow_handle(batch_workflow_id(rec.batch_id))
    try:
        outcome: ReviewOutcome = await handle.execute_update(
            BatchWorkflow.review, decision, rpc_timeout=timedelta(seconds=30)
        )
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
            error, code = _REFUSALS[cause.type]
            raise error(code, cause.message) from None
        raise
    except RPCError as e:
        if e.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise Conflict("not_awaiting_review",
                           f"file '{rec.file_name}' is not awaiting review (status: {rec.status})") from None
        raise
    views.forget(rec.batch_id)  # the next status read shows the decision
    return ReviewOutcomeOut(**outcome.model_dump())
