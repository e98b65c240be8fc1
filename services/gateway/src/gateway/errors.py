"""The one place failures become HTTP answers: `{success: false, error, details?}`.

`DomainError` (raised here or re-raised by `RpcClient.call` from a service's reply) -> its
`HTTP_STATUS`; invalid input -> 422 naming each field and why; malformed JSON -> 400; unknown
route -> 404; anything unexpected -> 500 "internal error", logged, never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from aiormq.exceptions import AMQPError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.ratelimit import TooManyAttempts
from uts_shared.errors import (
    DomainError,
    ErrorCode,
    FieldError,
    Unavailable,
    field_errors_from_pydantic,
)

log = logging.getLogger(__name__)

INTERNAL = "internal error"


class ErrorBody(BaseModel):
    """Every error answer (documents what `error_response` builds)."""

    success: Literal[False] = False
    error: str
    """What went wrong, for a person."""
    details: list[FieldError] | None = None
    """On 422: each rejected field and why."""
    allowed: list[str] | None = None
    """On 409 about a ticket's state: the states it may move to (or be in)."""
    reason: str | None = None
    """A stable code of what went wrong, for a client to word it in its own language
    (`invalid_credentials`, `agent_email_taken`, `phone_taken`, `version_conflict`,
    `status_moved`, `attachment_too_large` with `limit` in bytes, `attachment_type` with `kinds`);
    `params` are the wording's values."""
    params: dict[str, str | int | float | bool | None] | None = None


def error_response(
    status: int,
    message: str,
    details: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
    *,
    allowed: list[str] | None = None,
    reason: str | None = None,
    params: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "error": message}
    if details:
        body["details"] = [{"field": d.field, "reason": d.reason} for d in details]
    if allowed is not None:
        body["allowed"] = allowed
    if reason is not None:
        body["reason"] = reason
        body["params"] = {
            k: v for k, v in (params or {}).items() if v is None or isinstance(v, str | int | float)
        }
    return JSONResponse(body, status_code=status, headers=headers)


def domain_error_response(exc: DomainError) -> JSONResponse:
    """The one mapping of a domain error to its answer; a 409 about a ticket's state names the
    states it may move to (or be in) as `allowed`."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.code is ErrorCode.UNAUTHORIZED else None
    if exc.code is ErrorCode.INTERNAL:
        log.error("internal error reported by a service: %s %s", exc.message, exc.context)
        return error_response(500, INTERNAL)
    allowed = exc.context.get("allowed") if exc.code is ErrorCode.CONFLICT else None
    return error_response(
        exc.http_status,
        exc.message,
        exc.details,
        headers,
        allowed=[str(a) for a in allowed] if isinstance(allowed, list) else None,
        reason=exc.reason,
        params=exc.context,
    )


def invalid_input_response(errors: Sequence[Any]) -> JSONResponse:
    """400 for a body that is not JSON at all, else 422 with one detail per rejected field."""
    malformed = [e for e in errors if e.get("type") == "json_invalid"]
    if malformed:
        reason = malformed[0].get("ctx", {}).get("error") or malformed[0].get("msg", "")
        return error_response(400, f"Malformed JSON body: {reason}".rstrip(": "))
    details = field_errors_from_pydantic(list(errors))
    summary = "; ".join(f"{d.field}: {d.reason}" for d in details[:3])
    return error_response(422, f"Invalid request: {summary}", details)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return invalid_input_response(exc.errors())


async def _model_validation(request: Request, exc: Exception) -> JSONResponse:
    # A contract model built inside a route rejected its input: still the caller's input.
    assert isinstance(exc, ValidationError)
    return invalid_input_response(exc.errors())


CONSOLE_PATH = "/{path:path}"
"""The web console's catch-all (every GET): not an API route."""


def allowed_methods(request: Request) -> list[str]:
    """Every method the app's routes take at the request's path (a 405's `Allow`), asked of
    each route as the router asks it."""
    routes = [r for r in request.app.routes if getattr(r, "path", None) != CONSOLE_PATH]
    return [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    message = str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and message == "Not Found":
        message = f"Not found: {request.method} {request.url.path}"
    if exc.status_code == 405:  # Starlette names only the first route that has the path
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed here: use {', '.join(allowed)}"
    return error_response(exc.status_code, message, headers=headers)


async def _too_many_attempts(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooManyAttempts)
    return error_response(429, exc.message, headers={"Retry-After": str(exc.retry_after)})


async def _broker_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("broker unavailable for %s %s: %r", request.method, request.url.path, exc)
    return domain_error_response(Unavailable("message broker unavailable, try again shortly"))


class CatchAll:
    """Turns any exception no handler took into a logged 500 (inside Starlette's own catch-all,
    which would log it a second time and re-raise to the server)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected failure in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(500, INTERNAL)(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register every handler on `app` (call once, in the composition root)."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _model_validation)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(TooManyAttempts, _too_many_attempts)
    app.add_exception_handler(AMQPError, _broker_down)
    app.add_middleware(CatchAll)
