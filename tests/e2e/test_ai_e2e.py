"""The assistant's tools end to end: OS processes, the gateway over HTTP, a local fake of OpenAI.

A gateway process with the webhook secret and the service token (`gateway-ai`) runs for this
module. The first test runs against the session's own ai-tools process, which has no OpenAI key;
then `ai_system` swaps it for one pointed at the fake (and puts it back after). Webhooks are
signed with the real Standard-Webhooks algorithm.
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
import pytest
import pytest_asyncio

from tests.support.desk import AgentLogin
from tests.support.factories import (
    agent_ticket_request,
    report_arguments,
    unique_key,
    unique_phone,
)
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
from tests.support.system import LOG_DIR, System
from tests.support.waiting import poll_until, until_passes
from uts_shared.contracts import ai_tools as ai
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty

EXCHANGE_RECORD = LOG_DIR / "ai_webhook_exchange.json"
NOT_YOURS = "No se encontró el reporte {} o no tienes acceso a él."


@dataclass
class AiGateway:
    """The gateway process with OPENAI_WEBHOOK_SECRET and AI_TOOLS_SERVICE_TOKEN."""

    system: System
    url: str
    secret: str
    service_token: str

    def api(self, token: str | None = None) -> httpx.AsyncClient:
        return self.system.api(token, base=self.url)

    async def customer(self) -> t.Customer:
        return await self.system.rpc.call(
            t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=unique_phone())
        )

    async def tickets_of(self, customer: t.Customer) -> list[t.CustomerTicketSummary]:
        page = await self.system.rpc.call(
            t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id, limit=100)
        )
        return page.tickets

    async def agent_ticket(self, customer: t.Customer) -> str:
        """A ticket an agent filed for `customer` (over the tickets service's RPC); its id."""
        request = agent_ticket_request(
            customer.id,
            agent="agent-e2e",
            subject="Poste caído",
            description="Poste caído en la esquina",
            category="electrical_issue",
        )
        return (await self.system.rpc.call(t.CREATE_FROM_AGENT, request)).ticket.ticket_id

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


@dataclass
class AiSystem(AiGateway):
    """`AiGateway` with an ai-tools process that has a key, pointed at `fake`."""

    fake: FakeOpenAI


@pytest_asyncio.fixture(scope="module")
async def ai_gateway(system: System) -> AsyncIterator[AiGateway]:
    system.require("config", "tickets", "ai-tools")
    secret, token = new_secret(), unique_key("svc")
    url = await system.start_gateway(
        "gateway-ai", OPENAI_WEBHOOK_SECRET=secret, AI_TOOLS_SERVICE_TOKEN=token
    )
    try:
        yield AiGateway(system, url, secret, token)
    finally:
        system.stop("gateway-ai")


@pytest_asyncio.fixture(scope="module")
async def ai_system(ai_gateway: AiGateway) -> AsyncIterator[AiSystem]:
    system = ai_gateway.system
    fake = FakeOpenAI().start()
    keyless = system.running("ai-tools")
    for name in keyless:  # it would compete for ai.respond without a key
        system.stop(name)
    try:
        system.start(
            "ai-tools-openai",
            "ai-tools",
            OPENAI_API_KEY="sk-e2e-test",
            OPENAI_BASE_URL=fake.url,
            OPENAI_MAX_RETRIES="1",
            WEBHOOK_RETRY_DELAY="0.05",
        )
        await system.wait_service("ai-tools")
        yield AiSystem(system, ai_gateway.url, ai_gateway.secret, ai_gateway.service_token, fake)
    finally:
        system.stop("ai-tools-openai")
        for name in keyless:
            await system.restart(name)
        fake.stop()


@pytest_asyncio.fixture(scope="module")
async def ai_admin(ai_system: AiSystem, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with ai_system.api(admin_token) as client:
        yield client


# --- without an OpenAI key (before `ai_system` swaps the ai-tools process) --------------------


async def test_without_a_key_ready_says_the_webhook_path_is_off_and_tools_still_run(
    ai_gateway: AiGateway, admin_token: str
) -> None:
    system = ai_gateway.system
    assert not system.alive("ai-tools-openai"), "runs first: before ai_system swaps ai-tools"
    async with httpx.AsyncClient(base_url=ai_gateway.url, timeout=5.0) as root:
        r = await root.get("/ready")
    assert r.status_code == 200, r.text
    openai = r.json()["services"]["ai-tools"]["openai"]
    assert (openai["tools"], openai["webhooks"], openai["respond"]) == (
        "enabled",
        "disabled",
        "disabled",
    )
    assert "OPENAI_API_KEY" in openai["reason"]

    customer = await ai_gateway.customer()
    call = {
        "callId": unique_key("keyless"),
        "name": "create_ticket_report",
        "arguments": json.dumps(
            {"subject": "Sin luz", "description": "La calle está a oscuras", "category": "other"}
        ),
    }
    body = {"phone": customer.phone_number, "calls": [call]}
    async with ai_gateway.api(ai_gateway.service_token) as service:
        first = await service.post("/ai/tool-calls", json=body)
        again = await service.post("/ai/tool-calls", json=body)  # the caller's retry
    assert first.status_code == again.status_code == 200, first.text
    output = json.loads(first.json()["outputs"][0]["output"])
    assert output["success"] is True
    assert again.json()["outputs"] == first.json()["outputs"]
    assert [tk.ticket_id for tk in await ai_gateway.tickets_of(customer)] == [output["ticketId"]]

    async with ai_gateway.api(admin_token) as admin:
        r = await admin.post("/ai/respond", json={"phone": customer.phone_number, "message": "x"})
    assert r.status_code == 503, r.text
    assert "OPENAI_API_KEY" in r.json()["error"]


# --- webhooks ---------------------------------------------------------------------------------


async def test_signed_completed_webhook_creates_the_ticket_answers_the_lookup_and_continues(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    fake = ai_system.fake
    customer = await ai_system.customer()
    first = await ai_system.agent_ticket(customer)
    create = function_call("create_ticket_report", report_arguments(priority="urgent"))
    lookup = function_call("get_ticket_information", {"ticket_id": first})
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
    assert looked_up["output"]["ticket"]["ticketId"] == first

    mine = {tk.ticket_id: tk for tk in await ai_system.tickets_of(customer)}
    assert set(mine) == {first, new_id}
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


async def test_the_same_delivery_arriving_at_once_is_published_once(ai_system: AiSystem) -> None:
    customer = await ai_system.customer()
    response_id = ai_system.fake.stored(
        [function_call("create_ticket_report", report_arguments())],
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


async def test_a_signed_webhook_gives_the_outputs_for_bad_category_priority_arguments_and_owner(
    ai_system: AiSystem,
) -> None:
    """Unconfigured category, invalid priority, missing arguments, another customer's ticket."""
    customer, other = await ai_system.customer(), await ai_system.customer()
    theirs = await ai_system.agent_ticket(other)
    plumbing = function_call("create_ticket_report", report_arguments(category="plumbing"))
    critical = function_call("create_ticket_report", report_arguments(priority="critical"))
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


async def test_bad_missing_old_or_future_signatures_are_rejected(ai_system: AiSystem) -> None:
    body = webhook_body("resp_whatever")
    good = sign(ai_system.secret, body)
    wrong_key = sign(new_secret(), body)
    tampered = body.replace("resp_whatever", "resp_other")
    old = sign(ai_system.secret, body, timestamp=int(time.time()) - 3600)
    future = sign(ai_system.secret, body, timestamp=int(time.time()) + 3600)
    missing = {k: v for k, v in good.items() if k != "webhook-signature"}
    for payload, headers in (
        (body, wrong_key),
        (tampered, good),
        (body, old),
        (body, future),
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

        async def applied() -> bool:
            status = await ai_system.system.rpc.call(ai.STATUS, Empty())
            return status.config_changes_seen > seen

        await poll_until(applied, what="the ai-tools process saw the change", interval=0.1)
        response_id = ai_system.fake.stored(
            [function_call("create_ticket_report", report_arguments(category="street_tree"))],
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

        await until_passes(applied, what="the categories change reached ai-tools")
        call = {
            "callId": "fallback-" + uuid.uuid4().hex[:8],
            "name": "create_ticket_report",
            "arguments": json.dumps(report_arguments(category="other")),
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

    run = unique_key("run")
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
                        "arguments": json.dumps(report_arguments()),
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


async def test_webhook_http_and_broker_paths_give_the_same_outputs(ai_system: AiSystem) -> None:
    customer, other = await ai_system.customer(), await ai_system.customer()
    own = await ai_system.agent_ticket(customer)
    theirs = await ai_system.agent_ticket(other)
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
            {"callId": unique_key(f"{prefix}-{i}"), "name": c["name"], "arguments": c["arguments"]}
            for i, c in enumerate(webhook_calls)
        ]

    async with ai_system.api(ai_system.service_token) as service:
        r = await service.post(
            "/ai/tool-calls", json={"phone": customer.phone_number, "calls": fresh("http")}
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
        [function_call("create_ticket_report", report_arguments())],
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


async def test_while_an_agent_handles_the_conversation_the_model_sees_no_call(
    ai_system: AiSystem, ai_admin: httpx.AsyncClient
) -> None:
    customer = await ai_system.customer()
    r = await ai_admin.post("/conversations", json={"customerId": customer.id})
    assert r.status_code == 201, r.text
    conversation = r.json()["conversation"]
    handoff = f"/conversations/{conversation['id']}/handoff"
    r = await ai_admin.post(handoff, json={"to": "agent", "reason": "pidió una persona"})
    assert r.status_code == 200 and r.json()["changed"] is True, r.text

    before = len(ai_system.fake.posts())
    turn = {"phone": customer.phone_number, "message": "¿Hay alguien ahí?"}
    r = await ai_admin.post("/ai/respond", json=turn)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["handledBy"], answer["text"], answer["responseId"]) == ("agent", "", None)
    assert len(ai_system.fake.posts()) == before  # the model was not asked

    r = await ai_admin.post(handoff, json={"to": "assistant"})
    assert r.status_code == 200, r.text
    ai_system.fake.script([message("Aquí estoy, ¿en qué te ayudo?")])
    r = await ai_admin.post("/ai/respond", json={**turn, "message": "¿Y ahora?"})
    assert r.status_code == 200, r.text
    assert (r.json()["handledBy"], r.json()["text"]) == (
        "assistant",
        "Aquí estoy, ¿en qué te ayudo?",
    )
    assert len(ai_system.fake.posts()) == before + 1

    r = await ai_admin.get(f"/conversations/{conversation['id']}/messages")
    assert r.status_code == 200, r.text
    assert [(x["author"], x["text"]) for x in r.json()["messages"]] == [
        ("customer", "¿Hay alguien ahí?"),
        ("customer", "¿Y ahora?"),
        ("assistant", "Aquí estoy, ¿en qué te ayudo?"),
    ]


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


async def test_a_report_of_a_known_problem_is_linked_as_its_incident_and_the_customer_told(
    ai_system: AiSystem,
) -> None:
    here = {"coordinates": {"latitude": 19.41210, "longitude": -99.16340}}
    problem_owner, reporter, newcomer = [await ai_system.customer() for _ in range(3)]
    rpc = ai_system.system.rpc
    problem = (
        await rpc.call(
            t.CREATE_FROM_AGENT,
            agent_ticket_request(
                problem_owner.id,
                subject="Transformador tronado en la colonia Roma",
                description="Tronó el transformador de Colima y Orizaba, toda la cuadra sin luz",
                location=t.Location.model_validate(here),
            ),
        )
    ).ticket
    incident = (
        await rpc.call(
            t.CREATE_FROM_AGENT,
            agent_ticket_request(
                reporter.id,
                subject="Sin luz en Colima",
                description="Explotó el transformador en Colima esquina Orizaba",
                location=t.Location.model_validate(here),
            ),
        )
    ).ticket
    await rpc.call(
        t.LINK_INCIDENTS,
        t.LinkIncidents(ticket_id=problem.ticket_id, ticket_ids=[incident.ticket_id]),
    )

    arguments = report_arguments(
        subject="Se tronó el transformador",
        description="En Colima y Orizaba tronó el transformador y no hay luz",
        location=here,
    )
    answered = await rpc.call(
        ai.TOOL_CALLS,
        ai.ToolCallsRequest.model_validate(
            {
                "phone": newcomer.phone_number,
                "calls": [
                    {
                        "callId": unique_key("known"),
                        "name": "create_ticket_report",
                        "arguments": json.dumps(arguments),
                    }
                ],
            }
        ),
    )

    output = json.loads(answered.outputs[0].output)
    assert output["success"] is True
    assert output["knownProblemId"] == problem.ticket_id
    assert output["message"] == (
        f"Ya tenemos un reporte abierto sobre esta falla: {problem.ticket_id}; "
        "te avisaremos cuando quede resuelta."
    )
    filed = await rpc.call(t.GET, t.GetTicket(ticket_id=output["ticketId"]))
    assert filed.problem_id == problem.ticket_id
    after = await rpc.call(t.GET, t.GetTicket(ticket_id=problem.ticket_id))
    assert after.incident_count == 2
