"""Outbound webhooks through the real system: an admin registers a local HTTP receiver over the
gateway, a ticket created over HTTP arrives there signed (Standard Webhooks), a failed attempt is
retried and both show in the delivery log; agents who are not admins and API tokens are refused,
and a URL that is not http(s) is a 422 naming `url`. (Retry timings: tests/e2e/conftest.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from tests.support.desk import Desk, new_customer
from tests.support.factories import ticket_body, unique_word
from tests.support.infra import Infra
from tests.support.system import System, open_system
from tests.support.waiting import until_passes
from tests.support.webhook_receiver import WEBHOOK_TIMINGS, Receiver, webhook_receiver


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with webhook_receiver() as receiver:
        yield receiver


async def test_a_ticket_created_over_http_reaches_the_registered_receiver_signed(
    system: System, admin_api: httpx.AsyncClient, desk: Desk, receiver: Receiver
) -> None:
    system.require("tickets")
    receiver.answers = [500]  # the first attempt fails; the retry is answered 200
    r = await admin_api.post(
        "/webhooks",
        json={
            "url": receiver.url,
            "eventTypes": ["ticket.created"],
            "description": f"CRM {unique_word()}",
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    webhook, secret = created["webhook"], created["secret"]
    assert secret.startswith("whsec_")
    assert (webhook["enabled"], webhook["eventTypes"]) == (True, ["ticket.created"])
    try:
        listed = await admin_api.get("/webhooks")
        assert listed.status_code == 200, listed.text
        assert webhook["id"] in {w["id"] for w in listed.json()["webhooks"]}
        assert secret not in listed.text

        customer = await new_customer(desk.api)
        r = await desk.api.post("/tickets", json=ticket_body(customer["id"]))
        assert r.status_code == 201, r.text
        ticket_id = r.json()["ticket"]["ticketId"]

        def about_it(hit: Any) -> bool:
            return bool(hit.event["data"]["ticket"]["ticketId"] == ticket_id)

        hits = await receiver.received.wait_for(about_it, count=2, timeout=15)
        assert [h.answered for h in hits] == [500, 200]
        payload = hits[-1].verified(secret)
        assert payload["type"] == "ticket.created"
        assert payload["eventId"] == hits[-1].webhook_id == hits[0].webhook_id
        assert payload["data"]["ticket"]["customerId"] == customer["id"]

        async def logged() -> None:
            r = await admin_api.get(f"/webhooks/{webhook['id']}/deliveries")
            assert r.status_code == 200, r.text
            mine = [d for d in r.json()["deliveries"] if d["eventId"] == payload["eventId"]]
            assert [d["status"] for d in mine] == ["delivered"]
            assert [a["statusCode"] for a in mine[0]["attempts"]] == [500, 200]

        await until_passes(logged, what="the delivery log", timeout=10)
    finally:
        r = await admin_api.delete(f"/webhooks/{webhook['id']}")
        assert r.status_code == 200, r.text
    r = await admin_api.get(f"/webhooks/{webhook['id']}")
    assert r.status_code == 404, r.text


async def test_only_admins_manage_webhooks_and_a_url_must_be_http_or_https(
    system: System, admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    system.require("tickets")
    body = {"url": "https://hooks.example.com/uts", "eventTypes": ["*"]}
    for r in (await agent_api.get("/webhooks"), await agent_api.post("/webhooks", json=body)):
        assert r.status_code == 403, r.text

    r = await admin_api.post(
        "/api-tokens",
        json={
            "name": f"CRM {unique_word()}",
            "scopes": ["tickets:read", "tickets:write", "customers:write", "ai:tools"],
        },
    )
    assert r.status_code == 201, r.text
    async with system.api(r.json()["token"]) as token_api:
        r = await token_api.get("/webhooks")
        assert r.status_code == 403, r.text

    for url in ("ftp://hooks.example.com/uts", "file:///etc/passwd", "hooks.example.com"):
        r = await admin_api.post("/webhooks", json={**body, "url": url})
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["details"]] == ["url"]
    r = await admin_api.post("/webhooks", json={**body, "eventTypes": ["ticket.deleted"]})
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["eventTypes"]
    r = await admin_api.patch("/webhooks/no-such-webhook", json={"enabled": True})
    assert r.status_code == 404, r.text


async def test_a_debug_run_logs_no_webhook_secret_and_no_raw_frames(
    infra_env: Infra, fresh_vhost: str, receiver: Receiver
) -> None:
    """`LOG_LEVEL=DEBUG` opens our loggers only: aiormq's frame dumps (a delivery's signing
    secret, ticket bodies) stay closed."""
    async with open_system("debuglog", fresh_vhost, infra_env.mongo_url, log_level="DEBUG") as s:
        s.start("config", "config")
        s.start("tickets", "tickets", **WEBHOOK_TIMINGS)
        for service in ("config", "tickets"):
            await s.wait_service(service)
            s.backends.append(service)
        s.gateway_url = await s.start_gateway()
        async with s.api(await s.login()) as admin:
            r = await admin.post(
                "/webhooks", json={"url": receiver.url, "eventTypes": ["ticket.created"]}
            )
            assert r.status_code == 201, r.text
            secret = r.json()["secret"]
            customer = await new_customer(admin)
            subject = f"Poste {unique_word()}"
            r = await admin.post("/tickets", json=ticket_body(customer["id"], subject=subject))
            assert r.status_code == 201, r.text
            ticket_id = r.json()["ticket"]["ticketId"]
            await receiver.received.wait_for(
                lambda hit: hit.event["data"]["ticket"]["ticketId"] == ticket_id, timeout=15
            )
        logs = "\n".join(s.log(name) for name in s.started)
    assert "DEBUG" in logs  # our own debug lines are there
    key = secret.removeprefix("whsec_")
    assert key not in logs and secret not in logs
    assert subject not in logs  # no frame dump carried the ticket's body
