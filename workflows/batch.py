"""BatchWorkflow: one per upload; processes each file through the activities, bounded.

Fan-out is bounded activities inside this one workflow, not a child workflow per file: a batch
holds at most 30 files, so its history stays small (~15 events per file), one query answers the
status of the whole batch, and signals about a file (deletion, review decisions) reach one place.
Scale comes from running many workers on the task queue, not from more workflows.

Per file: prepare_document (pages, words, OCR; an embedded e-invoice or the offline engine read
the file right there), else model_read_chunk per page chunk and merge_chunks; save_result;
below the threshold, wait for a reviewer (the `review` update or signal, workflows/review.py) or
the deadline, then finalize_review and save_review. Batches started before patch
`ids-not-copies` replay the older path in workflows/legacy.py.

A file deleted while an activity works on it has that activity cancelled (it heartbeats, so it
stops within seconds) before its objects are purged. History grows only with reviewers' input
once every file waits for them; past the input's HistoryBudget the workflow continues as a new
run, carrying the files' state (Carried).
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ActivityCancellationType, ActivityHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from core.status import Status, batch_status
    from core.temporal import BATCH_STATUS
    from extraction.engines.gemini import AnswerStatus, AnswerUnusable, ChunkQueue, chunk_plan
    from workflows import activity_names as act
    from workflows import policies
    from workflows.contracts import ErrorType
    from workflows.failures import FileFailed, FileGone, failure_message, root_cause
    from workflows.legacy import LegacyPath
    from workflows.models import (
        BatchInput,
        BatchStatusInput,
        BatchView,
        Carried,
        ChunkAnswer,
        ChunkResult,
        ChunkTask,
        FileInput,
        FileOutcome,
        FileRef,
        FileStatusInput,
        FileView,
        MergeTask,
        Prepared,
        PrepareTask,
        RefusalRecord,
        ReviewDecision,
        ReviewOutcome,
        ReviewRefusal,
        SaveResultInput,
        WaitingReview,
        WebhookEvent,
    )
    from workflows.review import REVIEW_SIGNAL, ReviewSteps
    from workflows.webhook import WebhookDeliveryWorkflow


# Workflow versions (workflow.patched): batches started before a change replay the old path.
IDS_NOT_COPIES = "ids-not-copies"  # today's activity contracts; before it: workflows/legacy.py
WEBHOOKS = "webhooks"
ANSWER_KINDS = "model-answer-kinds"  # blocked / too large / server error answers reach the chunk policy
DELETE_CANCELS_WORK = "delete-cancels-work"  # file_deleted cancels the file's running activities
HISTORY_GUARD = "history-guard"  # continue-as-new past the HistoryBudget while only reviewers are awaited
# Answers the chunk policy told apart from "unusable" from ANSWER_KINDS on (extraction/engines/gemini/plan.py).
_NEW_ANSWER_KINDS = (AnswerStatus.BLOCKED, AnswerStatus.TOO_LARGE, AnswerStatus.SERVER_ERROR)


@workflow.defn
class BatchWorkflow(LegacyPath, ReviewSteps):
    def __init__(self) -> None:
        self._files: dict[str, FileView] = {}
        self._deleted: set[str] = set()
        self._published_status = ""
        self._batch: BatchInput | None = None
        self._decisions: dict[str, ReviewDecision] = {}
        self._outcomes: dict[str, ReviewOutcome] = {}
        self._batch_events: set[str] = set()  # batch-level webhook events sent (each once)
        self._current: bool | None = None  # today's path (IDS_NOT_COPIES); None: not decided yet
        self._publishes = False  # started with search attributes: keep BatchStatus current
        self._running: dict[str, set[ActivityHandle]] = {}  # the activities working on each file
        self._waiting: dict[str, WaitingReview] = {}  # files waiting for a reviewer
        self._settled: set[str] = set()  # files whose work in this run is over
        self._refusals: list[ReviewRefusal] = []
        self._unrecorded: list[RefusalRecord] = []  # refused signals for the files' review records
        self._recorder: asyncio.Task | None = None
        self._closing = False  # continuing as a new run: record no more refusals here

    @workflow.run
    async def run(self, batch: BatchInput) -> BatchView:
        self._batch = batch
        # A server without our search attributes (the time-skipping test server) starts the
        # workflow without them; upserting one there would fail the workflow task.
        self._publishes = workflow.info().typed_search_attributes.get(BATCH_STATUS) is not None
        guarded = workflow.patched(HISTORY_GUARD)
        window = asyncio.Semaphore(max(1, batch.max_concurrent_files))
        if batch.carried is not None:
            work = asyncio.gather(*self._resume(batch, batch.carried))
        else:
            for f in batch.files:
                self._files[f.file_id] = FileView(
                    id=f.file_id, file_name=f.file_name, status=Status.QUEUED, page_count=f.page_count
                )
            work = asyncio.gather(*(self._process(batch, f, window) for f in batch.files))
        while guarded:
            await workflow.wait_condition(lambda: work.done() or self._carry_over_due(batch))
            if work.done():
                break
            # the refusal being recorded is let finish (no activity is left behind); the rest go along
            self._closing = True
            await workflow.wait_condition(
                lambda: workflow.all_handlers_finished() and (self._recorder is None or self._recorder.done()))
            if self._carry_over_due(batch):  # still: no decision was taken meanwhile
                workflow.continue_as_new(batch.model_copy(update={"carried": self._carried(batch)}))
            self._closing = False
            if self._unrecorded:
                self._start_recorder()
        await work
        if self._unrecorded:  # refused review signals still on their way to the review records
            await workflow.wait_condition(lambda: not self._unrecorded)
        view = self.status()
        await self._record(act.SET_BATCH_STATUS, BatchStatusInput(batch_id=batch.batch_id, status=view.status))
        self._publish_status()
        if view.status in (Status.PROCESSED, Status.FAILED):  # batch.processed | batch.failed
            await self._batch_event(f"batch.{view.status}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    def _resume(self, batch: BatchInput, carried: Carried) -> list:
        """A run continued-as-new: the files as the last run left them, the waiting ones waiting on."""
        self._current = True
        self._files = {v.id: v for v in carried.files}
        self._batch_events = set(carried.batch_events)
        self._refusals = list(carried.review_refusals)
        self._unrecorded = list(carried.unrecorded)
        if self._unrecorded:
            self._start_recorder()
        self._settled = {fid for fid in self._files if fid not in {w.file.file_id for w in carried.waiting}}
        return [self._process(batch, w.file, None, waiting=w) for w in carried.waiting]

    def _carry_over_due(self, batch: BatchInput) -> bool:
        """Past the history budget, with every file left waiting for a reviewer and nothing under way."""
        info = workflow.info()
        budget = batch.history_budget
        if info.get_current_history_length() < budget.events and info.get_current_history_size() < budget.bytes:
            return False
        idle = {fid for fid in self._waiting if fid not in self._decisions and fid not in self._deleted}
        return bool(idle) and all(fid in self._settled or fid in idle for fid in self._files)

    def _carried(self, batch: BatchInput) -> Carried:
        runs = batch.carried.runs + 1 if batch.carried else 1
        workflow.logger.info("history past its budget with %d file(s) waiting for review: continuing as run %d",
                             len(self._waiting), runs + 1)
        return Carried(runs=runs, files=[v for v in self._files.values() if v.id not in self._deleted],
                       waiting=list(self._waiting.values()), batch_events=sorted(self._batch_events),
                       review_refusals=self._refusals, unrecorded=self._unrecorded)

    @workflow.query
    def status(self) -> BatchView:
        files = [f for f in self._files.values() if f.id not in self._deleted]
        return BatchView(
            batch_id=self._batch.batch_id if self._batch else "",
            status=batch_status(f.status for f in files),
            files=files,
            review_refusals=self._refusals,
        )

    @workflow.signal
    def file_deleted(self, file_id: str) -> None:
        self._deleted.add(file_id)
        running = self._running.get(file_id)
        # Stop the work on it now rather than when it next asks the store (a long OCR: minutes).
        if running and workflow.patched(DELETE_CANCELS_WORK):
            for handle in running:
                handle.cancel()
        self._publish_status()

    @workflow.signal(name="review")
    async def review_signal(self, payload: Any) -> None:
        """The `review` update's decision as a signal (the Temporal UI, `temporal workflow signal`):
        the same checks; a refusal is kept in the status query and the file's review record."""
        if workflow.patched(REVIEW_SIGNAL):
            await self._signalled(payload)

    @workflow.update
    async def review(self, decision: ReviewDecision) -> ReviewOutcome:
        """A reviewer approves (optionally with corrections) or rejects a file awaiting review."""
        self._decisions[decision.file_id] = decision
        await workflow.wait_condition(lambda: decision.file_id in self._outcomes)
        return self._outcomes[decision.file_id]

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        # Runs before the update is accepted into history: refusals cost nothing and the
        # caller gets the reason (the API maps the types to 409 / 400).
        refused = self._refusal(decision)
        if refused is not None:
            raise refused

    async def _process(self, batch: BatchInput, f: FileInput, window: asyncio.Semaphore | None,
                       waiting: WaitingReview | None = None) -> None:
        if self._current is None:  # decided once, before the first file's first command
            self._current = workflow.patched(IDS_NOT_COPIES)
        try:
            if waiting is not None:  # a run continued-as-new: the file waits for its reviewer
                await self._await_review(batch, f, waiting)
                return
            assert window is not None
            if not self._current:
                async with window:
                    extracted = await self._legacy_extract(batch, f)
                await self._legacy_conclude(batch, f, extracted)
                return
            async with window:  # the window bounds work, not files waiting for a reviewer
                outcome = await self._extract(batch, f)
            await self._conclude(batch, f, outcome)
        except FileGone:
            await self._purge(batch.batch_id, f.file_id)
        except FileFailed as failed:
            await self._set_file(f.file_id, Status.FAILED, error=str(failed))
        except ActivityError as err:
            cause = root_cause(err)
            if isinstance(cause, ApplicationError) and cause.type == ErrorType.FILE_GONE:
                self._deleted.add(f.file_id)
            if f.file_id in self._deleted:
                await self._purge(batch.batch_id, f.file_id)
                return
            await self._set_file(f.file_id, Status.FAILED, error=failure_message(cause))
        finally:
            if f.file_id in self._decisions and f.file_id not in self._outcomes:
                # A reviewer's update is waiting on a file whose decision was never recorded: the
                # file was deleted, or recording it failed for good (the file failed). Answer it.
                view = self._files[f.file_id]
                self._outcomes[f.file_id] = ReviewOutcome(
                    file_id=f.file_id, status="deleted" if f.file_id in self._deleted else view.status,
                    decision="none", revision=view.review_revision,
                )
            self._settled.add(f.file_id)

    def _ids(self, f: FileInput) -> dict[str, str]:
        assert self._batch is not None
        return dict(batch_id=self._batch.batch_id, extraction_id=self._batch.extraction_id, file_id=f.file_id)

    async def _extract(self, batch: BatchInput, f: FileInput) -> FileOutcome:
        # "processing" lives in the workflow (the status query); the database learns the outcome.
        self._files[f.file_id].status = Status.PROCESSING
        self._publish_status()
        self._check_alive(f.file_id)
        prepared: Prepared = await self._work(
            f.file_id, act.PREPARE_DOCUMENT,
            PrepareTask(**self._ids(f), file=f, model=batch.model.model if batch.model else None),
            result_type=Prepared, **policies.PREPARE,
        )
        self._check_alive(f.file_id)
        if prepared.outcome is not None:  # an embedded e-invoice, or the offline engine
            return prepared.outcome
        outcome = await self._read_with_model(batch, f, prepared.page_count)
        self._check_alive(f.file_id)
        return outcome

    async def _read_with_model(self, batch: BatchInput, f: FileInput, page_count: int) -> FileOutcome:
        """One model call per page chunk; a truncated or unusable chunk is split and asked again, a
        blocked one fails the file (extraction/engines/gemini/plan.py ChunkQueue), then the answers
        are merged."""
        plan = batch.model
        assert plan is not None
        queue: ChunkQueue[ChunkResult] = ChunkQueue(chunk_plan(page_count, plan.pages_per_chunk, plan.chunk_overlap))
        tokens_in = tokens_out = 0
        while queue.open:
            chunks = queue.next_round()
            answers: list[ChunkAnswer] = await asyncio.gather(*(
                self._work(
                    f.file_id, act.READ_CHUNK, ChunkTask(**self._ids(f), page_count=page_count, chunk=chunk, model=plan.model),
                    result_type=ChunkAnswer, task_queue=plan.task_queue, **policies.MODEL_CALL,
                )
                for chunk in chunks
            ))
            self._check_alive(f.file_id)
            for chunk, answer in zip(chunks, answers):
                tokens_in += answer.input_tokens
                tokens_out += answer.output_tokens
                if answer.outcome is not None:  # the chunk was the whole document: its result
                    return answer.outcome.model_copy(update={"input_tokens": tokens_in, "output_tokens": tokens_out})
                usable = answer.status == AnswerStatus.OK and answer.answer_key
                # A block fails the file at once; too large or a repeated server error: split, then fail.
                kind = answer.status if answer.status in _NEW_ANSWER_KINDS and workflow.patched(ANSWER_KINDS) else None
                try:
                    queue.record(chunk, ChunkResult(chunk=chunk, result_key=answer.answer_key,
                                                    model_version=answer.model_version) if usable else None,
                                 answer.detail, kind)
                except AnswerUnusable as e:
                    raise FileFailed(str(e)) from None
        return await self._work(
            f.file_id, act.MERGE_CHUNKS,
            MergeTask(**self._ids(f), model=plan.model, chunks=[r for _, r in queue.done],
                      input_tokens=tokens_in, output_tokens=tokens_out),
            result_type=FileOutcome, **policies.MERGE,
        )

    async def _conclude(self, batch: BatchInput, f: FileInput, outcome: FileOutcome) -> None:
        view = self._files[f.file_id]
        if not outcome.review_reasons:
            await self._save(f, outcome, Status.PROCESSED)
            return
        # Below the threshold or failing a rule: wait for a reviewer (or the deadline).
        view.review_revision += 1
        await self._save(f, outcome, Status.NEEDS_REVIEW)
        await self._await_review(batch, f, WaitingReview(file=f, result_key=outcome.result_key,
                                                         revision=view.review_revision, since=workflow.now()))

    async def _work(self, file_id: str, activity: str, arg: Any, **options: Any) -> Any:
        """An activity working on the file: file_deleted cancels it, and the workflow waits until it
        has stopped (so nothing writes under the file's prefix after the purge)."""
        handle = workflow.start_activity(activity, arg, cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
                                         **options)
        running = self._running.setdefault(file_id, set())
        running.add(handle)
        try:
            return await handle
        finally:
            running.discard(handle)

    async def _save(self, f: FileInput, outcome: FileOutcome, status: Status) -> None:
        view = self._files[f.file_id]
        await self._record(
            act.SAVE_RESULT,
            SaveResultInput(**self._ids(f), result_key=outcome.result_key, status=status,
                            review_reasons=outcome.review_reasons, review_revision=view.review_revision,
                            input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens),
        )
        view.status = status
        self._publish_status()
        await self._file_event(f.file_id)

    def _check_alive(self, file_id: str) -> None:
        if file_id in self._deleted:
            raise FileGone(file_id)

    async def _set_file(self, file_id: str, status: Status, error: str | None = None) -> None:
        view = self._files[file_id]
        view.status, view.error = status, error
        self._publish_status()
        await self._record(act.SET_FILE_STATUS, FileStatusInput(file_id=file_id, status=status, error=error))
        if status == Status.FAILED:
            await self._file_event(file_id)

    async def _purge(self, batch_id: str, file_id: str) -> None:
        if self._running.get(file_id):  # cancelled model calls of the file still stopping
            await workflow.wait_condition(lambda: not self._running.get(file_id))
        await self._record(act.PURGE_FILE, FileRef(batch_id=batch_id, file_id=file_id))
        self._publish_status()

    async def _record(self, name: str, arg: object) -> None:
        await workflow.execute_activity(name, arg, **policies.RECORD)

    async def _file_event(self, file_id: str) -> None:
        """file.<status> for a file that reached processed, needs_review or failed; and
        batch.needs_review the first time the whole batch waits only on reviewers."""
        view = self._files[file_id]
        await self._send_event(f"file.{view.status}", {
            "file_id": view.id, "file_name": view.file_name, "status": view.status, "error": view.error,
        })
        if self.status().status == Status.NEEDS_REVIEW:
            await self._batch_event("batch.needs_review")

    async def _batch_event(self, kind: str) -> None:
        if kind in self._batch_events:
            return
        self._batch_events.add(kind)
        view = self.status()
        counts: dict[str, int] = {}
        for f in view.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        await self._send_event(kind, {"status": view.status, "file_count": len(view.files), "files_by_status": counts})

    async def _send_event(self, kind: str, data: dict) -> None:
        batch = self._batch
        if batch is None or batch.webhook is None or not (self._current or workflow.patched(WEBHOOKS)):
            return
        event = WebhookEvent(
            id=f"evt_{workflow.uuid4().hex}", type=kind, created_at=workflow.now(), account_id=batch.account_id,
            batch_id=batch.batch_id, target=batch.webhook,
            data={"batch_id": batch.batch_id, "extraction_id": batch.extraction_id, **data},
        )
        # Started, not awaited: the delivery (retried for up to a day) outlives this batch.
        await workflow.start_child_workflow(
            WebhookDeliveryWorkflow.run, event, id=f"webhook-{event.id}",
            parent_close_policy=ParentClosePolicy.ABANDON,
        )

    def _publish_status(self) -> None:
        """Keeps the BatchStatus search attribute current, for operators filtering in the UI."""
        if self._batch is None or not self._publishes:
            return
        current = self.status().status
        if current != self._published_status:
            self._published_status = current
            workflow.upsert_search_attributes([BATCH_STATUS.value_set(current)])
