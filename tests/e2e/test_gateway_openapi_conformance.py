"""The gateway answers as its own OpenAPI document says: generated requests to every operation
(a few per operation) get no 5xx other than a documented 503, and every answer's status, content
type and body match the document.

A schema-valid request may still be refused with 422 when a rule is not a schema's (a phone
number that is no number, a category that is not configured): that answer is documented, so the
"positive data accepted" check is left out; every other check runs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.desk import create_agent
from tests.support.factories import unique_word
from tests.support.system import System

EXAMPLES = 5


@pytest.fixture(params=["admin", "agent", "scoped token"])
async def bearer(
    request: pytest.FixtureRequest, admin_token: str, admin_api: httpx.AsyncClient, system: System
) -> str:
    """Whose requests: the first admin's, an agent's, or an API token's with two scopes."""
    if request.param == "admin":
        return admin_token
    if request.param == "agent":
        return (await create_agent(system, admin_api)).token
    body = {"name": f"conformance {unique_word()}", "scopes": ["tickets:read", "tickets:write"]}
    r = await admin_api.post("/api-tokens", json=body)
    assert r.status_code == 201, r.text
    token: str = r.json()["token"]
    return token


def test_every_operation_answers_as_documented(
    system: System, gateway_url: str, bearer: str
) -> None:
    system.require("config", "tickets")
    schema = schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")
    headers = {"Authorization": f"Bearer {bearer}"}
    failures: list[str] = []
    for found in schema.get_all_operations():
        operation = found.ok()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call_and_validate(
                headers=headers,
                base_url=gateway_url,
                excluded_checks=[positive_data_acceptance, not_a_server_error],
            )
            assert response.status_code < 500 or response.status_code == 503, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )

        try:
            call()
        except (BaseExceptionGroup, AssertionError) as exc:  # report every operation at once
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
