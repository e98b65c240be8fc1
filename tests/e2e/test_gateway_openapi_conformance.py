"""The gateway answers as its own OpenAPI document says: generated requests to every operation
(a few per operation) get no 5xx other than a documented 503, and every answer's status, content
type and body match the document; and every request the document calls valid is taken.

The document states each rule a schema can state (patterns of ids, filters, phone numbers,
emails, slugs, URLs and `If-Match`; time zones and event types as enums; page caps; at least
one field of a PATCH), and the gateway enforces each of them. A few rules are beyond any
schema: they depend on stored state or on another field. A schema-valid request may break one
of those, and is then refused with the documented 422 naming the field. schemathesis'
`positive_data_acceptance` would fail such an answer (its expected statuses are per operation,
not per field), so it runs through `valid_data_is_taken`: a 422 passes only when every field it
names is one of `BEYOND_SCHEMA`, with the reason why; any other refusal of valid data fails."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.configuration import configuration_kept
from tests.support.desk import create_agent
from tests.support.factories import unique_word
from tests.support.system import System

EXAMPLES = 5

BEYOND_SCHEMA: dict[str, str] = {
    "category": "a ticket's category is one the configuration has now",
    "categories": "the categories keep a fallback one (`other`, or one marked isFallback)",
    "categories[].isFallback": "only one category is marked the fallback",
    "phoneNumber": "a phone number is one the numbering plan has (the document has its shape)",
    "cursor": "a changes-feed cursor is one the feed gave (the document has its alphabet)",
    "currentPassword": "is the caller's own password",
    "expectedVersion": "agrees with the If-Match header when both are given",
    "idempotencyKey": "agrees with the Idempotency-Key header when both are given",
    "createdTo": "is not before createdFrom",
    "resolvedTo": "is not before resolvedFrom",
    "figure": "a report figure's period needs the figure it is the period of",
    "figureFrom": "a report figure (but the backlog, an instant) needs the period's start",
    "figureTo": "a report figure needs the period's end, not before its start",
    "to": "a report's period ends on or after its start and spans at most 366 days",
    "calendar.workingHours.end": "is after the working day's start",
    "assignToSelf": "only an agent can take a ticket it files (an API token is no agent)",
    "text": "a message has text or attachments",
    "author": "an inbound message is the customer's, an outbound one an agent's or assistant's",
    "reason": "a failed delivery says why",
    "agentId": "only a handoff to an agent names one",
    "file": "an attachment's bytes are an image, a PDF or audio (sniffed, not its name)",
    "actions": "a macro has at least one action (reply, note, status, priority, tags, assignee)",
    "actions.reply": "a macro's reply needs the ticket to have a conversation to send it in",
}
"""The fields whose rules no schema can state: a 422 naming only these is a documented answer."""


def _named_fields(response: Any) -> set[str]:
    try:
        details = response.json().get("details") or []
    except ValueError:
        return set()
    return {re.sub(r"\.\d+(?=\.|$)", "[]", str(detail.get("field"))) for detail in details}


def valid_data_is_taken(ctx: CheckContext, response: Any, case: Any) -> bool | None:
    """schemathesis' `positive_data_acceptance`, but for a 422 naming only `BEYOND_SCHEMA`
    (an item's index reads `[]`: `categories.2.isFallback` is `categories[].isFallback`)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        named = _named_fields(response)
        if response.status_code in (415, 422) and named and named <= BEYOND_SCHEMA.keys():
            return None
        raise


def _told(exc: BaseException) -> str:
    """An error and, for a group (hypothesis' flaky or several failures), each one inside."""
    if isinstance(exc, BaseExceptionGroup):
        return f"{exc}\n" + "\n".join(_told(inner) for inner in exc.exceptions)
    return str(exc)


@pytest.fixture(scope="module", autouse=True)
async def configuration_put_back(
    system: System, admin_api: httpx.AsyncClient
) -> AsyncIterator[None]:
    """Generated requests change settings, save presets and register webhooks: undone after."""
    system.require("config")
    async with configuration_kept(admin_api):
        yield


@pytest.fixture(params=["admin", "agent", "scoped token"])
async def bearer(
    request: pytest.FixtureRequest, admin_api: httpx.AsyncClient, system: System
) -> str:
    """Whose requests: an admin's, an agent's, or an API token's with two scopes. The admin is
    one of its own: a wrong current password counts as a sign-in attempt on its account."""
    if request.param in ("admin", "agent"):
        return (await create_agent(system, admin_api, role=request.param)).token
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
                additional_checks=[valid_data_is_taken],
            )
            assert response.status_code < 500 or response.status_code == 503, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )

        try:
            call()
        except (BaseExceptionGroup, AssertionError) as exc:  # report every operation at once
            failures.append(f"{operation.label}: {_told(exc)[:3000]}")
    assert not failures, "\n\n".join(failures)
