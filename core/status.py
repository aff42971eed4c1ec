"""File and batch statuses, and the one rule that derives a batch's status from its files'
(used by the workflow's status query and by the database path)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Status(StrEnum):
    """A file's status; a batch's is derived from its files' (batch_status)."""

    QUEUED = "queued"
    PROCESSING = "processing"
    PROCESSED = "processed"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


BATCH_TERMINAL = frozenset({Status.PROCESSED, Status.FAILED})
FILE_OUTCOMES = frozenset({Status.PROCESSED, Status.NEEDS_REVIEW, Status.FAILED})  # a written outcome


def batch_status(file_statuses: Iterable[str]) -> Status:
    statuses = list(file_statuses)
    if not statuses:
        return Status.PROCESSED  # every file was deleted
    if all(s == Status.QUEUED for s in statuses):
        return Status.QUEUED
    if any(s in (Status.QUEUED, Status.PROCESSING) for s in statuses):
        return Status.PROCESSING
    if any(s == Status.NEEDS_REVIEW for s in statuses):
        return Status.NEEDS_REVIEW
    if all(s == Status.FAILED for s in statuses):
        return Status.FAILED
    return Status.PROCESSED
