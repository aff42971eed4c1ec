"""BatchWorkflow's path for batches started before patch `ids-not-copies` (2026-12-01).

Those batches replay the commands they were started with: ingest/render/extract (before patch
`prepare-in-one-activity`), or prepare_file + model_extract_chunk + merge_chunks, with a copy of
the schema in every activity input, and apply_review. The code below is that path, unchanged in
its commands; the activities behind it (activities/legacy.py) are adapters over today's one
result path.

Retirement plan: a batch can wait for review for at most `review_deadline_hours` (≤ 365 days),
so no batch started before 2026-12-01 can still be open after 2027-12-01. In the first release
after that date: replace `workflow.patched(IDS_NOT_COPIES)` with
`workflow.deprecate_patch(IDS_NOT_COPIES)`, delete this module, workflows/legacy_models.py,
activities/legacy.py and the histories without the `ids-not-copies` marker; one release later,
drop the deprecate_patch call. Until then CI replays the old histories against this code.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.status import Status
    from extraction.engines.gemini import Chunk, chunk_plan, split_chunk
    from extraction.engines.gemini.plan import INVALID_RETRIES
    from workflows import activity_names as act
    from workflows import policies
    from workflows.failures import FileFailed
    from workflows.legacy_models import (
        ApplyReviewInput,
        ChunkInput,
        ChunkOutput,
        ExtractInput,
        ExtractOutput,
        IngestInput,
        IngestOutput,
        PrepareInput,
        PrepareOutput,
        RenderInput,
        RenderOutput,
    )
    from workflows.models import (
        BatchInput,
        ChunkResult,
        FileInput,
        FileView,
        MergeTask,
        ReviewDecision,
        ReviewOutcome,
        SaveResultInput,
    )

PREPARE_IN_ONE_ACTIVITY = "prepare-in-one-activity"
ONE_CHUNK_FINISHES_ITSELF = "one-chunk-finishes-itself"


class LegacyPath:
    """BatchWorkflow's methods for the older path (a mixin: BatchWorkflow holds the state and
    the shared steps declared here)."""

    _files: dict[str, FileView]
    _deleted: set[str]
    _decisions: dict[str, ReviewDecision]
    _outcomes: dict[str, ReviewOutcome]

    def _publish_status(self) -> None: ...
    def _check_alive(self, file_id: str) -> None: ...
    async def _set_file(self, file_id: str, status: Status, error: str | None = None) -> None: ...
    async def _record(self, name: str, arg: object) -> None: ...
    async def _file_event(self, file_id: str) -> None: ...

    if TYPE_CHECKING:  # ReviewSteps' (after this class in BatchWorkflow's bases: a stub here would win)
        async def _review_over(self, file_id: str, decision: str, *, revision: int, reviewer: str | None,
                               reason: str | None) -> None: ...

    async def _legacy_extract(self, batch: BatchInput, f: FileInput) -> ExtractOutput:
        if not workflow.patched(PREPARE_IN_ONE_ACTIVITY):
            return await self._legacy_extract_in_steps(batch, f)
        self._files[f.file_id].status = Status.PROCESSING
        self._publish_status()
        self._check_alive(f.file_id)
        prepared: PrepareOutput = await workflow.execute_activity(
            act.PREPARE_FILE,
            PrepareInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id, file=f,
                         extraction_schema=batch.extraction_schema, to_model=batch.model is not None,
                         review_threshold=batch.review.threshold),
            result_type=PrepareOutput, **policies.PREPARE,
        )
        self._check_alive(f.file_id)
        if prepared.extracted is not None:  # offline engine, or an embedded e-invoice
            return prepared.extracted
        extracted = await self._legacy_extract_with_model(batch, f, prepared)
        self._check_alive(f.file_id)
        return extracted


    async def _legacy_extract_in_steps(self, batch: BatchInput, f: FileInput) -> ExtractOutput:
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
            extracted = await self._legacy_extract_with_model(batch, f, info)
        else:
            extracted = await workflow.execute_activity(
                act.EXTRACT_FILE,
                ExtractInput(batch_id=batch.batch_id, file_id=f.file_id, page_count=info.page_count,
                             extraction_schema=batch.extraction_schema, einvoice_key=info.einvoice_key,
                             review_threshold=batch.review.threshold),
                result_type=ExtractOutput, **policies.EXTRACT,
            )
        self._check_alive(f.file_id)
        return extracted


    async def _legacy_extract_with_model(self, batch: BatchInput, f: FileInput, info: IngestOutput) -> ExtractOutput:
        plan = batch.model
        assert plan is not None
        pending: list[tuple[Chunk, int]] = [
            (c, 0) for c in chunk_plan(info.page_count, plan.pages_per_chunk, plan.chunk_overlap)
        ]
        done: list[ChunkResult] = []
        tokens_in = tokens_out = 0
        finishes_itself = workflow.patched(ONE_CHUNK_FINISHES_ITSELF)
        while pending:
            whole = (finishes_itself and len(pending) == 1 and not done
                     and pending[0][0].first == 1 and pending[0][0].last == info.page_count)
            outs: list[ChunkOutput] = await asyncio.gather(*(
                workflow.execute_activity(
                    act.MODEL_EXTRACT_CHUNK,
                    ChunkInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id,
                               page_count=info.page_count, chunk=chunk, extraction_schema=batch.extraction_schema,
                               model=plan.model, finalize_review_threshold=batch.review.threshold if whole else None,
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
                elif tries < INVALID_RETRIES:
                    retry.append((chunk, tries + 1))
                else:
                    raise FileFailed(f"the model's output for {chunk.label()} was unusable: {out.detail}")
            pending = retry
        return await workflow.execute_activity(
            act.MERGE_CHUNKS,
            MergeTask(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id,
                      extraction_schema=batch.extraction_schema, model=plan.model, chunks=done,
                      input_tokens=tokens_in, output_tokens=tokens_out, review_threshold=batch.review.threshold),
            result_type=ExtractOutput, **policies.MERGE,
        )


    async def _legacy_conclude(self, batch: BatchInput, f: FileInput, extracted: ExtractOutput) -> None:
        view = self._files[f.file_id]
        if not extracted.review_reasons:
            await self._legacy_save(batch, f, extracted, Status.PROCESSED)
            return
        view.review_revision += 1
        await self._legacy_save(batch, f, extracted, Status.NEEDS_REVIEW)
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
        await self._record(act.APPLY_REVIEW, apply)
        await self._review_over(f.file_id, apply.decision, revision=apply.revision, reviewer=apply.reviewer,
                                reason=apply.reason)


    async def _legacy_save(self, batch: BatchInput, f: FileInput, extracted: ExtractOutput, status: Status) -> None:
        view = self._files[f.file_id]
        await self._record(
            act.SAVE_RESULT,
            SaveResultInput(batch_id=batch.batch_id, extraction_id=batch.extraction_id, file_id=f.file_id,
                            result_key=extracted.result_key, status=status, review_reasons=extracted.review_reasons,
                            review_revision=view.review_revision),
        )
        view.status = status
        self._publish_status()
        await self._file_event(f.file_id)
