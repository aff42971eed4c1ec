"""BatchWorkflow: one per upload; processes each file through the activities, bounded.

Fan-out is bounded activities inside this one workflow, not a child workflow per file: a batch
holds at most 30 files, so its history stays small (~15 events per file), one query answers the
status of the whole batch, and signals about a file (deletion, later review decisions) reach one
place. Scale comes from running many workers on the task queue, not from more workflows.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from core.status import Status, batch_status
    from extraction.engines.gemini import Chunk, chunk_plan, split_chunk
    from extraction.review import InvalidCorrection, apply_corrections, decision_error
    from core.temporal import BATCH_STATUS
    from workflows import activity_names as act
    from workflows import policies
    from workflows.contracts import ErrorType
    from workflows.models import (
        ApplyReviewInput,
        BatchInput,
        BatchStatusInput,
        BatchView,
        ChunkInput,
        ChunkOutput,
        ChunkResult,
        ExtractInput,
        ExtractOutput,
        FileInput,
        FileRef,
        FileStatusInput,
        FileView,
        IngestInput,
        IngestOutput,
        MergeInput,
        PrepareInput,
        PrepareOutput,
        RenderInput,
        RenderOutput,
        ReviewDecision,
        ReviewOutcome,
        SaveResultInput,
        WebhookEvent,
    )
    from workflows.webhook import WebhookDeliveryWorkflow


# Workflow versions (workflow.patched): batches started before a change replay the old path.
PREPARE_IN_ONE_ACTIVITY = "prepare-in-one-activity"
ONE_CHUNK_FINISHES_ITSELF = "one-chunk-finishes-itself"
WEBHOOKS = "webhooks"


class FileGone(Exception):
    """The file was deleted while the batch ran: stop working on it."""


class FileFailed(Exception):
    """The workflow itself decided the file cannot be processed; the message says why."""


def _root_cause(err: ActivityError) -> BaseException:
    cause: BaseException = err
    while not isinstance(cause, ApplicationError) and cause.__cause__ is not None:
        cause = cause.__cause__
    return cause


def _failure_message(cause: BaseException) -> str:
    if isinstance(cause, ApplicationError):
        return cause.message
    return f"processing failed: {cause}"


@workflow.defn
class BatchWorkflow:
    def __init__(self) -> None:
        self._files: dict[str, FileView] = {}
        self._deleted: set[str] = set()
        self._published_status = ""
        self._batch: BatchInput | None = None
        self._decisions: dict[str, ReviewDecision] = {}
        self._outcomes: dict[str, ReviewOutcome] = {}
        self._batch_events: set[str] = set()  # batch-level webhook events sent (each once)

    @workflow.run
    async def run(self, batch: BatchInput) -> BatchView:
        self._batch = batch
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
        if decision.action not in ("approve", "reject"):
            raise ApplicationError("action must be 'approve' or 'reject'", type=ErrorType.REVIEW_INVALID)
        if decision.action == "reject" and decision.values:
            raise ApplicationError("a rejection cannot carry corrected values", type=ErrorType.REVIEW_INVALID)
        assert self._batch is not None
        try:
            apply_corrections(self._batch.extraction_schema, {}, decision.values)
        except InvalidCorrection as e:
            raise ApplicationError(f"invalid corrected values: {e}", type=ErrorType.REVIEW_INVALID) from None

    async def _process(self, batch: BatchInput, f: FileInput, window: asyncio.Semaphore) -> None:
        try:
            async with window:  # the window bounds work, not files waiting for a reviewer
                extracted = await self._extract(batch, f)
            await self._conclude(batch, f, extracted)
        except FileGone:
            await self._purge(batch.batch_id, f.file_id)
        except FileFailed as failed:
            await self._set_file(f.file_id, Status.FAILED, error=str(failed))
        except ActivityError as err:
            cause = _root_cause(err)
            if isinstance(cause, ApplicationError) and cause.type == ErrorType.FILE_GONE:
                self._deleted.add(f.file_id)
            if f.file_id in self._deleted:
                await self._purge(batch.batch_id, f.file_id)
                return
            await self._set_file(f.file_id, Status.FAILED, error=_failure_message(cause))
        finally:
            if f.file_id in self._decisions and f.file_id not in self._outcomes:
                # A reviewer's update is waiting on a file that is gone: answer it.
                self._outcomes[f.file_id] = ReviewOutcome(
                    file_id=f.file_id, status="deleted", decision="none",
                    revision=self._files[f.file_id].review_revision,
                )

    async def _extract(self, batch: BatchInput, f: FileInput) -> ExtractOutput:
        if not workflow.patched(PREPARE_IN_ONE_ACTIVITY):
            return await self._extract_in_steps(batch, f)
        # "processing" lives in the workflow (the status query); the database learns the outcome.
        self._files[f.file_id].status = Status.PROCESSING
        self._publish_status()
        self._check_alive(f.file_id)
        prepared: PrepareOutput = await workflow.execute_activity(
            act.PREPARE_FILE,
            PrepareInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id, file=f, extraction_schema=batch.extraction_schema,
                         to_model=batch.model is not None, review_threshold=batch.review.threshold),
            result_type=PrepareOutput, **policies.PREPARE,
        )
        self._check_alive(f.file_id)
        if prepared.extracted is not None:  # offline engine, or an embedded e-invoice
            return prepared.extracted
        extracted = await self._extract_with_model(batch, f, prepared)
        self._check_alive(f.file_id)
        return extracted

    async def _extract_in_steps(self, batch: BatchInput, f: FileInput) -> ExtractOutput:
        """Before PREPARE_IN_ONE_ACTIVITY: ingest, render, extract as three activities."""
        await self._set_file(f.file_id, Status.PROCESSING)
        self._check_alive(f.file_id)
        info: IngestOutput = await workflow.execute_activity(
            act.INGEST_FILE, IngestInput(batch_id=batch.batch_id, file=f),
            result_type=IngestOutput, **policies.INGEST,
        )
        self._check_alive(f.file_id)
        to_model = batch.model is not None and info.einvoice_key is None
        await workflow.execute_activity(
            act.RENDER_PAGES,
            RenderInput(batch_id=batch.batch_id, file_id=f.file_id, object_key=f.object_key,
                        kind=info.kind, page_count=info.page_count, language=batch.extraction_schema.language,
                        images=to_model),
            result_type=RenderOutput, **policies.RENDER,
        )
        self._check_alive(f.file_id)
        if to_model:
            extracted = await self._extract_with_model(batch, f, info)
        else:  # offline engine, or the exact values of an embedded e-invoice
            extracted = await workflow.execute_activity(
                act.EXTRACT_FILE,
                ExtractInput(batch_id=batch.batch_id, file_id=f.file_id, page_count=info.page_count,
                             extraction_schema=batch.extraction_schema, einvoice_key=info.einvoice_key,
                             review_threshold=batch.review.threshold),
                result_type=ExtractOutput, **policies.EXTRACT,
            )
        self._check_alive(f.file_id)
        return extracted

    async def _conclude(self, batch: BatchInput, f: FileInput, extracted: ExtractOutput) -> None:
        view = self._files[f.file_id]
        if not extracted.review_reasons:
            await self._save(batch, f, extracted, Status.PROCESSED)
            return
        # Below the threshold or failing a rule: wait for a reviewer (or the deadline).
        view.review_revision += 1
        await self._save(batch, f, extracted, Status.NEEDS_REVIEW)
        try:
            await workflow.wait_condition(
                lambda: f.file_id in self._decisions or f.file_id in self._deleted,
                timeout=timedelta(seconds=batch.review.deadline_seconds),
            )
            self._check_alive(f.file_id)
            d = self._decisions[f.file_id]
            apply = ApplyReviewInput(
                file_id=f.file_id, decision="approved" if d.action == "approve" else "rejected",
                corrections=d.values, reviewer=d.reviewer, reason=d.reason, revision=d.revision,
                decided_at=workflow.now(), extraction_schema=batch.extraction_schema,
            )
        except asyncio.TimeoutError:
            apply = ApplyReviewInput(
                file_id=f.file_id, decision="expired", revision=view.review_revision, decided_at=workflow.now(),
                reason=f"no review decision within {timedelta(seconds=batch.review.deadline_seconds)}",
                extraction_schema=batch.extraction_schema,
            )
        status = Status.PROCESSED if apply.decision == "approved" else Status.FAILED
        await self._record(act.APPLY_REVIEW, apply)
        view.status = status
        view.error = None if status == Status.PROCESSED else decision_error(apply.decision, apply.reviewer, apply.reason)
        self._outcomes[f.file_id] = ReviewOutcome(
            file_id=f.file_id, status=status, decision=apply.decision, revision=apply.revision
        )
        self._publish_status()
        await self._file_event(f.file_id)

    async def _save(self, batch: BatchInput, f: FileInput, extracted: ExtractOutput, status: str) -> None:
        view = self._files[f.file_id]
        await self._record(
            act.SAVE_RESULT,
            SaveResultInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id, result_key=extracted.result_key,
                            status=status, review_reasons=extracted.review_reasons,
                            review_revision=view.review_revision),
        )
        view.status = status
        self._publish_status()
        await self._file_event(f.file_id)

    async def _extract_with_model(self, batch: BatchInput, f: FileInput, info: IngestOutput) -> ExtractOutput:
        """One model call per page chunk; a truncated or unusable chunk is split and re-asked."""
        plan = batch.model
        assert plan is not None
        pending: list[tuple[Chunk, int]] = [
            (c, 0) for c in chunk_plan(info.page_count, plan.pages_per_chunk, plan.chunk_overlap)
        ]
        done: list[ChunkResult] = []
        tokens_in = tokens_out = 0
        finishes_itself = workflow.patched(ONE_CHUNK_FINISHES_ITSELF)
        while pending:
            # A chunk that is the whole document is its own result: the call assesses and stores
            # it, and no merge step follows.
            whole = (finishes_itself and len(pending) == 1 and not done
                     and pending[0][0].first == 1 and pending[0][0].last == info.page_count)
            outs: list[ChunkOutput] = await asyncio.gather(*(
                workflow.execute_activity(
                    act.MODEL_EXTRACT_CHUNK,
                    ChunkInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id, page_count=info.page_count,
                               chunk=chunk, extraction_schema=batch.extraction_schema, model=plan.model,
                               finalize_review_threshold=batch.review.threshold if whole else None,
                               earlier_tokens=(tokens_in, tokens_out)),
                    result_type=ChunkOutput, task_queue=plan.task_queue, **policies.MODEL_CALL,
                )
                for chunk, _ in pending
            ))
            self._check_alive(f.file_id)
            if whole and outs[0].extracted is not None:
                return outs[0].extracted
            retry: list[tuple[Chunk, int]] = []
            for (chunk, tries), out in zip(pending, outs):
                tokens_in += out.input_tokens
                tokens_out += out.output_tokens
                if out.status == "ok" and out.result_key:
                    done.append(ChunkResult(chunk=chunk, result_key=out.result_key, model_version=out.model_version))
                elif (smaller := split_chunk(chunk)) != [chunk]:
                    retry += [(c, 0) for c in smaller]
                elif tries < policies.MODEL_INVALID_RETRIES:
                    retry.append((chunk, tries + 1))
                else:
                    raise FileFailed(f"the model's output for {chunk.label()} was unusable: {out.detail}")
            pending = retry
        return await workflow.execute_activity(
            act.MERGE_CHUNKS,
            MergeInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id, extraction_schema=batch.extraction_schema,
                       model=plan.model, chunks=done, input_tokens=tokens_in, output_tokens=tokens_out,
                       review_threshold=batch.review.threshold),
            result_type=ExtractOutput, **policies.MERGE,
        )

    def _check_alive(self, file_id: str) -> None:
        if file_id in self._deleted:
            raise FileGone(file_id)

    async def _set_file(self, file_id: str, status: str, error: str | None = None) -> None:
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
        if batch is None or batch.webhook is None or not workflow.patched(WEBHOOKS):
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
        if self._batch is None or not self._batch.publish_search_attributes:
            return
        current = self.status().status
        if current != self._published_status:
            self._published_status = current
            workflow.upsert_search_attributes([BATCH_STATUS.value_set(current)])
