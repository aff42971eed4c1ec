"""The worker's first contact with its servers. A database or Temporal server that is not there
stops the worker with one line naming what it tried to reach and the setting that points there,
instead of the SDK's or the driver's traceback."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client
from temporalio.runtime import Runtime

from core.config import Settings
from core.db import init_db
from core.temporal import connect


class ServerUnreachable(SystemExit):
    """A server the worker needs does not answer: the worker does not start (exit code 1)."""


def _temporal_reason(error: RuntimeError) -> str:
    """A few words from the SDK's 'Failed client connect: ... tonic::transport::Error(...)'."""
    text = str(error)
    for pattern, reason in ((r"Connection refused|ConnectionRefused", "connection refused"),
                            (r"dns error|failed to lookup address", "the host name does not resolve"),
                            (r"[Tt]imed? ?out|deadline", "timed out"),
                            (r"[Cc]ertificate|tls|TLS", "TLS failed"),
                            (r"Unauthenticated|PermissionDenied|api key", "the server refused the credentials")):
        if re.search(pattern, text):
            return reason
    return text.removeprefix("Failed client connect: ")[:200]


def check_database(settings: Settings) -> None:
    """Opens the database and applies migrations (init_db), or stops the worker saying where it looked."""
    try:
        init_db(settings)
    except SQLAlchemyError as e:
        where = make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
        raise ServerUnreachable(
            f"docparse worker: cannot reach the database at {where} ({reason}); start it, or point "
            "DOCPARSE_DATABASE_URL at it (unset: SQLite in DOCPARSE_DATA_DIR)") from None


async def connect_temporal(settings: Settings, runtime: Runtime | None = None) -> Client:
    """The Temporal client, or the worker stops saying which address it tried."""
    try:
        return await connect(settings, runtime)
    except RuntimeError as e:
        if not str(e).startswith("Failed client connect"):
            raise
        raise ServerUnreachable(
            f"docparse worker: cannot reach the Temporal server at {settings.temporal_address} "
            f"({_temporal_reason(e)}); start it (`docparse up` runs one), or point DOCPARSE_TEMPORAL_ADDRESS "
            "at it (and DOCPARSE_TEMPORAL_NAMESPACE, _API_KEY, _TLS as it needs)") from None
