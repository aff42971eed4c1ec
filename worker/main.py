"""The worker: builds the clients from settings, the activity objects, and runs a Worker."""

from __future__ import annotations

import asyncio
import logging
import signal

from temporalio.worker import Worker

from activities.documents import DocumentActivities
from activities.extract import ExtractActivities
from activities.records import RecordActivities
from core.config import Settings, get_settings
from core.db import init_db
from core.procpool import PagePool
from core.storage import ObjectStore
from core.temporal import connect, ensure_search_attributes
from workflows.batch import BatchWorkflow

log = logging.getLogger("docparse.worker")


def build_worker(client, settings: Settings, pool: PagePool) -> Worker:
    store = ObjectStore(settings)
    store.ensure_bucket()
    db = init_db(settings)
    documents = DocumentActivities(settings, store, pool)
    extract = ExtractActivities(settings, store, pool)
    records = RecordActivities(db, store)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[BatchWorkflow],
        activities=[
            documents.ingest_file,
            documents.render_pages,
            documents.purge_file,
            extract.extract_file,
            records.save_result,
            records.set_file_status,
            records.set_batch_status,
        ],
    )


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    client = await connect(settings)
    await ensure_search_attributes(client, settings.temporal_namespace)
    pool = PagePool(settings.render_processes, settings.render_memory_bytes)
    try:
        worker = build_worker(client, settings, pool)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with worker:
            log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_address)
            await stop.wait()
    finally:
        pool.shutdown()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_worker())
