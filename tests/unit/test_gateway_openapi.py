"""The OpenAPI document declares every answer each route can give, with the real error body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, get_args

import pytest
from fastapi import params
from pydantic import BaseModel

from tests.support.gateway_app import api_routes, gateway_app

API = "/api/v2"
LOGIN = f"{API}/auth/login"
WEBHOOK = f"{API}/openai/webhook"
PUBLIC = {LOGIN, WEBHOOK, "/health", "/ready"}
ADMIN = (f"{API}/config", f"{API}/agents", f"{API}/ai/", f"{API}/webhooks")
READ_BY_EVERY_AGENT = {
    f"{API}/agents",
    f"{API}/config/console",
    f"{API}/config/ticket-categories",
    f"{API}/config/terminology",
    f"{API}/config/ticket-id-format",
    f"{API}/config/ticket-visibility",
    f"{API}/config/sla",
}
"""Admin areas whose reads every signed-in agent may make (forms and the directory)."""
AGENT = f"{API}/agents/{{agent_id}}"
ANSWERED_BY_THE_GATEWAY = {
    LOGIN,
    f"{API}/auth/me",
    f"{API}/auth/password",
    f"{API}/agents",
    AGENT,
    f"{AGENT}/deactivate",
    f"{AGENT}/reactivate",
    f"{AGENT}/password",
    f"{API}/api-tokens",
    f"{API}/api-tokens/{{token_id}}",
    f"{API}/notifications",
    f"{API}/notifications/read",
    f"{API}/notifications/{{notification_id}}/read",
    "/health",
}
"""Routes that call no service over the broker."""
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}


READS_BY_POST = {
    f"{API}/config/sync-assistant",
    f"{API}/config/instructions-template/preview",
    f"{API}/config/ticket-id-format/preview",
}
"""POSTs that change nothing (a sync, a preview): nothing to conflict with."""


def can_conflict(method: str, path: str) -> bool:
    """Writes that can meet a state that refuses them (ticket state, non-editable setting, a
    taken email or phone number, a full list)."""
    if method == "get":
        return False
    if path.startswith((f"{API}/tickets", f"{API}/config")):
        return path not in READS_BY_POST
    return path in {
        f"{API}/agents",
        AGENT,
        f"{AGENT}/deactivate",
        f"{API}/customers",
        f"{API}/webhooks",
    }


def expected(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    statuses = {413}
    parameters = operation.get("parameters", [])
    if "requestBody" in operation:
        statuses |= {400, 422}
    if parameters:
        statuses.add(422)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if path not in PUBLIC:
        statuses |= {401, 403}  # 403: an API token refused there, or without the scope
    if path.startswith(ADMIN) and not (method == "get" and path in READ_BY_EVERY_AGENT):
        statuses.add(403)
    if path == LOGIN:
        statuses |= {401, 403, 429}
    if path == WEBHOOK:
        statuses |= {400, 503}  # bad signature; webhooks off or broker down (no RPC: no 504)
    elif path == "/ready":
        statuses.add(503)
    elif path.startswith(API) and path not in ANSWERED_BY_THE_GATEWAY:
        statuses |= {503, 504}
    if can_conflict(method, path):
        statuses.add(409)
    return statuses


@pytest.fixture(scope="module")
async def spec() -> AsyncIterator[dict[str, Any]]:
    async with gateway_app() as gw:
        yield gw.app.openapi()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


async def test_every_route_declares_every_status_it_can_answer(spec: dict[str, Any]) -> None:
    missing = {
        f"{method.upper()} {path}": sorted(wanted - {int(s) for s in operation["responses"]})
        for method, path, operation in operations(spec)
        if (wanted := expected(method, path, operation)) - {int(s) for s in operation["responses"]}
    }
    assert missing == {}


async def test_every_error_is_declared_with_the_one_error_body(spec: dict[str, Any]) -> None:
    wrong = [
        f"{method.upper()} {path} {status}"
        for method, path, operation in operations(spec)
        for status, response in operation["responses"].items()
        if int(status) >= 400
        and (path, status) != ("/ready", "503")  # the readiness report, 200 or 503
        and response.get("content", {}).get("application/json", {}).get("schema") != ERROR_BODY
    ]
    assert wrong == []
    body = spec["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error"]
    assert set(body["properties"]) == {"success", "error", "details", "allowed", "reason", "params"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]


async def test_the_document_covers_the_whole_api(spec: dict[str, Any]) -> None:
    assert len(operations(spec)) >= 49
    assert {f"{API}/tickets", f"{API}/config/history", "/ready"} <= set(spec["paths"])


async def test_operations_have_readable_unique_ids_and_every_tag_is_described(
    spec: dict[str, Any],
) -> None:
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    assert all(i[0].islower() and "_" not in i for i in ids), ids
    by_path = {
        (path, method): op["operationId"]
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
    }
    assert by_path[(f"{API}/tickets", "get")] == "listTickets"
    assert by_path[(f"{API}/tickets", "post")] == "createTicket"
    described = {tag["name"] for tag in spec["tags"] if tag.get("description")}
    used = {tag for _, _, op in operations(spec) for tag in op.get("tags", [])}
    assert used <= described, used - described


async def test_every_operation_is_described_and_the_document_names_its_server_and_contact(
    spec: dict[str, Any],
) -> None:
    undescribed = [f"{m} {p}" for m, p, op in operations(spec) if not op.get("description")]
    assert undescribed == []
    assert spec["servers"] == [{"url": "/", "description": spec["servers"][0]["description"]}]
    assert spec["info"]["contact"]["name"]


async def test_a_model_read_and_written_differently_is_two_schemas_with_two_titles(
    spec: dict[str, Any],
) -> None:
    """Generators that name classes by title (openapi-python-client) keep both."""
    schemas = spec["components"]["schemas"]
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
    assert schemas["SlaPolicy-Input"]["title"] == "SlaPolicyInput"
    assert schemas["SlaPolicy-Output"]["title"] == "SlaPolicyOutput"


async def test_parameters_are_left_out_never_null_and_working_hours_are_hh_mm(
    spec: dict[str, Any],
) -> None:
    nullable = [
        f"{path} {parameter['name']}"
        for _, path, op in operations(spec)
        for parameter in op.get("parameters", [])
        if {"type": "null"} in parameter["schema"].get("anyOf", [])
    ]
    assert nullable == []
    hours = spec["components"]["schemas"]["WorkingHours"]["properties"]["start"]
    assert hours["pattern"] == "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"


LEFT_OUT_OF_ANSWERS = {
    "DirectoryEntry": {"email"},
    "Category": {"isFallback"},
    "Readiness": {"broker", "services", "degraded"},
}
"""Fields an answer omits (an agent's email for non-admins, an unmarked category's flag,
`/ready`'s detail for requests neither from this machine nor an admin's)."""


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
        return own + [name for value in node.values() for name in _refs(value)]
    if isinstance(node, list):
        return [name for value in node for name in _refs(value)]
    return []


async def test_answers_declare_every_field_they_always_carry_as_required(
    spec: dict[str, Any],
) -> None:
    schemas = spec["components"]["schemas"]
    pending = [
        name
        for _, _, operation in operations(spec)
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for name in _refs(response)
    ]
    answered: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in answered:
            answered.add(name)
            pending += _refs(schemas[name])
    optional = {
        name: left_out
        for name in answered
        if (
            left_out := set(schemas[name].get("properties", {}))
            - set(schemas[name].get("required", []))
            - LEFT_OUT_OF_ANSWERS.get(name.removesuffix("-Output"), set())
        )
    }
    assert optional == {}
    assert {"TicketView", "TicketOut", "TicketsOut"} <= answered


async def test_every_request_body_has_an_example_its_own_model_accepts() -> None:
    async with gateway_app() as gw:
        # A file upload's body is multipart form data, not JSON: it has no JSON example.
        routes = [
            r
            for r in api_routes(gw.app.routes)
            if r.body_field and not isinstance(r.body_field.field_info, params.Form)
        ]
        spec = gw.app.openapi()
    missing: list[str] = []
    for route in routes:
        model = route.body_field.field_info.annotation  # type: ignore[union-attr]
        model = next((a for a in get_args(model) if isinstance(a, type)), model)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        examples = model.model_json_schema().get("examples")  # as the document shows them
        if not examples:
            missing.append(f"{route.path} {model.__name__}")
            continue
        for value in examples:
            model.model_validate(value)  # a documented example is a request that parses
    assert not missing, missing
    body = spec["paths"][f"{API}/tickets"]["post"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert spec["components"]["schemas"][name]["examples"][0]["category"] == "light_malfunction"
