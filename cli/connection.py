"""What `docparse extract` and `docparse review` share: the --api/--key options, the client they
build (the key defaults to DOCPARSE_API_KEY, else the dev key `docparse up` wrote), and turning API
errors into one line on stderr and an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from client import Client

ApiOpt = Annotated[str | None, typer.Option(
    "--api", help="API URL (default DOCPARSE_API_URL or http://127.0.0.1:8000).")]
KeyOpt = Annotated[str | None, typer.Option(
    "--key", help="API key (default DOCPARSE_API_KEY, else the dev key of `docparse up`).")]


def err(message: str) -> None:
    typer.echo(message, err=True)


def default_key() -> str | None:
    from core.accounts import default_api_key  # DOCPARSE_API_KEY, else `docparse up`'s dev key

    return default_api_key(None)


def connect(api: str | None, key: str | None) -> Client:
    """A client for the API (exit 2 when there is no key or the URL is bad)."""
    from client import Client, ConfigError

    key = key or default_key()
    if not key:
        err("error: no API key: pass --key, set DOCPARSE_API_KEY, or run `docparse up` (it writes a dev key)")
        raise typer.Exit(2)
    try:
        return Client(api, key)
    except ConfigError as e:
        err(f"error: {e}")
        raise typer.Exit(2) from None


class ApiErrors:
    """`with ApiErrors():` turns client errors into a one-line message and an exit code."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, typ, exc, tb) -> Literal[False]:
        from client import ApiConnectionError, ApiError, AuthError, ConfigError

        if exc is None or isinstance(exc, (typer.Exit, typer.Abort, KeyboardInterrupt)):
            return False
        if isinstance(exc, AuthError):
            err(f"error: the API refused the key: {exc.message} ({exc.code})")
            raise typer.Exit(2)
        if isinstance(exc, ApiError):
            err(f"error: {exc.message} ({exc.status} {exc.code})")
            raise typer.Exit(1)
        if isinstance(exc, ApiConnectionError):
            err(f"error: cannot reach the API: {exc.message}")
            raise typer.Exit(1)
        if isinstance(exc, ConfigError):
            err(f"error: {exc}")
            raise typer.Exit(2)
        return False
