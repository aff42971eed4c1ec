"""Request and response bodies of the public API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core import limits
from core.languages import LANGUAGE_DOC, language_problem
from core.schema import ExtractionSchema, FieldSpec, size_problems


class ExtractionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    language: str = Field(default="auto", min_length=2, max_length=32, description=LANGUAGE_DOC)
    fields: list[FieldSpec] = Field(
        min_length=1, description=f"at most {limits.MAX_FIELDS} fields, nested ones included; {limits.NESTING_RULE}",
    )
    model: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$",
        description="Gemini model for this extraction (default: the configured one)",
    )
    review_threshold: float = Field(
        default=0.8, ge=0.0, le=1.0, strict=True,
        description="files with a present or required field below this confidence, or failing a "
        "validation rule, wait for human review; 0 turns review off",
    )
    review_deadline_hours: int = Field(
        default=168, ge=1, le=24 * 365, strict=True,
        description="a file not reviewed within this time fails with 'review deadline passed'",
    )
    webhook_url: str | None = Field(
        default=None, max_length=limits.MAX_WEBHOOK_URL_CHARS,
        description="events of this extraction's batches (batch.processed, batch.needs_review, file.processed, "
        "file.needs_review, file.failed) are POSTed here, signed per Standard Webhooks with the account's "
        "secret (POST /v1/webhook-secret)",
    )

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        problem = language_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("fields")
    @classmethod
    def _size_caps(cls, fields: list[FieldSpec]) -> list[FieldSpec]:
        problems = size_problems(fields)  # enum values, schema bytes: what the worker's input must fit
        if problems:
            raise ValueError("; ".join(problems))
        return fields

    @model_validator(mode="after")
    def _schema_rules(self) -> ExtractionCreate:
        ExtractionSchema(fields=self.fields, language=self.language)  # depth, count, duplicates
        return self


class ExtractionPublic(BaseModel):
    id: str
    name: str
    description: str | None
    language: str
    status: str
    fields: list[dict[str, Any]]
    model: str | None = None
    review_threshold: float = 0.8
    review_deadline_hours: int = 168
    webhook_url: str | None = None
    created_at: datetime


class WebhookSecretOut(BaseModel):
    secret: str = Field(description="whsec_...: verify webhook-signature with it; shown only now")


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class ExtractionOut(BaseModel):
    extraction: ExtractionPublic


class ExtractionList(BaseModel):
    extractions: list[ExtractionPublic]
    next_before: str | None = Field(
        description="pass as `before` to get the next page; null on the last page"
    )


class BatchPublic(BaseModel):
    id: str
    extraction_id: str
    name: str | None
    status: str
    file_count: int
    page_count: int
    error: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
    usage: Usage | None = Field(
        default=None, description="model tokens used by the batch's files; null only when the database could "
        "not be read (the status came from the workflow)",
    )


class FilePublic(BaseModel):
    id: str
    file_name: str
    status: str
    page_count: int
    error: str | None = None


class FileAccepted(BaseModel):
    id: str
    file_name: str
    page_count: int
    part: int = Field(description="which uploaded file (0-based, in the order sent) it is, or came from: the "
                      "attachments of one e-mail message share their message's")
    from_message: str | None = Field(
        default=None, description="the uploaded e-mail message (EML or MSG) this file was attached to")
    converted_from: str | None = Field(
        default=None, description="the office type converted to PDF at upload: docx, xlsx, odt, ods, rtf or html")


class FileInfo(BaseModel):
    id: str
    batch_id: str
    extraction_id: str
    file_name: str
    status: str
    page_count: int
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class FileOut(BaseModel):
    file: FileInfo


class BatchCreated(BaseModel):
    batch: BatchPublic
    files: list[FileAccepted] | None = Field(
        default=None, description="the batch's files as accepted, in order (each attachment of an e-mail message "
        "is a file of its own); absent on an Idempotency-Key replay")


class BatchDetail(BaseModel):
    batch: BatchPublic
    files: list[FilePublic]


class BatchList(BaseModel):
    batches: list[BatchPublic]
    next_before: str | None = Field(
        description="pass as `before` to get the next page; null on the last page"
    )


REVIEWED_DOC = ("a reviewer approved these values: every confidence is 1.0, and a corrected value is cited only "
                "where it is found on the page")


class FileResultOut(BaseModel):
    file_id: str
    file_name: str
    status: str
    result: dict[str, Any]
    confidence: dict[str, float]
    citations: dict[str, Any]
    warnings: list[str]
    engine: str = Field(description="which engine read the file: einvoice (embedded XML), offline or gemini")
    model_used: str
    usage: Usage
    extracted: dict[str, Any] = Field(description="what the engine returned, before any review")
    review: dict[str, Any] | None = Field(
        default=None, description="decision, reviewer, decided_at, reason, revision, corrected keys"
    )
    reviewed: bool = Field(default=False, description=REVIEWED_DOC)


class FileResultItem(BaseModel):
    """One file in a batch's results: its values whatever its status says of them."""

    file_id: str
    batch_id: str
    file_name: str
    status: str = Field(description="processed: final; needs_review: `result` holds the extracted values, not "
                        "yet confirmed by a reviewer; failed: see `error`; queued or processing: no result yet")
    page_count: int
    error: str | None = None
    reviewed: bool = Field(default=False, description=REVIEWED_DOC)
    review_reasons: list[str] = Field(default_factory=list, description="why the file needs (or needed) review")
    result: dict[str, Any] | None = Field(default=None, description="the values: null unless processed or needs_review")
    confidence: dict[str, float] = Field(default_factory=dict)
    citations: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    engine: str | None = None
    model_used: str | None = None
    usage: Usage = Field(default_factory=Usage)
    extracted: dict[str, Any] | None = Field(
        default=None, description="what the engine returned, before any review (also of a file rejected in review)")
    review: dict[str, Any] | None = None


