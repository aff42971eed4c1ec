"""Files of an extraction's batches: status, result, and deleting a file."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import DbDep, OwnedFile, StatusViewsDep, StoreDep, TemporalDep
from api.json_body import CappedBodyRoute
from api.schemas import FileOut, FileResultOut, error_responses
from api.services import deletion, files

router = APIRouter(prefix="/v1/extractions/{extraction_id}/files", tags=["files"], route_class=CappedBodyRoute)


@router.get("/{file_id}", response_model=FileOut, responses=error_responses(404))
async def get_file(rec: OwnedFile, views: StatusViewsDep) -> FileOut:
    """The file's status (queued, processing, processed, needs_review, failed) and its error."""
    return FileOut(file=await files.info(views=views, rec=rec))


@router.get("/{file_id}/result", response_model=FileResultOut, responses=error_responses(404, 409))
async def get_result(rec: OwnedFile, db: DbDep) -> FileResultOut:
    return files.result(db=db, rec=rec)


@router.delete("/{file_id}", status_code=204, response_class=Response, responses=error_responses(404))
async def delete_file(
    rec: OwnedFile, db: DbDep, store: StoreDep, temporal: TemporalDep, views: StatusViewsDep
) -> Response:
    await deletion.delete_file(db=db, store=store, temporal=temporal, views=views, rec=rec)
    return Response(status_code=204)
