"""Liveness, readiness and the broker API's AsyncAPI document (no authentication)."""

from __future__ import annotations

import contextlib
import importlib
import json
from ipaddress import ip_address
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from gateway.api_token_rules import is_api_token
from gateway.asyncapi_page import render
from gateway.auth import get_sessions
from gateway.proxies import client_address
from gateway.routes.openai_webhook import model_paths
from uts_shared.errors import DomainError, Unavailable
from uts_shared.metrics import exposition

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """Liveness: the process answers."""
    return {
        "success": True,
        "status": "ok",
        "service": "gateway",
        "instance": request.app.state.instance,
    }


class Readiness(BaseModel):
    """`/ready`'s answer: 200 when `ready` or `degraded`, 503 when `unavailable`. The broker,
    services and degraded fields are given to requests from this machine and to admins only."""

    success: bool
    """Everything answers."""
    status: Literal["ready", "degraded", "unavailable"]
    broker: str | None = None
    """`ok` or `down`."""
    services: dict[str, dict[str, Any]] | None = None
    """Each service's health, with `critical`: whether the gateway can serve without it."""
    degraded: list[str] | None = None
    """Silent services the gateway serves without (their routes answer 504/503 meanwhile)."""


async def _operator(request: Request) -> bool:
    """Whether the request may read the detail: from this machine (a probe, an operator's
    shell), or with an admin's bearer token."""
    with contextlib.suppress(ValueError):
        if ip_address(await client_address(request)).is_loopback:
            return True
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or is_api_token(token):
        return False
    try:
        agent = await get_sessions(request).agent(token.strip())
    except DomainError:
        return False
    return agent.is_admin


@router.get(
    "/ready",
    response_model=Readiness,
    responses={
        503: {"model": Readiness, "description": "broker down or a critical service silent"}
    },
)
async def ready(request: Request) -> JSONResponse:
    """Readiness for a load balancer: 503 only when the broker is down or a service the gateway
    cannot serve without (`GATEWAY_CRITICAL_SERVICES`: tickets) is silent; another silent
    service (config, ai-tools) is reported as `degraded` with 200, so sign-in and tickets stay
    in rotation."""
    link = request.app.state.broker_link
    settings = request.app.state.settings
    timeout: float = settings.ready_timeout
    broker_ok: bool = await link.connected(timeout)
    services = (
        await link.health(settings.gateway_required_services, timeout=timeout)
        if broker_ok
        else {
            s: {"ok": False, "error": "broker not connected"}
            for s in settings.gateway_required_services
        }
    )
    if services.get("ai-tools", {}).get("ok"):  # tools always; webhooks/respond need a key
        services["ai-tools"]["openai"] = await model_paths(request, timeout)
    report = assess(broker_ok, services, critical=settings.gateway_critical_services)
    status_code = 503 if report.status == "unavailable" else 200
    shown = report.model_dump(exclude_none=True)
    if not await _operator(request):
        shown = {"success": report.success, "status": report.status}
    return JSONResponse(shown, status_code=status_code)


def assess(
    broker_ok: bool, services: dict[str, dict[str, Any]], *, critical: list[str]
) -> Readiness:
    """Ready, degraded (a silent service the gateway serves without) or unavailable (the
    broker, or a service it cannot serve without)."""
    needed = set(critical)
    for name, health in services.items():
        health["critical"] = name in needed
    silent = [name for name, health in services.items() if not health["ok"]]
    status: Literal["ready", "degraded", "unavailable"] = "ready"
    if not broker_ok or needed.intersection(silent):
        status = "unavailable"
    elif silent:
        status = "degraded"
    return Readiness(
        success=status == "ready",
        status=status,
        broker="ok" if broker_ok else "down",
        services=services,
        degraded=[name for name in silent if name not in needed],
    )


_document: bytes | None = None


def _asyncapi_json() -> bytes:
    """The broker API document, built once per process; 503 while the module does not exist."""
    global _document
    if _document is None:
        try:
            module = importlib.import_module("uts_shared.asyncapi")
        except ModuleNotFoundError as exc:
            if exc.name != "uts_shared.asyncapi":
                raise
            raise Unavailable("the AsyncAPI document is not available yet") from None
        _document = json.dumps(module.asyncapi_document()).encode()
    return _document


@router.get("/asyncapi.json", include_in_schema=False)
async def asyncapi_json() -> Response:
    return Response(_asyncapi_json(), media_type="application/json")


_page: str | None = None


@router.get("/asyncapi", include_in_schema=False)
async def asyncapi_page() -> HTMLResponse:
    """The document as a page that needs nothing from the internet."""
    global _page
    if _page is None:
        _page = render(json.loads(_asyncapi_json()))
    return HTMLResponse(_page)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this gateway process (HTTP, RPC calls, sockets, broker traffic);
    with `METRICS_PORT` set they are served there only, off the public port."""
    if request.app.state.settings.metrics_port is not None:
        raise HTTPException(status_code=404)
    body, content_type = exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)
