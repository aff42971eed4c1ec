"""Batch status from file statuses: one rule, used by the workflow and by the database path."""

from __future__ import annotations

from collections.abc import Iterable

QUEUED, PROCESSING, PROCESSED, NEEDS_REVIEW, FAILED = (
    "queued", "processing", "processed", "needs_review", "failed",
)
BATCH_TERMINAL = frozenset({PROCESSED, FAILED})


def batch_status(file_statuses: Iterable[str]) -> str:
    statuses = list(file_statuses)
    if not statuses:
        return PROCESSED  # every file was deleted
    if all(s == QUEUED for s in statuses):
        return QUEUED
    if any(s in (QUEUED, PROCESSING) for s in statuses):
        return PROCESSING
    if any(s == NEEDS_REVIEW for s in statuses):
        return NEEDS_REVIEW
    if all(s == FAILED for s in statuses):
        return FAILED
    return PROCESSED
