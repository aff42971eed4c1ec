"""What a local stack leaves in its data dir for the commands that look for it: the ports file
(`ports.json`: each server's ports, reused on the next start, with the API URL and the Temporal
address of the last start) and the dev key `docparse up` keeps (core.accounts.DEV_KEY_FILE)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.accounts import DEV_KEY_FILE

PORTS_FILE = "ports.json"


def load_ports(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The ports file as saved ({} when there is none or it is unreadable)."""
    try:
        raw = json.loads((Path(data_dir) / PORTS_FILE).read_text())
        return {k: dict(v) for k, v in raw.items() if isinstance(v, dict)}
    except (OSError, ValueError, TypeError):
        return {}


def save_ports(data_dir: Path, ports: dict[str, dict[str, Any]]) -> None:
    tmp = Path(data_dir) / (PORTS_FILE + ".tmp")
    tmp.write_text(json.dumps(ports, indent=2, sort_keys=True) + "\n")
    tmp.replace(Path(data_dir) / PORTS_FILE)


def api_url(data_dir: Path) -> str | None:
    """The API URL of the stack last started on data_dir."""
    url = load_ports(data_dir).get("api", {}).get("url")
    return url if isinstance(url, str) and url else None


def temporal_address(data_dir: Path) -> str | None:
    """The Temporal gRPC address (host:port) the stack last started on data_dir used."""
    address = load_ports(data_dir).get("temporal", {}).get("address")
    return address if isinstance(address, str) and address else None


def dev_key(data_dir: Path) -> str | None:
    """The dev key `docparse up` keeps in data_dir."""
    try:
        return (Path(data_dir) / DEV_KEY_FILE).read_text().strip() or None
    except OSError:
        return None
