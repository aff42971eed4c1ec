"""Accounts, API keys (stored as hashes only) and the page budget."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, or_, update
from sqlmodel import Session, col, select

from core.config import Settings
from core.db import init_db, session_scope
from core.ids import new_id
from core.models import Account, ApiKey, utcnow

KEY_PREFIX = "dp_"
DEV_KEY_FILE = "dev-api-key"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_account(session: Session, *, name: str, pages: int) -> Account:
    account = Account(id=new_id("acc"), name=name, pages_limit=pages)
    session.add(account)
    session.flush()
    return account


def create_key(session: Session, *, account_id: str, name: str) -> tuple[ApiKey, str]:
    """Returns the row and the plaintext key; the plaintext exists only in this return value."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=new_id("key"),
        account_id=account_id,
        name=name,
        prefix=plaintext[:10],
        key_hash=hash_key(plaintext),
    )
    session.add(row)
    session.flush()
    return row, plaintext


def find_key(session: Session, plaintext: str) -> ApiKey | None:
    return find_key_and_account(session, plaintext)[0]


def find_key_and_account(session: Session, plaintext: str) -> tuple[ApiKey | None, Account | None]:
    """The key with this plaintext and its account, in one query (every request makes it)."""
    digest = hash_key(plaintext)
    row = session.exec(
        select(ApiKey, Account).join(Account, col(Account.id) == ApiKey.account_id).where(ApiKey.key_hash == digest)
    ).first()
    # The index lookup already matched; compare again in constant time so the check itself
    # never leaks timing about the stored hash.
    if row is None or not hmac.compare_digest(row[0].key_hash, digest):
        return None, None
    return row[0], row[1]


def revoke_key(session: Session, id_or_key: str) -> ApiKey | None:
    row = session.exec(
        select(ApiKey).where(or_(col(ApiKey.id) == id_or_key, col(ApiKey.key_hash) == hash_key(id_or_key)))
    ).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return row


def charge_pages(session: Session, *, account_id: str, pages: int) -> bool:
    """Atomically takes `pages` from the budget; False when they do not fit."""
    result = session.execute(
        update(Account)
        .where(col(Account.id) == account_id, col(Account.pages_used) + pages <= Account.pages_limit)
        .values(pages_used=Account.pages_used + pages)
    )
    # an UPDATE gives a CursorResult; sqlmodel's Session.execute is annotated with plain Result
    return cast(CursorResult[Any], result).rowcount == 1


def refund_pages(session: Session, *, account_id: str, pages: int) -> None:
    session.execute(
        update(Account).where(col(Account.id) == account_id).values(pages_used=Account.pages_used - pages)
    )


def ensure_dev_key(settings: Settings) -> str:
    """A working key for the local stack: reuse the one saved in the data dir while it is valid.

    Only the local dev stack keeps a plaintext key (in a 0600 file in its own data dir), so that
    `docparse up` can print a ready key on every start; the database still holds only the hash.
    """
    engine = init_db(settings)
    path = settings.data_dir / DEV_KEY_FILE
    with session_scope(engine) as session:
        if path.exists():
            saved = path.read_text().strip()
            row = find_key(session, saved)
            if row is not None and row.revoked_at is None:
                return saved
        account = create_account(session, name="dev", pages=settings.default_account_pages)
        _, plaintext = create_key(session, account_id=account.id, name="dev")
        session.commit()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(plaintext + "\n")
    path.chmod(0o600)
    return plaintext


def default_api_key(data_dir: Path | None) -> str | None:
    """The key a local client uses when given none: DOCPARSE_API_KEY, else the dev key `docparse up`
    saved in data_dir (default DOCPARSE_DATA_DIR, else ~/.docparse); None when there is neither."""
    if os.environ.get("DOCPARSE_API_KEY"):
        return os.environ["DOCPARSE_API_KEY"]
    base = data_dir or Path(os.environ.get("DOCPARSE_DATA_DIR") or Path.home() / ".docparse")
    p = Path(base).expanduser() / DEV_KEY_FILE
    if p.exists():
        return p.read_text().strip() or None
    return None
