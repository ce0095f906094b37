"""TraCSS-shaped errors: every failure is ``{"error": "..."}`` with 400/401/403/404/413/429.

Handlers turn request-validation failures, our :class:`~openstc.errors.OpenstcError` family and
HTTP exceptions into that shape, and turn anything unexpected into a logged 500 without internals
(bad input must never get there: the tests and schemathesis look for 500s).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openstc.errors import (
    ConflictError,
    FormatError,
    InvalidArgumentError,
    NotFoundError,
    OpenstcError,
    PermissionDeniedError,
)

log = logging.getLogger("openstc.api")


class ApiError(Exception):
    """An error answer with a status, a message and optional headers (e.g. WWW-Authenticate)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def unauthorized(message: str = "Unauthorized: a valid bearer token is required") -> ApiError:
    return ApiError(401, message, {"WWW-Authenticate": 'Bearer realm="openstc"'})


_STATUS_OF: list[tuple[type[OpenstcError], int]] = [
    (FormatError, 400),
    (InvalidArgumentError, 400),
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
]


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "header", "path"))
        parts.append(f"{loc or 'request'}: {err.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, _validation_message(exc))

    @app.exception_handler(OpenstcError)
    async def _openstc(_: Request, exc: OpenstcError) -> JSONResponse:
        for cls, status in _STATUS_OF:
            if isinstance(exc, cls):
                return error_response(status, str(exc))
        if exc.code.startswith("FORMAT_") or exc.code == "INVALID_ARGUMENT":
            return error_response(400, str(exc))
        log.error("unhandled openstc error: %s", exc)
        return error_response(500, "Internal server error")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers: Any = getattr(exc, "headers", None)
        return error_response(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return error_response(500, "Internal server error")
