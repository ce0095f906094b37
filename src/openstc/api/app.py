"""The FastAPI application factory of the TraCSS-compatible API (OpenAPI at ``/docs``).

``create_app(engine=...)`` wires the store, the signing key and every router; ``openstc serve``
and the tests both use it. One origin serves ``/metadata``, ``/bulkdata``, ``/subscriber``,
``/dataprovenance``, the public TODD catalog at ``/todd`` and the token endpoint at
``/oauth2/{authServerId}/v1/token``.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from openstc import __version__
from openstc.api import errors
from openstc.api.deps import AppState
from openstc.auth.credentials import load_signing_key
from openstc.store.db import database_url, default_data_dir, make_engine, session_factory, upgrade


def create_app(
    engine: Engine | None = None,
    *,
    signing_key: str | None = None,
    data_dir: Path | None = None,
    migrate: bool = True,
    max_upload_bytes: int | None = None,
    rate_limit_per_minute: int | None = None,
) -> FastAPI:
    """Build the API. Without ``engine`` it opens the configured store (and migrates it)."""
    if engine is None:
        data_dir = data_dir or default_data_dir()
        engine = make_engine(database_url(data_dir))
    if migrate:
        upgrade(engine)
    key = signing_key or load_signing_key(data_dir)
    app = _App(
        title="openstc",
        version=__version__,
        description=(
            "Open space traffic coordination: a TraCSS-compatible API (metadata, bulk data, subscriber, "
            "data provenance) plus the public catalog. Authenticate at /oauth2/default/v1/token."
        ),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    st = AppState(engine=engine, sessions=session_factory(engine), signing_key=key, data_dir=data_dir)
    if max_upload_bytes is not None:
        st.max_upload_bytes = max_upload_bytes
    app.state.openstc = st
    errors.install(app)
    limit = rate_limit_per_minute
    if limit is None and os.environ.get("OPENSTC_RATE_LIMIT_PER_MINUTE"):
        limit = int(os.environ["OPENSTC_RATE_LIMIT_PER_MINUTE"])
    if limit:
        install_rate_limit(app, limit)

    from openstc.api import (
        routes_accounts,
        routes_auth,
        routes_bulk,
        routes_cat,
        routes_cdm,
        routes_misc,
        routes_ocm,
        routes_provenance,
        routes_subscriber,
    )

    for module in (
        routes_auth,
        routes_cdm,
        routes_cat,
        routes_ocm,
        routes_misc,
        routes_subscriber,
        routes_bulk,
        routes_provenance,
        routes_accounts,
    ):
        app.include_router(module.router)
    app.hot_routes = dict(routes_cdm.HOT_ROUTES)

    @app.get("/health", tags=["public"], summary="Liveness check")
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    return app


class _App(FastAPI):
    """FastAPI with the CDM list's GET served straight from the endpoint (issue #5).

    FastAPI's route matching, dependency solving and middleware layers cost ~0.25 ms per request,
    a third of a whole CDM list. ``hot_routes`` maps exact paths to endpoints that take the Request
    and do their own authentication; errors go to the same exception handlers as everywhere else.
    Anything else (other methods, a user middleware such as the rate limit, FastAPI's native
    telemetry, a root path) takes the normal path, so behaviour and OpenAPI stay the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hot_routes: dict[str, Callable[[Request], Awaitable[Response]]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        endpoint = (
            self.hot_routes.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path")
            else None
        )
        telemetry = getattr(self, "_native_telemetry", None)
        if (
            endpoint is None
            or self.user_middleware
            or self.root_path
            or (telemetry is not None and telemetry.enabled())
        ):
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        request = Request(scope, receive, send)
        try:
            response = await endpoint(request)
        except Exception as exc:
            response = await self._handle(request, exc)
        await response(scope, receive, send)

    async def _handle(self, request: Request, exc: Exception) -> Response:
        """The registered exception handler of ``exc``'s nearest class (Starlette's lookup)."""
        for cls in type(exc).__mro__:
            handler = self.exception_handlers.get(cls)
            if handler is not None:
                result = handler(request, exc)
                response: Response = await result if inspect.isawaitable(result) else result
                return response
        raise exc  # pragma: no cover - errors.install registers a handler for Exception


def install_rate_limit(app: FastAPI, per_minute: int) -> None:
    """At most ``per_minute`` requests per caller (bearer token, else client address) per sliding
    minute; beyond it, 429 ``{"error": ...}`` with ``Retry-After`` (safe to retry, as TraCSS clients do)."""
    windows: dict[str, deque[float]] = {}
    lock = threading.Lock()

    @app.middleware("http")
    async def _limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        key = request.headers.get("authorization") or (request.client.host if request.client else "?")
        now = time.monotonic()
        with lock:
            q = windows.setdefault(key, deque())
            while q and now - q[0] > 60.0:
                q.popleft()
            if len(q) >= per_minute:
                retry = max(1, int(60.0 - (now - q[0])) + 1)
                return errors.error_response(
                    429, f"Too many requests: limit is {per_minute} per minute", {"Retry-After": str(retry)}
                )
            q.append(now)
            if len(windows) > 100_000:
                windows.clear()
        return await call_next(request)


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` / multi-worker serving: the store and key from the environment
    (``OPENSTC_DATABASE_URL`` or ``OPENSTC_DATA_DIR``; ``OPENSTC_JWT_SECRET`` or the data dir's key)."""
    data_dir = default_data_dir()
    return create_app(make_engine(database_url(data_dir)), data_dir=data_dir, migrate=False)
