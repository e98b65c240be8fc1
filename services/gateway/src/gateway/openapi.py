"""The OpenAPI document, honest about errors: every answer a route can give is declared, each
with the one error body (`ErrorBody`: `{success: false, error, details?}`).

Most of what a route can answer follows from what it depends on, so it is worked out here, in
one place, rather than declared route by hand:

- any request: 413 (the body limit applies to every route);
- a JSON body: 400 (malformed JSON) and 422; any parameter: 422; a path parameter: 404;
- a bearer token: 401 and 403 (an API token refused there, or lacking the scope); an admin (or
  the service token): 401 and 403;
- the login limiter: 429; a service called over the broker: 503 and 504.

Routes still declare what only they know (a 409, a 404 about something named in the body, a 401
of the login itself) with a description; the body model is added here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from gateway.auth import admin_agent, current_agent
from gateway.errors import ErrorBody
from gateway.ratelimit import get_login_limiter
from gateway.routes.ai import service_or_admin
from gateway.routes.tickets import caller, reader
from gateway.rpc import rpc_client

SERVERS: list[dict[str, str]] = [
    {"url": "/", "description": "This gateway: every path below starts /api/v2"},
]
"""Relative: the document is served by the gateway it describes, wherever that runs."""
CONTACT: dict[str, str] = {"name": "Universal Ticket System maintainers"}

DESCRIPTIONS: dict[int, str] = {
    400: "Malformed JSON body",
    401: "Missing or invalid bearer token",
    403: "Not allowed to this caller: admins only, or an API token without the scope needed",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "Request body too large",
    415: "The upload is of a kind that is not taken",
    422: "Invalid input: each rejected field and why",
    429: "Too many attempts: wait `Retry-After` seconds",
    503: "A service or the message broker is unavailable",
    504: "A service did not answer in time",
}

_BY_DEPENDENCY: dict[Callable[..., Any], set[int]] = {
    current_agent: {401, 403},
    admin_agent: {401, 403},
    service_or_admin: {401, 403},
    get_login_limiter: {429},
    rpc_client: {503, 504},
    # A ticket command's and a ticket read's one dependency each: they hold the RPC client.
    caller: {503, 504},
    reader: {503, 504},
}

TAGS: list[dict[str, str]] = [
    {"name": "auth", "description": "Sign in (JWT), who am I, change your own password."},
    {
        "name": "tickets",
        "description": "Create, read, list, search and change tickets; counts; the changes feed "
        "for systems that sync. Every write takes an `Idempotency-Key`.",
    },
    {"name": "customers", "description": "Customers by unique phone number, and their tickets."},
    {
        "name": "conversations",
        "description": "The conversations tickets come from: their messages (in from the "
        "customer, out from agents and the assistant, with their delivery), who handles them "
        "(assistant or agents); a customer's reply resumes tickets waiting on them.",
    },
    {
        "name": "attachments",
        "description": "Files uploaded to tickets (images, PDF, audio; sniffed), served to the "
        "agents who may see the ticket.",
    },
    {
        "name": "config",
        "description": "Categories, terminology, ticket-ID format, visibility, SLA policy, the "
        "assistant and presets: every agent reads, admins change.",
    },
    {
        "name": "views",
        "description": "Saved views: ticket list filters kept under a name, own or shared.",
    },
    {"name": "agents", "description": "The agent directory; admins manage agents."},
    {"name": "api-tokens", "description": "Admins' tokens for integrating systems (scopes)."},
    {
        "name": "notifications",
        "description": "The signed-in agent's own notifications (assigned, reassigned away, "
        "mentioned, customer replied, SLA alarms): newest first, unread count, marking read.",
    },
    {
        "name": "webhooks",
        "description": "Admins' outbound webhooks: ticket events POSTed to your URL, signed.",
    },
    {
        "name": "views",
        "description": "Saved views: list addresses kept under a name, each agent's own or "
        "shared by admins.",
    },
    {
        "name": "canned-replies",
        "description": "Saved replies with variables ({customerName}, {ticketId}, terminology), "
        "each agent's own or shared by admins, rendered for a ticket.",
    },
    {
        "name": "macros",
        "description": "Saved sets of actions (reply or note, status, priority, tags, assignee), "
        "each agent's own or shared by admins; applied to a ticket as one change.",
    },
    {
        "name": "reports",
        "description": "Admins' reports over a period: response and resolution times, SLA "
        "attainment, volume and backlog, agents, satisfaction (JSON or CSV).",
    },
    {"name": "ai", "description": "The assistant's tool calls and model turns."},
    {"name": "openai", "description": "OpenAI's webhooks (Standard Webhooks signatures)."},
    {"name": "health", "description": "Liveness and readiness (no sign-in)."},
]
"""The tags' descriptions, in the order a reader meets them."""


