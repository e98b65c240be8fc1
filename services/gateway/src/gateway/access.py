"""Each HTTP request's id, its latency metric, its access-log line and (tracing on) its span.

The id is the caller's `X-Request-ID` when it is a sensible token, else a new one; it is echoed
in the response and carried into every RPC and event the request causes (`uts_shared.logs`).
The access line says method, path (no query string), status, duration and agent, never a token.
With tracing on (`uts_shared.tracing`), the FastAPI instrumentation makes each request the root
span of its trace (or the child of the caller's `traceparent`), named after its route.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from uts_shared import tracing
from uts_shared.logs import REQUEST_ID_HEADER, accepted_request_id, handling
from uts_shared.metrics import LATENCY_BUCKETS

HTTP_REQUESTS = Histogram(
    "uts_http_request_seconds",
    "Gateway HTTP requests by method, route template and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

UNTRACED = "/health$,/ready$,/metrics$"
"""Probes and scrapes (regexes on the URL): a span per probe would only bury the requests."""

log = logging.getLogger("gateway.access")

PATH_LOGGED = 256
"""The most of a path an access line shows (a client picks the path's length)."""

_HEADER = REQUEST_ID_HEADER.encode()


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == _HEADER), None)
        rid = accepted_request_id(given.decode("latin-1") if given is not None else None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_HEADER, rid.encode())]
            await send(message)

        try:
            with handling(rid):
                await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            # The route's template (`/api/v2/tickets/{ticket_id}`), never the raw path: one
            # time series per route, whatever ids clients send.
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).observe(seconds)
            if log.isEnabledFor(logging.INFO):
                _log_access(scope, status, seconds, rid)


def logged_path(path: str) -> str:
    if len(path) <= PATH_LOGGED:
        return path
    return f"{path[:PATH_LOGGED]}...({len(path)} characters)"


def _log_access(scope: Scope, status: int, seconds: float, rid: str) -> None:
    state: dict[str, Any] = scope.get("state") or {}
    agent = state.get("agent_id") or "-"
    path = logged_path(scope["path"])
    with handling(rid):
        log.info(
            "%s %s %d %.1fms agent=%s",
            scope["method"],
            path,
            status,
            seconds * 1000,
            agent,
            extra={
                "method": scope["method"],
                "path": path,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "agent_id": agent,
            },
        )


def trace_requests(app: FastAPI) -> None:
    """A server span per HTTP request (not for probes and scrapes) when tracing is on; the
    response's request id is recorded on it (`http.response.header.x_request_id`), so a log
    line's request id finds its trace. Off: nothing is installed."""
    provider = tracing.provider()
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=UNTRACED,
        exclude_spans=["receive", "send"],
        http_capture_headers_server_response=[REQUEST_ID_HEADER],
    )
