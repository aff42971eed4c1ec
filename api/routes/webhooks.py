"""The account's webhook signing secret."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AccountDep, DbDep
from api.json_body import CappedBodyRoute
from api.schemas import WebhookSecretOut, error_responses
from api.services import webhooks

router = APIRouter(prefix="/v1/webhook-secret", tags=["webhooks"], route_class=CappedBodyRoute)


@router.post("", status_code=201, response_model=WebhookSecretOut, responses=error_responses())
async def rotate_webhook_secret(account: AccountDep, db: DbDep) -> WebhookSecretOut:
    """A new secret for signing this account's webhook deliveries, shown only in this answer; the
    previous one stops working at once (deliveries in flight are signed with the new one)."""
    return WebhookSecretOut(secret=webhooks.rotate_secret(db=db, account=account))
