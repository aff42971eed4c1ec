"""The FastAPI app: lifespan-owned clients, routers, JSON errors."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi_offline import FastAPIOffline

from api import errors
from api.routes import batches, extractions, files, review_page, reviews, webhooks
from api.schemas import Health
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
            # a few page processes at normal priority, in turns between accounts, a time limit per call
            documents=DocumentService.for_api(settings),
        )
        # Batches stored but never started (upload answered 503 batch_not_scheduled_yet) are
        # started by the worker's schedule, once for the whole deployment, not by each replica.
        app.state.docparse = state
        try:
            yield
        finally:
            state.documents.shutdown()

    # /docs and /redoc load Swagger UI and ReDoc from the package (fastapi-offline), not from a CDN:
    # they work on a machine without internet. No online spec validator either.
    app: FastAPI = FastAPIOffline(
        title="docparse",
        version="0.1.0",
        description="Self-hostable data extraction API. Every call but /healthz needs `Authorization: Bearer <key>`.",
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": "none"},
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

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> Health:
        """Liveness, with no key: 200 `{"status": "ok"}` while the API process serves requests. It checks
        nothing behind the API (database, Temporal, object store), so a load balancer does not take
        every replica out at once for an outage they all share."""
        return Health()

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics; no key (expose the API port to scrapers only as you would /healthz)."""
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    return app
