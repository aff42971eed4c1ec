"""Webhook receivers (checked when an extraction or batch names one) and the signing secret."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine

from api.data import accounts as data
from api.domain_errors import Conflict, Invalid
from core.models import Account
from core.webhooks import WebhookUrlRefused, check_url, new_secret


def _check(*, url: str, allow_private: bool, account: Account) -> str:
    try:
        check_url(url, allow_private=allow_private)
    except WebhookUrlRefused as e:
        raise Invalid("webhook_url_refused", str(e)) from None
    if not account.webhook_secret:
        raise Conflict("webhook_secret_missing", "webhook_url needs the account's webhook secret to sign deliveries: "
                       "create it first with POST /v1/webhook-secret")
    return url


async def checked_url(*, url: str | None, allow_private: bool, account: Account) -> str | None:
    """A receiver we may call, for an account that can sign: else Invalid / Conflict saying why."""
    if url is None:
        return None
    # in a thread: the check resolves the host name (blocking DNS)
    return await asyncio.to_thread(_check, url=url, allow_private=allow_private, account=account)


def rotate_secret(*, db: Engine, account: Account) -> str:
    """A new signing secret; the previous one stops working at once."""
    secret = new_secret()
    data.set_webhook_secret(db=db, account_id=account.id, secret=secret)
    return secret
