"""Streaming multipart parsing: each file goes to a temp file on disk, checked while it streams.

Starlette's request.form() reads the whole body before we see it; here an oversized file is
refused at its 25 MB + 1st byte, and a 31st file at its first header, without buffering.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from api.domain_errors import DomainError, Invalid, TooLarge

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks  # defined for type checkers only

from core import limits
from core.limits import MAX_FILE_NAME_CHARS as MAX_NAME
from core.limits import MAX_FORM_FIELD_BYTES as MAX_TEXT_FIELD
from core.processes import pid_alive
from core.text import refused_character, shown

# The text fields an upload may have besides its files, each at most once, and each one's length
# in characters. Anything else is refused (400 unexpected_field naming it), so the parts of one
# request are bounded: max_files files and these fields.
TEXT_FIELDS = {"name": limits.MAX_BATCH_NAME_CHARS, "webhook_url": limits.MAX_WEBHOOK_URL_CHARS}

# The documents' field: `files`, or `files[]` as many HTTP clients and HTML forms name a list field.
FILE_FIELDS = ("files", "files[]")


@dataclass
class UploadedFile:
    position: int
    file_name: str
    path: Path
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)  # of the bytes, as they stream in


@dataclass
class ParsedUpload:
    files: list[UploadedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def fingerprint(self, extraction_id: str) -> str:
        """What makes two uploads "the same request" for Idempotency-Key: the extraction, every
        form field (name, webhook_url: TEXT_FIELDS, so a few KB at most) and every file's name and
        bytes (by digest), in order."""
        h = hashlib.sha256(json.dumps([extraction_id, sorted(self.fields.items())]).encode())
        for f in self.files:
            h.update(json.dumps([f.file_name, f.size, f.digest.hexdigest()]).encode())
        return h.hexdigest()


def clean_file_name(raw: str, position: int) -> str:
    """A display name that is safe anywhere: no directories, control characters or NULs."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot else ""
        name = name[: MAX_NAME - len(ext) - 1] + ("." + ext if ext else "")
    return name or f"file-{position + 1}"


