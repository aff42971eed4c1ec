"""The extraction schema a client defines: typed fields, possibly a list of objects."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import to_json

from core import limits
from core.limits import MAX_DEPTH, MAX_DESCRIPTION_CHARS, MAX_FIELDS, MAX_KEY_CHARS, NESTING_RULE

FieldType = Literal["string", "number", "integer", "boolean", "date", "enum", "list<object>"]
SCALAR_TYPES = ("string", "number", "integer", "boolean", "date", "enum")


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=MAX_KEY_CHARS, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: FieldType
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS)
    required: bool = False
    values: list[str] | None = Field(default=None, description="allowed values of an enum")
    fields: list[FieldSpec] | None = Field(default=None, description=f"fields of a list<object>; {NESTING_RULE}")

    @model_validator(mode="after")
    def _check_shape(self) -> FieldSpec:
        if self.type == "enum":
            if not self.values:
                raise ValueError(f"field '{self.key}': an enum needs a non-empty 'values' list")
            if len(set(self.values)) != len(self.values):
                raise ValueError(f"field '{self.key}': enum values must be unique")
        elif self.values is not None:
            raise ValueError(f"field '{self.key}': only an enum takes 'values'")
        if self.type == "list<object>":
            if not self.fields:
                raise ValueError(f"field '{self.key}': a list<object> needs nested 'fields'")
            _check_unique_keys(self.fields, where=f"inside '{self.key}'")
        elif self.fields is not None:
            raise ValueError(f"field '{self.key}': only a list<object> takes nested 'fields'")
        return self


def _check_unique_keys(fields: list[FieldSpec], where: str) -> None:
    seen: set[str] = set()
    for f in fields:
        if f.key in seen:
            raise ValueError(f"duplicate field key '{f.key}' {where}")
        seen.add(f.key)


def _too_deep(fields: list[FieldSpec], depth: int = 1, path: str = "") -> str | None:
    """The path of the first field whose nested fields go past MAX_DEPTH levels (None: none do)."""
    for f in fields:
        if f.fields:
            if depth >= MAX_DEPTH:
                return path + f.key
            found = _too_deep(f.fields, depth + 1, f"{path}{f.key}.")
            if found:
                return found
    return None


def _count(fields: list[FieldSpec]) -> int:
    return sum(1 + (_count(f.fields) if f.fields else 0) for f in fields)


class ExtractionSchema(BaseModel):
    """What an engine needs to know: the fields and the document language."""

    model_config = ConfigDict(extra="forbid")

    fields: list[FieldSpec] = Field(min_length=1)
    language: str = "auto"

    @field_validator("fields")
    @classmethod
    def _check_fields(cls, fields: list[FieldSpec]) -> list[FieldSpec]:
        _check_unique_keys(fields, where="at the top level")
        too_deep = _too_deep(fields)
        if too_deep:
            raise ValueError(f"field '{too_deep}' is nested too deep: {NESTING_RULE}")
        if _count(fields) > MAX_FIELDS:
            raise ValueError(f"the schema has {_count(fields)} fields; at most {MAX_FIELDS} are allowed")
        return fields


def all_fields(fields: list[FieldSpec]) -> list[FieldSpec]:
    """Every field, each list<object> followed by its nested fields."""
    return [f for top in fields for f in [top, *(top.fields or [])]]


def schema_bytes(fields: list[FieldSpec]) -> int:
    """The fields as compact UTF-8 JSON, as stored and as the worker's input carries them."""
    return len(to_json([f.model_dump(exclude_none=True) for f in fields]))


def size_problems(fields: list[FieldSpec]) -> list[str]:
    """What in a new extraction's fields is over the size caps (core/limits.py), one sentence
    each. Checked at creation only: an extraction stored before a cap existed still loads."""
    problems = []
    enums = [f for f in all_fields(fields) if f.type == "enum"]
    for f in enums:
        values = f.values or []
        if len(values) > limits.MAX_ENUM_VALUES:
            problems.append(f"field '{f.key}' has {len(values)} enum values; at most {limits.MAX_ENUM_VALUES} "
                            "are allowed")
        longest = max((len(v) for v in values), default=0)
        if longest > limits.MAX_ENUM_VALUE_CHARS:
            problems.append(f"field '{f.key}' has an enum value of {longest} characters; at most "
                            f"{limits.MAX_ENUM_VALUE_CHARS} are allowed")
    total = sum(len(f.values or []) for f in enums)
    if total > limits.MAX_ENUM_VALUES_TOTAL:
        problems.append(f"the enum fields have {total:,} values together; at most {limits.MAX_ENUM_VALUES_TOTAL:,} "
                        "are allowed")
    size = schema_bytes(fields)
    if size > limits.MAX_SCHEMA_BYTES:
        problems.append(f"the fields are {size:,} bytes as JSON; at most {limits.MAX_SCHEMA_BYTES:,} are allowed")
    return problems
