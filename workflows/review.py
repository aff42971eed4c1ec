"""BatchWorkflow's review steps (a mixin: BatchWorkflow holds the state and the handlers).

A decision comes as the `review` update (HTTP, the review page, `temporal workflow update`) or
the `review` signal (the Temporal UI, `temporal workflow signal`): both go through `_refusal`,
the same checks and size limits. An update is refused before it enters history and the caller
gets the reason; a signal is in history before anything reads it, so a refused one is kept where
its sender can read why (the status query's `review_refusals`, the file's review record).

Sizes are checked first (core/limits.py): corrections over MAX_INLINE_CORRECTIONS_BYTES come by
reference (`values_key`, stored by the API), so no decision puts more than a few KB in history.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from core import limits
    from core.status import Status
    from extraction.review import InvalidCorrection, apply_corrections, decision_error, oversized_corrections
    from workflows import activity_names as act
    from workflows import policies
    from workflows.contracts import ErrorType
    from workflows.models import (
        BatchInput,
        Decision,
        FileInput,
        FileView,
        RefusalRecord,
        ReviewAction,
        ReviewDecision,
        ReviewOutcome,
        ReviewRefusal,
        ReviewTask,
        WaitingReview,
    )

REVIEW_SIGNAL = "review-signal"  # the `review` signal (before it, a review signal was not handled)
_KEPT_REFUSALS = 20  # the status query's latest refused signals
_SHOWN_CHARS = 64  # of ids and names echoed in a refusal
_REASON_CHARS = 500


def _short(text: object) -> str:
    s = str(text)
    return s if len(s) <= _SHOWN_CHARS else s[:_SHOWN_CHARS] + "…"


def oversized(decision: ReviewDecision) -> str | None:
    """Why this decision is too large to take (None: it fits)."""
    if len(decision.file_id) > _SHOWN_CHARS:
        return f"file_id is {len(decision.file_id)} characters; file ids have at most {_SHOWN_CHARS}"
    if decision.reason is not None and len(decision.reason) > limits.MAX_REVIEW_REASON_CHARS:
        return f"reason is {len(decision.reason)} characters; at most {limits.MAX_REVIEW_REASON_CHARS}"
    if len(decision.reviewer) > limits.MAX_REVIEWER_CHARS:
        return f"reviewer is {len(decision.reviewer)} characters; at most {limits.MAX_REVIEWER_CHARS}"
    if decision.values_key is not None and len(decision.values_key) > 256:
        return "values_key is too long to be a key of this file's corrections"
    problem = oversized_corrections(decision.values, value_limit=limits.MAX_CORRECTION_VALUE_BYTES,
                                    total_limit=limits.MAX_INLINE_CORRECTIONS_BYTES)
    if problem:
        return (f"{problem} in an update or signal; send larger corrections through the API "
                "(POST .../files/{file_id}/review), which passes them by reference")
    return None


class ReviewSteps:
    """Checks a decision, waits for one, records it; keeps refused signals."""

    _batch: BatchInput | None
    _files: dict[str, FileView]
    _deleted: set[str]
    _decisions: dict[str, ReviewDecision]
    _outcomes: dict[str, ReviewOutcome]
    _waiting: dict[str, WaitingReview]
    _refusals: list[ReviewRefusal]
    _unrecorded: list[RefusalRecord]
    _recorder: asyncio.Task | None
    _closing: bool
    _current: bool | None

    def _publish_status(self) -> None: ...
    def _check_alive(self, file_id: str) -> None: ...
    async def _record(self, name: str, arg: object) -> None: ...
    async def _file_event(self, file_id: str) -> None: ...

    def _refusal(self, decision: ReviewDecision) -> ApplicationError | None:
        """Why this decision cannot be taken now (None: it can). The update's validator raises it;
        a refused signal records it."""
        too_large = oversized(decision)
        if too_large:
            return ApplicationError(too_large, type=ErrorType.REVIEW_INVALID)
        file_id = _short(decision.file_id)
        view = self._files.get(decision.file_id)
        if view is None or decision.file_id in self._deleted:
            return ApplicationError(f"file {file_id} is not in this batch", type=ErrorType.REVIEW_NOT_OPEN)
        if view.status != Status.NEEDS_REVIEW or decision.file_id in self._decisions:
            return ApplicationError(f"file {file_id} is not awaiting review (status: {view.status})",
                                    type=ErrorType.REVIEW_NOT_OPEN)
        if decision.revision != view.review_revision:
            return ApplicationError(
                f"stale review: you saw revision {decision.revision}, the file is at revision {view.review_revision}",
                type=ErrorType.REVIEW_STALE,
            )
        if decision.action not in tuple(ReviewAction):
            return ApplicationError("action must be 'approve' or 'reject'", type=ErrorType.REVIEW_INVALID)
        if decision.action == ReviewAction.REJECT and (decision.values or decision.values_key):
            return ApplicationError("a rejection cannot carry corrected values", type=ErrorType.REVIEW_INVALID)
        if decision.values_key is not None and (decision.values or not self._current):
            return ApplicationError("corrected values come either inline (values) or stored (values_key), "
                                    "and stored ones only to batches started since they could",
                                    type=ErrorType.REVIEW_INVALID)
        assert self._batch is not None
        try:
            apply_corrections(self._batch.extraction_schema, {}, decision.values)
        except InvalidCorrection as e:
            return ApplicationError(f"invalid corrected values: {e}"[:_REASON_CHARS], type=ErrorType.REVIEW_INVALID)
        return None

    async def _signalled(self, payload: Any) -> None:
        """A `review` signal: taken like the update, or refused and kept with the reason."""
        try:
            decision = ReviewDecision.model_validate(payload)
        except ValidationError as e:
            file_id = payload.get("file_id") if isinstance(payload, dict) else None
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "payload"
            self._keep(ReviewRefusal(at=workflow.now(), file_id=_short(file_id or ""),
                                     reason=f"not a review decision: {_short(where)}: {first['msg']}"))
            return
        refused = self._refusal(decision)
        if refused is None:
            self._decisions[decision.file_id] = decision
            return
        refusal = ReviewRefusal(at=workflow.now(), file_id=_short(decision.file_id), reviewer=_short(decision.reviewer),
                                action=_short(decision.action), revision=decision.revision,
                                reason=refused.message[:_REASON_CHARS])
        self._keep(refusal)
        if decision.file_id in self._files and decision.file_id not in self._deleted:
            # Recorded by a task of its own, not by this handler: handlers in progress hold up a
            # continue-as-new, and a stream of signals must not (the next run records what is left).
            # the latest only, as the review record keeps them: a flood of signals stays small
            self._unrecorded = [*self._unrecorded, RefusalRecord(file_id=decision.file_id, refusal=refusal)]
            self._unrecorded = self._unrecorded[-_KEPT_REFUSALS:]
            if self._recorder is None or self._recorder.done():
                self._start_recorder()

    def _start_recorder(self) -> None:
        self._recorder = asyncio.create_task(self._record_refusals())

    async def _record_refusals(self) -> None:
        while self._unrecorded and not self._closing:
            first = self._unrecorded[0]
            await self._record(act.RECORD_REVIEW_REFUSAL, first)
            self._unrecorded = [r for r in self._unrecorded if r is not first]

    def _keep(self, refusal: ReviewRefusal) -> None:
        self._refusals = [*self._refusals, refusal][-_KEPT_REFUSALS:]
        workflow.logger.warning("review signal refused for file %s: %s", refusal.file_id, refusal.reason)

    async def _await_review(self, batch: BatchInput, f: FileInput, waiting: WaitingReview) -> None:
        """Waits for a decision on the file (or the deadline), then records it."""
        self._waiting[f.file_id] = waiting
        deadline = timedelta(seconds=batch.review.deadline_seconds)
        task = ReviewTask(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id, file=f,
                          result_key=waiting.result_key, decision=Decision.EXPIRED, revision=waiting.revision,
                          decided_at=workflow.now(), reason=f"no review decision within {deadline}")
        try:
            await workflow.wait_condition(
                lambda: f.file_id in self._decisions or f.file_id in self._deleted,
                # a run continued-as-new waits what is left of it (a timer needs a positive duration)
                timeout=max(waiting.since + deadline - workflow.now(), timedelta(seconds=1)),
            )
            self._check_alive(f.file_id)
            d = self._decisions[f.file_id]
            task = task.model_copy(update=dict(
                decision=Decision.APPROVED if d.action == ReviewAction.APPROVE else Decision.REJECTED,
                revision=d.revision, decided_at=workflow.now(), reviewer=d.reviewer, reason=d.reason,
                corrections=d.values, corrections_key=d.values_key,
            ))
        except TimeoutError:
            task = task.model_copy(update={"decided_at": workflow.now()})
        finally:
            self._waiting.pop(f.file_id, None)
        if task.decision == Decision.APPROVED:  # the approved values, finalized and stored
            await workflow.execute_activity(act.FINALIZE_REVIEW, task, **policies.REVIEW)
        # the database reads the stored result: no second copy of the corrections in history
        await self._record(act.SAVE_REVIEW, task.model_copy(update={"corrections": None}))
        await self._review_over(f.file_id, task.decision, revision=task.revision, reviewer=task.reviewer,
                                reason=task.reason)

    async def _review_over(self, file_id: str, decision: str, *, revision: int, reviewer: str | None,
                           reason: str | None) -> None:
        """The decision is recorded: the file's status, the update's answer, the file's webhook event."""
        status = Status.PROCESSED if decision == Decision.APPROVED else Status.FAILED
        view = self._files[file_id]
        view.status = status
        view.error = None if status == Status.PROCESSED else decision_error(decision, reviewer, reason)
        self._outcomes[file_id] = ReviewOutcome(file_id=file_id, status=status, decision=decision, revision=revision)
        self._publish_status()
        await self._file_event(file_id)
