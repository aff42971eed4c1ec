"""Object storage (S3 / MinIO / SeaweedFS) behind a small interface, and the key layout.

Every object a file produces lives under one prefix, so deleting a file is one prefix delete:
    files/<batch_id>/<file_id>/original
    files/<batch_id>/<file_id>/pages/0001.png      page image
    files/<batch_id>/<file_id>/words/0001.json     words with positions (text layer or OCR)
    files/<batch_id>/<file_id>/einvoice.xml        embedded e-invoice XML, when the PDF has one
    files/<batch_id>/<file_id>/chunks/*.json       the model's parsed answer per page chunk
    files/<batch_id>/<file_id>/result.json         the finalized result (claim check for the workflow)
    files/<batch_id>/<file_id>/reviewed.json       the result a reviewer approved, finalized again
    files/<batch_id>/<file_id>/corrections/*.json  a reviewer's corrections too large for history
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from core.config import Settings

FILES = "files/"


def batch_prefix(batch_id: str) -> str:
    return f"{FILES}{batch_id}/"


def file_prefix(batch_id: str, file_id: str) -> str:
    return f"{batch_prefix(batch_id)}{file_id}/"


def original_key(batch_id: str, file_id: str) -> str:
    return file_prefix(batch_id, file_id) + "original"


def converted_key(batch_id: str, file_id: str) -> str:
    """The PDF an office document (DOCX, XLSX, ODT, ODS, RTF, HTML) was converted to at upload:
    what the pipeline reads for it (the file's object_key); the upload stays at original_key."""
    return file_prefix(batch_id, file_id) + "document.pdf"


def page_image_key(batch_id: str, file_id: str, page: int) -> str:
    return file_prefix(batch_id, file_id) + f"pages/{page:04d}.png"


def model_page_key(batch_id: str, file_id: str, page: int) -> str:
    """The page as the model reads it: an image (PNG or JPEG) or a one-page PDF (sniffed when read)."""
    return file_prefix(batch_id, file_id) + f"model/{page:04d}"


def page_words_key(batch_id: str, file_id: str, page: int) -> str:
    return file_prefix(batch_id, file_id) + f"words/{page:04d}.json"


def einvoice_key(batch_id: str, file_id: str) -> str:
    return file_prefix(batch_id, file_id) + "einvoice.xml"


def result_key(batch_id: str, file_id: str) -> str:
    return file_prefix(batch_id, file_id) + "result.json"


def reviewed_key(batch_id: str, file_id: str) -> str:
    return file_prefix(batch_id, file_id) + "reviewed.json"


def corrections_prefix(batch_id: str, file_id: str) -> str:
    return file_prefix(batch_id, file_id) + "corrections/"


def corrections_key(batch_id: str, file_id: str, revision: int, token: str) -> str:
    """A reviewer's corrections too large for workflow history (passed by this key); one object
    per decision sent (token), so a refused second decision never overwrites an accepted one."""
    return corrections_prefix(batch_id, file_id) + f"{revision:04d}-{token}.json"


def answer_key(batch_id: str, file_id: str, first: int, last: int) -> str:
    return file_prefix(batch_id, file_id) + f"chunks/{first:04d}-{last:04d}.json"


class ObjectMissing(Exception):
    """The object is not in the store (deleted, or never written)."""


class ObjectStore:
    """Synchronous (the minio client is); async callers use asyncio.to_thread."""

    def __init__(self, settings: Settings):
        self.bucket = settings.s3_bucket
        self.client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as e:  # another process made it first
                if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        self.client.fput_object(self.bucket, key, str(path), content_type=content_type)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type=content_type)

    def get_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectMissing(key) from e
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def download(self, key: str, path: Path) -> None:
        try:
            self.client.fget_object(self.bucket, key, str(path))
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectMissing(key) from e
            raise

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
            return True
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchBucket", "NoSuchObject"):
                return False
            raise

    def delete_prefix(self, prefix: str) -> int:
        names = [o.object_name for o in self.client.list_objects(self.bucket, prefix, recursive=True)]
        if names:
            errors = list(self.client.remove_objects(self.bucket, (DeleteObject(n) for n in names)))
            if errors:
                raise RuntimeError(f"could not delete {len(errors)} objects under {prefix}: {errors[0]}")
        return len(names)

    def child_prefixes(self, prefix: str) -> Iterator[str]:
        """The "folders" right under `prefix` (e.g. files/<batch>/ under files/)."""
        for o in self.client.list_objects(self.bucket, prefix, recursive=False):
            if o.is_dir:
                yield o.object_name

    def newest(self, prefix: str) -> datetime | None:
        """When the most recently written object under `prefix` was written; None: no object."""
        times = [o.last_modified for o in self.client.list_objects(self.bucket, prefix, recursive=True)]
        return max((t for t in times if t is not None), default=None)
