"""Review queue and decisions: reads come from the database, decisions go to the workflow."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import timedelta
from typing import Any

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
from core import limits, storage
from core.models import Account, ApiKey, Extraction, FileRecord
from core.schema import ExtractionSchema
from core.storage import ObjectStore
from core.temporal import batch_workflow_id
from extraction.review import InvalidCorrection, apply_corrections, json_size, oversized_corrections
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
        refused=(res.review or {}).get("refused", []),
    )


def _checked_values(ext: Extraction, values: dict[str, Any] | None) -> None:
    """Corrections the workflow would refuse, refused here with the field named: sizes first."""
    problem = oversized_corrections(values, value_limit=limits.MAX_CORRECTION_VALUE_BYTES,
                                    total_limit=limits.MAX_CORRECTIONS_BYTES)
    if problem:
        raise Invalid("invalid_review", problem)
    try:
        apply_corrections(ExtractionSchema(fields=ext.fields, language=ext.language), {}, values)
    except InvalidCorrection as e:
        raise Invalid("invalid_review", f"invalid corrected values: {e}"[:1000]) from None


async def decide(
    *, temporal: Temporal, views: StatusViews, store: ObjectStore, ext: Extraction, rec: FileRecord, key: ApiKey,
    body: ReviewDecisionIn,
) -> ReviewOutcomeOut:
    _checked_values(ext, body.values)
    decision = ReviewDecision(
        file_id=rec.id, action=body.action, revision=body.revision, values=body.values,
        reason=body.reason, reviewer=f"{key.name} ({key.id})"[-limits.MAX_REVIEWER_CHARS:],
    )
    if body.values and json_size(body.values) > limits.MAX_INLINE_CORRECTIONS_BYTES:
        # Too large for workflow history: the update carries the key of a stored copy.
        values_key = storage.corrections_key(rec.batch_id, rec.id, body.revision, secrets.token_hex(8))
        data = json.dumps(body.values, ensure_ascii=False).encode()
        await asyncio.to_thread(store.put_bytes, values_key, data, "application/json")
        decision = decision.model_copy(update={"values": None, "values_key": values_key})
    try:
        outcome = await _send(temporal, rec, decision)
    except DomainError:
        if decision.values_key is not None:  # refused: no workflow will read this copy
            await asyncio.to_thread(store.delete_prefix, decision.values_key)
        raise
    views.forget(rec.batch_id)  # the next status read shows the decision
    return ReviewOutcomeOut(**outcome.model_dump())


async def _send(temporal: Temporal, rec: FileRecord, decision: ReviewDecision) -> ReviewOutcome:
    """The `review` update; a refusal (the workflow's, or no workflow running) as a DomainError."""
    client = await temporal()
    handle = client.get_workflow_handle(batch_workflow_id(rec.batch_id))
    try:
        return await handle.execute_update(BatchWorkflow.review, decision, rpc_timeout=timedelta(seconds=30))
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
