"""Who pays for `docparse eval` through the API: never the user's own account when it can be helped.

Against the local stack (no key given), the evaluation runs under a throwaway account made in the
stack's database with just enough pages for the set, and its key is revoked afterwards; the user's
dev account is not charged. With a key given (a remote API), that key's account pays: deleting the
evaluation's files afterwards does not refund pages, and the report says how many were used.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator


def local_settings(data_dir: Path | None):
    """The local stack's settings (data dir from the argument, DOCPARSE_DATA_DIR or ~/.docparse), or
    None when it has no database yet (no stack was started there)."""
    from core.config import Settings

    settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
    if settings.database_url or (settings.data_dir / "docparse.db").exists():
        return settings
    return None


@contextmanager
def eval_account(data_dir: Path | None, pages: int) -> Iterator[tuple[str, str] | None]:
    """(account id, key) of a throwaway account with ``pages`` pages, revoked on exit; None when
    there is no local stack database to make it in."""
    settings = local_settings(data_dir)
    if settings is None or os.environ.get("DOCPARSE_API_KEY"):
        yield None
        return
    from core.accounts import create_account, create_key, revoke_key
    from core.db import init_db, session_scope

    engine = init_db(settings)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with session_scope(engine) as session:
        account = create_account(session, name=f"docparse eval {stamp}", pages=max(pages, 1))
        row, key = create_key(session, account_id=account.id, name="docparse eval")
        session.commit()
        account_id, key_id = account.id, row.id
    try:
        yield account_id, key
    finally:
        with session_scope(engine) as session:
            revoke_key(session, key_id)
            session.commit()


def pages_of(paths: list[Path]) -> int:
    """Pages the API will count for these files (images are one page)."""
    import pymupdf

    n = 0
    for p in paths:
        if p.suffix.lower() == ".pdf":
            with pymupdf.open(str(p)) as d:
                n += d.page_count
        else:
            n += 1
    return n
