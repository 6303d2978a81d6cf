"""The application factory: routes, middleware, error handlers and the lifespan."""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route

from auth import consent
from auth import routes as auth_routes
from auth.errors import CsrfFailed
from auth.middleware import SECURITY_SCHEMES, SessionMiddleware
from backend import docs
from backend.applications import routes as application_routes
from backend.appointments import routes as appointments_routes
from backend.appointments.sweeper import Sweeper
from backend.assisted import routes as assisted_routes
from backend.auditlog import routes as auditlog_routes
from backend.calendar import routes as calendar_routes
from backend.calendar import service as calendar
from backend.catalog import routes as catalog_routes
from backend.delivery import routes as delivery_routes
from backend.delivery.jobs import CarrierWorker
from backend.health import routes as health
from backend.kit import audit, http
from backend.kit.api import API, openapi
from backend.kit.compression import ApiCompressionMiddleware
from backend.kit.config import Settings
from backend.kit.resources import Resources, opened
from backend.materials import routes as material_routes
from backend.static import PWAFiles
from notifications import identity as identity_notices
from notifications import routes as notification_routes
from notifications.dispatcher import Dispatcher

log = logging.getLogger("yiwang.app")
VERSION = "0.1.0"


class State(TypedDict):
    resources: Resources


def _apis() -> tuple[API, API]:
    """(the probes, /api/v1)."""
    # One API (so one Mount) per prefix: Starlette does not fall through from one Mount to the next.
    v1 = API(prefix="/api/v1")
    for domain in (
        auth_routes.api,
        catalog_routes.api,
        application_routes.api,
        material_routes.api,
        notification_routes.api,
        appointments_routes.api,
        calendar_routes.api,
        delivery_routes.api,
        assisted_routes.api,
        auditlog_routes.api,
    ):
        v1.include(domain)
    return health.api, v1


def openapi_document() -> dict:
    """The document served at /api/openapi.json (it does not depend on settings); the caller's own copy."""
    return copy.deepcopy(_served_document())


@functools.cache
def _served_document() -> dict:
    """Built once per process: it is read from the code alone, and building it takes a quarter of a second."""
    return openapi(
        _apis(),
        title="一网 Yiwang API",
        version=VERSION,
        description="一网通办: government errands from a phone. Errors are RFC 9457 problem+json with a stable `code`.",
        security_schemes=SECURITY_SCHEMES,
        unsafe_errors=[CsrfFailed],  # the session middleware's check, before any route
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    identity_notices.register()  # auth tells people about their accounts through notifications
    consent.load(settings.legal_dir)  # read the documents now: a malformed one stops the start, not a login
    _, v1 = _apis()
    document = _served_document()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with opened(settings) as resources:
            log.info(
                "started",
                extra={"database": settings.database_url.split(":", 1)[0], "broker": "redis" if settings.redis_url else "in-process"},
            )
            # The embedded default delivers notifications from the app process itself; with
            # YIWANG_DISPATCHER=off separate `yiwang worker` processes do it.
            stop = asyncio.Event()
            dispatcher = asyncio.create_task(Dispatcher().run(stop)) if settings.dispatcher == "inprocess" else None
            # Every process offers to link the audit chain; one per deployment does (see kit/audit.py).
            chainer = asyncio.create_task(audit.Chainer(settings.database_url).run(stop))
            # Every process sweeps appointments (holds, reopened places, offers, reminders); each step is conditional.
            sweeper = asyncio.create_task(Sweeper(settings.appointment_sweep_seconds).run(stop))
            # Carrier calls and the parcel monitor go with the dispatcher: in the app by default, else in `yiwang worker`
            # (claimed with a lease, so any number of processes may work them).
            carrier_worker = asyncio.create_task(CarrierWorker().run(stop)) if settings.dispatcher == "inprocess" else None
            # The administrators' calendar days (调休 notices, regional holidays) before the first deadline is computed.
            loaded = await calendar.refresh_at_start()
            calendar_watch = asyncio.create_task(calendar.watch(stop, loaded=loaded))
            try:
                yield {"resources": resources}
            finally:
                stop.set()
                if dispatcher is not None:
                    await dispatcher
                await chainer
                await sweeper
                if carrier_worker is not None:
                    await carrier_worker
                await calendar_watch
                calendar.forget()

    # The API mount first: Starlette tries routes in order, and /api/v1 carries the traffic.
    routes: list[BaseRoute] = [
        *v1.mount(),
        *health.api.mount(),
        Route("/api/openapi.json", docs.openapi_endpoint(document), methods=["GET"]),
        Route("/api/docs", docs.docs_page, methods=["GET"]),
    ]
    if (settings.pwa_dir / "index.html").is_file():
        routes.append(Mount("/", app=PWAFiles(directory=settings.pwa_dir, html=True)))
    else:

        async def no_pwa(request):
            return PlainTextResponse("PWA not built: run `make run` (npm ci && npm run build in pwa/).", status_code=503)

        routes.append(Route("/", no_pwa))

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(http.RequestContextMiddleware),
            # Inside the request context, so the access log and default headers see the final answer.
            Middleware(ApiCompressionMiddleware),
            Middleware(
                http.BodyLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                larger={
                    "/api/v1/materials": material_routes.MAX_UPLOAD_BYTES,
                    "/api/v1/courier/parcels": delivery_routes.MAX_PHOTO_BYTES,
                    "/api/v1/assist/delegations": assisted_routes.MAX_PHOTO_BYTES,
                },
            ),
            Middleware(SessionMiddleware),
        ],
        exception_handlers=http.exception_handlers(),
        lifespan=lifespan,
    )
