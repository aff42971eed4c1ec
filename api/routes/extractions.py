"""Extractions: the schemas an account defines, and deleting one with all its batches."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import (
    AccountDep,
    Cursor,
    DbDep,
    GeminiCheckDep,
    OwnedExtraction,
    PageSize,
    SettingsDep,
    StateDep,
    StatusViewsDep,
    StoreDep,
    TemporalDep,
)
from api.json_body import CappedBodyRoute
from api.schemas import ExtractionCreate, ExtractionList, ExtractionOut, ExtractionPublic, error_responses
from api.services import deletion, extractions
from core.limits import DEFAULT_PAGE_SIZE
from core.models import Extraction

router = APIRouter(prefix="/v1/extractions", tags=["extractions"], route_class=CappedBodyRoute)


def _public(ext: Extraction) -> ExtractionPublic:
    return ExtractionPublic.model_validate(ext, from_attributes=True)


@router.post("", status_code=201, response_model=ExtractionOut, responses=error_responses(400, 409))
async def create_extraction(
    body: ExtractionCreate, account: AccountDep, db: DbDep, settings: SettingsDep, gemini: GeminiCheckDep
) -> ExtractionOut:
    ext = await extractions.create(db=db, account=account, body=body, gemini=gemini,
                                   allow_private_webhooks=settings.webhook_allow_private)
    return ExtractionOut(extraction=_public(ext))


@router.get("", response_model=ExtractionList, responses=error_responses(400))
async def list_extractions(account: AccountDep, db: DbDep, limit: PageSize = DEFAULT_PAGE_SIZE,
                           before: Cursor = None) -> ExtractionList:
    page, next_before = extractions.listing(db=db, account=account, limit=limit, before=before)
    return ExtractionList(extractions=[_public(e) for e in page], next_before=next_before)


@router.get("/{extraction_id}", response_model=ExtractionOut, responses=error_responses(404))
async def get_extraction(ext: OwnedExtraction) -> ExtractionOut:
    return ExtractionOut(extraction=_public(ext))


@router.delete("/{extraction_id}", status_code=204, response_class=Response, responses=error_responses(404))
async def delete_extraction(
    ext: OwnedExtraction, db: DbDep, store: StoreDep, temporal: TemporalDep, views: StatusViewsDep, state: StateDep,
) -> Response:
    """The extraction and every batch of it (files, results, stored objects); running batches are told
    to drop their files. Pages are not refunded."""
    await deletion.delete_extraction(db=db, store=store, temporal=temporal, views=views,
                                     known_batches=state.known_batches, ext=ext)
    return Response(status_code=204)
