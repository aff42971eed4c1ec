"""Extraction schemas at the size caps of core/limits.py, for the API and end-to-end tests."""

from __future__ import annotations

from core import limits


def fields(n: int, *, description_chars: int = 0, char: str = "d", enums: int = 0, enum_values: int = 0,
           value_chars: int = 8) -> list[dict]:
    """n fields, each with a description of description_chars; the first `enums` of them enums of
    enum_values values of value_chars characters each."""
    out: list[dict] = []
    for i in range(n):
        f: dict = {"key": f"f_{i:03d}", "type": "string"}
        if description_chars:
            f["description"] = char * description_chars
        if i < enums:
            f.update(type="enum", values=[f"{i}-{j}-".ljust(value_chars, "v") for j in range(enum_values)])
        out.append(f)
    return out


def at_the_documented_maximum() -> list[dict]:
    """200 fields with 2,000-character descriptions; the enum values all the schema may have, as
    the largest enums allowed, of the longest values allowed (about 820 KB as JSON)."""
    per_field = limits.MAX_ENUM_VALUES
    return fields(limits.MAX_FIELDS, description_chars=limits.MAX_DESCRIPTION_CHARS,
                  enums=limits.MAX_ENUM_VALUES_TOTAL // per_field, enum_values=per_field,
                  value_chars=limits.MAX_ENUM_VALUE_CHARS)
