"""Error types of the activity and update contracts: what an ApplicationError's `type` says.

Activities raise these (non-retryable: no retry can fix them); the workflow reads them to decide a
file's fate; the API maps the review update's refusals to HTTP codes. Payloads: workflows/models.py.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorType(StrEnum):
    DOCUMENT_REJECTED = "DocumentRejected"  # the document cannot be read: the file fails
    FILE_GONE = "FileGone"  # the file was deleted while it was worked on
    MODEL_AUTH = "ModelAuthFailed"  # 401/403, invalid key
    MODEL_QUOTA = "ModelQuotaExhausted"  # per-day quota: waiting minutes will not help
    MODEL_REQUEST = "ModelRequestRejected"  # 400: the same request fails again
    MODEL_UNAVAILABLE = "ModelUnavailable"  # 408/429/5xx, transport: retried
    # review update refusals (the API answers 409, 409, 400)
    REVIEW_STALE = "StaleRevision"
    REVIEW_NOT_OPEN = "NotAwaitingReview"
    REVIEW_INVALID = "InvalidReview"
    WEBHOOK_REFUSED = "WebhookRefused"  # the URL is not one we call, or the account has no secret


# What no retry can fix: Temporal gives up on these at once.
NON_RETRYABLE = [ErrorType.DOCUMENT_REJECTED, ErrorType.FILE_GONE, ErrorType.MODEL_AUTH,
                 ErrorType.MODEL_QUOTA, ErrorType.MODEL_REQUEST]
