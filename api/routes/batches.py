from __future__ import annotations

from contextlib import closing

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from api import batch_service as svc
from api.deps import AccountDep, SessionDep, StateDep
from api.schemas import BatchCreated, BatchDetail, BatchList, error_responses
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
    responses=error_responses(400, 404, 409, 413),
)
async def upload_batch(
    extraction_id: str, request: Request, response: Response, account: AccountDep, session: SessionDep,
    state: StateDep,
    idempotency_key: Annotated[str | None, Header(
        description="Send the same value when retrying an upload: within 24 h the same key with the same "
        "extraction, name and files returns the batch it made (no second batch, no second charge); with a "
        "different request it is refused with 409 idempotency_key_reused.")] = None,
) -> BatchCreated:
    key = svc.check_idempotency_key(idempotency_key)
    with closing(session):  # async route: see api/deps.py
        ext = svc.owned_extraction(session, account, extraction_id)
        session.commit()  # no connection held while the files stream in and their pages are counted
        with upload_tmpdir() as tmp:
            upload = await parse_upload(
                request, Path(tmp),
                max_files=state.settings.max_files_per_batch, max_bytes=state.settings.max_file_bytes,
            )
            batch, created = await svc.create_batch(state, session, account, ext, upload, key)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return BatchCreated(batch=svc.batch_public(batch, batch.status, batch.file_count))


@router.get("", response_model=BatchList, responses=error_responses(400, 404))
async def list_batches(
    extraction_id: str,
    account: AccountDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[str | None, Query(max_length=200)] = None,
) -> BatchList:
    # async: two index queries on the loop cost less than a hop to the thread pool
    with closing(session):
        ext = svc.owned_extraction(session, account, extraction_id)
        batches, next_before = svc.list_batches(session, account, ext, limit, before)
    return BatchList(batches=batches, next_before=next_before)


@router.get("/{batch_id}", response_model=BatchDetail, responses=error_responses(404))
async def get_batch(
    extraction_id: str, batch_id: str, account: AccountDep, session: SessionDep, state: StateDep
) -> BatchDetail:
    with closing(session):  # async route: see api/deps.py
        public, files = await svc.batch_status(state, session, account, extraction_id, batch_id)
    return BatchDetail(batch=public, files=files)
