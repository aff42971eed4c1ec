"""Classifying failures at the activity edge: what no retry can fix becomes non-retryable."""

from temporalio.exceptions import ApplicationError

from workflows.policies import DOCUMENT_REJECTED, FILE_GONE


def rejected(message: str) -> ApplicationError:
    return ApplicationError(message, type=DOCUMENT_REJECTED, non_retryable=True)


def gone(file_id: str) -> ApplicationError:
    return ApplicationError(f"file {file_id} was deleted", type=FILE_GONE, non_retryable=True)
