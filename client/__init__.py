"""Python client for the docparse API.

    from client import Client
    with Client() as dp:  # DOCPARSE_API_URL / DOCPARSE_API_KEY, or Client(base_url, api_key)
        ext = dp.create_extraction({"name": "invoices", "fields": [{"key": "total", "type": "number"}]})
        batch = dp.upload_batch(ext.id, ["a.pdf", ("b.png", png_bytes)], name="november")
        status = dp.wait_for_batch(ext.id, batch.id)
        for f in status.files:
            if f.status == "processed":
                print(dp.get_result(ext.id, f.id).result)

``AsyncClient`` has the same methods as coroutines. Errors raise :class:`ApiError` subclasses.
"""

from client._base import FileInput, RetryPolicy, new_idempotency_key
from client.aio import AsyncClient
from client.errors import (
    ApiConnectionError,
    ApiError,
    AuthError,
    BadRequest,
    ConfigError,
    Conflict,
    DocparseError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    WaitTimeout,
)
from client.models import (
    TERMINAL_BATCH_STATUSES,
    AcceptedFile,
    Batch,
    BatchFile,
    BatchFileResult,
    BatchPage,
    BatchResults,
    BatchStatus,
    Extraction,
    ExtractionPage,
    FileInfo,
    FileResult,
    ReviewDetail,
    ReviewItem,
    ReviewOutcome,
    UploadedBatch,
    Usage,
)
from client.sync import Client

__all__ = [
    "TERMINAL_BATCH_STATUSES",
    "AcceptedFile",
    "ApiConnectionError",
    "ApiError",
    "AsyncClient",
    "AuthError",
    "BadRequest",
    "Batch",
    "BatchFile",
    "BatchFileResult",
    "BatchPage",
    "BatchResults",
    "BatchStatus",
    "Client",
    "ConfigError",
    "Conflict",
    "DocparseError",
    "Extraction",
    "ExtractionPage",
    "FileInfo",
    "FileInput",
    "FileResult",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RetryPolicy",
    "ReviewDetail",
    "ReviewItem",
    "ReviewOutcome",
    "ServerError",
    "UploadedBatch",
    "Usage",
    "WaitTimeout",
    "new_idempotency_key",
]
