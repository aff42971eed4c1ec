"""The FastAPI app: lifespan-owned clients, routers, JSON errors."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response

from api import errors
from api.routes import batches, extractions, files, review_page, reviews, webhooks
from api.state import AppState
from api.uploads import clean_upload_leftovers
from core.config import Settings, get_settings
from core.db import init_db
from core.observability import HttpMetrics, render_metrics
from core.storage import ObjectStore
from documents.service import DocumentService

log = logging.getLogger("docparse.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if removed := await asyncio.to_thread(clean_upload_leftovers):
            log.warning("removed %d upload folder(s) left by API processes that are gone", removed)
        store = ObjectStore(settings)
        await asyncio.to_thread(store.ensure_bucket)
        state = AppState(
            settings=settings,
            db=init_db(settings),
            store=store,
            # one page process at normal priority: uploads and readers wait on it
            documents=DocumentService(settings, processes=1, nice=0),
        )
        # Batches stored but never started (upload answered 503 batch_not_scheduled_yet) are
        # started by the worker's schedule, once for the whole deployment, not by each replica.
        app.state.docparse = state
        try:
            yield
        finally:
            state.documents.shutdown()

    app = FastAPI(
        title="docparse",
        version="0.1.0",
        description="Self-hostable data extraction API. Every call needs `Authorization: Bearer <key>`.",
        lifespan=lifespan,
    )
    errors.install(app)
    # Outermost but for Starlette's error middleware: times every request, 4xx and 5xx included.
    app.add_middleware(HttpMetrics)
    app.include_router(extractions.router)
    app.include_router(batches.router)
    app.include_router(files.router)
    app.include_router(reviews.router)
    app.include_router(review_page.router)
    app.include_router(webhooks.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics; no key (expose the API port to scrapers only as you would /healthz)."""
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    return app
