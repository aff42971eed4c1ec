"""Batches and files: upload -> store -> record -> start the workflow; status; listing; delete."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import and_, delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.errors import ApiError, not_found
from api.schemas import BatchPublic, FilePublic, Usage
from api.state import AppState
from api.uploads import ParsedUpload
from core import status as statuses
from core.status import BATCH_TERMINAL
from core import storage
from core.accounts import charge_pages
from core.db import DB_UNAVAILABLE
from documents.errors import DocumentRejected
from documents.inspect import DocumentInfo
from documents.kinds import KINDS
from core.ids import new_id
from core.models import Account, Batch, Extraction, FileRecord, FileResult, IdempotencyKey, utcnow
from core.temporal import batch_workflow_id
from workflows.batch import BatchWorkflow
from core.webhooks import WebhookUrlRefused, check_url
from workflows.start import start_batch

log = logging.getLogger("docparse.api")


def owned_extraction(session: Session, account: Account, extraction_id: str) -> Extraction:
    ext = session.get(Extraction, extraction_id)
    if ext is None or ext.account_id != account.id:
        raise not_found("extraction", extraction_id)
    return ext


def owned_batch(session: Session, account: Account, extraction_id: str, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.account_id != account.id or batch.extraction_id != extraction_id:
        raise not_found("batch", batch_id)
    return batch


def owned_file(session: Session, account: Account, extraction_id: str, file_id: str) -> FileRecord:
    rec = session.get(FileRecord, file_id)
    if (
        rec is None
        or rec.account_id != account.id
        or rec.extraction_id != extraction_id
        or rec.deleted_at is not None
    ):
        raise not_found("file", file_id)
    return rec


async def _inspect_all(state: AppState, upload: ParsedUpload) -> list[DocumentInfo]:
    async def one(f) -> DocumentInfo:
        try:
            return await state.documents.inspect(f.path, f.file_name)
        except DocumentRejected as e:
            raise ApiError(400, str(e), code="document_rejected") from None

    return list(await asyncio.gather(*(one(f) for f in upload.files)))


IDEMPOTENCY_TTL = timedelta(hours=24)


def check_webhook_url(state: AppState, account: Account, url: str | None) -> str | None:
    """A receiver we may call, for an account that can sign: else 400 / 409 saying why."""
    if url is None:
        return None
    try:
        check_url(url, allow_private=state.settings.webhook_allow_private)
    except WebhookUrlRefused as e:
        raise ApiError(400, str(e), code="webhook_url_refused") from None
    if not account.webhook_secret:
        raise ApiError(409, "webhook_url needs the account's webhook secret to sign deliveries: "
                       "create it first with POST /v1/webhook-secret", code="webhook_secret_missing")
    return url


def check_idempotency_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not raw.isascii() or not raw.isprintable():
        raise ApiError(400, "Idempotency-Key must be 1 to 255 printable ASCII characters", code="invalid_request")
    return raw


def idempotent_batch(session: Session, account: Account, key: str, fingerprint: str) -> Batch | None:
    """The batch an earlier request with this key made (None: the key is new or expired);
    409 when the key came with a different request."""
    row = session.get(IdempotencyKey, (account.id, key))
    if row is None:
        return None
    if row.created_at < utcnow() - IDEMPOTENCY_TTL:
        # a statement, not an ORM delete: two requests may expire the same key at once
        session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.account_id == account.id, IdempotencyKey.key == key,
            IdempotencyKey.created_at < utcnow() - IDEMPOTENCY_TTL))
        return None
    if row.request_hash != fingerprint:
        raise ApiError(
            409, f"Idempotency-Key '{key}' was used within 24 h for a different request (other extraction, "
            "name or files); use a new key for a new batch", code="idempotency_key_reused",
        )
    return session.get(Batch, row.batch_id)


async def create_batch(
    state: AppState, session: Session, account: Account, ext: Extraction, upload: ParsedUpload,
    idempotency_key: str | None = None,
) -> tuple[Batch, bool]:
    """(batch, True) when created; (the earlier batch, False) when Idempotency-Key replays one."""
    if not upload.files:
        raise ApiError(400, "no files: send 1 to 30 documents in the 'files' field", code="no_files")
    fingerprint = upload.fingerprint(ext.id)
    if idempotency_key is not None:
        earlier = idempotent_batch(session, account, idempotency_key, fingerprint)
        session.commit()
        if earlier is not None:
            return earlier, False
    name = upload.fields.get("name") or None
    webhook_url = await asyncio.to_thread(check_webhook_url, state, account, upload.fields.get("webhook_url") or None)
    infos = await _inspect_all(state, upload)
    pages = sum(i.page_count for i in infos)
    session.refresh(account)
    session.commit()  # release the connection while the objects are stored
    if pages > account.pages_left:
        raise _out_of_pages(pages, account.pages_left)

    batch_id = new_id("btc")
    records = []
    for f, info in zip(upload.files, infos):
        file_id = new_id("file")
        records.append(
            FileRecord(
                id=file_id, batch_id=batch_id, extraction_id=ext.id, account_id=account.id,
                position=f.position, file_name=f.file_name, kind=info.kind, size_bytes=f.size,
                page_count=info.page_count, object_key=storage.original_key(batch_id, file_id),
            )
        )
    # Objects first: a database row never points at an object that is not there.
    for f, rec in zip(upload.files, records):
        await asyncio.to_thread(state.store.put_file, rec.object_key, Path(f.path), KINDS[rec.kind])

    batch = Batch(
        id=batch_id, account_id=account.id, extraction_id=ext.id, name=name, webhook_url=webhook_url,
        file_count=len(records), page_count=pages,
    )
    if not charge_pages(session, account_id=account.id, pages=pages):
        session.rollback()
        await _delete_objects(state, batch_id, records)
        if idempotency_key is not None:  # the same request, arrived at once, may have taken the pages
            earlier = idempotent_batch(session, account, idempotency_key, fingerprint)
            if earlier is not None:
                session.commit()
                return earlier, False
        session.refresh(account)
        session.commit()
        raise _out_of_pages(pages, account.pages_left)
    session.add(batch)
    session.flush()  # parent row first: there are no ORM relationships to order the inserts
    session.add_all(records)
    if idempotency_key is not None:
        session.add(IdempotencyKey(account_id=account.id, key=idempotency_key, request_hash=fingerprint,
                                   batch_id=batch_id))
    try:
        session.commit()
    except IntegrityError:
        # The same key arrived twice at once and the other request committed first: nothing of
        # this one stays (pages, rows, objects); answer as a replay of the other.
        session.rollback()
        await _delete_objects(state, batch_id, records)
        earlier = idempotent_batch(session, account, idempotency_key, fingerprint) if idempotency_key else None
        session.commit()
        if earlier is None:
            raise
        return earlier, False

    try:
        await start_batch_workflow(state, ext, batch, records)
    except Exception as e:
        log.exception("could not start the workflow for %s", batch_id)
        # The batch stays queued: the worker's stranded-batch schedule starts queued batches
        # without a workflow (with workflows.start.start_batch too), so nothing accepted is lost.
        raise ApiError(
            503,
            f"batch {batch_id} was stored but could not be scheduled yet ({type(e).__name__}); "
            "it will be scheduled automatically",
            code="batch_not_scheduled_yet", retryable=False,  # sending it again would make a second batch
        ) from None
    return batch, True


def _out_of_pages(needed: int, left: int) -> ApiError:
    return ApiError(403, f"out of pages: this batch has {needed} pages and the account has {left} left",
                    code="out_of_pages")


async def _delete_objects(state: AppState, batch_id: str, records: list[FileRecord]) -> None:
    for rec in records:
        await asyncio.to_thread(state.store.delete_prefix, storage.file_prefix(batch_id, rec.id))


async def start_batch_workflow(
    state: AppState, ext: Extraction, batch: Batch, records: list[FileRecord]
) -> None:
    await start_batch(await state.temporal(), state.settings, ext, batch, records)


def batch_public(batch: Batch, status: str, file_count: int, usage: Usage | None = None) -> BatchPublic:
    return BatchPublic(
        id=batch.id, extraction_id=batch.extraction_id, name=batch.name, status=status,
        file_count=file_count, page_count=batch.page_count, error=batch.error,
        created_at=batch.created_at, completed_at=batch.completed_at, usage=usage,
    )


def _live_files(session: Session, batch_id: str) -> tuple[list[FileRecord], Usage]:
    """The batch's files in upload order, and the model tokens their results used (one query)."""
    rows = session.exec(
        select(FileRecord, FileResult.input_tokens, FileResult.output_tokens)
        .join(FileResult, FileResult.file_id == FileRecord.id, isouter=True)
        .where(FileRecord.batch_id == batch_id, FileRecord.deleted_at.is_(None))
        .order_by(FileRecord.position)
    ).all()
    usage = Usage(input_tokens=sum(r[1] or 0 for r in rows), output_tokens=sum(r[2] or 0 for r in rows))
    return [r[0] for r in rows], usage


