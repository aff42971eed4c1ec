"""Workflow and activity payloads: ids, object keys, counts and small values only.

File bytes, page images, page text and results never enter workflow history (activities read and
write them in object storage by key), and neither does a copy of the extraction's schema per
activity: activities look the extraction up by id (activities/extractions.py). BatchInput carries
the schema once, for the review update's validator. Error types: workflows/contracts.py.
Payloads of batches started before these contracts: workflows/legacy_models.py.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from core.schema import ExtractionSchema
from core.status import Status
from extraction.engines.gemini import AnswerStatus, Chunk
from extraction.result import EngineKind


class FileIds(BaseModel):
    """The ids every per-file payload carries (and the worker's log lines show)."""

    batch_id: str
    extraction_id: str
    file_id: str


# -- the batch ------------------------------------------------------------------------------------

class FileInput(BaseModel):
    file_id: str
    file_name: str
    object_key: str
    kind: str
    page_count: int


class ModelPlan(BaseModel):
    """How a file goes to the model (None in BatchInput: the offline engine)."""

    model: str
    task_queue: str
    pages_per_chunk: int = 8
    chunk_overlap: int = 1


class ReviewPolicy(BaseModel):
    threshold: float = 0.8  # read by the legacy path; activities read the extraction's own
    deadline_seconds: int = 7 * 24 * 3600


class WebhookTarget(BaseModel):
    url: str
    retry_initial_s: float = 5.0
    retry_hours: float = 24.0


class WebhookEvent(BaseModel):
    """One event for one receiver; its id is the `webhook-id` of every delivery attempt."""

    id: str
    type: str  # batch.processed | batch.failed | batch.needs_review | file.processed | file.needs_review | file.failed
    created_at: datetime
    account_id: str
    batch_id: str
    target: WebhookTarget
    data: dict[str, Any]


class HistoryBudget(BaseModel):
    """Past either, a batch whose remaining files only wait for reviewers continues as a new run
    (continue-as-new): reviewers' input (review signals land in history before anything checks
    them) can never take the history to Temporal's limits (51,200 events, 50 MB)."""

    events: int = 10_000
    bytes: int = 10 * 1024 * 1024


class BatchInput(BaseModel):
    batch_id: str
    extraction_id: str
    account_id: str
    extraction_schema: ExtractionSchema  # once, for the review validator; activities look it up
    files: list[FileInput]
    max_concurrent_files: int = 8
    model: ModelPlan | None = None
    review: ReviewPolicy = ReviewPolicy()
    webhook: WebhookTarget | None = None
    history_budget: HistoryBudget = HistoryBudget()
    carried: Carried | None = None  # a run continued-as-new: where the previous run stopped


class FileView(BaseModel):
    id: str
    file_name: str
    status: Status
    page_count: int
    error: str | None = None
    review_revision: int = 0  # bumped each time the file enters review


class ReviewRefusal(BaseModel):
    """A `review` signal the workflow refused: a signal cannot answer, so the reason is kept where
    the sender can read it (the status query, and the file's review record)."""

    at: datetime
    file_id: str
    reviewer: str | None = None
    action: str | None = None
    revision: int | None = None
    reason: str


class BatchView(BaseModel):
    batch_id: str
    status: Status
    files: list[FileView]
    review_refusals: list[ReviewRefusal] = []  # the latest refused `review` signals, oldest first


# -- reading a file -------------------------------------------------------------------------------

class FileRef(BaseModel):
    batch_id: str
    file_id: str


class PrepareTask(FileIds):
    file: FileInput
    # The model that reads the pages (their words and images are stored for it); None: the
    # engines that run here read them at once (embedded e-invoice, else the offline engine).
    model: str | None = None


class FileOutcome(BaseModel):
    """A file's finalized result, stored at result_key (claim check)."""

    result_key: str
    engine: EngineKind
    model_used: str
    review_reasons: list[str] = []  # empty: accepted as extracted
    input_tokens: int = 0
    output_tokens: int = 0


class Prepared(BaseModel):
    kind: str
    page_count: int
    outcome: FileOutcome | None = None  # None: the pages wait for the model


class ChunkTask(FileIds):
    page_count: int
    chunk: Chunk
    model: str


class ChunkAnswer(BaseModel):
    status: AnswerStatus
    detail: str | None = None
    answer_key: str | None = None  # the parsed answer, stored (status ok)
    input_tokens: int = 0
    output_tokens: int = 0
    model_version: str | None = None  # what the service says answered
    # A chunk that is the whole document is the file's result: finalized and stored right away.
    outcome: FileOutcome | None = None


class ChunkResult(BaseModel):
    chunk: Chunk
    result_key: str
    model_version: str | None = None


class MergeTask(FileIds):
    model: str
    chunks: list[ChunkResult]
    input_tokens: int = 0
    output_tokens: int = 0
    # Only in the inputs of batches started before ids-not-copies (workflows/legacy.py), which
    # share this activity: their copy of the schema and their review threshold.
    extraction_schema: ExtractionSchema | None = None
    review_threshold: float | None = None


class SaveResultInput(FileIds):
    extraction_id: str = ""  # absent from inputs of the oldest batches
    result_key: str
    status: Status = Status.PROCESSED  # or needs_review
    review_reasons: list[str] = []
    review_revision: int = 0
    # The batch's count of model tokens for the file (unusable answers included); None: the
    # stored result's own (the legacy path).
    input_tokens: int | None = None
    output_tokens: int | None = None


# -- review -----------------------------------------------------------------------------------------

class ReviewAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"  # no decision before the deadline


class ReviewDecision(BaseModel):
    """A reviewer's decision on one file, sent as the BatchWorkflow `review` update (or signal).
    Plain strings, checked by the update's validator, so a bad one gets a sentence back, not a
    decoding error."""

    file_id: str
    action: str  # ReviewAction
    revision: int  # the review revision the reviewer saw
    values: dict[str, Any] | None = None  # corrections (top-level keys), approve only; small ones
    # larger corrections, stored by the API under the file's prefix (storage.corrections_key):
    # history keeps the key, never the values
    values_key: str | None = None
    reason: str | None = None
    reviewer: str = "unknown"


class ReviewOutcome(BaseModel):
    file_id: str
    status: str  # processed | failed | deleted
    decision: str  # approved | rejected | expired | none
    revision: int


class ReviewTask(FileIds):
    """A decision to record: approved values are finalized again (finalize_review), then the
    database learns the outcome (save_review)."""

    file: FileInput
    result_key: str
    decision: Decision
    revision: int
    decided_at: datetime
    reviewer: str | None = None
    reason: str | None = None
    corrections: dict[str, Any] | None = None  # approve only; validated by the update's validator
    corrections_key: str | None = None  # or stored (ReviewDecision.values_key); finalize_review checks them


class RefusalRecord(BaseModel):
    """A refused review signal, for the file's review record (record_review_refusal)."""

    file_id: str
    refusal: ReviewRefusal


class WaitingReview(BaseModel):
    """A file waiting for a reviewer: what a run continued-as-new needs to go on waiting."""

    file: FileInput
    result_key: str
    revision: int
    since: datetime  # when it began to wait (the deadline counts from here)


class Carried(BaseModel):
    """BatchWorkflow's state handed to its next run (continue-as-new), taken when every file left
    is finished or waits for a reviewer with no decision under way."""

    runs: int  # runs before this one
    files: list[FileView]  # every file not deleted, as the status query shows it
    waiting: list[WaitingReview]
    batch_events: list[str] = []  # batch-level webhook events sent
    review_refusals: list[ReviewRefusal] = []
    unrecorded: list[RefusalRecord] = []  # refused signals not yet in the files' review records


class FileStatusInput(BaseModel):
    file_id: str
    status: Status
    error: str | None = None


class BatchStatusInput(BaseModel):
    batch_id: str
    status: Status


# -- housekeeping (the worker's schedules: workflows/reconcile.py) ----------------------------------

class ReconcileReport(BaseModel):
    """One reconciler pass: what it did to batches the database holds as unfinished."""

    started: int = 0  # stored batches whose workflow was never started, started now
    unschedulable: int = 0  # failed (pages refunded) after reconcile_start_attempts failed starts
    dead: int = 0  # their workflow died (terminated, timed out, failed): unfinished files failed
    errors: int = 0  # could not be handled this pass (logged; tried again next pass)


class SweepReport(BaseModel):
    """One sweeper pass: object prefixes under files/ that no batch row holds."""

    removed_batches: int = 0
    removed_objects: int = 0


BatchInput.model_rebuild()  # Carried is defined after it
