"""deliver_webhook under ActivityEnvironment: a URL that cannot be called (stored before today's
checks, or refused by them) is an attempt recorded with its error and a non-retryable failure,
not a day of silent retries (issue 14, item 10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.webhooks import WebhookActivities
from core.accounts import create_account
from core.config import Settings
from core.db import init_db, session_scope
from core.models import WebhookAttempt
from core.webhooks import new_secret
from workflows.contracts import ErrorType
from workflows.models import WebhookEvent, WebhookTarget


@pytest.fixture
def setup(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=None)
    db = init_db(settings)
    with session_scope(db) as session:
        account = create_account(session, name="a", pages=1)
        account.webhook_secret = new_secret()
        session.add(account)
        session.commit()
        account_id = account.id
    return settings, db, account_id


@pytest.mark.parametrize("url, says", [
    ("http://8.8.8.8/\r\nX-Injected: 1", "control character"),  # httpx's InvalidURL before: retried, unrecorded
    ("http://8.8.8.8:0/hook", "port 0"),
    ("http://[::127.0.0.1]/hook", "loopback"),  # IPv4-compatible
    ("http://[2002:7f00:1::]/hook", "127.0.0.1"),  # 6to4 of loopback
    ("http://[64:ff9b::a9fe:a9fe]/hook", "link-local"),  # NAT64 of the metadata address
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", "private"),  # Teredo
])
async def test_a_url_that_cannot_be_called_is_recorded_and_not_retried(setup, url, says):
    settings, db, account_id = setup
    event = WebhookEvent(id="evt_1", type="file.processed", created_at=datetime.now(UTC), account_id=account_id,
                         batch_id="btc_1", target=WebhookTarget(url=url), data={})
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(WebhookActivities(settings, db).deliver_webhook, event)
    assert failed.value.non_retryable and failed.value.type == ErrorType.WEBHOOK_REFUSED
    with session_scope(db) as session:
        attempts = session.exec(select(WebhookAttempt)).all()
    assert len(attempts) == 1 and attempts[0].status_code is None and says in (attempts[0].error or "")