class _Collector:
    def __init__(self, tmpdir: Path, max_files: int, max_bytes: int):
        self.tmpdir, self.max_files, self.max_bytes = tmpdir, max_files, max_bytes
        self.out = ParsedUpload()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[str, bytes] = {}
        self._file: UploadedFile | None = None
        self._fh: BinaryIO | None = None
        self._text: bytearray | None = None
        self._text_name = ""
        self._parts = 0  # parts begun, for messages ("part 3 of the upload ...")

    # header callbacks
    def on_part_begin(self) -> None:
        self._headers = {}
        self._parts += 1

    # python-multipart bounds a part's headers (8 lines of at most 4 KB each) before these see them
    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        disposition = self._headers.get("content-disposition")
        if disposition is None:
            raise Invalid("malformed_multipart", f"part {self._parts} of the upload has no Content-Disposition "
                          "header: each part needs one naming its field, e.g. "
                          "'form-data; name=\"files\"; filename=\"a.pdf\"'")
        _, params = parse_options_header(disposition)
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        if not name:
            raise Invalid("malformed_multipart", f"part {self._parts} of the upload has no field name in its "
                          "Content-Disposition header (name=\"files\" for a document)")
        if name in FILE_FIELDS or filename is not None:
            if name not in FILE_FIELDS:
                raise Invalid("unexpected_field", f"unexpected file field '{shown(name)}': send documents in the "
                              "'files' (or 'files[]') field")
            position = len(self.out.files)
            if position >= self.max_files:
                raise Invalid("too_many_files", f"too many files: at most {self.max_files} per batch")
            raw_name = (filename or b"").decode("utf-8", "replace")
            if "\x00" in raw_name:
                raise Invalid("invalid_request", f"the file name of file {position + 1} ('{shown(raw_name)}') "
                              "contains a NUL character (U+0000)")
            display = clean_file_name(raw_name, position)
            self._file = UploadedFile(position, display, self.tmpdir / f"{position:03d}")
            self._fh = open(self._file.path, "wb")
            self.out.files.append(self._file)
        elif name not in TEXT_FIELDS:
            raise Invalid("unexpected_field", f"unexpected form field '{shown(name)}': an upload takes 'files' and "
                          f"optionally {', '.join(repr(f) for f in TEXT_FIELDS)}")
        elif name in self.out.fields:
            raise Invalid("unexpected_field", f"form field '{name}' is given twice; send it once")
        else:
            self._text, self._text_name = bytearray(), name

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            self._file.size += len(chunk)
            if self._file.size > self.max_bytes:
                raise TooLarge("file_too_large", f"file '{self._file.file_name}' is larger than the "
                               f"{self.max_bytes // (1024 * 1024)} MB limit")
            assert self._fh is not None  # opened together with self._file
            self._fh.write(chunk)
            self._file.digest.update(chunk)
        elif self._text is not None:
            self._text += chunk
            if len(self._text) > MAX_TEXT_FIELD:
                raise Invalid("field_too_long", f"form field '{self._text_name}' is longer than {MAX_TEXT_FIELD:,} "
                              "bytes")

    def on_part_end(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._file = None
        elif self._text is not None:
            value = self._text.decode("utf-8", "replace")
            why = refused_character(value)
            if why:
                raise Invalid("invalid_request", f"form field '{self._text_name}' contains {why}, which cannot be "
                              "stored")
            if len(value) > TEXT_FIELDS[self._text_name]:
                raise Invalid("field_too_long", f"form field '{self._text_name}' is longer than "
                              f"{TEXT_FIELDS[self._text_name]:,} characters")
            self.out.fields[self._text_name] = value
            self._text = None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


async def parse_upload(request: Request, tmpdir: Path, *, max_files: int, max_bytes: int) -> ParsedUpload:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Invalid("not_multipart", "send the files as multipart/form-data in the 'files' field")
    declared = request.headers.get("content-length")
    # Every byte of a legal request fits in max_files files plus headers; refuse bigger at once.
    if declared and declared.isdigit() and int(declared) > max_files * (max_bytes + 64 * 1024):
        raise TooLarge("upload_too_large", f"the upload is larger than {max_files} files of the size limit")
    collector = _Collector(tmpdir, max_files, max_bytes)
    callbacks: MultipartCallbacks = {
        "on_header_end": collector.on_header_end,
        "on_header_field": collector.on_header_field,
        "on_header_value": collector.on_header_value,
        "on_headers_finished": collector.on_headers_finished,
        "on_part_begin": collector.on_part_begin,
        "on_part_data": collector.on_part_data,
        "on_part_end": collector.on_part_end,
    }
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except DomainError:  # ours, raised by a callback
        raise
    except ClientDisconnect:
        raise Invalid("upload_interrupted", "the upload was interrupted before it finished") from None
    except Exception as e:  # python-multipart raises on malformed bodies
        raise Invalid("malformed_multipart", f"malformed multipart body: {e}") from None
    finally:
        collector.close()
    if collector._file is not None or collector._text is not None:
        raise Invalid("malformed_multipart", "malformed multipart body: it ends inside a part")
    return collector.out


UPLOAD_DIR_PREFIX = "docparse-upload-"
_LEFTOVER_AGE_S = 3600  # folders without an owner pid (older versions) are removed once this old


def upload_tmpdir() -> tempfile.TemporaryDirectory:
    # The owner's pid in the name: a process that starts can tell its dead predecessors' folders.
    return tempfile.TemporaryDirectory(prefix=f"{UPLOAD_DIR_PREFIX}{os.getpid()}-")


def clean_upload_leftovers(root: Path | None = None) -> int:
    """Removes the upload folders of API processes that are gone (killed mid-upload); at start.
    Folders of live processes (other API processes on this machine) stay. Returns how many went.
    A folder with this process's own pid is a predecessor's: this one has not served a request
    yet, and a container's API has the same pid (1) after every restart, /tmp kept."""
    removed = 0
    for path in Path(root or tempfile.gettempdir()).glob(f"{UPLOAD_DIR_PREFIX}*"):
        owner = path.name[len(UPLOAD_DIR_PREFIX):].split("-", 1)[0]
        try:
            if owner.isdigit():
                if int(owner) != os.getpid() and pid_alive(int(owner)):
                    continue
            elif time.time() - path.stat().st_mtime < _LEFTOVER_AGE_S:
                continue
            shutil.rmtree(path)
            removed += 1
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed
