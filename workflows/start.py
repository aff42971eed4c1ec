"""Starting a BatchWorkflow: its input from the database rows, and the start call. Client-side
code (the API at upload, the worker's stranded-batch reconciler), never imported by workflow code."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from core.config import Settings
from core.models import Batch, Extraction, FileRecord
from core.schema import ExtractionSchema
from core.status import Status
from core.temporal import BATCH_STATUS, EXTRACTION_ID, batch_workflow_id
from workflows.batch import BatchWorkflow
from workflows.models import BatchInput, FileInput, HistoryBudget, ModelPlan, ReviewPolicy, WebhookTarget


def batch_input(settings: Settings, ext: Extraction, batch: Batch, files: list[FileRecord]) -> BatchInput:
    return BatchInput(
        batch_id=batch.id,
        extraction_id=ext.id,
        account_id=batch.account_id,
        extraction_schema=ExtractionSchema(fields=ext.fields, language=ext.language),
        files=[
            FileInput(file_id=r.id, file_name=r.file_name, object_key=r.object_key,
                      kind=r.kind, page_count=r.page_count)
            for r in sorted(files, key=lambda r: r.position)
        ],
        max_concurrent_files=settings.max_concurrent_files,
        model=model_plan(settings, ext),
        review=ReviewPolicy(threshold=ext.review_threshold, deadline_seconds=ext.review_deadline_hours * 3600),
        webhook=webhook_target(settings, batch.webhook_url or ext.webhook_url),
        history_budget=HistoryBudget(events=settings.history_budget_events, bytes=settings.history_budget_bytes),
    )


def webhook_target(settings: Settings, url: str | None) -> WebhookTarget | None:
    if url is None:
        return None
    return WebhookTarget(url=url, retry_initial_s=settings.webhook_retry_initial_s,
                         retry_hours=settings.webhook_retry_hours)


def model_plan(settings: Settings, ext: Extraction) -> ModelPlan | None:
    """Gemini when it is configured (a key, or the Vertex AI backend), else None: the offline engine."""
    if not settings.gemini_configured:
        return None
    return ModelPlan(
        model=ext.model or settings.gemini_model, task_queue=settings.model_task_queue,
        pages_per_chunk=settings.model_pages_per_chunk, chunk_overlap=settings.model_chunk_overlap,
    )


async def start_batch(client: Client, settings: Settings, ext: Extraction, batch: Batch,
                      files: list[FileRecord]) -> None:
    await client.start_workflow(
        BatchWorkflow.run,
        batch_input(settings, ext, batch, files),
        id=batch_workflow_id(batch.id),
        task_queue=settings.task_queue,
        # Starting twice (a retry, or the reconciler) must never run a batch twice.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # Set at start: the workflow publishes BatchStatus changes only where it was given them.
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(EXTRACTION_ID, ext.id), SearchAttributePair(BATCH_STATUS, Status.QUEUED)]
        ),
        rpc_timeout=timedelta(seconds=10),
    )
