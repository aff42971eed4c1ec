from __future__ import annotations

from contextlib import closing

from fastapi import APIRouter, Request, Response

from api import batch_service as svc
from api import review_service as reviews
from api.deps import AccountDep, SessionDep, StateDep
from api.schemas import ReviewDecisionIn, ReviewDetail, ReviewOutcomeOut, ReviewQueue, error_responses

router = APIRouter(tags=["review"])


@router.get("/v1/reviews", response_model=ReviewQueue, responses=error_responses())
def account_queue(account: AccountDep, session: SessionDep) -> ReviewQueue:
    """Files waiting for review across all of the account's extractions, oldest first."""
    return ReviewQueue(files=reviews.queue(session, account.id))


@router.get("/v1/extractions/{extraction_id}/reviews", response_model=ReviewQueue, responses=error_responses(404))
def extraction_queue(extraction_id: str, account: AccountDep, session: SessionDep) -> ReviewQueue:
    ext = svc.owned_extraction(session, account, extraction_id)
    return ReviewQueue(files=reviews.queue(session, account.id, ext.id))


@router.get(
    "/v1/extractions/{extraction_id}/files/{file_id}/review", response_model=ReviewDetail,
    responses=error_responses(404, 409),
)
def review_detail(extraction_id: str, file_id: str, request: Request, account: AccountDep, session: SessionDep) -> ReviewDetail:
    ext = svc.owned_extraction(session, account, extraction_id)
    rec = svc.owned_file(session, account, extraction_id, file_id)
    return reviews.detail(session, ext, rec, str(request.base_url).rstrip("/"))


@router.post(
    "/v1/extractions/{extraction_id}/files/{file_id}/review", response_model=ReviewOutcomeOut,
    responses=error_responses(400, 404, 409),
)
async def post_decision(
    extraction_id: str, file_id: str, body: ReviewDecisionIn, request: Request,
    account: AccountDep, session: SessionDep, state: StateDep,
) -> ReviewOutcomeOut:
    with closing(session):  # async route: see api/deps.py
        rec = svc.owned_file(session, account, extraction_id, file_id)
    return await reviews.decide(state, rec, request.state.api_key, body)


@router.get(
    "/v1/extractions/{extraction_id}/files/{file_id}/pages/{page}",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **error_responses(400, 404, 409)},
)
async def page_image(
    extraction_id: str, file_id: str, page: int, account: AccountDep, session: SessionDep, state: StateDep
) -> Response:
    with closing(session):  # async route: see api/deps.py
        rec = svc.owned_file(session, account, extraction_id, file_id)
    return Response(await reviews.page_image(state, rec, page), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})
