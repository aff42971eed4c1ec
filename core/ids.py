"""Public ids: a type prefix and a ULID (sortable by creation time)."""

from ulid import ULID


def new_id(prefix: str) -> str:
    return f"{prefix}_{ULID()}"
