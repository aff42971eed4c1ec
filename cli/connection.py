"""What `docparse extract` and `docparse review` share: the --api/--key/--data-dir options, the
client they build, and turning API errors into one line on stderr and an exit code.

Which stack they talk to: --api and --key as given; else, with --data-dir, the stack `docparse up`
runs on that directory (the API URL in its ports.json, its dev key); else DOCPARSE_API_URL and
DOCPARSE_API_KEY; else the stack of the default data dir (DOCPARSE_DATA_DIR or ~/.docparse); else
http://127.0.0.1:8000.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from client import Client

ApiOpt = Annotated[str | None, typer.Option(
    "--api", help="API URL (default: the --data-dir stack's, DOCPARSE_API_URL, or the stack of "
                  "~/.docparse, else http://127.0.0.1:8000).")]
KeyOpt = Annotated[str | None, typer.Option(
    "--key", help="API key (default: the --data-dir stack's dev key, DOCPARSE_API_KEY, or the dev key "
                  "of ~/.docparse).")]
StackOpt = Annotated[Path | None, typer.Option(
    "--data-dir", help="Talk to the stack `docparse up --data-dir DIR` runs: its API URL and dev key.")]


def err(message: str) -> None:
    typer.echo(message, err=True)


def stack_of(data_dir: Path | None, api: str | None, key: str | None) -> tuple[str | None, str | None]:
    """(API URL, key) by the order in the module's docstring (None: the client's default)."""
    from devstack import state

    if data_dir is not None:
        data_dir = data_dir.expanduser()
        if not api and state.api_url(data_dir) is None:
            err(f"error: no stack found in {data_dir}: it has no {state.PORTS_FILE} with an API URL "
                "(start one with `docparse up --data-dir DIR`, or pass --api)")
            raise typer.Exit(2)
        return api or state.api_url(data_dir), key or state.dev_key(data_dir)
    home = Path(os.environ.get("DOCPARSE_DATA_DIR") or Path.home() / ".docparse").expanduser()
    return (api or os.environ.get("DOCPARSE_API_URL") or state.api_url(home),
            key or os.environ.get("DOCPARSE_API_KEY") or state.dev_key(home))


def connect(api: str | None, key: str | None, data_dir: Path | None = None) -> Client:
    """A client for the API (exit 2 when there is no key or the URL is bad)."""
    from client import Client, ConfigError

    api, key = stack_of(data_dir, api, key)
    if not key:
        where = f"there is no dev key in {data_dir}" if data_dir is not None else \
            "set DOCPARSE_API_KEY, pass --data-dir, or run `docparse up` (it writes a dev key)"
        err(f"error: no API key: pass --key; {where}")
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