class BatchResults(BaseModel):
    batch: BatchPublic
    files: list[FileResultItem]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ReviewItem(BaseModel):
    file_id: str
    file_name: str
    extraction_id: str
    extraction_name: str
    batch_id: str
    batch_name: str | None = Field(description="the name given at upload, if any")
    batch_created_at: datetime
    page_count: int
    revision: int
    reasons: list[str]
    created_at: datetime


class ReviewQueue(BaseModel):
    files: list[ReviewItem]


class ReviewDetail(BaseModel):
    file_id: str
    file_name: str
    extraction_id: str
    extraction_name: str
    batch_id: str
    batch_name: str | None
    status: str
    revision: int
    reasons: list[str]
    fields: list[dict[str, Any]]
    extracted: dict[str, Any]
    confidence: dict[str, float]
    citations: dict[str, Any]
    review_threshold: float
    pages: list[str] = Field(description="URLs of the page images (PNG), in page order")
    refused: list[dict[str, Any]] = Field(
        default=[], description="refused `review` signals (Temporal UI/CLI), the latest last: at, reviewer, "
                                "action, revision, reason")


class ReviewDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "reject"]
    revision: int = Field(ge=0, description="the revision shown by GET .../review")
    values: dict[str, Any] | None = Field(default=None, description="corrected values (approve only)")
    reason: str | None = Field(default=None, max_length=limits.MAX_REVIEW_REASON_CHARS)


class ReviewOutcomeOut(BaseModel):
    file_id: str
    status: str
    decision: str
    revision: int


class ErrorOut(BaseModel):
    error: str  # for people
    code: str  # stable, for programs: see README "Errors"
    retryable: bool  # the same request may succeed later (429, 503, 5xx)
    batch_id: str | None = Field(
        default=None, description="503 batch_not_scheduled_yet only: the batch that was stored (poll it)")


_ERROR_WHEN = {
    400: "Bad request: invalid JSON body, schema, query or path parameter, or upload",
    401: "Missing or unknown API key",
    403: "Revoked API key, or out of pages",
    404: "Unknown id, or another account's",
    409: "Conflict with the object's state (see the error)",
    413: "A file over the size limit",
    429: "Rate limit per key exceeded; see the Retry-After header",
    503: "The database is unavailable right now (see Retry-After); on upload also: the batch was stored "
    "but its workflow could not be started yet, it is re-submitted automatically",
}
_ALWAYS = (401, 403, 429, 503)  # every authenticated call: key checks, rate limit, database


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: its error codes (plus those every authenticated call can get)
    and `default`, all {"error": "..."}. `default` also keeps FastAPI from documenting a 422 the
    API never sends (validation errors are 400)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({*codes, *_ALWAYS}):
        out[code] = {"model": ErrorOut, "description": _ERROR_WHEN[code]}
        if code in (429, 503):
            out[code]["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    out["default"] = {"model": ErrorOut, "description": "Any other error (an internal error is a 500)"}
    return out