async def batch_status(
    state: AppState, session: Session, account: Account, extraction_id: str, batch_id: str
) -> tuple[BatchPublic, list[FilePublic]]:
    """Batch + files; while the database is unreachable, from the workflow's own view."""
    try:
        batch = owned_batch(session, account, extraction_id, batch_id)
        state.known_batches[batch.id] = batch
        return await batch_detail(state, session, batch)
    except DB_UNAVAILABLE:
        session.rollback()
        batch = state.known_batches.get(batch_id)
        if batch is None or batch.account_id != account.id or batch.extraction_id != extraction_id:
            raise
        # The workflow is the only source left: give it time to answer.
        view = await state.query_status(batch.id, timeout_s=state.settings.status_query_timeout_s * 8)
        if view is None:
            raise
        files = [FilePublic(**f.model_dump()) for f in view.files]
        return batch_public(batch, view.status, len(files)), files


async def batch_detail(state: AppState, session: Session, batch: Batch) -> tuple[BatchPublic, list[FilePublic]]:
    files, usage = _live_files(session, batch.id)
    view = None
    if batch.status not in BATCH_TERMINAL:
        session.commit()  # release the connection while the workflow answers (up to the query timeout)
        view = await state.status_views.get(batch.id)
    if view is not None:
        live = {f.id for f in files}
        out = [FilePublic(**f.model_dump()) for f in view.files if f.id in live]
        status = statuses.batch_status(f.status for f in out)
    else:
        out = [
            FilePublic(id=f.id, file_name=f.file_name, status=f.status, page_count=f.page_count, error=f.error)
            for f in files
        ]
        status = batch.status if batch.status in BATCH_TERMINAL else statuses.batch_status(f.status for f in files)
    session.commit()  # nothing held after the route returns (api/deps.py)
    return batch_public(batch, status, len(out), usage), out


