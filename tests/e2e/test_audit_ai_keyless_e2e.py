"""Audit of issue 5 without an OpenAI key (the session's own ai-tools process has none).

"With no key configured the service still runs the broker/HTTP tool path and reports the webhook
path as disabled in `/ready`": a gateway that *does* have the webhook secret must still say the
webhook path is off (the key is missing), and the tool path must work through it. The same call
id sent twice over HTTP gives the first output and files one ticket.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from gateway.main import create_app
from gateway.routes.ai import AiRouteSettings
from gateway.settings import GatewaySettings
from tests.support.factories import unique_phone
from tests.support.fake_openai import new_secret
from tests.support.system import System
from uts_shared.contracts import tickets as t


@dataclass
class KeylessGateway:
    """A gateway (in this process) with the webhook secret and a service token, in front of the
    session's backends, whose ai-tools process has no OpenAI key."""

    http: httpx.AsyncClient
    token: str

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture(scope="module")
async def keyless_gateway(system: System) -> AsyncIterator[KeylessGateway]:
    system.require("config", "tickets", "ai-tools")
    token = "svc-" + uuid.uuid4().hex
    settings = GatewaySettings(
        rabbitmq_url=system.rabbit_url,
        mongodb_url=system.mongo_url,
        mongodb_db=f"audit_gateway_{uuid.uuid4().hex[:8]}",
        jwt_secret=system.jwt_secret,
        admin_password="audit-" + uuid.uuid4().hex[:12],
        gateway_required_services=system.backends,
    )
    app = create_app(settings).other_asgi_app
    app.state.ai_settings = AiRouteSettings(
        openai_webhook_secret=new_secret(), ai_tools_service_token=token
    )
    await app.state.gateway.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", timeout=10.0
        ) as http:
            yield KeylessGateway(http, token)
    finally:
        await app.state.gateway.stop()


async def test_without_a_key_ready_says_the_webhook_path_is_off_and_tools_still_run(
    system: System, keyless_gateway: KeylessGateway, admin_token: str
) -> None:
    gateway = keyless_gateway
    r = await gateway.http.get("/ready")
    assert r.status_code == 200, r.text
    openai = r.json()["services"]["ai-tools"]["openai"]
    assert (openai["tools"], openai["webhooks"], openai["respond"]) == (
        "enabled",
        "disabled",
        "disabled",
    )
    assert "OPENAI_API_KEY" in openai["reason"]

    customer = await system.rpc.call(
        t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=unique_phone())
    )
    call = {
        "callId": f"keyless-{uuid.uuid4().hex}",
        "name": "create_ticket_report",
        "arguments": json.dumps(
            {"subject": "Sin luz", "description": "La calle está a oscuras", "category": "other"}
        ),
    }
    body = {"phone": customer.phone_number, "calls": [call]}
    service = gateway.headers(gateway.token)
    first = await gateway.http.post("/api/v2/ai/tool-calls", json=body, headers=service)
    again = await gateway.http.post("/api/v2/ai/tool-calls", json=body, headers=service)  # retry
    assert first.status_code == again.status_code == 200, first.text
    output = json.loads(first.json()["outputs"][0]["output"])
    assert output["success"] is True
    assert again.json()["outputs"] == first.json()["outputs"]
    page = await system.rpc.call(t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id))
    assert [tk.ticket_id for tk in page.tickets] == [output["ticketId"]]

    r = await gateway.http.post(
        "/api/v2/ai/respond",
        json={"phone": customer.phone_number, "message": "x"},
        headers=gateway.headers(admin_token),
    )
    assert r.status_code == 503, r.text
    assert "OPENAI_API_KEY" in r.json()["error"]
