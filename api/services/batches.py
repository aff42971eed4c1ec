"""Batches: the owner's lookup, status (from the running workflow, else the database) and listing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping

from sqlalchemy.engine import Engine

from api.data import batches as data
from api.domain_errors import DatabaseUnavailable, NotFound
from api.schemas import BatchPublic, FilePublic, Usage
from api.services import paging
from api.status_views import StatusViews
from core.models import Account, Batch, Extraction
from core.status import BATCH_TERMINAL, batch_status
from workflows.models import BatchView

QueryStatus = Callable[..., Awaitable[BatchView | None]]  # AppState.query_status(batch_id, timeout_s=)


def public(batch: Batch, *, status: str, file_count: int, usage: Usage | None = None) -> BatchPublic:
    return BatchPublic(
        id=batch.id, extraction_id=batch.extraction_id, name=batch.name, status=status,
        file_count=file_count, page_count=batch.page_count, error=batch.error,
        created_at=batch.created_at, completed_at=batch.completed_at, usage=usage,
    )


def owned(*, db: Engine, known_batches: MutableMapping, account: Account, extraction_id: str, batch_id: str) -> Batch:
    """The caller's batch. While the database is unreachable, the row it last gave for this batch
    (`known_batches`, api/state.py): only status reads look batches up, and they can answer from
    the workflow."""
    try:
        batch = data.get(db=db, account_id=account.id, extraction_id=extraction_id, batch_id=batch_id)
    except DatabaseUnavailable:
        batch = known_batches.get(batch_id)
        if batch is None or batch.account_id != account.id or batch.extraction_id != extraction_id:
            raise
        return batch
    if batch is None:
        raise NotFound("batch", batch_id)
    known_batches[batch.id] = batch
    return batch


async def status(
    *, db: Engine, views: StatusViews, query_status: QueryStatus, outage_timeout_s: float, batch: Batch,
) -> tuple[BatchPublic, list[FilePublic]]:
    """The batch and its files; while the database is unreachable, from the workflow's own view."""
    try:
        files, input_tokens, output_tokens = data.live_files(db=db, batch_id=batch.id)
    except DatabaseUnavailable:
        # The workflow is the only source left: give it time to answer.
        view = await query_status(batch.id, timeout_s=outage_timeout_s)
        if view is None:
            raise
        out = [FilePublic(**f.model_dump()) for f in view.files]
        return public(batch, status=view.status, file_count=len(out)), out
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    view = await views.get(batch.id) if batch.status not in BATCH_TERMINAL else None
    if view is not None:
        live = {f.id for f in files}
        out = [FilePublic(**f.model_dump()) for f in view.files if f.id in live]
        state: str = batch_status(f.status for f in out)
    else:
        out = [FilePublic(id=f.id, file_name=f.file_name, status=f.status, page_count=f.page_count, error=f.error)
               for f in files]
        state = batch.status if batch.status in BATCH_TERMINAL else batch_status(f.status for f in files)
    return public(batch, status=state, file_count=len(out), usage=usage), out


def listing(*, db: Engine, account: Account, ext: Extraction, limit: int, before: str | None
            ) -> tuple[list[BatchPublic], str | None]:
    """A page of the extraction's batches, newest first, and the cursor of the next (None: last)."""
    when, before_id = paging.parse_before(before) or (None, None)
    rows, more, file_statuses, tokens = data.page(db=db, account_id=account.id, extraction_id=ext.id, limit=limit,
                                                  before=when, before_id=before_id)
    out = []
    for b in rows:
        files = file_statuses.get(b.id, [])
        tokens_in, tokens_out = tokens.get(b.id, (0, 0))
        out.append(public(b, status=b.status if b.status in BATCH_TERMINAL else batch_status(files),
                          file_count=len(files), usage=Usage(input_tokens=tokens_in, output_tokens=tokens_out)))
    return out, (paging.format_cursor(rows[-1]) if more else None)