def parse_before(raw: str | None) -> tuple[datetime, str | None] | None:
    """`before` is an ISO timestamp, or a `next_before` cursor "<timestamp>~<batch id>"."""
    if raw is None:
        return None
    stamp, _, after_id = raw.replace(" ", "+").partition("~")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"before must be an ISO 8601 timestamp (or a next_before value), got '{raw[:60]}'",
                       code="invalid_cursor") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when, (after_id or None)


def format_cursor(batch: Batch) -> str:
    stamp = batch.created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}~{batch.id}"


def list_batches(
    session: Session, account: Account, ext: Extraction, limit: int, before: str | None
) -> tuple[list[BatchPublic], str | None]:
    query = select(Batch).where(Batch.extraction_id == ext.id, Batch.account_id == account.id)
    cursor = parse_before(before)
    if cursor is not None:
        when, after_id = cursor
        if after_id:
            # Keyset on (created_at, id): gap-free and stable even when created_at ties.
            query = query.where(or_(Batch.created_at < when, and_(Batch.created_at == when, Batch.id < after_id)))
        else:
            query = query.where(Batch.created_at < when)
    rows = list(session.exec(query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(limit + 1)).all())
    page, more = rows[:limit], len(rows) > limit
    by_batch = _file_statuses(session, [b.id for b in page])
    out = []
    for b in page:
        files = by_batch.get(b.id, [])
        status = b.status if b.status in BATCH_TERMINAL else statuses.batch_status(files)
        out.append(batch_public(b, status, len(files)))
    return out, (format_cursor(page[-1]) if more else None)


def _file_statuses(session: Session, batch_ids: list[str]) -> dict[str, list[str]]:
    if not batch_ids:
        return {}
    rows = session.exec(
        select(FileRecord.batch_id, FileRecord.status, func.count())
        .where(FileRecord.batch_id.in_(batch_ids), FileRecord.deleted_at.is_(None))
        .group_by(FileRecord.batch_id, FileRecord.status)
    ).all()
    out: dict[str, list[str]] = {}
    for batch_id, status, n in rows:
        out.setdefault(batch_id, []).extend([status] * n)
    return out


async def delete_file(state: AppState, session: Session, rec: FileRecord) -> None:
    rec.deleted_at = utcnow()
    session.add(rec)
    result = session.get(FileResult, rec.id)
    if result is not None:
        session.delete(result)
    session.commit()
    await asyncio.to_thread(state.store.delete_prefix, storage.file_prefix(rec.batch_id, rec.id))
    try:
        client = await state.temporal()
        await client.get_workflow_handle(batch_workflow_id(rec.batch_id)).signal(
            BatchWorkflow.file_deleted, rec.id, rpc_timeout=timedelta(seconds=5)
        )
    except Exception as e:  # a closed workflow has nothing left to do for the file
        # (a running one that missed the signal finds the file gone at its next activity)
        log.info("file_deleted signal for %s not delivered (%s)", rec.id, type(e).__name__)
    state.status_views.forget(rec.batch_id)  # the next read asks the workflow again
