"""Page images for readers: stored ones as they are, others drawn once (state.documents) and kept."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from api.domain_errors import Conflict, NotFound, Unavailable
from core import storage
from core.models import FileRecord
from core.status import Status
from core.storage import ObjectMissing, ObjectStore
from core.text import without_paths
from documents.errors import DocumentRejected, PageWorkFailed
from documents.service import DocumentService


def _gone(rec: FileRecord) -> NotFound:
    return NotFound("file", rec.id, message=f"file '{rec.file_name}' is gone")


async def _rotation(store: ObjectStore, rec: FileRecord, page: int) -> float | None:
    """How an OCRed page was turned to be read (its stored words say; 0 for a text page): drawn
    the same way, the citations, which are in the upright page's coordinates, fall on the words.
    None while the file is still being read: its words may not be stored yet."""
    try:
        raw = await asyncio.to_thread(store.get_bytes, storage.page_words_key(rec.batch_id, rec.id, page))
    except ObjectMissing:
        return None if rec.status in (Status.QUEUED, Status.PROCESSING) else 0.0
    try:
        return float(json.loads(raw).get("rotation") or 0.0)
    except (ValueError, TypeError, AttributeError):
        return 0.0


async def page_png(*, store: ObjectStore, documents: DocumentService, rec: FileRecord, page: int) -> bytes:
    if not 1 <= page <= rec.page_count:
        raise NotFound("page", str(page), code="page_out_of_range",
                       message=f"file '{rec.file_name}' has pages 1 to {rec.page_count}, not {page}")
    key = storage.page_image_key(rec.batch_id, rec.id, page)
    try:
        return await asyncio.to_thread(store.get_bytes, key)
    except ObjectMissing:
        pass
    # The pipeline draws page images only for the model: draw this one now, once, and keep it.
    with tempfile.TemporaryDirectory(prefix="docparse-page-") as tmp:
        path = Path(tmp) / "original"
        try:
            await asyncio.to_thread(store.download, rec.object_key, path)
        except ObjectMissing:
            raise _gone(rec) from None
        rotation = await _rotation(store, rec, page)
        try:
            # in turns with other accounts' page work, stopped at the API's time limit per call
            png = await documents.draw_page(path, kind=rec.kind, number=page, name=rec.file_name,
                                            owner=rec.account_id, rotation=rotation or 0.0)
        except DocumentRejected as e:
            raise Conflict("page_not_drawable", f"page {page} of '{rec.file_name}' cannot be drawn: "
                           f"{without_paths(str(e), rec.file_name)}") from None
        except PageWorkFailed as e:
            raise Unavailable("document_service_unavailable", f"pages cannot be drawn right now: {e}",
                              retryable=True, retry_after=30) from None
    if rotation is None:  # not kept: once the page is read it may be drawn turned
        return png
    await asyncio.to_thread(store.put_bytes, key, png, "image/png")
    if not await asyncio.to_thread(store.exists, rec.object_key):
        # the file was deleted while its page was drawn: nothing may stay under its prefix
        await asyncio.to_thread(store.delete_prefix, storage.file_prefix(rec.batch_id, rec.id))
        raise _gone(rec)
    return png
