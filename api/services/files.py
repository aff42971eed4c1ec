"""Files: the owner's lookup, a file's status and its result."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from api.data import files as data
from api.domain_errors import Conflict, NotFound
from api.schemas import FileInfo, FileResultOut, Usage
from api.status_views import StatusViews
from core.models import Account, FileRecord, FileResult
from core.status import FILE_OUTCOMES, Status
from extraction.result import engine_of


def owned(*, db: Engine, account: Account, extraction_id: str, file_id: str) -> FileRecord:
    rec = data.get(db=db, account_id=account.id, extraction_id=extraction_id, file_id=file_id)
    if rec is None:
        raise NotFound("file", file_id)
    return rec


async def info(*, views: StatusViews, rec: FileRecord) -> FileInfo:
    """The file's status: its row once it has an outcome; before that the running workflow's view
    (the row learns only the outcome), cached as for batch reads."""
    status, error = rec.status, rec.error
    if status not in FILE_OUTCOMES:
        view = await views.get(rec.batch_id)
        live = next((f for f in view.files if f.id == rec.id), None) if view is not None else None
        if live is not None:
            status, error = live.status, live.error
    return FileInfo(id=rec.id, batch_id=rec.batch_id, extraction_id=rec.extraction_id, file_name=rec.file_name,
                    status=status, page_count=rec.page_count, error=error, created_at=rec.created_at,
                    updated_at=rec.updated_at)


def reviewed(res: FileResult | None) -> bool:
    """A reviewer approved the stored values (finalized again: confidence 1.0, citations checked)."""
    return res is not None and (res.review or {}).get("decision") == "approved"


def result(*, db: Engine, rec: FileRecord) -> FileResultOut:
    """The file's result once it is processed; Conflict saying why not otherwise."""
    res = data.result(db=db, file_id=rec.id)
    if rec.status == Status.FAILED:
        raise Conflict("file_failed", f"file '{rec.file_name}' failed and has no result: {rec.error}")
    if rec.status == Status.NEEDS_REVIEW:
        raise Conflict("awaiting_review",
                       f"file '{rec.file_name}' is waiting for human review; its result is final once reviewed "
                       f"(GET /v1/extractions/{rec.extraction_id}/batches/{rec.batch_id}/results shows the extracted "
                       "values meanwhile)")
    if res is None or rec.status != Status.PROCESSED:
        raise Conflict("no_result_yet", f"file '{rec.file_name}' has no result yet (status: {rec.status})")
    return FileResultOut(
        file_id=rec.id, file_name=rec.file_name, status=rec.status, result=res.result,
        confidence=res.confidence, citations=res.citations or {},
        warnings=res.warnings or [], engine=res.engine or engine_of(res.model_used), model_used=res.model_used,
        usage=Usage(input_tokens=res.input_tokens, output_tokens=res.output_tokens),
        extracted=res.extracted or res.result, review=res.review, reviewed=reviewed(res),
    )
