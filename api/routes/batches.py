from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api import batch_service as svc
from api.deps import AccountDep, SessionDep, StateDep
from api.schemas import BatchCreated, BatchDetail, BatchList, ErrorOut
from api.uploads import parse_upload, upload_tmpdir

router = APIRouter(prefix="/v1/extractions/{extraction_id}/batches", tags=["batches"])

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                                  "minItems": 1, "maxItems": 30},
                        "name": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "", status_code=202, response_model=BatchCreated, openapi_extra=UPLOAD_DOC,
    responses={400: {"model": ErrorOut}, 403: {"model": ErrorOut}, 413: {"model": ErrorOut}},
)
async def upload_batch(
    extraction_id: str, request: Request, account: AccountDep, session: SessionDep, state: StateDep
) -> BatchCreated:
    ext = svc.owned_extraction(session, account, extraction_id)
    with upload_tmpdir() as tmp:
        upload = await parse_upload(
            request, Path(tmp),
            max_files=state.settings.max_files_per_batch, max_bytes=state.settings.max_file_bytes,
        )
        batch = await svc.create_batch(state, session, account, ext, upload)
    return BatchCreated(batch=svc.batch_public(batch, batch.status, batch.file_count))


@router.get("", response_model=BatchList)
def list_batches(
    extraction_id: str,
    account: AccountDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[str | None, Query(max_length=200)] = None,
) -> BatchList:
    ext = svc.owned_extraction(session, account, extraction_id)
    batches, next_before = svc.list_batches(session, account, ext, limit, before)
    return BatchList(batches=batches, next_before=next_before)


@router.get("/{batch_id}", response_model=BatchDetail)
async def get_batch(
    extraction_id: str, batch_id: str, account: AccountDep, session: SessionDep, state: StateDep
) -> BatchDetail:
    batch = svc.owned_batch(session, account, extraction_id, batch_id)
    public, files = await svc.batch_detail(state, session, batch)
    return BatchDetail(batch=public, files=files)
