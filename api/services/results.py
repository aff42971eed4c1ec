"""A batch's results in one answer (JSON, NDJSON or CSV), streamed a few files at a time.

Every file of the batch is there with its status: processed files with their result, files waiting
for review with the values the engine extracted (status needs_review, reviewed false), failed files
with their error, queued or processing ones without values. All of it read from the database,
so the batch line and the file lines agree; a file deleted meanwhile is left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from enum import StrEnum

from sqlalchemy.engine import Engine

from api.data import batches as batches_data
from api.data import files as files_data
from api.schemas import BatchPublic, FileResultItem, Usage
from api.services import batches
from api.services.files import reviewed
from core.models import Batch, Extraction, FileRecord, FileResult
from core.status import BATCH_TERMINAL, Status, batch_status
from extraction.result import engine_of
from extraction.table import ResultTable

FILES_PER_READ = 5  # results read from the database at a time: memory stays flat however large they are
WITH_VALUES = (Status.PROCESSED, Status.NEEDS_REVIEW)


class ResultsFormat(StrEnum):
    JSON = "json"  # {"batch": {...}, "files": [...]}
    NDJSON = "ndjson"  # one file per line
    CSV = "csv"  # one row per file, a column per scalar field (extraction/table.py)


MEDIA_TYPES = {
    ResultsFormat.JSON: "application/json",
    ResultsFormat.NDJSON: "application/x-ndjson",
    ResultsFormat.CSV: "text/csv; charset=utf-8",
}


def header(*, db: Engine, batch: Batch) -> BatchPublic:
    """The batch as GET .../batches/{id} shows it, from the database."""
    files, tokens_in, tokens_out = batches_data.live_files(db=db, batch_id=batch.id)
    status = batch.status if batch.status in BATCH_TERMINAL else batch_status(f.status for f in files)
    return batches.public(batch, status=status, file_count=len(files),
                          usage=Usage(input_tokens=tokens_in, output_tokens=tokens_out))


def item(rec: FileRecord, res: FileResult | None) -> FileResultItem:
    out = FileResultItem(file_id=rec.id, batch_id=rec.batch_id, file_name=rec.file_name, status=rec.status,
                         page_count=rec.page_count, error=rec.error)
    if res is None:
        return out
    return out.model_copy(update=dict(
        result=res.result if rec.status in WITH_VALUES else None, reviewed=reviewed(res),
        review_reasons=res.review_reasons or [], confidence=res.confidence or {}, citations=res.citations or {},
        warnings=res.warnings or [], engine=res.engine or engine_of(res.model_used), model_used=res.model_used,
        usage=Usage(input_tokens=res.input_tokens, output_tokens=res.output_tokens),
        extracted=res.extracted or res.result, review=res.review,
    ))


def items(*, db: Engine, batch_id: str) -> Iterator[FileResultItem]:
    after = -1
    while True:
        rows = files_data.with_results(db=db, batch_id=batch_id, after_position=after, limit=FILES_PER_READ)
        for rec, res in rows:
            yield item(rec, res)
        if len(rows) < FILES_PER_READ:
            return
        after = rows[-1][0].position


def stream(*, db: Engine, ext: Extraction, batch: BatchPublic, fmt: ResultsFormat) -> Iterator[bytes]:
    """The answer's bytes; a sync generator (the response iterates it in a worker thread)."""
    files = items(db=db, batch_id=batch.id)
    if fmt is ResultsFormat.NDJSON:
        for f in files:
            yield f.model_dump_json().encode() + b"\n"
    elif fmt is ResultsFormat.CSV:
        table = ResultTable(ext.fields or [])
        yield _csv_line(table.header())
        for f in files:
            yield _csv_line(table.row(file_id=f.file_id, file_name=f.file_name, status=f.status,
                                      reviewed=f.reviewed, error=f.error, values=f.result))
    else:
        yield b'{"batch":' + batch.model_dump_json().encode() + b',"files":['
        for n, f in enumerate(files):
            yield (b"," if n else b"") + f.model_dump_json().encode()
        yield b"]}"


def _csv_line(cells: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerow(cells)
    return buf.getvalue().encode()
