"""The account's webhook signing secret."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AccountDep, SessionDep
from api.schemas import WebhookSecretOut, error_responses
from core.models import Account
from core.webhooks import new_secret

router = APIRouter(prefix="/v1/webhook-secret", tags=["webhooks"])


@router.post("", status_code=201, response_model=WebhookSecretOut, responses=error_responses())
def rotate_webhook_secret(account: AccountDep, session: SessionDep) -> WebhookSecretOut:
    """A new secret for signing this account's webhook deliveries, shown only in this answer; the
    previous one stops working at once (deliveries in flight are signed with the new one)."""
    row = session.get(Account, account.id)
    row.webhook_secret = new_secret()
    session.add(row)
    session.commit()
    return WebhookSecretOut(secret=row.webhook_secret)
