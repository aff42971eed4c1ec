"""In-memory stand-ins for the API's outside world: the object store, the page service and the
Temporal client (no S3, no page processes, no Temporal server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.gemini import ModelInfo, ModelLookupFailed, ModelNotFound
from core.storage import ObjectMissing
from documents.errors import DocumentRejected, PageCallTimedOut, PageWorkFailed
from documents.inspect import DocumentInfo
from workflows.models import BatchView

PNG = b"\x89PNG\r\n\x1a\nfake"


class FakeStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def ensure_bucket(self) -> None:
        pass

    def put_file(self, key: str, path: Path, content_type: str = "") -> None:
        self.objects[key] = Path(path).read_bytes()

    def put_bytes(self, key: str, data: bytes, content_type: str = "") -> None:
        self.objects[key] = data

    def get_bytes(self, key: str) -> bytes:
        if key not in self.objects:
            raise ObjectMissing(key)
        return self.objects[key]

    def download(self, key: str, path: Path) -> None:
        Path(path).write_bytes(self.get_bytes(key))

    def exists(self, key: str) -> bool:
        return key in self.objects

    def delete_prefix(self, prefix: str) -> int:
        doomed = [k for k in self.objects if k.startswith(prefix)]
        for k in doomed:
            del self.objects[k]
        return len(doomed)


class FakeDocuments:
    """A file's page count is its number of b"page" markers; b"reject" in it is a damaged file,
    b"slow" one over the page process's time limit, b"machine" one this machine fails to read."""

    def __init__(self) -> None:
        self.drawn: list[tuple[int, float]] = []  # (page, rotation) of every page drawn

    @staticmethod
    def _refuse(data: bytes, name: str) -> None:
        if b"reject" in data:
            raise DocumentRejected(f"'{name}' is not a supported document")
        if b"slow" in data:
            raise PageCallTimedOut(f"'{name}' took longer than 30 s (the limit per call); it was stopped")
        if b"machine" in data:
            raise PageWorkFailed("the page processes stopped unexpectedly; try again")

    async def inspect(self, path: Path, name: str, *, owner: str | None = None) -> DocumentInfo:
        data = Path(path).read_bytes()
        self._refuse(data, name)
        return DocumentInfo(kind="pdf", page_count=max(1, data.count(b"page")))

    async def attachments(self, path: Path, name: str, out_dir: Path, *, owner: str | None = None) -> None:
        return None  # no file here is an e-mail message

    async def draw_page(self, path: Path, *, kind: str, number: int, name: str = "", owner: str | None = None,
                        rotation: float = 0.0) -> bytes:
        self._refuse(Path(path).read_bytes(), name)
        self.drawn.append((number, rotation))
        return PNG

    def shutdown(self) -> None:
        pass


@dataclass
class FakeHandle:
    client: "FakeTemporal"
    workflow_id: str

    async def query(self, *_: Any, **__: Any) -> BatchView | None:
        return self.client.views.get(self.workflow_id)

    async def signal(self, *args: Any, **_: Any) -> None:
        self.client.signals.append((self.workflow_id, args))

    async def execute_update(self, _update: Any, decision: Any, **__: Any) -> Any:
        self.client.updates.append((self.workflow_id, decision))
        outcome = self.client.update_outcome
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@dataclass
class FakeTemporal:
    started: list[tuple[str, Any]] = field(default_factory=list)
    signals: list[tuple[str, Any]] = field(default_factory=list)
    updates: list[tuple[str, Any]] = field(default_factory=list)
    views: dict[str, BatchView] = field(default_factory=dict)
    update_outcome: Any = None  # what execute_update returns, or raises when an exception
    start_error: BaseException | None = None

    def get_workflow_handle(self, workflow_id: str) -> FakeHandle:
        return FakeHandle(self, workflow_id)

    async def start_workflow(self, _run: Any, arg: Any, *, id: str, **_: Any) -> FakeHandle:
        if self.start_error is not None:
            raise self.start_error
        self.started.append((id, arg))
        return FakeHandle(self, id)


@dataclass
class FakeModelCatalog:
    """core.gemini.ModelCatalog's contract: these models exist; `down` makes every lookup fail."""

    known: set[str] = field(default_factory=lambda: {"gemini-3.8-flash", "gemini-3.5-flash-lite"})
    down: bool = False
    asked: list[str] = field(default_factory=list)

    async def lookup(self, model: str) -> ModelInfo:
        self.asked.append(model)
        if self.down:
            raise ModelLookupFailed(f"the model '{model}' could not be looked up: ConnectError")
        if model not in self.known:
            raise ModelNotFound(f"Gemini has no model '{model}' (404 NOT_FOUND: models/{model} is not found)")
        return ModelInfo(name=model, output_token_limit=65536)
