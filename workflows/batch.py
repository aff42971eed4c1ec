"""BatchWorkflow: one per upload; processes each file through the activities, bounded.

Fan-out is bounded activities inside this one workflow, not a child workflow per file: a batch
holds at most 30 files, so its history stays small (~15 events per file), one query answers the
status of the whole batch, and signals about a file (deletion, review decisions) reach one place.
Scale comes from running many workers on the task queue, not from more workflows.

Per file: prepare_document (pages, words, OCR; an embedded e-invoice or the offline engine read
the file right there), else model_read_chunk per page chunk and merge_chunks; save_result;
below the threshold, wait for a reviewer (the `review` update) or the deadline, then
finalize_review and save_review. Batches started before patch `ids-not-copies` replay the older
path in workflows/legacy.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from core.status import Status, batch_status
    from core.temporal import BATCH_STATUS
    from extraction.engines.gemini import AnswerStatus, AnswerUnusable, ChunkQueue, chunk_plan
    from extraction.review import InvalidCorrection, apply_corrections, decision_error
    from workflows import activity_names as act
    from workflows import policies
    from workflows.contracts import ErrorType
    from workflows.failures import FileFailed, FileGone, failure_message, root_cause
    from workflows.legacy import LegacyPath
    from workflows.models import (
        BatchInput,
        BatchStatusInput,
        BatchView,
        ChunkAnswer,
        ChunkResult,
        ChunkTask,
        Decision,
        FileInput,
        FileOutcome,
        FileRef,
        FileStatusInput,
        FileView,
        MergeTask,
        Prepared,
        PrepareTask,
        ReviewAction,
        ReviewDecision,
        ReviewOutcome,
        ReviewTask,
        SaveResultInput,
        WebhookEvent,
    )
    from workflows.webhook import WebhookDeliveryWorkflow


# Workflow versions (workflow.patched): batches started before a change replay the old path.
IDS_NOT_COPIES = "ids-not-copies"  # today's activity contracts; before it: workflows/legacy.py
WEBHOOKS = "webhooks"
ANSWER_KINDS = "model-answer-kinds"  # blocked / too large / server error answers reach the chunk policy
# Answers the chunk policy told apart from "unusable" from ANSWER_KINDS on (extraction/engines/gemini/plan.py).
_NEW_ANSWER_KINDS = (AnswerStatus.BLOCKED, AnswerStatus.TOO_LARGE, AnswerStatus.SERVER_ERROR)


@workflow.defn
class BatchWorkflow(LegacyPath):
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

    @workflow.run
    async def run(self, batch: BatchInput) -> BatchView:
        self._batch = batch
        # A server without our search attributes (the time-skipping test server) starts the
        # workflow without them; upserting one there would fail the workflow task.
        self._publishes = workflow.info().typed_search_attributes.get(BATCH_STATUS) is not None
        for f in batch.files:
            self._files[f.file_id] = FileView(
                id=f.file_id, file_name=f.file_name, status=Status.QUEUED, page_count=f.page_count
            )
        window = asyncio.Semaphore(max(1, batch.max_concurrent_files))
        await asyncio.gather(*(self._process(batch, f, window) for f in batch.files))
        view = self.status()
        await self._record(act.SET_BATCH_STATUS, BatchStatusInput(batch_id=batch.batch_id, status=view.status))
        self._publish_status()
        if view.status in (Status.PROCESSED, Status.FAILED):  # batch.processed | batch.failed
            await self._batch_event(f"batch.{view.status}")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    @workflow.query
    def status(self) -> BatchView:
        files = [f for f in self._files.values() if f.id not in self._deleted]
        return BatchView(
            batch_id=self._batch.batch_id if self._batch else "",
            status=batch_status(f.status for f in files),
            files=files,
        )

    @workflow.signal
    def file_deleted(self, file_id: str) -> None:
        self._deleted.add(file_id)
        self._publish_status()

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
        view = self._files.get(decision.file_id)
        if view is None or decision.file_id in self._deleted:
            raise ApplicationError(f"file {decision.file_id} is not in this batch", type=ErrorType.REVIEW_NOT_OPEN)
        if view.status != Status.NEEDS_REVIEW or decision.file_id in self._decisions:
            raise ApplicationError(
                f"file {decision.file_id} is not awaiting review (status: {view.status})", type=ErrorType.REVIEW_NOT_OPEN
            )
        if decision.revision != view.review_revision:
            raise ApplicationError(
                f"stale review: you saw revision {decision.revision}, the file is at revision {view.review_revision}",
                type=ErrorType.REVIEW_STALE,
            )
        if decision.action not in tuple(ReviewAction):
            raise ApplicationError("action must be 'approve' or 'reject'", type=ErrorType.REVIEW_INVALID)
        if decision.action == ReviewAction.REJECT and decision.values:
            raise ApplicationError("a rejection cannot carry corrected values", type=ErrorType.REVIEW_INVALID)
        assert self._batch is not None
        try:
            apply_corrections(self._batch.extraction_schema, {}, decision.values)
        except InvalidCorrection as e:
            raise ApplicationError(f"invalid corrected values: {e}", type=ErrorType.REVIEW_INVALID) from None

    async def _process(self, batch: BatchInput, f: FileInput, window: asyncio.Semaphore) -> None:
        if self._current is None:  # decided once, before the first file's first command
            self._current = workflow.patched(IDS_NOT_COPIES)
        try:
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

    def _ids(self, f: FileInput) -> dict[str, str]:
        assert self._batch is not None
        return dict(batch_id=self._batch.batch_id, extraction_id=self._batch.extraction_id, file_id=f.file_id)

    async def _extract(self, batch: BatchInput, f: FileInput) -> FileOutcome:
        # "processing" lives in the workflow (the status query); the database learns the outcome.
        self._files[f.file_id].status = Status.PROCESSING
        self._publish_status()
        self._check_alive(f.file_id)
        prepared: Prepared = await workflow.execute_activity(
            act.PREPARE_DOCUMENT,
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
                workflow.execute_activity(
                    act.READ_CHUNK, ChunkTask(**self._ids(f), page_count=page_count, chunk=chunk, model=plan.model),
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
        return await workflow.execute_activity(
            act.MERGE_CHUNKS,
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
        deadline = timedelta(seconds=batch.review.deadline_seconds)
        task = ReviewTask(**self._ids(f), file=f, result_key=outcome.result_key, decision=Decision.EXPIRED,
                          revision=view.review_revision, decided_at=workflow.now(),
                          reason=f"no review decision within {deadline}")
        try:
            await workflow.wait_condition(
                lambda: f.file_id in self._decisions or f.file_id in self._deleted, timeout=deadline,
            )
            self._check_alive(f.file_id)
            d = self._decisions[f.file_id]
            task = task.model_copy(update=dict(
                decision=Decision.APPROVED if d.action == ReviewAction.APPROVE else Decision.REJECTED,
                revision=d.revision, decided_at=workflow.now(), reviewer=d.reviewer, reason=d.reason,
                corrections=d.values,
            ))
        except asyncio.TimeoutError:
            task = task.model_copy(update={"decided_at": workflow.now()})
        if task.decision == Decision.APPROVED:  # the approved values, finalized and stored
            await workflow.execute_activity(act.FINALIZE_REVIEW, task, **policies.REVIEW)
        # the database reads the stored result: no second copy of the corrections in history
        await self._record(act.SAVE_REVIEW, task.model_copy(update={"corrections": None}))
        status = Status.PROCESSED if task.decision == Decision.APPROVED else Status.FAILED
        view.status = status
        view.error = None if status == Status.PROCESSED else decision_error(task.decision, task.reviewer, task.reason)
        self._outcomes[f.file_id] = ReviewOutcome(file_id=f.file_id, status=status, decision=task.decision,
                                                  revision=task.revision)
        self._publish_status()
        await self._file_event(f.file_id)

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
