"""One Settings object for every process (API, worker, CLI), read from DOCPARSE_* variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", extra="ignore")

    # "dev" allows the embedded defaults below; "production" refuses them (see validator).
    mode: str = "dev"
    data_dir: Path = Path.home() / ".docparse"

    database_url: str | None = None  # default: SQLite under data_dir

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_api_key: str | None = None
    temporal_tls: bool = False
    task_queue: str = "docparse"

    s3_endpoint: str = "127.0.0.1:8333"
    s3_access_key: str = "docparse"
    s3_secret_key: str = "docparse-dev-secret"
    s3_bucket: str = "docparse"
    s3_secure: bool = False
    s3_region: str = "us-east-1"

    max_files_per_batch: int = 30
    max_file_bytes: int = 25 * MB
    max_pages_per_file: int = 2000
    max_image_pixels: int = 80_000_000  # refuse decompression bombs before decoding
    render_dpi: int = 110
    # Address space cap per page-render process; one document cannot take the machine down.
    render_memory_bytes: int = 2048 * MB
    render_processes: int = 2
    # Niceness of the worker's page processes (tesseract inherits it): requests and workflow
    # tasks first, pages with what is left. 0 keeps the worker's own priority.
    render_nice: int = 10
    # A worker's page call (8 pages, OCR included) over this is stopped and fails its file.
    page_call_timeout_s: float = 900
    # The API's page processes (upload checks, office conversion, e-mail attachments, a page a
    # reader asks for), shared in turns between accounts, and the time one call may take there.
    api_page_processes: int = 2
    api_page_call_timeout_s: float = 30
    # LibreOffice converting one office document to PDF at upload (documents/convert.py).
    convert_timeout_s: float = 60
    convert_memory_bytes: int = 1024 * MB
    # Files of one batch in work at once (page work is bounded by the process pool; model calls by
    # model_max_concurrent): a batch holds at most 30 files, so all of them.
    max_concurrent_files: int = 30  # per batch workflow

    default_account_pages: int = 10_000
    rate_limit: str = "50/second;1000/minute"  # per API key, `limits` notation
    rate_limit_storage: str = "memory://"

    # -- Gemini (README "Gemini"). The Developer API with a key (GOOGLE_API_KEY is the SDK's own
    # name, GEMINI_API_KEY its other), or Vertex AI with application-default credentials.
    gemini_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DOCPARSE_GEMINI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"),
    )
    gemini_backend: Literal["developer", "vertex"] = "developer"
    gemini_vertex_project: str | None = None  # required with the vertex backend
    gemini_vertex_location: str = "global"
    # A current GA Flash model (README "Gemini": which one, and the date the model pages were read).
    gemini_model: str = "gemini-3.8-flash"
    gemini_api_version: str = "v1"  # pinned: the SDK's default (and GOOGLE_GENAI_API_VERSION) may move
    gemini_base_url: str | None = None  # tests point the real client at a local fake
    gemini_timeout_s: float = 300.0
    # Thinking, per model family: a level for Gemini 3 (and later), a token budget for 2.5.
    gemini_thinking_level: Literal["minimal", "low", "medium", "high"] = "low"
    gemini_thinking_budget: int = 512
    # Model calls run on their own task queue, so their concurrency and rate are capped by
    # Temporal (worker options) however many files are waiting.
    model_task_queue: str = ""  # default: "<task_queue>-model", so stacks sharing a server stay apart
    model_max_concurrent: int = 32  # per worker; calls wait on the network, not the CPU
    model_calls_per_second: float = 2.0  # per task queue, enforced by the Temporal server
    model_pages_per_chunk: int = 8
    model_chunk_overlap: int = 1
    model_max_output_tokens: int = 65_536  # lowered to the model's own limit (models.get)
    # How PDF pages go to the model: "pdf", each page as a one-page PDF (Gemini reads its text layer
    # itself); "images", each page drawn, its text layer sent beside it. Image files are images.
    model_page_input: Literal["pdf", "images"] = "pdf"
    model_image_max_side: int = 3072  # px; Gemini downsizes larger images anyway
    model_page_pdf_max_bytes: int = 4 * MB  # a one-page PDF larger than this goes as an image
    model_max_request_bytes: int = 20 * MB  # per call, base64 included: larger chunks are split
    # A 500 INTERNAL on this attempt of a call or later stops its retries: the chunk is split
    # (a smaller input may pass) or, at one page, the file fails.
    model_internal_error_attempts: int = 5
    # Wait between attempts of a model call the service gave no retry delay for (5xx, timeouts):
    # doubling from the initial, capped. A service's own delay (429 RetryInfo) always wins.
    model_retry_initial_s: float = Field(2.0, gt=0)
    model_retry_max_s: float = Field(120.0, gt=0)

    # The worker's reconciler (a Temporal Schedule) starts batches that were stored but never
    # started, once they are this old, every reconcile_interval_s; one it could not start this
    # many passes in a row is failed with the reason and its pages refunded. The same pass fails
    # the unfinished files of a batch whose workflow died (terminated, timed out, failed).
    stranded_after_s: float = 30.0
    reconcile_interval_s: float = 60.0
    reconcile_start_attempts: int = 10
    # The worker's sweeper (a Temporal Schedule, every sweep_interval_s) removes objects under
    # files/<batch>/ that no batch row holds (an API killed mid-upload) once orphan_grace_s old.
    sweep_interval_s: float = 3600.0
    orphan_grace_s: float = 3600.0

    # A batch whose files all wait for reviewers continues as a new run (continue-as-new) once its
    # workflow history passes either of these (Temporal stops a workflow at 51,200 events / 50 MB).
    history_budget_events: int = 10_000
    history_budget_bytes: int = 10 * MB

    # A busy worker answers queries late; past this the API answers from the database, which
    # the activities keep current.
    status_query_timeout_s: float = 1.5

    # Webhooks: receivers in loopback, link-local or private ranges are refused unless allowed;
    # a failing receiver is retried with exponential backoff from webhook_retry_initial_s for
    # webhook_retry_hours.
    webhook_allow_private: bool = False
    webhook_retry_initial_s: float = 5.0
    webhook_retry_hours: float = 24.0
    webhook_timeout_s: float = 10.0
    # One log line per request costs dearly when clients poll at hundreds of requests a second.
    access_log: bool = False
    # API processes behind one port (uvicorn workers). Each keeps its own rate-limit counters
    # unless DOCPARSE_RATE_LIMIT_STORAGE points at a shared store (e.g. redis://).
    api_processes: int = 1
    # One query per batch serves all readers for status_fresh_s; then readers get that answer
    # (at most status_stale_s old) while one query refreshes it (api/status_views.py).
    status_fresh_s: float = 0.25
    status_stale_s: float = 5.0

    # Logs: "text" for people, "json" (one object per line, with batch/file/extraction ids) for
    # production log pipelines.
    log_format: Literal["text", "json"] = "text"
    # Prometheus endpoints of the worker (its own metrics, and the Temporal SDK's); 0 = off, the
    # default, so several workers on one machine do not clash. The API serves GET /metrics.
    worker_metrics_port: int = 0
    temporal_metrics_port: int = 0
    metrics_host: str = "0.0.0.0"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Accept the common spellings and use psycopg 3, the driver we install.
            for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix):]
            return url
        return f"sqlite:///{self.data_dir / 'docparse.db'}"

    @model_validator(mode="after")
    def _model_queue_follows_task_queue(self) -> "Settings":
        if not self.model_task_queue:
            self.model_task_queue = f"{self.task_queue}-model"
        return self

    @property
    def gemini_configured(self) -> bool:
        """Files go to Gemini: a key for the Developer API, or the Vertex AI backend."""
        return bool(self.gemini_api_key) or self.gemini_backend == "vertex"

    @model_validator(mode="after")
    def _vertex_needs_a_project(self) -> "Settings":
        if self.gemini_backend == "vertex" and not self.gemini_vertex_project:
            raise ValueError("DOCPARSE_GEMINI_BACKEND=vertex needs DOCPARSE_GEMINI_VERTEX_PROJECT")
        return self

    @model_validator(mode="after")
    def _production_needs_real_credentials(self) -> "Settings":
        if self.mode == "production":
            defaults = Settings.model_fields
            missing = [
                name
                for name in ("s3_access_key", "s3_secret_key", "database_url", "temporal_address", "s3_endpoint")
                if name not in self.model_fields_set or getattr(self, name) in (None, defaults[name].default)
            ]
            if missing:
                raise ValueError(
                    "production mode needs explicit settings for: "
                    + ", ".join("DOCPARSE_" + m.upper() for m in missing)
                )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
