from __future__ import annotations

from contextlib import closing

from fastapi import APIRouter, Response

from api import batch_service as svc
from api.deps import AccountDep, SessionDep, StateDep
from api.errors import ApiError
from api.schemas import FileResultOut, Usage, error_responses
from core.status import Status
from core.models import FileResult

router = APIRouter(prefix="/v1/extractions/{extraction_id}/files", tags=["files"])


@router.get("/{file_id}/result", response_model=FileResultOut, responses=error_responses(404, 409))
def get_result(extraction_id: str, file_id: str, account: AccountDep, session: SessionDep) -> FileResultOut:
    rec = svc.owned_file(session, account, extraction_id, file_id)
    result = session.get(FileResult, file_id)
    if rec.status == Status.FAILED:
        raise ApiError(409, f"file '{rec.file_name}' failed and has no result: {rec.error}", code="file_failed")
    if rec.status == Status.NEEDS_REVIEW:
        raise ApiError(409, f"file '{rec.file_name}' is waiting for human review; its result is final once reviewed",
                       code="awaiting_review")
    if result is None or rec.status != Status.PROCESSED:
        raise ApiError(409, f"file '{rec.file_name}' has no result yet (status: {rec.status})", code="no_result_yet")
    return FileResultOut(
        file_id=rec.id, file_name=rec.file_name, status=rec.status, result=result.result,
        confidence=result.confidence, citations=result.citations or {},
        warnings=result.warnings or [], model_used=result.model_used,
        usage=Usage(input_tokens=result.input_tokens, output_tokens=result.output_tokens),
        extracted=result.extracted or result.result, review=result.review,
    )


@router.delete("/{file_id}", status_code=204, response_class=Response, responses=error_responses(404))
async def delete_file(
    extraction_id: str, file_id: str, account: AccountDep, session: SessionDep, state: StateDep
) -> Response:
    with closing(session):  # async route: see api/deps.py
        rec = svc.owned_file(session, account, extraction_id, file_id)
        await svc.delete_file(state, session, rec)
    return Response(status_code=204)
