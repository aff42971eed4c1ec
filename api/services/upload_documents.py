"""What an upload's files become before they are stored: e-mail messages replaced by their
attachments, office documents converted to PDF, every document opened and its pages counted
(the document service, in the API's page processes, in turns with other accounts' uploads)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from api.domain_errors import Invalid, Unavailable
from api.uploads import ParsedUpload, clean_file_name
from core.text import without_paths
from documents.errors import DocumentRejected, PageCallTimedOut, PageWorkFailed
from documents.inspect import DocumentInfo
from documents.kinds import CONTENT_TYPES, KINDS
from documents.service import DocumentService, converted_path


@dataclass
class Incoming:
    """One file of the batch to be: as uploaded (or as attached to an uploaded message)."""

    position: int
    file_name: str
    path: Path  # the original bytes
    size: int
    part: int  # the uploaded file it is, or was attached to (ParsedUpload.files position)
    from_message: str | None = None  # the uploaded e-mail message it was attached to
    info: DocumentInfo | None = None

    @property
    def document(self) -> Path:
        """What the pipeline reads: the original, or the PDF an office document became."""
        return converted_path(self.path) if self.converted else self.path

    @property
    def converted(self) -> bool:
        return self.info is not None and self.info.source_kind is not None

    @property
    def original_type(self) -> str:
        assert self.info is not None
        return CONTENT_TYPES[self.info.source_kind or self.info.kind]

    @property
    def document_type(self) -> str:
        assert self.info is not None
        return KINDS[self.info.kind]


def _attachment_name(raw: str, position: int) -> str:
    """As an uploaded name is cleaned; what a database cannot store (a surrogate a mail header
    decoded to) becomes U+FFFD rather than refusing a name the sender chose."""
    return clean_file_name(raw.encode("utf-8", "replace").decode("utf-8"), position)


async def _all(coros) -> list:
    """Every result, or the first error with the others cancelled (their page calls stopped)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _refused(e: DocumentRejected | PageWorkFailed, name: str) -> Exception:
    message = without_paths(str(e), name)
    if isinstance(e, PageWorkFailed):
        return Unavailable("document_service_unavailable", f"documents cannot be read right now: {message}",
                           retryable=True, retry_after=30)
    if isinstance(e, PageCallTimedOut):
        return Invalid("document_too_slow", message)
    return Invalid("document_rejected", message)


async def incoming_files(documents: DocumentService, upload: ParsedUpload, tmpdir: Path, *, owner: str,
                         max_files: int) -> list[Incoming]:
    """The batch's files, checked and counted; raises a 4xx naming the file that is refused."""
    async def expand(f) -> list[Incoming]:
        try:
            attachments = await documents.attachments(f.path, f.file_name, tmpdir, owner=owner)
        except (DocumentRejected, PageWorkFailed) as e:
            raise _refused(e, f.file_name) from None
        if attachments is None:
            return [Incoming(0, f.file_name, f.path, f.size, f.position)]
        return [Incoming(0, _attachment_name(a.file_name, i), a.path, a.path.stat().st_size, f.position,
                         from_message=f.file_name)
                for i, a in enumerate(attachments)]

    async def check(item: Incoming) -> None:
        try:
            item.info = await documents.inspect(item.path, item.file_name, owner=owner)
        except (DocumentRejected, PageWorkFailed) as e:
            raise _refused(e, item.file_name) from None

    expanded = [item for items in await _all(expand(f) for f in upload.files) for item in items]
    if len(expanded) > max_files:
        raise Invalid("too_many_files", f"too many files: at most {max_files} per batch, counting each "
                      "attachment of an e-mail message as a file")
    for position, item in enumerate(expanded):
        item.position = position
    await _all(check(item) for item in expanded)
    return expanded
