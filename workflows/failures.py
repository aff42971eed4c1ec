"""How the workflow ends a file's work early: deleted, or failed with a reason."""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError


class FileGone(Exception):
    """The file was deleted while the batch ran: stop working on it."""


class FileFailed(Exception):
    """The workflow itself decided the file cannot be processed; the message says why."""


def root_cause(err: ActivityError) -> BaseException:
    cause: BaseException = err
    while not isinstance(cause, ApplicationError) and cause.__cause__ is not None:
        cause = cause.__cause__
    return cause


def failure_message(cause: BaseException) -> str:
    if isinstance(cause, ApplicationError):
        return cause.message
    return f"processing failed: {cause}"
