"""Fakes shared by the fast tests (tests/workflows, tests/activities): no server, no network.

- MemoryStore: core.storage.ObjectStore's methods on a dict (ObjectMissing when absent), with a
  log of reads, so a test can tell what was read back from the store.
- FixedCatalog: activities.extractions.ExtractionCatalog for one schema, without a database.
- FakeActivities: every activity BatchWorkflow calls, under its real name and contract types;
  each call is recorded, and a test replaces the behaviour of the ones it is about.
- FakeTemporalClient: the two client calls the stranded-batch reconciler makes.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from activities.extractions import ExtractionSpec
from core.schema import ExtractionSchema
from core.storage import ObjectMissing
from workflows import activity_names as act
from workflows.models import (
    BatchStatusInput,
    ChunkAnswer,
    ChunkTask,
    FileOutcome,
    FileRef,
    FileStatusInput,
    MergeTask,
    Prepared,
    PrepareTask,
    RefusalRecord,
    ReviewTask,
    SaveResultInput,
)


class MemoryStore:
    """An object store in memory, with core.storage.ObjectStore's methods."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.reads: list[str] = []  # keys of get_bytes / download calls, in order
        self.modified: dict[str, datetime] = {}  # when each object was written (tests may age them)
        self._lock = threading.Lock()  # activities call the store from threads (asyncio.to_thread)

    def ensure_bucket(self) -> None:
        pass

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        with self._lock:
            self.objects[key] = bytes(data)
            self.modified[key] = datetime.now(timezone.utc)

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        self.put_bytes(key, Path(path).read_bytes(), content_type)

    def get_bytes(self, key: str) -> bytes:
        with self._lock:
            self.reads.append(key)
            try:
                return self.objects[key]
            except KeyError:
                raise ObjectMissing(key) from None

    def download(self, key: str, path: Path) -> None:
        data = self.get_bytes(key)
        Path(path).write_bytes(data)

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self.objects

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            names = [k for k in self.objects if k.startswith(prefix)]
            for k in names:
                del self.objects[k]
                self.modified.pop(k, None)
            return len(names)

    def child_prefixes(self, prefix: str) -> list[str]:
        with self._lock:
            return sorted({prefix + k[len(prefix):].split("/")[0] + "/" for k in self.objects
                           if k.startswith(prefix) and "/" in k[len(prefix):]})

    def newest(self, prefix: str) -> datetime | None:
        with self._lock:
            return max((t for k, t in self.modified.items() if k.startswith(prefix)), default=None)

    def keys(self, prefix: str = "") -> list[str]:
        with self._lock:
            return sorted(k for k in self.objects if k.startswith(prefix))


class FixedCatalog:
    """ExtractionCatalog's get() for one extraction, no database."""

    def __init__(self, schema: ExtractionSchema, review_threshold: float = 0.8):
        self.spec = ExtractionSpec(schema, review_threshold)
        self.asked: list[tuple[str, str]] = []

    def get(self, extraction_id: str, file_id: str) -> ExtractionSpec:
        self.asked.append((extraction_id, file_id))
        return self.spec


# -- BatchWorkflow's activities, faked under their real names -------------------------------------

# name -> (input type, result type): the contracts of workflows/models.py
CONTRACTS: dict[str, tuple[type, type | None]] = {
    act.PREPARE_DOCUMENT: (PrepareTask, Prepared),
    act.READ_CHUNK: (ChunkTask, ChunkAnswer),
    act.MERGE_CHUNKS: (MergeTask, FileOutcome),
    act.FINALIZE_REVIEW: (ReviewTask, None),
    act.SAVE_RESULT: (SaveResultInput, None),
    act.SAVE_REVIEW: (ReviewTask, None),
    act.SET_FILE_STATUS: (FileStatusInput, None),
    act.SET_BATCH_STATUS: (BatchStatusInput, None),
    act.PURGE_FILE: (FileRef, None),
    act.RECORD_REVIEW_REFUSAL: (RefusalRecord, None),
}


def outcome(file_id: str = "f", *, reasons: list[str] | None = None, engine: str = "offline",
            tokens: tuple[int, int] = (0, 0)) -> FileOutcome:
    return FileOutcome(result_key=f"files/b/{file_id}/result.json", engine=engine, model_used="test",
                       review_reasons=reasons or [], input_tokens=tokens[0], output_tokens=tokens[1])


def _prepared(task: PrepareTask) -> Prepared:
    """Default: the pages wait for the model (a model plan), else the file was read right there
    (the offline engine) and accepted as extracted."""
    done = None if task.model is not None else outcome(task.file_id)
    return Prepared(kind="pdf", page_count=task.file.page_count, outcome=done)


def _merged(task: MergeTask) -> FileOutcome:
    return outcome(task.file_id, engine="gemini", tokens=(task.input_tokens, task.output_tokens))


