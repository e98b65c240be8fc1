"""The assistant's tools end to end: OS processes, the gateway over HTTP, a local fake of OpenAI.

The session's ai-tools process (no OpenAI key) is swapped for one pointed at the fake for this
module (and put back after), and a second gateway is started with the webhook secret and the
service token. Webhooks are signed with the real Standard-Webhooks algorithm.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.e2e.conftest import AgentLogin, System, eventually
from tests.support.fake_openai import (
    FakeOpenAI,
    category_enum,
    function_call,
    message,
    new_secret,
    outputs_of,
    sign,
    webhook_body,
)
from tests.support.processes import LOG_DIR
from uts_shared.contracts import ai_tools as ai
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty

EXCHANGE_RECORD = LOG_DIR / "ai_webhook_exchange.json"


@dataclass
class AiSystem:
    system: System
    fake: FakeOpenAI
    secret: str
    service_token: str
    url: str
    """The gateway with OPENAI_WEBHOOK_SECRET and AI_TOOLS_SERVICE_TOKEN."""

    def api(self, token: str | None = None) -> httpx.AsyncClient:
        return self.system.api(token, base=self.url)

    async def customer(self) -> t.Customer:
        number = f"+5255{random.randrange(10**8):08d}"
        return await self.system.rpc.call(t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=number))

    async def tickets_of(self, customer: t.Customer) -> list[t.CustomerTicketSummary]:
        page = await self.system.rpc.call(
            t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id, limit=100)
        )
        return page.tickets

    async def post_webhook(
        self, body: str, headers: dict[str, str], base: str | None = None
    ) -> httpx.Response:
        async with httpx.AsyncClient(base_url=base or self.url, timeout=10.0) as client:
            return await client.post("/api/v2/openai/webhook", content=body, headers=headers)

    async def signed_webhook(self, response_id: str) -> tuple[str, dict[str, str]]:
        body = webhook_body(response_id)
        headers = sign(self.secret, body)
        r = await self.post_webhook(body, headers)
        assert r.status_code == 200, r.text
        assert r.json() == {"success": True}
        return body, headers


@pytest_asyncio.fixture(scope="module")
async def ai_system(system: System) -> AsyncIterator[AiSystem]:
    system.require("config", "tickets")
    fake = FakeOpenAI().start()
    secret, token = new_secret(), "svc-" + uuid.uuid4().hex
    keyless = [n for n in system.names("ai-tools") if n in system.procs.procs]
    for name in keyless:  # it would compete for ai.respond without a key
        system.stop(name)
    try:
        system.start_service(
            "ai-tools-openai",
            "ai-tools",
            OPENAI_API_KEY="sk-e2e-test",
            OPENAI_BASE_URL=fake.url,
            OPENAI_MAX_RETRIES="1",
            WEBHOOK_RETRY_DELAY="0.05",
        )
        await system.wait_service("ai-tools")
        url = system.start_gateway(
            "gateway-ai", OPENAI_WEBHOOK_SECRET=secret, AI_TOOLS_SERVICE_TOKEN=token
        )
        yield AiSystem(system, fake, secret, token, url)
    finally:
        system.stop("gateway-ai")
        system.stop("ai-tools-openai")
        for name in keyless:
            await system.restart(name)
        fake.stop()


@pytest_asyncio.fixture(scope="module")
async def ai_admin(ai_system: AiSystem, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with ai_system.api(admin_token) as client:
        yield client


def report(**over: Any) -> dict[str, Any]:
    return {
        "subject": "Panel solar sin generar",
        "description": "El inversor marca error desde esta mañana",
        "category": "solar_installation",
        **over,
    }


# --- webhooks ---------------------------------------------------------------------------------


async def test_signed_completed_webhook_creates_the_ticket_answers_the_lookup_and_continues(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    fake = ai_system.fake
    customer = await ai_system.customer()
    first = await ai_system.system.rpc.call(
        t.CREATE_FROM_AGENT,
        t.CreateFromAgent(
            subject="Poste caído",
            description="Poste caído en la esquina",
            category="electrical_issue",
            customer_id=customer.id,
            agent_id="agent-e2e",
        ),
    )
    create = function_call("create_ticket_report", report(priority="urgent"))
    lookup = function_call("get_ticket_information", {"ticket_id": first.ticket.ticket_id})
    meta = {"phone": customer.phone_number}
    response_id = fake.stored([create, lookup], metadata=meta)
    fake.script([message("Tu reporte quedó registrado.")])

    body, headers = await ai_system.signed_webhook(response_id)
    continuation = await fake.wait_continuation(response_id)

    rendered = (await ai_admin.get("/config/assistant/rendered")).json()
    assert continuation["previous_response_id"] == response_id
    assert continuation["background"] is True
    assert continuation["metadata"] == meta
    assert continuation["instructions"] == rendered["instructions"]
    assert continuation["tools"] == rendered["tools"]
    created, looked_up = outputs_of(continuation)
    assert (created["call_id"], looked_up["call_id"]) == (create["call_id"], lookup["call_id"])
    new_id = created["output"]["ticketId"]
    assert created["output"]["message"] == (
        f"reporte creado exitosamente. Tu número de reporte es {new_id}."
    )
    assert looked_up["output"]["ticket"]["ticketId"] == first.ticket.ticket_id

    mine = {tk.ticket_id: tk for tk in await ai_system.tickets_of(customer)}
    assert set(mine) == {first.ticket.ticket_id, new_id}
    assert (mine[new_id].source, mine[new_id].priority) == (t.TicketSource.AI, t.Priority.URGENT)

    EXCHANGE_RECORD.parent.mkdir(parents=True, exist_ok=True)
    EXCHANGE_RECORD.write_text(
        json.dumps(
            {
                "webhook": {"headers": headers, "body": json.loads(body)},
                "retrieved": fake.responses[response_id],
                "continuation_request": continuation,
            },
            indent=2,
            ensure_ascii=False,
        )
    )

    # OpenAI retries the same delivery: 200, nothing published, nothing created.
    again = await ai_system.post_webhook(body, headers)
    assert again.status_code == 200
    assert again.json() == {"success": True, "duplicate": True}
    assert len(fake.posts_after(response_id)) == 1
    assert len(await ai_system.tickets_of(customer)) == 2


async def test_bad_missing_or_old_signatures_are_rejected(ai_system: AiSystem) -> None:
    body = webhook_body("resp_whatever")
    good = sign(ai_system.secret, body)
    wrong_key = sign(new_secret(), body)
    tampered = body.replace("resp_whatever", "resp_other")
    old = sign(ai_system.secret, body, timestamp=int(time.time()) - 3600)
    missing = {k: v for k, v in good.items() if k != "webhook-signature"}
    for payload, headers in (
        (body, wrong_key),
        (tampered, good),
        (body, old),
        (body, missing),
    ):
        r = await ai_system.post_webhook(payload, headers)
        assert r.status_code == 400, r.text
        assert r.json()["success"] is False


async def test_without_a_webhook_secret_the_endpoint_says_webhooks_are_disabled(
    ai_system: AiSystem,
) -> None:
    body = webhook_body("resp_x")
    r = await ai_system.post_webhook(
        body, sign(ai_system.secret, body), base=ai_system.system.gateway_url
    )
    assert r.status_code == 503
    assert "disabled" in r.json()["error"]


async def test_ready_reports_which_openai_paths_are_on(ai_system: AiSystem) -> None:
    async with httpx.AsyncClient(timeout=5.0) as client:
        with_secret = (await client.get(f"{ai_system.url}/ready")).json()
        without = (await client.get(f"{ai_system.system.gateway_url}/ready")).json()
    assert with_secret["services"]["ai-tools"]["openai"] == {
        "tools": "enabled",
        "webhooks": "enabled",
        "respond": "enabled",
    }
    assert without["services"]["ai-tools"]["openai"]["webhooks"] == "disabled"
    assert "OPENAI_WEBHOOK_SECRET" in without["services"]["ai-tools"]["openai"]["reason"]


async def test_a_category_added_in_config_reaches_the_next_continuations_tool_enum(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    customer = await ai_system.customer()
    before = (await ai_admin.get("/config/ticket-categories")).json()["categories"]
    seen = (await ai_system.system.rpc.call(ai.STATUS, Empty())).config_changes_seen
    added = [*before, {"id": "street_tree", "label": "Árbol caído"}]
    r = await ai_admin.put("/config/ticket-categories", json={"categories": added})
    assert r.status_code == 200, r.text
    try:

        async def applied() -> None:
            status = await ai_system.system.rpc.call(ai.STATUS, Empty())
            assert status.config_changes_seen > seen

        await eventually(applied)
        response_id = ai_system.fake.stored(
            [function_call("create_ticket_report", report(category="street_tree"))],
            metadata={"phone": customer.phone_number},
        )
        await ai_system.signed_webhook(response_id)
        continuation = await ai_system.fake.wait_continuation(response_id)
        assert "street_tree" in category_enum(continuation["tools"])
        [ticket] = await ai_system.tickets_of(customer)
        assert ticket.category == "street_tree"
    finally:
        r = await ai_admin.put("/config/ticket-categories", json={"categories": before})
        assert r.status_code == 200, r.text


async def test_the_fallback_category_always_exists_and_takes_unknown_categories(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    customer = await ai_system.customer()
    before = (await ai_admin.get("/config/ticket-categories")).json()["categories"]
    assert [c["id"] for c in before if c.get("isFallback")] == ["other"]
    without = [c for c in before if c["id"] != "other"]
    r = await ai_admin.put("/config/ticket-categories", json={"categories": without})
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["categories"]
    assert "fallback" in r.json()["error"]
    seen = (await ai_system.system.rpc.call(ai.STATUS, Empty())).config_changes_seen
    named = [*without, {"id": "varios", "label": "Varios", "isFallback": True}]
    r = await ai_admin.put("/config/ticket-categories", json={"categories": named})
    assert r.status_code == 200, r.text
    try:

        async def applied() -> None:
            status = await ai_system.system.rpc.call(ai.STATUS, Empty())
            assert status.config_changes_seen > seen

        await eventually(applied)
        call = {
            "callId": "fallback-" + uuid.uuid4().hex[:8],
            "name": "create_ticket_report",
            "arguments": json.dumps(report(category="other")),
        }
        r = await ai_admin.post(
            "/ai/tool-calls", json={"phone": customer.phone_number, "calls": [call]}
        )
        assert r.status_code == 200, r.text
        assert json.loads(r.json()["outputs"][0]["output"])["success"] is True
        [ticket] = await ai_system.tickets_of(customer)
        assert ticket.category == "varios"
    finally:
        r = await ai_admin.put("/config/ticket-categories", json={"categories": before})
        assert r.status_code == 200, r.text


# --- the HTTP and broker paths ----------------------------------------------------------------


async def test_http_and_broker_tool_calls_give_the_same_outputs(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    customer = await ai_system.customer()
    stranger = "+525500000002"

    def calls(prefix: str) -> list[dict[str, str]]:
        return [
            {"callId": f"{prefix}-1", "name": "get_ticket_information", "arguments": "{}"},
            {"callId": f"{prefix}-2", "name": "unknown_tool", "arguments": "{}"},
            {"callId": f"{prefix}-3", "name": "create_ticket_report", "arguments": "{oops"},
            {
                "callId": f"{prefix}-4",
                "name": "get_ticket_information",
                "arguments": '{"lookup_recent": true}',
            },
        ]

    run = uuid.uuid4().hex[:8]
    async with ai_system.api(ai_system.service_token) as service:
        by_token = await service.post(
            "/ai/tool-calls", json={"phone": customer.phone_number, "calls": calls(f"t{run}")}
        )
        unknown = await service.post(
            "/ai/tool-calls",
            json={
                "phone": stranger,
                "calls": [
                    {
                        "callId": f"u{run}",
                        "name": "create_ticket_report",
                        "arguments": json.dumps(report()),
                    }
                ],
            },
        )
    by_admin = await ai_admin.post(
        "/ai/tool-calls", json={"phone": customer.phone_number, "calls": calls(f"a{run}")}
    )
    by_broker = await ai_system.system.rpc.call(
        ai.TOOL_CALLS,
        ai.ToolCallsRequest.model_validate(
            {"phone": customer.phone_number, "calls": calls(f"b{run}")}
        ),
    )
    assert by_token.status_code == by_admin.status_code == 200, by_token.text
    token_outputs = [o["output"] for o in by_token.json()["outputs"]]
    assert [o["callId"] for o in by_token.json()["outputs"]] == [
        c["callId"] for c in calls(f"t{run}")
    ]
    assert token_outputs == [o["output"] for o in by_admin.json()["outputs"]]
    assert token_outputs == [o.output for o in by_broker.outputs]
    assert [json.loads(o) for o in token_outputs] == [
        {
            "success": False,
            "error": "Debes proporcionar un número de reporte o solicitar los reportes recientes.",
        },
        {"success": False, "error": "Función desconocida"},
        {"success": False, "error": "Los argumentos de la función no son un objeto JSON válido."},
        {"success": True, "message": "No tienes reportes registrados."},
    ]
    assert json.loads(unknown.json()["outputs"][0]["output"]) == {
        "success": False,
        "error": "No se pudo identificar al cliente. Por favor contacta a un agente.",
    }


async def test_tool_calls_over_http_need_the_service_token_or_an_admin(
    ai_system: AiSystem, agent: AgentLogin
) -> None:
    body = {"phone": "+525512345678", "calls": []}
    async with ai_system.api() as anonymous:
        assert (await anonymous.post("/ai/tool-calls", json=body)).status_code == 401
    async with ai_system.api("not-the-token") as wrong:
        assert (await wrong.post("/ai/tool-calls", json=body)).status_code == 401
    async with ai_system.api(agent.token) as agent_api:
        assert (await agent_api.post("/ai/tool-calls", json=body)).status_code == 403
        assert (
            await agent_api.post("/ai/respond", json={**body, "message": "x"})
        ).status_code == 403
    async with ai_system.api(ai_system.service_token) as service:
        r = await service.post("/ai/tool-calls", json=body)
        assert r.status_code == 200
        assert r.json() == {"success": True, "outputs": []}
        # the service token is for tool calls only, not for the admin's whole turns
        assert (await service.post("/ai/respond", json={**body, "message": "x"})).status_code == 401


async def test_a_whole_turn_over_http_returns_the_final_text_and_creates_the_ticket_once(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    customer = await ai_system.customer()
    ai_system.fake.script(
        [function_call("create_ticket_report", report())],
        [message("Listo, registré tu reporte.")],
    )
    r = await ai_admin.post(
        "/ai/respond",
        json={"phone": customer.phone_number, "message": "Mi panel no genera energía"},
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["success"] is True
    assert answer["text"] == "Listo, registré tu reporte."
    assert answer["responseId"].startswith("resp_")
    [call] = answer["toolCalls"]
    [ticket] = await ai_system.tickets_of(customer)
    assert json.loads(call["output"])["ticketId"] == ticket.ticket_id


async def test_sync_assistant_answers_with_the_rendering_and_needs_no_remote_sync(
    ai_admin: httpx.AsyncClient,
) -> None:
    r = await ai_admin.post("/config/sync-assistant", json={"syncInstructions": True})
    assert r.status_code == 200, r.text
    sync = r.json()
    rendered = (await ai_admin.get("/config/assistant/rendered")).json()
    assert sync["success"] is True
    assert sync["remoteSyncRequired"] is False
    assert "No remote sync is needed" in sync["message"]
    assert sync["results"]["instructions"] == rendered["instructions"]
    assert sync["results"]["tools"] == rendered["tools"]


@pytest.mark.parametrize("path", ["/config/sync-assistant", "/ai/respond"])
async def test_admin_routes_refuse_agents(
    ai_system: AiSystem, agent: AgentLogin, path: str
) -> None:
    async with ai_system.api(agent.token) as client:
        r = await client.post(path, json={"phone": "+525512345678", "message": "hola"})
    assert r.status_code == 403
