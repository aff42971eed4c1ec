"""Delivering one webhook event: signed POST, every attempt recorded; Temporal retries."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import httpx
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.config import Settings
from core.db import session_scope
from core.models import Account, WebhookAttempt
from core.webhooks import WebhookUrlRefused, check_url, pinned, signed_headers
from workflows import activity_names as act
from workflows.contracts import ErrorType
from workflows.models import WebhookEvent


class WebhookActivities:
    def __init__(self, settings: Settings, db: Engine):
        self.settings = settings
        self.db = db

    def _secret(self, account_id: str) -> str | None:
        with session_scope(self.db) as session:
            account = session.get(Account, account_id)
            return account.webhook_secret if account else None

    def _record(self, ev: WebhookEvent, status_code: int | None, error: str | None) -> None:
        with session_scope(self.db) as session:
            session.add(WebhookAttempt(
                event_id=ev.id, event_type=ev.type, account_id=ev.account_id, batch_id=ev.batch_id,
                url=ev.target.url, attempt=activity.info().attempt, status_code=status_code,
                error=error[:1000] if error else None,
            ))
            session.commit()

    async def _refuse(self, ev: WebhookEvent, message: str) -> ApplicationError:
        await asyncio.to_thread(self._record, ev, None, message)
        return ApplicationError(message, type=ErrorType.WEBHOOK_REFUSED, non_retryable=True)

    @activity.defn(name=act.DELIVER_WEBHOOK)
    async def deliver_webhook(self, ev: WebhookEvent) -> None:
        secret = await asyncio.to_thread(self._secret, ev.account_id)
        if not secret:
            raise await self._refuse(ev, "the account has no webhook secret (POST /v1/webhook-secret)")
        try:  # again at every attempt: what the host resolves to may have changed
            target = await asyncio.to_thread(check_url, ev.target.url,
                                             allow_private=self.settings.webhook_allow_private)
        except WebhookUrlRefused as e:
            raise await self._refuse(ev, str(e)) from None
        url, host, extensions = pinned(target)  # connect to the address just checked
        body = json.dumps({"type": ev.type, "timestamp": ev.created_at.isoformat(), "data": ev.data})
        headers = {**signed_headers(secret, ev.id, datetime.now(timezone.utc), body), **host}
        try:
            async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_s, follow_redirects=False) as http:
                try:
                    request = http.build_request("POST", url, content=body, headers=headers, extensions=extensions)
                except (httpx.InvalidURL, ValueError) as e:  # not HTTPErrors: a day of silent retries
                    raise await self._refuse(ev, f"webhook_url cannot be requested: {e}") from None
                # only the status matters: the receiver's body is never read into memory
                answer = await http.send(request, stream=True)
                status = answer.status_code
                await answer.aclose()
        except httpx.HTTPError as e:
            await asyncio.to_thread(self._record, ev, None, f"{type(e).__name__}: {e}")
            raise ApplicationError(f"webhook receiver unreachable ({type(e).__name__}); retrying") from None
        await asyncio.to_thread(self._record, ev, status, None)
        if not 200 <= status < 300:
            raise ApplicationError(f"webhook receiver answered {status}; retrying")
