"""Batches of an extraction: upload, list, status."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request, Response

from api.deps import (
    AccountDep,
    Cursor,
    DbDep,
    DocumentsDep,
    IdempotencyKeyDep,
    OwnedBatch,
    OwnedExtraction,
    PageSize,
    SettingsDep,
    StateDep,
    StoreDep,
    TemporalDep,
)
from api.json_body import CappedBodyRoute
from api.schemas import BatchCreated, BatchDetail, BatchList, error_responses
from api.services import batch_upload, batches
from api.uploads import parse_upload, upload_tmpdir
from core.limits import DEFAULT_PAGE_SIZE

router = APIRouter(prefix="/v1/extractions/{extraction_id}/batches", tags=["batches"], route_class=CappedBodyRoute)

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
    request: Request, response: Response, account: AccountDep, idempotency_key: IdempotencyKeyDep,
    ext: OwnedExtraction, db: DbDep, settings: SettingsDep, store: StoreDep, documents: DocumentsDep,
    temporal: TemporalDep,
) -> BatchCreated:
    with upload_tmpdir() as tmp:
        upload = await parse_upload(request, Path(tmp), max_files=settings.max_files_per_batch,
                                    max_bytes=settings.max_file_bytes)
        accepted = await batch_upload.accept(
            db=db, settings=settings, store=store, documents=documents, temporal=temporal,
            account=account, ext=ext, upload=upload, idempotency_key=idempotency_key,
        )
    batch = accepted.batch
    if not accepted.created:
        response.headers["Idempotent-Replayed"] = "true"
    return BatchCreated(batch=batches.public(batch, status=batch.status, file_count=batch.file_count),
                        files=accepted.files)


@router.get("", response_model=BatchList, responses=error_responses(400, 404))
async def list_batches(
    account: AccountDep,
    ext: OwnedExtraction,
    db: DbDep,
    limit: PageSize = DEFAULT_PAGE_SIZE,
    before: Cursor = None,
) -> BatchList:
    page, next_before = batches.listing(db=db, account=account, ext=ext, limit=limit, before=before)
    return BatchList(batches=page, next_before=next_before)


@router.get("/{batch_id}", response_model=BatchDetail, responses=error_responses(404))
async def get_batch(batch: OwnedBatch, state: StateDep) -> BatchDetail:
    public, files = await batches.status(
        db=state.db, views=state.status_views, query_status=state.query_status,
        outage_timeout_s=state.settings.status_query_timeout_s * 8, batch=batch,
    )
    return BatchDetail(batch=public, files=files)
