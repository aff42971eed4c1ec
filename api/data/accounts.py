"""Accounts and API keys."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.data.session import unit
from core.accounts import find_key_and_account
from core.models import Account, ApiKey


def key_and_account(*, db: Engine, plaintext: str) -> tuple[ApiKey | None, Account | None]:
    with unit(db) as session:
        return find_key_and_account(session, plaintext)


def pages_left(*, db: Engine, account_id: str) -> int:
    with unit(db) as session:
        account = session.get(Account, account_id)
        return account.pages_left if account is not None else 0


def set_webhook_secret(*, db: Engine, account_id: str, secret: str) -> None:
    with unit(db) as session:
        session.execute(update(Account).where(col(Account.id) == account_id).values(webhook_secret=secret))
        session.commit()
