"""The application factory: ``create_app()`` builds the FastAPI app from the settings.

``uvicorn --factory trdcare.adapters.web.app:create_app`` (what ``trdcare serve`` runs)
reads the settings from the environment, so several worker processes share one setup.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trdcare import __version__
from trdcare.adapters.web.admission import AdmissionLimit
from trdcare.adapters.web.body_guard import RequestBodyGuard
from trdcare.adapters.web.db import make_web_engine
from trdcare.adapters.web.forms import FormRejected
from trdcare.adapters.web.problems import (
    PROBLEM_RESPONSES,
    UnhandledErrorMiddleware,
    handle_domain_error,
    handle_form_rejected,
    handle_http_exception,
    handle_request_validation,
)
from trdcare.adapters.web.security import SecurityHeadersMiddleware
from trdcare.adapters.web.settings import WebSettings, load_web_settings
from trdcare.core.errors import DomainError

API_PREFIX = "/api/v1"
OPENAPI_URL = f"{API_PREFIX}/openapi.json"


class Health(BaseModel):
    status: str
    version: str


def _api_routers() -> list[APIRouter]:
    from trdcare.accounts import endpoints as accounts
    from trdcare.assessments import endpoints as assessments
    from trdcare.courses import endpoints as courses
    from trdcare.dbs import endpoints as dbs
    from trdcare.esketamine import endpoints as esketamine
    from trdcare.exchange import endpoints as exchange
    from trdcare.history import endpoints as history
    from trdcare.ketamine import endpoints as ketamine
    from trdcare.labs import endpoints as labs
    from trdcare.neurofeedback import endpoints as neurofeedback
    from trdcare.pathway import endpoints as pathway
    from trdcare.patients import endpoints as patients
    from trdcare.pgx import endpoints as pgx
    from trdcare.psilocybin import endpoints as psilocybin
    from trdcare.reports import endpoints as reports
    from trdcare.tms import endpoints as tms
    from trdcare.vns import endpoints as vns

    return [
        accounts.router,
        patients.router,
        history.router,
        assessments.router,
        tms.router,
        vns.router,
        ketamine.router,
        psilocybin.router,
        esketamine.router,
        dbs.router,
        neurofeedback.router,
        pgx.router,
        labs.router,
        exchange.router,
        courses.router,
        reports.router,
        pathway.router,
    ]


def _page_routers() -> list[APIRouter]:
    from trdcare.accounts import pages as accounts
    from trdcare.assessments import pages as assessments
    from trdcare.courses import pages as courses
    from trdcare.dbs import pages as dbs
    from trdcare.esketamine import pages as esketamine
    from trdcare.history import pages as history
    from trdcare.ketamine import pages as ketamine
    from trdcare.labs import pages as labs
    from trdcare.neurofeedback import pages as neurofeedback
    from trdcare.pathway import pages as pathway
    from trdcare.patients import pages as patients
    from trdcare.pgx import pages as pgx
    from trdcare.psilocybin import pages as psilocybin
    from trdcare.reports import pages as reports
    from trdcare.tms import pages as tms
    from trdcare.vns import pages as vns

    return [
        accounts.router,
        patients.router,
        history.router,
        assessments.router,
        tms.router,
        esketamine.router,
        vns.router,
        dbs.router,
        ketamine.router,
        psilocybin.router,
        pgx.router,
        labs.router,
        neurofeedback.router,
        courses.router,
        reports.router,
        pathway.router,
    ]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app (settings from the environment unless given)."""
    settings = settings or load_web_settings()
    engine = make_web_engine(settings.database_url, pool_size=settings.requests_per_worker)
    if settings.audit_key is not None:
        from trdcare.audit.keys import bind_key

        bind_key(engine, settings.audit_key)
    if settings.production:
        # Also when a worker is started by uvicorn itself, not by `trdcare serve`.
        from trdcare.adapters.web.serve import refuse_demo_logins

        try:
            refuse_demo_logins(engine)
        except BaseException:
            engine.dispose()
            raise

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The objects made at start-up (routes, models, templates) live as long as the
        # process: freezing them keeps the cyclic garbage collector from re-scanning them in
        # every full collection, which otherwise costs a large request ~100 ms at random.
        gc.collect()
        gc.freeze()
        yield
        # Live neurofeedback sessions stop, are recorded and stored before the engine goes.
        live = getattr(app.state, "nf_live", None)
        if live is not None:
            live.shutdown()
        engine.dispose()

    app = FastAPI(
        title="trdcare",
        version=__version__,
        summary="Clinical decision support for treatment-resistant depression",
        description=(
            "JSON API of trdcare. Authenticate with `Authorization: Bearer <token>` (create a "
            "token on the *My account* page or with `trdcare user token`). Errors are RFC 9457 "
            "problem documents naming each offending field. Lists are paged with "
            "`limit`/`offset`. Patients are addressed by opaque refs (`P-...`), never by "
            "identifying data."
        ),
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine

    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(FormRejected, handle_form_rejected)
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    app.add_exception_handler(ValidationError, handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    # Added last = outermost: the headers also go on the bare 500 answer.
    app.add_middleware(
        AdmissionLimit,
        limit=settings.requests_per_worker,
        # A live session's event stream stays open: it holds no database connection while
        # it streams, and must not keep a place from the requests that do.
        exempt_prefixes=(f"{API_PREFIX}/health", "/static/", "/neurofeedback/stream/"),
    )
    app.add_middleware(RequestBodyGuard)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)

    api = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)

    @api.get("/health", response_model=Health, tags=["health"], summary="Liveness (no auth)")
    def health() -> Health:
        return Health(status="ok", version=__version__)

    for router in _api_routers():
        api.include_router(router)
    app.include_router(api)
    for router in _page_routers():
        app.include_router(router)
    app.mount(
        "/static",
        StaticFiles(directory=str(files("trdcare.adapters.web") / "static")),
        name="static",
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with the bearer scheme applied to every API operation."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    schema.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "API token (trd_...)"}
    }
    for path, operations in schema.get("paths", {}).items():
        if path == f"{API_PREFIX}/health":
            continue
        for operation in operations.values():
            if isinstance(operation, dict):
                operation["security"] = [{"bearer": []}]
    app.openapi_schema = schema
    return schema
