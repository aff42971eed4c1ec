"""`docparse extract FILES_OR_DIRS... --schema schema.json [--wait] [--out DIR] [--format json|csv]`:
documents through the API, from the command line.

Creates the extraction from the schema (or reuses an identical one), uploads the files in batches
of at most 30 and, with --wait, follows them and writes the results. Exit codes: 0 fine; 1 some
file was not extracted (failed, refused by the API, skipped) or an API error; 2 bad usage
(missing input, unreadable schema, no or refused API key).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.connection import ApiErrors, ApiOpt, KeyOpt, StackOpt, connect, err
from cli.progress import LineProgress, RichProgress, use_rich
from extraction.table import ResultTable

if TYPE_CHECKING:
    from client import AcceptedFile, BatchFileResult, BatchStatus, Client, Extraction, UploadedBatch

# What a directory is searched for: the types the API takes (documents/kinds.py), office documents
# (converted to PDF) and e-mail messages (their attachments become the files) included.
SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".docx", ".xlsx", ".odt", ".ods", ".rtf", ".html",
            ".htm", ".eml", ".msg"}
MAX_FILES_PER_BATCH = 30
MAX_FILE_BYTES = 25 * 1024 * 1024


class OutFormat(str, Enum):
    json = "json"
    csv = "csv"


@dataclass(eq=False)
class Item:
    """One input file, or one attachment of an input e-mail message, and what became of it."""

    path: Path
    size: int
    status: str = "pending"  # + API statuses, "rejected" (refused at upload), "skipped" (never sent)
    error: str | None = None
    batch_id: str | None = None
    file_id: str | None = None
    name: str = ""  # the file's name in the batch: the input's, or the attachment's
    stem: str = ""  # of its output, results/<stem>.json
    attachments: list[AcceptedFile] = field(default_factory=list)  # an e-mail message's files, as accepted

    def __post_init__(self) -> None:
        self.name = self.name or self.path.name
        self.stem = self.stem or self.path.stem

    @property
    def label(self) -> str:
        return str(self.path) if self.name == self.path.name else f"{self.path} [{self.name}]"


def expand_inputs(inputs: list[Path]) -> list[Path]:
    """Files as given, directories expanded (recursively) to the files the API takes (SUFFIXES), sorted."""
    out: list[Path] = []
    seen: set[Path] = set()
    for p in inputs:
        if p.is_dir():
            found = sorted(
                (f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                 and not any(part.startswith(".") for part in f.relative_to(p).parts)),
                key=lambda f: f.relative_to(p).as_posix(),
            )
        elif p.is_file():
            found = [p]  # named explicitly: sent whatever its suffix (the API sniffs the bytes)
        else:
            err(f"error: {p}: no such file or directory")
            raise typer.Exit(2)
        for f in found:
            r = f.resolve()
            if r not in seen:
                seen.add(r)
                out.append(f)
    return out


def _normal_fields(fields: Any) -> Any:
    """Fields as the API stores them: no null keys, `required` always present."""
    if not isinstance(fields, list):
        return fields
    out = []
    for f in fields:
        if not isinstance(f, dict):
            out.append(f)
            continue
        g = {k: v for k, v in f.items() if v is not None}
        g.setdefault("required", False)
        if "fields" in g:
            g["fields"] = _normal_fields(g["fields"])
        out.append(g)
    return out


def _settings_of(d: dict[str, Any]) -> dict[str, Any]:
    """What makes two extractions the same: the body with the API's defaults filled in."""
    threshold = d.get("review_threshold")
    return {
        "name": d.get("name"),
        "fields": _normal_fields(d.get("fields")),
        "description": d.get("description"),
        "language": d.get("language") or "auto",
        "model": d.get("model"),
        "review_threshold": float(0.8 if threshold is None else threshold),
        "review_deadline_hours": d.get("review_deadline_hours") or 168,
        "webhook_url": d.get("webhook_url"),
    }


