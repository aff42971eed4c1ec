from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import select

from api.batch_service import check_webhook_url, owned_extraction
from api.deps import AccountDep, SessionDep, StateDep
from api.schemas import (
    ExtractionCreate,
    ExtractionList,
    ExtractionOut,
    ExtractionPublic,
    error_responses,
)
from core.ids import new_id
from core.models import Extraction

router = APIRouter(prefix="/v1/extractions", tags=["extractions"])


def _public(ext: Extraction) -> ExtractionPublic:
    return ExtractionPublic.model_validate(ext, from_attributes=True)


@router.post("", status_code=201, response_model=ExtractionOut, responses=error_responses(400, 409))
def create_extraction(body: ExtractionCreate, account: AccountDep, session: SessionDep, state: StateDep) -> ExtractionOut:
    ext = Extraction(
        id=new_id("ext"),
        account_id=account.id,
        name=body.name,
        description=body.description,
        language=body.language,
        model=body.model,
        review_threshold=body.review_threshold,
        review_deadline_hours=body.review_deadline_hours,
        fields=[f.model_dump(exclude_none=True) for f in body.fields],
        webhook_url=check_webhook_url(state, account, body.webhook_url),
    )
    session.add(ext)
    session.commit()
    return ExtractionOut(extraction=_public(ext))


@router.get("", response_model=ExtractionList, responses=error_responses())
def list_extractions(account: AccountDep, session: SessionDep) -> ExtractionList:
    rows = session.exec(
        select(Extraction)
        .where(Extraction.account_id == account.id)
        .order_by(Extraction.created_at.desc(), Extraction.id.desc())
    ).all()
    return ExtractionList(extractions=[_public(e) for e in rows])


@router.get("/{extraction_id}", response_model=ExtractionOut, responses=error_responses(404))
def get_extraction(extraction_id: str, account: AccountDep, session: SessionDep) -> ExtractionOut:
    return ExtractionOut(extraction=_public(owned_extraction(session, account, extraction_id)))
