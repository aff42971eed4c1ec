"""Why a document cannot be processed, raised by every reader in documents/, and the boundary that
turns whatever a page process raises into one of these plain errors.

Only plain exceptions with a string cross a process boundary reliably: PyMuPDF's own (SWIG) errors
do not pickle, and an error that cannot be pickled back reached the caller as a TypeError, which
looked like a transient fault and was retried for hours.
"""

from __future__ import annotations

from pathlib import Path


class DocumentRejected(Exception):
    """The document cannot be processed; the message says why, for a human.

    A plain exception with a string: it pickles back from a page process to the worker or API
    (PyMuPDF's own exceptions do not). No retry can change it: the file fails at once."""


class PageWorkFailed(Exception):
    """This machine failed the page work (disk, a missing program), not the document: retryable."""


class PageCallTimedOut(DocumentRejected):
    """A page-process call ran over its time limit: the process was stopped and replaced."""


# Faults of the machine rather than of the document; everything else a reader raises on a
# document (PyMuPDF errors, a codec's ValueError, our own bugs on strange input) does the same
# again on a retry, so it rejects the document.
_MACHINE_FAULTS = (OSError,)


def plain_error(e: BaseException, name: str, paths: tuple[str, ...] = ()) -> BaseException:
    """``e`` as a plain, picklable, classified exception whose message names ``name`` and shows no
    server path."""
    if isinstance(e, MemoryError):
        return MemoryError(str(e))
    message = str(e) if isinstance(e, (DocumentRejected, PageWorkFailed)) else f"{type(e).__name__}: {e}"
    for p in paths:
        message = message.replace(p, name or "the document")
    if name and name not in message:
        message = f"'{name}' cannot be read: {message}"
    message = message[:1000]
    if isinstance(e, PageWorkFailed) or (isinstance(e, _MACHINE_FAULTS) and not isinstance(e, DocumentRejected)):
        return PageWorkFailed(message)
    return DocumentRejected(message)


def call_plainly(fn, name: str, /, *args, **kwargs):
    """fn(*args, **kwargs), run inside a page process: any exception leaves as plain_error's."""
    try:
        return fn(*args, **kwargs)
    except BaseException as e:  # noqa: BLE001 - the whole point: nothing unpicklable leaves
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        paths = tuple(str(a) for a in (*args, *kwargs.values()) if isinstance(a, Path))
        raise plain_error(e, name, paths) from None