def _no_chunks(task: ChunkTask) -> ChunkAnswer:
    raise AssertionError(f"unexpected model call for {task.chunk.label()} of {task.file_id}")


@dataclass
class FakeActivities:
    """Every activity of BatchWorkflow's current path, recording its inputs (`calls`, in the order
    the activities ran). `on(name, fn)` sets what an activity does: fn(input) returns the result,
    may be async and may raise (e.g. an ApplicationError)."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    handlers: dict[str, Callable[[Any], Any]] = field(default_factory=lambda: {
        act.PREPARE_DOCUMENT: _prepared, act.READ_CHUNK: _no_chunks, act.MERGE_CHUNKS: _merged,
    })

    def on(self, name: str, fn: Callable[[Any], Any]) -> FakeActivities:
        assert name in CONTRACTS, name
        self.handlers[name] = fn
        return self

    def inputs(self, name: str) -> list[Any]:
        return [inp for n, inp in self.calls if n == name]

    def names(self) -> list[str]:
        return [n for n, _ in self.calls]

    def activities(self) -> list[Callable]:
        return [self._defn(name, types) for name, types in CONTRACTS.items()]

    def _defn(self, name: str, types: tuple[type, type | None]) -> Callable:
        async def run(inp):
            self.calls.append((name, inp))
            handler = self.handlers.get(name)
            if handler is None:
                return None
            result = handler(inp)
            return await result if inspect.isawaitable(result) else result

        # the pydantic data converter decodes by these hints, as for the real activities
        run.__annotations__ = {"inp": types[0], "return": types[1]}
        run.__name__ = run.__qualname__ = name
        return activity.defn(name=name)(run)


# -- a Temporal client for the reconciler ---------------------------------------------------------

@dataclass
class _Description:
    id: str
    status: WorkflowExecutionStatus
    run_id: str = "run-1"


class _Handle:
    def __init__(self, client: FakeTemporalClient, workflow_id: str):
        self.client, self.id = client, workflow_id

    async def describe(self) -> _Description:
        self.client.described.append(self.id)
        if self.id in self.client.running:
            return _Description(self.id, WorkflowExecutionStatus.RUNNING)
        if self.id in self.client.closed:
            return _Description(self.id, self.client.closed[self.id][0])
        raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")


class _WorkflowService:
    """The one raw call the reconciler makes: the closing event of a run (its reason)."""

    def __init__(self, client: FakeTemporalClient):
        self.client = client

    async def get_workflow_execution_history_reverse(self, request):
        from temporalio.api.failure.v1 import Failure
        from temporalio.api.history.v1 import (
            History,
            HistoryEvent,
            WorkflowExecutionFailedEventAttributes,
            WorkflowExecutionTerminatedEventAttributes,
        )
        from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseResponse

        status, reason = self.client.closed[request.execution.workflow_id]
        if status == WorkflowExecutionStatus.TERMINATED:
            event = HistoryEvent(workflow_execution_terminated_event_attributes=WorkflowExecutionTerminatedEventAttributes(
                reason=reason))
        elif status == WorkflowExecutionStatus.FAILED:
            event = HistoryEvent(workflow_execution_failed_event_attributes=WorkflowExecutionFailedEventAttributes(
                failure=Failure(message=reason)))
        else:
            event = HistoryEvent()
        return GetWorkflowExecutionHistoryReverseResponse(history=History(events=[event]))


class FakeTemporalClient:
    """get_workflow_handle(id).describe() (running: the ids in `running`; closed: `closed` maps an id
    to its status and close reason; NOT_FOUND otherwise), the reverse history call that reads a
    close reason, and start_workflow(), which records every attempt and raises `fail_first` from the
    first, and `refuse[id]` from every start of that workflow id."""

    namespace = "default"

    def __init__(self, running: set[str] = frozenset(), *, fail_first: BaseException | None = None,
                 refuse: dict[str, BaseException] | None = None,
                 closed: dict[str, tuple[WorkflowExecutionStatus, str]] | None = None):
        self.running = set(running)
        self.closed = dict(closed or {})
        self.fail_first = fail_first
        self.refuse = dict(refuse or {})
        self.described: list[str] = []
        self.starts: list[dict[str, Any]] = []  # every attempt: {"workflow", "arg", **kwargs}
        self.workflow_service = _WorkflowService(self)

    def get_workflow_handle(self, workflow_id: str) -> _Handle:
        return _Handle(self, workflow_id)

    async def start_workflow(self, workflow: Any, arg: Any = None, **kwargs: Any) -> object:
        self.starts.append({"workflow": workflow, "arg": arg, **kwargs})
        if kwargs["id"] in self.refuse:
            raise self.refuse[kwargs["id"]]
        if self.fail_first is not None and len(self.starts) == 1:
            raise self.fail_first
        self.running.add(kwargs["id"])
        return object()