def find_or_create_extraction(dp: Client, body: dict[str, Any]) -> tuple[Extraction, bool]:
    """An extraction of this account with the same name, identical fields and the same settings
    (language, model, description, review threshold and deadline, webhook URL) is reused; else one
    is created."""
    want = _settings_of(body)
    for ext in dp.iter_extractions():  # newest first, page by page until one matches
        if _settings_of(ext.model_dump()) == want:
            return ext, True
    return dp.create_extraction(body), False


def _load_schema(path: Path) -> dict[str, Any]:
    try:
        body = json.loads(path.read_text())
    except OSError as e:
        err(f"error: cannot read the schema {path}: {e.strerror or e}")
        raise typer.Exit(2) from None
    except ValueError as e:
        err(f"error: the schema {path} is not valid JSON: {e}")
        raise typer.Exit(2) from None
    if not isinstance(body, dict) or not body.get("name") or not isinstance(body.get("fields"), list) \
            or not body["fields"]:
        err(f'error: the schema {path} must be an extraction body: {{"name": ..., "fields": [...]}}')
        raise typer.Exit(2)
    return body


def _chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _named_in(items: list[Item], message: str) -> list[Item]:
    """The files an API error names: the API quotes the file name ('x.pdf')."""
    quoted = [i for i in items if f"'{i.path.name}'" in message]
    return quoted or [i for i in items if len(i.path.name) > 3 and i.path.name in message]


def upload_chunk(dp: Client, ext_id: str, chunk: list[Item], name: str | None) -> str | None:
    """Upload one batch; a file the API refuses (damaged, unsupported, too large) is reported and the
    batch is sent again without it. Answers the batch id (None: nothing of the chunk was accepted).
    Raises AuthError (bad key, out of pages): the next batches would be refused as well."""
    from client import ApiError, AuthError

    pending = list(chunk)
    while pending:
        try:
            batch = dp.upload_batch(ext_id, [i.path for i in pending], name=name)
        except AuthError:
            raise
        except ApiError as e:
            named = _named_in(pending, e.message) if e.code in ("document_rejected", "file_too_large") else []
            refused = named or pending
            for i in refused:
                i.status, i.error = "rejected", f"{e.message} ({e.code})"
            if named:
                err(f"refused by the API: {e.message} ({e.code}); sending the batch again without "
                    f"{', '.join(i.path.name for i in named)}")
            else:
                err(f"error: the API refused a batch of {len(pending)} file(s): {e.message} ({e.status} {e.code})")
            pending = [i for i in pending if i not in refused]
            continue
        take_files(pending, batch)
        return batch.id
    return None


def take_files(sent: list[Item], batch: UploadedBatch) -> None:
    """Each item sent gets its batch, and its file id from the upload's answer; an e-mail message
    the files its attachments became. (An answer that replays an earlier upload lists no files:
    collect_results then finds each item's file by its name.)"""
    by_part: dict[int, list[AcceptedFile]] = {}
    for f in batch.files:
        if f.part is not None:
            by_part.setdefault(f.part, []).append(f)
    for part, item in enumerate(sent):
        item.batch_id, item.status = batch.id, batch.status
        files = by_part.get(part, [])
        if len(files) == 1 and files[0].from_message is None:
            item.file_id = files[0].id
        elif files:
            item.attachments = files


def per_file(items: list[Item]) -> list[Item]:
    """The items with each e-mail message replaced by its attachments, an item each (its output
    results/<message>-<attachment>.json)."""
    out: list[Item] = []
    for i in items:
        out.extend([Item(i.path, 0, status=i.status, batch_id=i.batch_id, file_id=a.id, name=a.file_name,
                         stem=f"{i.path.stem}-{Path(a.file_name).stem}") for a in i.attachments] or [i])
    return out



