"""The FastAPI app: settings, lifespan (the detector loads once per worker), middleware, routes."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from .errors import SafeJSONResponse, install_error_handlers
from .logs import configure_logging, log_event
from .metrics import Metrics
from .middleware import GuardMiddleware
from .routes import campaigns, health, messages, metrics, model
from .settings import Settings, get_settings

if TYPE_CHECKING:
    from detector import Detector

DESCRIPTION = """Checks seller messages and campaigns for misuse of customers' personal data before
they leave. Every `/v1` call needs an `X-API-Key` header when `OUTREACH_GUARD_API_KEYS` is set."""


def load_detector(settings: Settings) -> Detector:
    from detector import Detector

    return Detector.load(path=settings.model_path, use_model=settings.use_model, mask_pii=settings.mask_pii)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings.log_level)
    if app.state.detector is None:
        started = time.perf_counter()
        det = await run_in_threadpool(load_detector, settings)
        await run_in_threadpool(det.warm_up)  # segmenters and first-call caches
        app.state.detector = det
        log_event("model_loaded", detector_version=det.version, model_loaded=det.model_card is not None,
                  load_ms=round((time.perf_counter() - started) * 1000, 1))
    yield
    log_event("shutdown")


def create_app(settings: Settings | None = None, detector: Detector | None = None) -> FastAPI:
    """Build the app. Tests may pass settings and an already loaded detector (then lifespan skips loading)."""
    from detector import __version__ as version

    settings = settings or get_settings()
    app = FastAPI(title="outreach-guard", version=version, description=DESCRIPTION, lifespan=lifespan,
                  default_response_class=SafeJSONResponse)
    app.state.settings = settings
    app.state.detector = detector
    app.state.metrics = Metrics()
    install_error_handlers(app)
    for router in (health.router, messages.router, campaigns.router, model.router, metrics.router):
        app.include_router(router)

    @cache
    def known_paths() -> frozenset[str]:  # route templates, for requests the middleware rejects itself
        return frozenset(app.openapi()["paths"])

    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes, metrics=app.state.metrics,
                       known_paths=known_paths)
    return app
