"""`docparse keys create|list|revoke`: API keys in the configured database, managed locally."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cli.data_dir import DataDir, settings_for

keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Name of the key (and of its new account).")],
    pages: Annotated[Optional[int], typer.Option(help="Page budget of the new account.")] = None,
    account: Annotated[Optional[str], typer.Option(help="Add the key to this existing account id.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an API key; the key is printed once, as the last line."""
    from core.accounts import create_account, create_key
    from core.db import init_db, session_scope
    from core.models import Account

    settings = settings_for(data_dir)
    with session_scope(init_db(settings)) as session:
        if account:
            acc = session.get(Account, account)
            if acc is None:
                typer.echo(f"error: no account {account}", err=True)
                raise typer.Exit(2)
            if pages is not None:
                acc.pages_limit = pages
                session.add(acc)
        else:
            acc = create_account(session, name=name, pages=pages if pages is not None else settings.default_account_pages)
        row, plaintext = create_key(session, account_id=acc.id, name=name)
        session.commit()
        typer.echo(f"key {row.id} for account {acc.id} ({acc.pages_left} pages left); it is shown only once:")
        typer.echo(plaintext)


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """Show every key: id, name, prefix, pages left, revoked."""
    from sqlmodel import col, select

    from core.db import init_db, session_scope
    from core.models import Account, ApiKey

    settings = settings_for(data_dir)
    with session_scope(init_db(settings)) as session:
        rows = session.exec(select(ApiKey, Account).join(Account).order_by(col(ApiKey.created_at))).all()
        typer.echo(f"{'id':32} {'name':20} {'prefix':12} {'pages left':>10}  revoked")
        for key, acc in rows:
            revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "no"
            typer.echo(f"{key.id:32} {key.name[:20]:20} {key.prefix:12} {acc.pages_left:>10}  {revoked}")


@keys_app.command("revoke")
def keys_revoke(id_or_key: str, data_dir: DataDir = None) -> None:
    """Revoke a key by its id or by the key itself."""
    from core.accounts import revoke_key
    from core.db import init_db, session_scope

    settings = settings_for(data_dir)
    with session_scope(init_db(settings)) as session:
        row = revoke_key(session, id_or_key)
        if row is None:
            typer.echo("error: no such key", err=True)
            raise typer.Exit(2)
        session.commit()
        typer.echo(f"revoked {row.id}")
