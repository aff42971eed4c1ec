"""Batches of an extraction: upload, list, status, results, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

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
    StatusViewsDep,
    StoreDep,
    TemporalDep,
)
from api.json_body import CappedBodyRoute
from api.schemas import BatchCreated, BatchDetail, BatchList, BatchResults, Usage, error_responses
from api.services import batch_upload, batches, deletion, results
from api.services.results import MEDIA_TYPES, ResultsFormat
from api.uploads import parse_upload, upload_tmpdir
from core import limits
from core.limits import DEFAULT_PAGE_SIZE
from documents.kinds import SUPPORTED

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
                                  "minItems": 1, "maxItems": 30,
                                  "description": f"the documents ({SUPPORTED}; each at most 25 MB), one part "
                                  "each: office documents are converted to PDF, an e-mail's attachments become "
                                  "files of the batch; the field may also be named `files[]`"},
                        "name": {"type": "string", "maxLength": limits.MAX_BATCH_NAME_CHARS,
                                 "description": "a name for the batch"},
                        "webhook_url": {"type": "string", "maxLength": limits.MAX_WEBHOOK_URL_CHARS,
                                        "description": "events of this batch are POSTed here instead of to the "
                                        "extraction's webhook_url (see Webhooks in the README)"},
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
    # at upload no model tokens are used yet (a replay answers as the first upload did)
    return BatchCreated(batch=batches.public(batch, status=batch.status, file_count=batch.file_count, usage=Usage()),
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


@router.get(
    "/{batch_id}/results", response_model=BatchResults,
    responses={200: {"description": "`format=json` (default): {batch, files}; `ndjson`: one file per line; `csv`: "
                     "one row per file, a column per scalar field",
                     "content": {MEDIA_TYPES[ResultsFormat.NDJSON]: {"schema": {"type": "string"}},
                                 "text/csv": {"schema": {"type": "string"}}}},
               **error_responses(400, 404)},
)
async def batch_results(
    ext: OwnedExtraction, batch: OwnedBatch, db: DbDep,
    fmt: Annotated[ResultsFormat, Query(alias="format", description="json, ndjson or csv")] = ResultsFormat.JSON,
) -> StreamingResponse:
    """Every file of the batch with its values, in one answer: processed files with their result, files
    waiting for review with the extracted values (`status: needs_review`, `reviewed: false`), failed
    files with their error, queued or processing ones without values. Streamed, a few files at a time."""
    head = results.header(db=db, batch=batch)
    headers = {}
    if fmt is ResultsFormat.CSV:
        headers["Content-Disposition"] = f'attachment; filename="{batch.id}-results.csv"'
    return StreamingResponse(results.stream(db=db, ext=ext, batch=head, fmt=fmt), media_type=MEDIA_TYPES[fmt],
                             headers=headers)


@router.delete("/{batch_id}", status_code=204, response_class=Response, responses=error_responses(404))
async def delete_batch(
    batch: OwnedBatch, db: DbDep, store: StoreDep, temporal: TemporalDep, views: StatusViewsDep, state: StateDep,
) -> Response:
    """The batch, its files, results and stored objects; a running batch is told to drop its files.
    Pages are not refunded."""
    await deletion.delete_batch(db=db, store=store, temporal=temporal, views=views,
                                known_batches=state.known_batches, batch=batch)
    return Response(status_code=204)
