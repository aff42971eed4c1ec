"""Results as a table: one row per file, a column per scalar top-level field (a list<object> does
not fit a cell: JSON and NDJSON carry it). The API's CSV (`GET .../results?format=csv`) and
`docparse extract --format csv` both write rows of this shape."""

from __future__ import annotations

import json
from typing import Any

META_BEFORE = ("file_id", "file_name", "status", "reviewed")
META_AFTER = ("error",)  # last: the longest cell


def cell(value: Any) -> str:
    """A value as text: empty for none, true/false, JSON for anything structured, else str()."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class ResultTable:
    def __init__(self, fields: list[dict[str, Any]]):
        self.keys = [f["key"] for f in fields if f.get("type") != "list<object>"]
        taken = set(self.keys)
        self.titles: dict[str, str] = {}  # our column -> its title: `_` + name when a field has the name
        for name in META_BEFORE + META_AFTER:
            title = name
            while title in taken:
                title = "_" + title
            taken.add(title)
            self.titles[name] = title

    def header(self) -> list[str]:
        return [self.titles[m] for m in META_BEFORE] + self.keys + [self.titles[m] for m in META_AFTER]

    def row(self, *, file_id: str | None, file_name: str, status: str, reviewed: bool, error: str | None,
            values: dict[str, Any] | None) -> list[str]:
        values = values or {}
        return ([cell(file_id), file_name, status, cell(reviewed)] + [cell(values.get(k)) for k in self.keys]
                + [cell(error)])
