"""`docparse review`: the files waiting for human review, from the command line.

    docparse review [--extraction ID]              # the queue (same as `docparse review list`)
    docparse review approve FILE_ID [--extraction ID] [--set key=value ...] [--reason TEXT]
    docparse review reject FILE_ID [--extraction ID] --reason TEXT

Each takes --data-dir DIR (the stack `docparse up --data-dir DIR` runs) or --api URL --key KEY,
before or after the subcommand (cli/connection.py says which stack is used otherwise).

Exit codes: 0 fine; 1 an API error or a file not waiting for review; 2 bad usage (a bad --set,
no or refused API key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.connection import ApiErrors, ApiOpt, KeyOpt, StackOpt, connect, err

if TYPE_CHECKING:
    from client import Client

ExtractionOpt = Annotated[str | None, typer.Option("--extraction", help="Extraction id (ext_...).")]


review_app = typer.Typer(
    help="Files waiting for human review: list them (the default), approve or reject one.",
    invoke_without_command=True, no_args_is_help=False,
)


@dataclass
class _Stack:
    """The options given before or after the subcommand (`docparse review --data-dir D approve F`)."""

    extraction: str | None = None
    api: str | None = None
    key: str | None = None
    data_dir: Path | None = None

    def over(self, ctx: typer.Context) -> _Stack:
        """These options, the group's where these are not given."""
        group = ctx.obj if isinstance(ctx.obj, _Stack) else _Stack()
        return _Stack(self.extraction or group.extraction, self.api or group.api, self.key or group.key,
                      self.data_dir or group.data_dir)

    def connect(self) -> Client:
        return connect(self.api, self.key, self.data_dir)


@review_app.callback()
def review_main(ctx: typer.Context, extraction: ExtractionOpt = None, api: ApiOpt = None, key: KeyOpt = None,
                data_dir: StackOpt = None) -> None:
    """Files waiting for human review: `docparse review` lists them (same as `docparse review list`)."""
    ctx.obj = _Stack(extraction, api, key, data_dir)
    if ctx.invoked_subcommand is None:
        _list_reviews(ctx.obj)


@review_app.command("list")
def review_list(ctx: typer.Context, extraction: ExtractionOpt = None, api: ApiOpt = None, key: KeyOpt = None,
                data_dir: StackOpt = None) -> None:
    """List the files waiting for review (the account's, or one extraction's), oldest first."""
    _list_reviews(_Stack(extraction, api, key, data_dir).over(ctx))


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def _reasons(reasons: list[str], shown: int = 2) -> str:
    """The first reasons, and how many more (`docparse review` is a table, the detail has them all)."""
    text = "; ".join(reasons[:shown])
    return text + (f" (+{len(reasons) - shown} more)" if len(reasons) > shown else "")


def _named(name: str | None, ident: str) -> str:
    return f"{name} ({ident})" if name else ident


def _list_reviews(stack: _Stack) -> None:
    dp = stack.connect()
    with dp, ApiErrors():
        queue = dp.list_reviews(stack.extraction)
    if not queue:
        typer.echo("no files are waiting for review")
        return
    # names tell a day's queue apart (files of one name in two extractions); ids are what commands take
    rows = [["FILE ID", "FILE NAME", "EXTRACTION", "BATCH", "REVISION", "REASONS"]]
    for q in queue:
        rows.append([q.file_id, q.file_name, _named(q.extraction_name, q.extraction_id),
                     _named(q.batch_name, q.batch_id), str(q.revision), _reasons(q.reasons)])
    typer.echo(_table(rows))


def _find_extraction(dp: Client, file_id: str, extraction: str | None) -> str:
    if extraction:
        return extraction
    for q in dp.list_reviews():
        if q.file_id == file_id:
            return q.extraction_id
    err(f"error: file {file_id} is not waiting for review in this account; pass --extraction ID")
    raise typer.Exit(1)


_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _coerce(key: str, raw: str, spec: dict[str, Any] | None) -> Any:
    """A --set value typed by the field's schema type ("null" clears a value)."""
    if raw == "null":
        return None
    kind = (spec or {}).get("type", "string")
    try:
        if kind == "number":
            return float(raw)
        if kind == "integer":
            return int(raw)
        if kind == "boolean":
            return _BOOLS[raw.strip().lower()]
        if kind == "list<object>":
            value = json.loads(raw)
            if not isinstance(value, list):
                raise ValueError
            return value
    except (ValueError, KeyError):
        err(f"error: --set {key}={raw}: not a valid {kind}")
        raise typer.Exit(2) from None
    return raw


def parse_sets(pairs: list[str], fields: list[dict[str, Any]]) -> dict[str, Any]:
    specs = {f.get("key"): f for f in fields}
    values: dict[str, Any] = {}
    for pair in pairs:
        k, sep, v = pair.partition("=")
        if not sep or not k.strip():
            err(f"error: --set takes key=value, got {pair!r}")
            raise typer.Exit(2)
        k = k.strip()
        values[k] = _coerce(k, v, specs.get(k))  # an unknown key goes as is: the API names it
    return values


@review_app.command("approve")
def review_approve(
    ctx: typer.Context,
    file_id: Annotated[str, typer.Argument(help="The file (file_...).")],
    extraction: ExtractionOpt = None,
    set_values: Annotated[list[str] | None, typer.Option("--set", help="Corrected value, key=value (repeatable; typed by the schema; null clears).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept with the decision).")] = None,
    api: ApiOpt = None,
    key: KeyOpt = None,
    data_dir: StackOpt = None,
) -> None:
    """Approve a file (optionally correcting values); it becomes processed."""

    def approve(dp, ext_id: str):
        detail = dp.get_review(ext_id, file_id)
        values = parse_sets(set_values or [], detail.fields)
        return dp.approve(ext_id, file_id, values=values or None, reason=reason, revision=detail.revision)

    _decide(_Stack(extraction, api, key, data_dir).over(ctx), file_id, approve)


@review_app.command("reject")
def review_reject(
    ctx: typer.Context,
    file_id: Annotated[str, typer.Argument(help="The file (file_...).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (becomes the file's error).")],
    extraction: ExtractionOpt = None,
    api: ApiOpt = None,
    key: KeyOpt = None,
    data_dir: StackOpt = None,
) -> None:
    """Reject a file; it becomes failed with the reason."""
    _decide(_Stack(extraction, api, key, data_dir).over(ctx), file_id,
            lambda dp, ext_id: dp.reject(ext_id, file_id, reason=reason))


def _decide(stack: _Stack, file_id: str, decide) -> None:
    """Finds the file's extraction, runs the decision, prints the outcome."""
    dp = stack.connect()
    with dp, ApiErrors():
        outcome = decide(dp, _find_extraction(dp, file_id, stack.extraction))
    typer.echo(f"{outcome.file_id}: {outcome.decision} (revision {outcome.revision}), now {outcome.status}")
