"""The worker: builds the clients from settings, the activity objects, and runs a Worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from temporalio.worker import PollerBehaviorAutoscaling, Worker

from activities import heartbeat
from activities.documents import DocumentActivities
from activities.extract import ExtractActivities
from activities.extractions import ExtractionCatalog
from activities.legacy import LegacyActivities
from activities.model import CallLimits, GeminiTransport, ModelActivities
from activities.pages import PageReader
from activities.reconcile import ReconcileActivities
from activities.records import RecordActivities
from activities.sweep import SweepActivities
from activities.webhooks import WebhookActivities
from core.config import Settings, get_settings
from core.db import init_db
from core.gemini import ModelCatalog, ModelLookupFailed, ModelNotFound, describe
from core.observability import (
    activity_interceptor,
    configure_logging,
    start_worker_metrics,
    temporal_runtime,
)
from core.storage import ObjectStore
from core.temporal import ensure_search_attributes
from documents.service import DocumentService
from worker.preflight import check_database, connect_temporal
from worker.schedules import ensure_schedules
from workflows.batch import BatchWorkflow
from workflows.reconcile import ReconcileWorkflow, SweepWorkflow
from workflows.webhook import WebhookDeliveryWorkflow

log = logging.getLogger("docparse.worker")


def build_workers(client, settings: Settings, documents: DocumentService) -> list[Worker]:
    store = ObjectStore(settings)
    store.ensure_bucket()
    db = init_db(settings)
    catalog = ExtractionCatalog(db)
    pages = PageReader(store, documents)
    prepare = DocumentActivities(settings, store, documents, catalog, db)
    extract = ExtractActivities(store, pages, catalog)
    records = RecordActivities(db, store)
    model = ModelActivities(store, GeminiTransport(settings), catalog, extract, CallLimits.of(settings))
    legacy = LegacyActivities(prepare, extract, model, records)
    webhooks = WebhookActivities(settings, db)
    reconcile = ReconcileActivities(settings, db, client)
    sweep = SweepActivities(settings, db, store)
    # A batch schedules all its files at once; a fixed five pollers would pick them up five per
    # round trip. Autoscaling pollers follow the backlog (the server says how much is waiting).
    pollers = PollerBehaviorAutoscaling(initial=30)
    # Every activity's log records carry its batch_id and file_id (core/observability.py).
    interceptors = [activity_interceptor()]
    # Heartbeats reach the server at most this far apart (the SDK's default: 80% of the heartbeat
    # timeout, 12 s), and a cancellation (the file was deleted) reaches the activity with the
    # server's answer to one: so a deleted file's work stops within seconds.
    heartbeats = timedelta(seconds=heartbeat.INTERVAL_S)
    main = Worker(
        client,
        task_queue=settings.task_queue,
        activity_task_poller_behavior=pollers,
        interceptors=interceptors,
        max_heartbeat_throttle_interval=heartbeats,
        workflows=[BatchWorkflow, WebhookDeliveryWorkflow, ReconcileWorkflow, SweepWorkflow],
        activities=[
            prepare.prepare_document,
            prepare.purge_file,
            extract.merge_chunks,
            extract.finalize_review,
            records.save_result,
            records.save_review,
            records.set_file_status,
            records.set_batch_status,
            records.record_review_refusal,
            webhooks.deliver_webhook,
            reconcile.reconcile_batches,
            reconcile.resubmit_stranded,
            sweep.sweep_orphans,
            # for batches started before the current contracts (workflows/legacy.py)
            legacy.prepare_file,
            legacy.ingest_file,
            legacy.render_pages,
            legacy.extract_file,
            legacy.apply_review,
        ],
    )
    # Model calls have their own queue: at most model_max_concurrent in flight per worker and
    # model_calls_per_second across all workers (enforced by the Temporal server), so a
    # 30-file batch queues up instead of flooding the quota.
    model_calls = Worker(
        client,
        task_queue=settings.model_task_queue,
        activities=[model.model_read_chunk, legacy.model_extract_chunk],
        activity_task_poller_behavior=pollers,
        interceptors=interceptors,
        max_heartbeat_throttle_interval=heartbeats,
        max_concurrent_activities=settings.model_max_concurrent,
        max_task_queue_activities_per_second=settings.model_calls_per_second,
    )
    return [main, model_calls]


class ModelUnavailable(SystemExit):
    """The configured Gemini model does not exist (or the key is refused): the worker does not start."""


async def check_model(settings: Settings, catalog: ModelCatalog | None = None) -> None:
    """Before any batch: DOCPARSE_GEMINI_MODEL must exist (models.get). A model that does not, or a
    refused key, stops the worker with the reason; Gemini unreachable right now is only logged
    (model calls are retried, and each says what went wrong)."""
    if not settings.gemini_configured:
        return
    try:
        info = await (catalog or ModelCatalog(settings)).lookup(settings.gemini_model)
    except ModelNotFound as e:
        raise ModelUnavailable(f"docparse worker: DOCPARSE_GEMINI_MODEL={settings.gemini_model} cannot be used: {e}. "
                               "Set a current model (README, Gemini).") from None
    except ModelLookupFailed as e:
        if e.auth:
            raise ModelUnavailable(f"docparse worker: {describe(settings)} refused the credentials: {e}") from None
        log.warning("could not check the Gemini model %s at start: %s", settings.gemini_model, e)
        return
    log.info("Gemini model %s on %s (output limit %s tokens)", info.name, describe(settings), info.output_token_limit)


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    await check_model(settings)
    check_database(settings)
    start_worker_metrics(settings.metrics_host, settings.worker_metrics_port)
    client = await connect_temporal(settings, temporal_runtime(settings.metrics_host, settings.temporal_metrics_port))
    await ensure_search_attributes(client, settings.temporal_namespace)
    await ensure_schedules(client, settings)
    documents = DocumentService(settings)
    try:
        workers = build_workers(client, settings, documents)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with contextlib.AsyncExitStack() as running:
            for w in workers:
                await running.enter_async_context(w)
            log.info("worker polling task queues %s and %s on %s", settings.task_queue,
                     settings.model_task_queue, settings.temporal_address)
            await stop.wait()
    finally:
        documents.shutdown()


def main() -> None:
    configure_logging(get_settings().log_format)
    asyncio.run(run_worker())