def wait_batches(dp: Client, ext_id: str, batches: list[str], items: list[Item],
                 timeout: float | None) -> dict[str, BatchStatus]:
    """Poll every batch until it is terminal (or the timeout); progress on stderr."""
    labels = {bid: f"batch {n}/{len(batches)} {bid}" for n, bid in enumerate(batches, 1)}
    totals = {bid: sum(1 for i in items if i.batch_id == bid) for bid in batches}
    progress = RichProgress(labels, totals) if use_rich() else LineProgress(labels)
    final: dict[str, BatchStatus] = {}
    pending = list(batches)
    deadline = None if timeout is None else time.monotonic() + timeout
    interval = 0.5
    with progress:
        while pending:
            for bid in list(pending):
                status = dp.get_batch(ext_id, bid)
                progress.update(status)
                final[bid] = status
                if status.batch.is_terminal:
                    pending.remove(bid)
            if not pending:
                break
            if deadline is not None and time.monotonic() >= deadline:
                err(f"stopped waiting after {timeout:g} s: {len(pending)} batch(es) still running "
                    f"({', '.join(pending)})")
                break
            time.sleep(interval)
            interval = min(2.0, interval * 1.5)
    return final


def collect_results(dp: Client, ext_id: str, batches: list[str], items: list[Item]) -> dict[Item, dict[str, Any]]:
    """One request per batch (GET .../results): each uploaded item gets its status and error (its
    file found by id, else by name: files come back in upload order), and the answer holds the
    item's values when it has some: processed, or waiting for review (extracted, marked
    needs_review and not reviewed)."""
    results: dict[Item, dict[str, Any]] = {}
    for bid in batches:
        files: list[BatchFileResult] = list(dp.get_batch_results(ext_id, bid).files)
        for item in (i for i in items if i.batch_id == bid):
            match = next((f for f in files if (f.file_id == item.file_id if item.file_id else
                                               f.file_name == item.name)), None)
            if match is None:  # deleted meanwhile
                item.status, item.error = "failed", "the file is no longer in the batch (deleted?)"
                continue
            files.remove(match)
            item.file_id, item.status, item.error = match.file_id, match.status, match.error
            if match.result is not None:
                results[item] = match.model_dump(mode="json")
    return results


def _out_names(items: list[Item]) -> dict[Item, str]:
    used: set[str] = set()
    out = {}
    for i in items:
        base, n = i.stem, 1
        name = base
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        out[i] = name + ".json"
    return out


def write_csv(stream, items: list[Item], results: dict[Item, dict[str, Any]], fields: list[dict[str, Any]]) -> None:
    """The API's CSV shape (extraction/table.py), with a row for files it never saw (refused, skipped)."""
    table = ResultTable(fields)
    w = csv.writer(stream)
    w.writerow(table.header())
    for i in items:
        body = results.get(i, {})
        w.writerow(table.row(file_id=i.file_id, file_name=i.name, status=i.status,
                             reviewed=bool(body.get("reviewed")), error=i.error, values=body.get("result")))


MAIN_STATUSES = ("processed", "needs_review", "failed", "rejected", "skipped")
BAD = ("failed", "rejected", "skipped", "queued", "processing", "pending")  # no result: exit 1


def summary(items: list[Item]) -> str:
    """`summary: processed 3, needs_review 0, failed 0, rejected 1, skipped 0 (4 files)`."""
    counts = dict.fromkeys(MAIN_STATUSES, 0)
    for i in items:
        counts[i.status] = counts.get(i.status, 0) + 1
    parts = [f"{s} {n}" for s, n in counts.items() if s in MAIN_STATUSES or n]
    return f"summary: {', '.join(parts)} ({len(items)} files)"


