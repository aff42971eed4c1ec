"""Why a document cannot be processed, raised by every reader in documents/."""

from __future__ import annotations


class DocumentRejected(Exception):
    """The document cannot be processed; the message says why, for a human.

    A plain exception with a string: it pickles back from a page process to the worker or API
    (PyMuPDF's own exceptions do not)."""
