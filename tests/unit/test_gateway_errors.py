"""Every failure becomes `{success: false, error, details?}` with the right status (in memory)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiormq.exceptions import AMQPConnectionError
from fastapi import FastAPI

from gateway import errors
from gateway.ratelimit import TooManyAttempts
from gateway.settings import GatewaySettings
from tests.support.gateway_app import gateway_app
from uts_shared.contracts.config import CategoryList
from uts_shared.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    ErrorInfo,
    FieldError,
    Forbidden,
    NotFound,
    RpcTimeout,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)


def _app() -> FastAPI:
    app = FastAPI()
    errors.install(app)

    raising = {
        "not-found": NotFound("Preset 'x' not found"),
        "validation": ValidationFailed.on("key", "unknown setting"),
        "conflict": Conflict("setting is not editable"),
        "forbidden": Forbidden("Admin access required"),
        "unauthorized": Unauthorized("Invalid token"),
        "unavailable": Unavailable("down"),
        "timeout": RpcTimeout("the service behind 'config.all.get' did not answer within 1.5s"),
        "internal-reply": DomainError.from_info(
            ErrorInfo(code=ErrorCode.INTERNAL, message="KeyError: 'value' at store.py:42")
        ),
        "worded": DomainError.from_info(
            ErrorInfo(
                code=ErrorCode.CONFLICT,
                message="Ticket LUX-1 was changed by someone else (version 4, expected 3)",
                context={"ticketId": "LUX-1", "version": 4, "expectedVersion": 3, "x": [1]},
                reason="version_conflict",
            )
        ),
        "rate-limited": TooManyAttempts("Too many login attempts", retry_after=42),
        "broker-down": AMQPConnectionError("connection reset"),
        "bug": RuntimeError("secret internals: /srv/app/store.py line 3"),
    }

    @app.get("/raise/{kind}")
    async def raise_(kind: str) -> None:
        raise raising[kind]

    @app.put("/categories")
    async def put_categories(body: CategoryList) -> dict[str, int]:
        return {"count": len(body.categories)}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("not-found", 404, "Preset 'x' not found"),
        ("conflict", 409, "setting is not editable"),
        ("forbidden", 403, "Admin access required"),
        ("unauthorized", 401, "Invalid token"),
        ("unavailable", 503, "down"),
        ("broker-down", 503, "message broker unavailable, try again shortly"),
        ("timeout", 504, "the service behind 'config.all.get' did not answer within 1.5s"),
    ],
)
async def test_domain_errors_map_to_their_http_status(
    client: httpx.AsyncClient, kind: str, status: int, message: str
) -> None:
    r = await client.get(f"/raise/{kind}")
    assert r.status_code == status
    assert r.json() == {"success": False, "error": message}


async def test_an_error_with_a_reason_carries_its_code_and_wording_parameters(
    client: httpx.AsyncClient,
) -> None:
    """What a console words in its own language, from a service's reply through the gateway
    (only plain values: the wording's parameters, nothing nested)."""
    r = await client.get("/raise/worded")
    assert r.status_code == 409
    assert r.json() == {
        "success": False,
        "error": "Ticket LUX-1 was changed by someone else (version 4, expected 3)",
        "reason": "version_conflict",
        "params": {"ticketId": "LUX-1", "version": 4, "expectedVersion": 3},
    }


async def test_validation_failure_from_a_service_keeps_its_field_details(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/raise/validation")
    assert r.status_code == 422
    assert r.json()["details"] == [{"field": "key", "reason": "unknown setting"}]


async def test_401_asks_for_a_bearer_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/raise/unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


async def test_rate_limited_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    r = await client.get("/raise/rate-limited")
    assert r.status_code == 429
    assert r.headers["retry-after"] == "42"
    assert r.json() == {"success": False, "error": "Too many login attempts"}


@pytest.mark.parametrize("kind", ["bug", "internal-reply"])
async def test_unexpected_failures_are_a_bare_500_without_internals(
    client: httpx.AsyncClient, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    r = await client.get(f"/raise/{kind}")
    assert r.status_code == 500
    assert r.json() == {"success": False, "error": "internal error"}
    assert "store.py" not in r.text
    assert any("store.py" in rec.getMessage() or rec.exc_info for rec in caplog.records)


async def test_invalid_body_is_422_naming_each_field_and_reason(
    client: httpx.AsyncClient,
) -> None:
    r = await client.put("/categories", json={"categories": [{"id": "Bad Id", "label": ""}]})
    assert r.status_code == 422
    body = r.json()
    assert body["success"] is False and body["error"].startswith("Invalid request")
    fields = {d["field"]: d["reason"] for d in body["details"]}
    assert "slug" in fields["categories.0.id"]
    assert "categories.0.label" in fields


async def test_empty_category_list_is_422(client: httpx.AsyncClient) -> None:
    r = await client.put("/categories", json={"categories": []})
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == "categories"


async def test_missing_body_is_422_on_the_body(client: httpx.AsyncClient) -> None:
    r = await client.put("/categories")
    assert r.status_code == 422
    assert r.json()["details"] == [{"field": "body", "reason": "Field required"}]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    r = await client.put(
        "/categories", content=b'{"categories": [', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    body = r.json()
    assert body["success"] is False and body["error"].startswith("Malformed JSON body")


async def test_unknown_route_is_404_in_the_same_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v2/nothing-here")
    assert r.status_code == 404
    assert r.json() == {"success": False, "error": "Not found: GET /api/v2/nothing-here"}


async def test_wrong_method_is_405_in_the_same_shape(client: httpx.AsyncClient) -> None:
    r = await client.delete("/categories")
    assert r.status_code == 405
    assert r.json()["success"] is False
    assert "PUT" in r.headers["allow"]


def test_field_errors_render_as_field_and_reason_pairs() -> None:
    response = errors.error_response(422, "bad", [FieldError(field="a.b", reason="too short")])
    assert response.body == (
        b'{"success":false,"error":"bad","details":[{"field":"a.b","reason":"too short"}]}'
    )


async def test_a_body_over_the_limit_is_413_before_it_is_parsed() -> None:
    async with gateway_app(max_body_bytes=1000) as gw, gw.client() as client:
        declared = await client.post("/auth/login", content=b"{" + b" " * 1000 + b"}")
        assert declared.status_code == 413
        assert declared.json() == {
            "success": False,
            "error": "Request body too large: at most 1000 bytes",
        }

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
            for _ in range(10):
                yield b" " * 200

        streamed = await client.post(
            "/auth/login", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        assert streamed.json()["error"] == "Request body too large: at most 1000 bytes"

        small = await client.post("/auth/login", json={"email": "a@b.co", "password": "x"})
        assert small.status_code == 401


def test_the_body_limit_is_one_mebibyte_unless_configured() -> None:
    assert GatewaySettings().max_body_bytes == 1024 * 1024
