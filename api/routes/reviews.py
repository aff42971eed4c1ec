"""Human review: the queues, a file's review detail, decisions, and page images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.deps import (
    AccountDep,
    DbDep,
    DocumentsDep,
    KeyDep,
    OwnedExtraction,
    OwnedFile,
    StatusViewsDep,
    StoreDep,
    TemporalDep,
)
from api.json_body import CappedBodyRoute
from api.schemas import ReviewDecisionIn, ReviewDetail, ReviewOutcomeOut, ReviewQueue, error_responses
from api.services import pages, reviews

router = APIRouter(tags=["review"], route_class=CappedBodyRoute)


async def _page_number(page: int) -> int:
    return page


# A dependency rather than a parameter only to keep the path parameters documented in path order
# (extraction_id, file_id, page): generated clients take them positionally.
PageNumber = Annotated[int, Depends(_page_number)]


@router.get("/v1/reviews", response_model=ReviewQueue, responses=error_responses())
async def account_queue(account: AccountDep, db: DbDep) -> ReviewQueue:
    """Files waiting for review across all of the account's extractions, oldest first."""
    return ReviewQueue(files=reviews.queue(db=db, account=account))


@router.get("/v1/extractions/{extraction_id}/reviews", response_model=ReviewQueue, responses=error_responses(404))
async def extraction_queue(account: AccountDep, ext: OwnedExtraction, db: DbDep) -> ReviewQueue:
    return ReviewQueue(files=reviews.queue(db=db, account=account, extraction_id=ext.id))


@router.get(
    "/v1/extractions/{extraction_id}/files/{file_id}/review", response_model=ReviewDetail,
    responses=error_responses(404, 409),
)
async def review_detail(ext: OwnedExtraction, rec: OwnedFile, request: Request, db: DbDep) -> ReviewDetail:
    return reviews.detail(db=db, ext=ext, rec=rec, base_url=str(request.base_url).rstrip("/"))


@router.post(
    "/v1/extractions/{extraction_id}/files/{file_id}/review", response_model=ReviewOutcomeOut,
    responses=error_responses(400, 404, 409),
)
async def post_decision(
    ext: OwnedExtraction, rec: OwnedFile, body: ReviewDecisionIn, key: KeyDep, temporal: TemporalDep,
    views: StatusViewsDep, store: StoreDep,
) -> ReviewOutcomeOut:
    """Approve (optionally with corrected values: each at most 64 KB as JSON, 256 KB together) or
    reject a file waiting for review."""
    return await reviews.decide(temporal=temporal, views=views, store=store, ext=ext, rec=rec, key=key, body=body)


@router.get(
    "/v1/extractions/{extraction_id}/files/{file_id}/pages/{page}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **error_responses(400, 404, 409)},
)
async def page_image(rec: OwnedFile, page: PageNumber, store: StoreDep, documents: DocumentsDep) -> Response:
    png = await pages.page_png(store=store, documents=documents, rec=rec, page=page)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