def operation_id(route: APIRoute) -> str:
    """`operationId` for generated clients: the route function's name in camelCase
    (`list_tickets` -> `listTickets`)."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_UNUSED_DEFAULTS = ("HTTPValidationError", "ValidationError")


def _dependants(dependant: Dependant) -> list[Dependant]:
    found = [dependant]
    for sub in dependant.dependencies:
        found += _dependants(sub)
    return found


def answers(route: Any) -> set[int]:
    """The error statuses `route` can answer, from what it depends on (module docstring)."""
    statuses = {413}
    for dependant in _dependants(route.dependant):
        if dependant.body_params:
            statuses |= {400, 422}
        if dependant.query_params or dependant.header_params or dependant.cookie_params:
            statuses.add(422)
        if dependant.path_params:
            statuses |= {404, 422}
        if dependant.call is not None:
            statuses |= _BY_DEPENDENCY.get(dependant.call, set())
    return statuses


def _error_schemas() -> dict[str, Any]:
    schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    nested: dict[str, Any] = schema.pop("$defs", {})
    return {**nested, "ErrorBody": schema}


def _api_routes(routes: list[Any]) -> list[Any]:
    """Every API route as served (prefix and router dependencies included)."""
    return [
        context
        for context in iter_route_contexts(routes)
        if isinstance(context.original_route, APIRoute) and context.include_in_schema
    ]


def _add_errors(spec: dict[str, Any], routes: list[Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_error_schemas())
    for route in _api_routes(routes):
        for method in route.methods or ():
            responses = spec["paths"][route.path_format][method.lower()]["responses"]
            declared = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
            for status in sorted(declared | answers(route)):
                own = route.responses.get(status) or route.responses.get(str(status)) or {}
                if own.get("model") is not None:
                    continue  # a route's own body for this status (e.g. /ready's report)
                responses[str(status)] = {
                    "description": own.get("description") or DESCRIPTIONS.get(status, "Error"),
                    "content": {"application/json": {"schema": _ERROR_REF}},
                }
    for name in _UNUSED_DEFAULTS:  # FastAPI's own 422 body, replaced by ErrorBody everywhere
        schemas.pop(name, None)


_NULL = {"type": "null"}


def _unnullable(parameter: dict[str, Any]) -> None:
    """An optional parameter is one left out, never a `null`: HTTP has no null (a generator
    would send the text "null"), so `X | None` parameters document `X`, not required."""
    schema = parameter.get("schema", {})
    options = schema.get("anyOf")
    if not options or _NULL not in options:
        return
    rest = [option for option in options if option != _NULL]
    outer = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    parameter["schema"] = {**rest[0], **outer} if len(rest) == 1 else {**outer, "anyOf": rest}


def _plain_parameters(spec: dict[str, Any]) -> None:
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                _unnullable(parameter)


def _distinct_titles(spec: dict[str, Any]) -> None:
    """A model that reads differently from how it is written is two schemas, `X-Input` and
    `X-Output` (answers carry every default), both titled `X`; generators that name classes by
    title (openapi-python-client) would make one class of both. Each is titled by its key."""
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if name.endswith(("-Input", "-Output")):
            schema["title"] = name.replace("-", "")


def install(app: FastAPI) -> None:
    """Serve FastAPI's document with every route's error answers added (built once)."""
    build = app.openapi  # FastAPI's: builds the document once (again if routes change)
    completed: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        spec = build()
        if not completed or completed[-1] is not spec:
            _add_errors(spec, app.routes)
            _plain_parameters(spec)
            _distinct_titles(spec)
            completed[:] = [spec]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
