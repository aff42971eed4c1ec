"""Classifying failures at the activity edge: what no retry can fix becomes non-retryable."""

from temporalio.exceptions import ApplicationError

from workflows.contracts import ErrorType


def rejected(message: str) -> ApplicationError:
    return ApplicationError(message, type=ErrorType.DOCUMENT_REJECTED, non_retryable=True)


def gone(file_id: str) -> ApplicationError:
    return ApplicationError(f"file {file_id} was deleted", type=ErrorType.FILE_GONE, non_retryable=True)
