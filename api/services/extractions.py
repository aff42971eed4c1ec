"""Extractions: the schemas an account reads its documents with."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from api.data import extractions as data
from api.domain_errors import NotFound
from api.schemas import ExtractionCreate
from api.services import paging, webhooks
from api.state import ModelCheck
from core.ids import new_id
from core.models import Account, Extraction
from core.schema import ExtractionSchema


def owned(*, db: Engine, account: Account, extraction_id: str) -> Extraction:
    ext = data.get(db=db, account_id=account.id, extraction_id=extraction_id)
    if ext is None:
        raise NotFound("extraction", extraction_id)
    return ext


async def create(*, db: Engine, account: Account, body: ExtractionCreate, allow_private_webhooks: bool,
                 gemini: ModelCheck | None = None) -> Extraction:
    if gemini is not None:  # where Gemini reads the files: its schema caps, and the model it names
        await gemini.check(model=body.model, schema=ExtractionSchema(fields=body.fields, language=body.language))
    webhook_url = await webhooks.checked_url(url=body.webhook_url, allow_private=allow_private_webhooks,
                                             account=account)
    return data.add(db=db, extraction=Extraction(
        id=new_id("ext"),
        account_id=account.id,
        name=body.name,
        description=body.description,
        language=body.language,
        model=body.model,
        review_threshold=body.review_threshold,
        review_deadline_hours=body.review_deadline_hours,
        fields=[f.model_dump(exclude_none=True) for f in body.fields],
        webhook_url=webhook_url,
    ))


def listing(*, db: Engine, account: Account, limit: int, before: str | None) -> tuple[list[Extraction], str | None]:
    """A page of the account's extractions, newest first, and the cursor of the next (None: last)."""
    when, before_id = paging.parse_before(before) or (None, None)
    rows, more = data.page(db=db, account_id=account.id, limit=limit, before=when, before_id=before_id)
    return rows, (paging.format_cursor(rows[-1]) if more else None)
