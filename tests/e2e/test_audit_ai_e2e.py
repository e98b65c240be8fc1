"""Audit of issue 5's "Done when" end to end: the items the ai e2e tests covered only at the
service level, or not at all.

- unconfigured category, invalid priority, another customer's ticket id, missing arguments ->
  the plan's outputs through a signed webhook;
- the webhook path, the HTTP path and the broker RPC path give the same outputs;
- the loop guard trips on a model repeating a call in a webhook-driven chain;
- a signature dated in the future is refused like an old one;
- the same delivery arriving several times at once is published once.

Cheap setup (no process restarts): the session's config and tickets processes and broker, plus
an ai-tools replica *with* a key (pointed at the local fake) and a gateway with the webhook
secret, both in this process. The session's keyless ai-tools process keeps running: it does not
consume webhooks, and its tool-call answers are the same as the keyed replica's (competing
consumers on `ai.tool_calls`); no test here uses `ai.respond`, which it would refuse.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from ai_tools_service.main import AiToolsService
from ai_tools_service.settings import Settings as AiSettings
from gateway.main import create_app
from gateway.routes.ai import AiRouteSettings
from gateway.settings import GatewaySettings
from tests.support.factories import unique_phone
from tests.support.fake_openai import (
    FakeOpenAI,
    function_call,
    message,
    new_secret,
    outputs_of,
    sign,
    webhook_body,
)
from tests.support.system import System
from uts_shared.contracts import ai_tools as ai
from uts_shared.contracts import tickets as t
from uts_shared.mongo import open_database

NOT_YOURS = "No se encontró el reporte {} o no tienes acceso a él."


@dataclass
class AiSystem:
    system: System
    fake: FakeOpenAI
    secret: str
    service_token: str
    http: httpx.AsyncClient
    """The in-process gateway (OPENAI_WEBHOOK_SECRET, AI_TOOLS_SERVICE_TOKEN), at its root."""
    replica: AiToolsService

    async def customer(self) -> t.Customer:
        return await self.system.rpc.call(
            t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=unique_phone())
        )

    async def tickets_of(self, customer: t.Customer) -> list[t.CustomerTicketSummary]:
        page = await self.system.rpc.call(
            t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id, limit=100)
        )
        return page.tickets

    async def post_webhook(self, body: str, headers: dict[str, str]) -> httpx.Response:
        return await self.http.post("/api/v2/openai/webhook", content=body, headers=headers)

    async def signed_webhook(self, response_id: str) -> None:
        body = webhook_body(response_id)
        r = await self.post_webhook(body, sign(self.secret, body))
        assert r.status_code == 200, r.text
        assert r.json() == {"success": True}


@pytest_asyncio.fixture(scope="module")
async def ai_system(system: System) -> AsyncIterator[AiSystem]:
    system.require("config", "tickets")
    suffix = uuid.uuid4().hex[:8]
    mongo_url = system.mongo_url
    fake = FakeOpenAI().start()
    secret, token = new_secret(), "svc-" + uuid.uuid4().hex
    ai_settings = AiSettings(
        rabbitmq_url=system.rabbit_url,
        mongodb_url=mongo_url,
        mongodb_db=f"audit_ai_{suffix}",
        openai_api_key="sk-audit",
        openai_base_url=fake.url,
        openai_max_retries=1,
        webhook_retry_delay=0.05,
    )
    replica = AiToolsService(ai_settings, database=open_database(mongo_url, ai_settings.mongodb_db))
    gateway_settings = GatewaySettings(
        rabbitmq_url=system.rabbit_url,
        mongodb_url=mongo_url,
        mongodb_db=f"audit_gateway_{suffix}",
        jwt_secret=system.jwt_secret,
        admin_password="audit-" + uuid.uuid4().hex[:12],
        gateway_required_services=system.backends,
    )
    app = create_app(gateway_settings).other_asgi_app
    app.state.ai_settings = AiRouteSettings(
        openai_webhook_secret=secret, ai_tools_service_token=token
    )
    await replica.start()
    await app.state.gateway.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", timeout=10.0
        ) as http:
            yield AiSystem(system, fake, secret, token, http, replica)
    finally:
        await app.state.gateway.stop()
        await replica.stop()
        fake.stop()


def report(**over: Any) -> dict[str, Any]:
    return {
        "subject": "Panel solar sin generar",
        "description": "El inversor marca error desde esta mañana",
        "category": "solar_installation",
        **over,
    }


async def agent_ticket(ai_system: AiSystem, customer: t.Customer) -> str:
    created = await ai_system.system.rpc.call(
        t.CREATE_FROM_AGENT,
        t.CreateFromAgent(
            subject="Poste caído",
            description="Poste caído en la esquina",
            category="electrical_issue",
            customer_id=customer.id,
            agent_id="agent-audit",
        ),
    )
    return created.ticket.ticket_id


async def test_the_plans_outputs_for_category_priority_missing_args_and_anothers_ticket(
    ai_system: AiSystem,
) -> None:
    customer, other = await ai_system.customer(), await ai_system.customer()
    theirs = await agent_ticket(ai_system, other)
    plumbing = function_call("create_ticket_report", report(category="plumbing"))
    critical = function_call("create_ticket_report", report(priority="critical"))
    missing = function_call("create_ticket_report", {"category": "billing"})
    stranger = function_call("get_ticket_information", {"ticket_id": theirs})
    response_id = ai_system.fake.stored(
        [plumbing, critical, missing, stranger], metadata={"phone": customer.phone_number}
    )
    await ai_system.signed_webhook(response_id)
    continuation = await ai_system.fake.wait_continuation(response_id)
    outputs = outputs_of(continuation)
    assert [o["call_id"] for o in outputs] == [
        c["call_id"] for c in (plumbing, critical, missing, stranger)
    ]
    first, second, third, fourth = (o["output"] for o in outputs)
    assert first["success"] is True and second["success"] is True
    assert third == {
        "success": False,
        "error": "Faltan argumentos obligatorios: subject, description.",
    }
    assert fourth == {"success": False, "error": NOT_YOURS.format(theirs)}
    assert theirs not in json.dumps([first, second, third])

    mine = {tk.ticket_id: tk for tk in await ai_system.tickets_of(customer)}
    assert set(mine) == {first["ticketId"], second["ticketId"]}
    assert mine[first["ticketId"]].category == "other"
    assert mine[second["ticketId"]].priority is t.Priority.MEDIUM
    assert all(
        (tk.source, tk.status) == (t.TicketSource.AI, t.TicketStatus.NEW) for tk in mine.values()
    )
    assert len(await ai_system.tickets_of(other)) == 1  # nothing filed for the other customer


async def test_webhook_http_and_broker_paths_give_the_same_outputs(ai_system: AiSystem) -> None:
    customer, other = await ai_system.customer(), await ai_system.customer()
    own = await agent_ticket(ai_system, customer)
    theirs = await agent_ticket(ai_system, other)
    asked: list[tuple[str, Any]] = [
        ("get_ticket_information", {"ticket_id": own}),
        ("get_ticket_information", {"lookup_recent": True}),
        ("get_ticket_information", {"ticket_id": theirs}),
        ("get_ticket_information", {}),
        ("forget_everything", {}),
        ("create_ticket_report", "{not json"),
        ("create_ticket_report", {"subject": "solo asunto"}),
    ]
    webhook_calls = [function_call(name, args) for name, args in asked]
    response_id = ai_system.fake.stored(webhook_calls, metadata={"phone": customer.phone_number})
    await ai_system.signed_webhook(response_id)
    by_webhook = [
        item["output"]
        for item in (await ai_system.fake.wait_continuation(response_id))["input"]
        if item.get("type") == "function_call_output"
    ]

    def fresh(prefix: str) -> list[dict[str, str]]:
        return [
            {
                "callId": f"{prefix}-{i}-{time.time_ns()}",
                "name": c["name"],
                "arguments": c["arguments"],
            }
            for i, c in enumerate(webhook_calls)
        ]

    r = await ai_system.http.post(
        "/api/v2/ai/tool-calls",
        json={"phone": customer.phone_number, "calls": fresh("http")},
        headers={"Authorization": f"Bearer {ai_system.service_token}"},
    )
    assert r.status_code == 200, r.text
    by_http = [o["output"] for o in r.json()["outputs"]]
    by_broker = await ai_system.system.rpc.call(
        ai.TOOL_CALLS,
        ai.ToolCallsRequest.model_validate({"phone": customer.phone_number, "calls": fresh("rpc")}),
    )
    assert by_http == by_webhook
    assert [o.output for o in by_broker.outputs] == by_webhook
    parsed = [json.loads(o) for o in by_webhook]
    assert parsed[0]["ticket"]["ticketId"] == own
    assert [x["ticketId"] for x in parsed[1]["tickets"]] == [own]
    assert parsed[2] == {"success": False, "error": NOT_YOURS.format(theirs)}
    assert [p["success"] for p in parsed[3:]] == [False] * 4
    assert [tk.ticket_id for tk in await ai_system.tickets_of(customer)] == [own]


async def test_the_loop_guard_trips_on_a_webhook_chain_repeating_a_call(
    ai_system: AiSystem,
) -> None:
    fake = ai_system.fake
    customer = await ai_system.customer()
    same = {"lookup_recent": True}
    response_id = fake.stored(
        [function_call("get_ticket_information", same)], metadata={"phone": customer.phone_number}
    )
    fake.script(
        [function_call("get_ticket_information", same)],
        [function_call("get_ticket_information", same)],
        [message("No encontré reportes a tu nombre.")],
    )
    outputs = []
    for hop in range(3):
        await ai_system.signed_webhook(response_id)
        body = await fake.wait_continuation(response_id)
        [out] = outputs_of(body)
        outputs.append(out["output"])
        if hop < 2:
            assert "tool_choice" not in body, hop
            response_id = fake.continued_as(response_id)
    none = {"success": True, "message": "No tienes reportes registrados."}
    assert outputs[0] == outputs[1] == none
    assert outputs[2]["success"] is False
    assert "get_ticket_information se llamó 3 veces" in outputs[2]["error"]
    assert body["tool_choice"] == "none"  # the model is told to answer in text


async def test_a_signature_dated_in_the_future_is_rejected(ai_system: AiSystem) -> None:
    body = webhook_body("resp_from_the_future")
    headers = sign(ai_system.secret, body, timestamp=int(time.time()) + 3600)
    r = await ai_system.post_webhook(body, headers)
    assert r.status_code == 400, r.text
    assert r.json()["success"] is False


async def test_the_same_delivery_arriving_at_once_is_published_once(ai_system: AiSystem) -> None:
    customer = await ai_system.customer()
    response_id = ai_system.fake.stored(
        [function_call("create_ticket_report", report())],
        metadata={"phone": customer.phone_number},
    )
    body = webhook_body(response_id)
    headers = sign(ai_system.secret, body)
    answers = await asyncio.gather(*(ai_system.post_webhook(body, headers) for _ in range(5)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    published = [r.json() for r in answers if not r.json().get("duplicate")]
    assert published == [{"success": True}]
    await ai_system.fake.wait_continuation(response_id)
    assert len(ai_system.fake.posts_after(response_id)) == 1
    assert len(await ai_system.tickets_of(customer)) == 1