def extract(
    inputs: Annotated[list[Path], typer.Argument(help="Files and directories (the PDF, image, office and e-mail files in them, sorted).")],
    schema: Annotated[Path, typer.Option("--schema", help='Extraction body JSON: {"name": ..., "fields": [...], ...}.')],
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the batches, show progress, write the results.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="With --wait: directory for one JSON per file (or the CSV; default stdout).")] = None,
    fmt: Annotated[OutFormat, typer.Option("--format", help="json: one result body per file; csv: one row per file of the scalar fields.")] = OutFormat.json,
    api: ApiOpt = None,
    key: KeyOpt = None,
    data_dir: StackOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="Batch name (NAME-1, NAME-2 ... when split into several batches).")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="With --wait: stop waiting after this many seconds.")] = None,
) -> None:
    """Extract data from documents (PDF, PNG, JPEG, TIFF; office documents; e-mails' attachments) through the API.

    Creates the extraction from --schema (or reuses one with the same name, fields and settings), uploads the files in batches of at most 30 (files over 25 MB are skipped), and with --wait shows progress and writes the results.

    Exit code 1 when a file failed, was refused or skipped; 2 on bad usage."""
    body = _load_schema(schema)
    paths = expand_inputs(inputs)
    if not paths:
        err("error: no PDF, image, office document or e-mail files in the inputs")
        raise typer.Exit(2)
    items = [Item(p, p.stat().st_size) for p in paths]
    for i in items:
        if i.size > MAX_FILE_BYTES:
            i.status = "skipped"
            i.error = (f"{i.size:,} bytes is over the API's limit of 25 MB ({MAX_FILE_BYTES:,} bytes) "
                       "per file")
            err(f"skipped {i.path}: {i.error}; not sent")
    sendable = [i for i in items if i.status == "pending"]
    if (out is not None or fmt is not OutFormat.json) and not wait:
        err("note: --out and --format apply with --wait only; printing the batch ids")

    from client import AuthError

    dp = connect(api, key, data_dir)
    with dp, ApiErrors():
        ext, reused = find_or_create_extraction(dp, body)
        err(f"extraction {ext.id} ({ext.name}): {'reused' if reused else 'created'}")
        chunks = list(_chunks(sendable, MAX_FILES_PER_BATCH))
        batches: list[str] = []
        for n, chunk in enumerate(chunks, 1):
            batch_name = name if not name or len(chunks) == 1 else f"{name}-{n}"
            try:
                bid = upload_chunk(dp, ext.id, chunk, batch_name)
            except AuthError as e:
                left = [i for c in chunks[n - 1:] for i in c if i.status == "pending"]
                for i in left:
                    i.status, i.error = "rejected", f"{e.message} ({e.code})"
                err(f"error: the API refused the upload: {e.message} ({e.status} {e.code}); "
                    f"{len(left)} file(s) not sent")
                if e.status == 401 or not batches:
                    err(summary(items))
                    raise typer.Exit(2 if e.status == 401 else 1) from None
                break
            if bid is not None:
                batches.append(bid)
                count = sum(max(1, len(i.attachments)) for i in chunk if i.batch_id == bid)
                err(f"uploaded batch {bid}: {count} file(s)")
        items = per_file(items)

        if not wait:
            for bid in batches:
                typer.echo(bid)
            problems = [i for i in items if i.status in ("rejected", "skipped")]
            if problems:
                err(summary(items))
                raise typer.Exit(1)
            return

        try:
            if batches:
                wait_batches(dp, ext.id, batches, items, timeout)
        except KeyboardInterrupt:
            err(f"interrupted; the batches go on in the API: {' '.join(batches)} (extraction {ext.id})")
            raise typer.Exit(130) from None
        results = collect_results(dp, ext.id, batches, items)

    _write_outputs(items, results, ext.fields, out, fmt)
    for i in items:
        if i.status in BAD or i.status == "needs_review":
            err(f"  {i.status:12} {i.label}" + (f": {i.error}" if i.error else ""))
    if any(i.status == "needs_review" for i in items):
        err("files waiting for review: their extracted values are written with status needs_review "
            "(not reviewed yet); decide with `docparse review`")
    err(summary(items))
    if any(i.status in BAD for i in items):
        raise typer.Exit(1)


def _write_outputs(items: list[Item], results: dict[Item, dict[str, Any]], fields: list[dict[str, Any]],
                   out: Path | None, fmt: OutFormat) -> None:
    if fmt is OutFormat.csv:
        if out is None:
            write_csv(sys.stdout, items, results, fields)
            return
        path = out if out.suffix.lower() == ".csv" else out / "results.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            write_csv(fh, items, results, fields)
        err(f"wrote {path} ({len(items)} rows)")
        return
    if out is None:
        for i in items:
            if i in results:
                typer.echo(json.dumps(results[i], ensure_ascii=False))
        return
    out.mkdir(parents=True, exist_ok=True)
    names = _out_names([i for i in items if i in results])
    for i, fname in names.items():
        (out / fname).write_text(json.dumps(results[i], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    err(f"wrote {len(names)} result file(s) to {out}")
