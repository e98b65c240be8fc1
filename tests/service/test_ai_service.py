"""The ai-tools service over the real broker, with the real config and tickets services in-process
and a local fake of OpenAI's Responses endpoints.

Two ai-tools replicas compete for the webhook queue; webhook events are published as the gateway
does (`openai.response.*`), tool calls go through `ai.tool_calls`, turns through `ai.respond`.
The module runs on a vhost of its own (`rabbit_url`), so no other test's services answer its
queues. Tests that need a broker where nothing else runs (no config or tickets service, no
ai-tools replica ever) take a `fresh_vhost` of their own.

- the webhook path: continuations, duplicates, bad calls, ended responses, the conversation in
  the response's metadata, rate limits, the loop guard, a webhook the gateway accepted before any
  replica existed;
- the broker RPC path: the same outputs, idempotent call ids, lookups, phone spellings, a
  downstream service timing out;
- a whole turn (`ai.respond`): the tool round, continuing a given response, retries, the loop
  guard;
- what the configuration changes: categories, terminology and language, live;
- garbage on `config.updated`, and a replica without an OpenAI key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
import pytest
import pytest_asyncio
from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitQueue

from ai_tools_service.main import AiToolsService
from ai_tools_service.settings import Settings as AiSettings
from config_service.main import ConfigService
from config_service.settings import Settings as ConfigSettings
from gateway.main import create_app
from gateway.routes.ai import AiRouteSettings
from gateway.settings import GatewaySettings
from tests.support.factories import report_arguments, unique_key, unique_phone
from tests.support.fake_openai import (
    Fail,
    FakeOpenAI,
    category_enum,
    function_call,
    message,
    new_secret,
    outputs_of,
    sign,
    webhook_body,
)
from tests.support.waiting import Arrivals, until_passes
from tickets_service.main import TicketsService
from tickets_service.settings import Settings as TicketsSettings
from uts_shared.contracts import ai_tools as ai
from uts_shared.contracts import config as cfg
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    MAX_MESSAGE_BYTES,
    Empty,
    Event,
)
from uts_shared.errors import Unavailable
from uts_shared.messaging import (
    EventPublisher,
    RpcClient,
    dead_letter_exchange,
    declare_topology,
    make_broker,
    subscribe_events,
)
from uts_shared.mongo import open_database

UNKNOWN_CUSTOMER = "No se pudo identificar al cliente. Por favor contacta a un agente."
UNKNOWN_FUNCTION = "Función desconocida"
BAD_JSON = "Los argumentos de la función no son un objeto JSON válido."


@dataclass
class Seen:
    routing_key: str
    body: dict[str, Any]
    headers: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.body.get("data", {})
        return data


@dataclass
class AiEnv:
    rabbit_url: str
    config: ConfigService
    tickets: TicketsService
    replicas: list[AiToolsService]
    rpc: RpcClient
    client: RabbitBroker
    fake: FakeOpenAI
    events: Arrivals[Seen]
    """What the services publish on `ai.#`."""
    dead: Arrivals[Seen]
    """What reaches the dead-letter queue."""
    databases: dict[str, Any]

    async def customer(self) -> t.Customer:
        return await self.rpc.call(t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=unique_phone()))

    async def conversation(self, customer: t.Customer) -> t.Conversation:
        return await self.rpc.call(
            t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
        )

    async def agent_ticket(self, customer: t.Customer, subject: str = "Poste caído") -> str:
        request = t.CreateFromAgent(
            subject=subject,
            description="El poste de la esquina está caído",
            category="electrical_issue",
            customer_id=customer.id,
            agent_id="agent-1",
        )
        return (await self.rpc.call(t.CREATE_FROM_AGENT, request)).ticket.ticket_id

    async def tickets_of(self, customer: t.Customer) -> list[t.CustomerTicketSummary]:
        page = await self.rpc.call(
            t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id, limit=100)
        )
        return page.tickets

    async def webhook(
        self, response_id: str, kind: str = "response.completed", webhook_id: str | None = None
    ) -> str:
        """Publish a verified webhook as the gateway does; its webhook id."""
        webhook_id = webhook_id or f"wh_{uuid.uuid4().hex}"
        payload = ai.OpenAiWebhook(
            webhook_id=webhook_id, type=kind, data=ai.WebhookData(id=response_id), created_at=1
        )
        event = Event[ai.OpenAiWebhook](
            event_id=webhook_id, type=ai.webhook_routing_key(kind), data=payload
        )
        await EventPublisher(self.client).publish(event)
        return webhook_id

    def count(self, name: str) -> int:
        return sum(s.loop.counters.values[name] for s in self.replicas)

    async def wait_count(self, name: str, at_least: int, timeout: float = 10.0) -> None:
        """Until the replicas together did `name` (e.g. `continued`) `at_least` times."""
        async with asyncio.timeout(timeout):
            while self.count(name) < at_least:
                waits = [
                    asyncio.create_task(
                        s.loop.counters.wait(name, s.loop.counters.values[name] + 1, timeout)
                    )
                    for s in self.replicas
                ]
                _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()

    async def rendering(self) -> cfg.RenderedAssistant:
        return await self.rpc.call(cfg.RENDER_ASSISTANT, Empty())


def ai_settings(rabbit_url: str, mongo_url: str | None, db: str, fake: FakeOpenAI) -> AiSettings:
    return AiSettings(
        rabbitmq_url=rabbit_url,
        mongodb_url=mongo_url,
        mongodb_db=db,
        rpc_timeout=10.0,
        openai_api_key="sk-test",
        openai_base_url=fake.url,
        openai_max_retries=1,
        openai_timeout=10.0,
        max_tool_rounds=4,
        webhook_max_attempts=2,
        webhook_retry_delay=0.05,
    )


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[AiEnv]:
    suffix = uuid.uuid4().hex[:8]
    names = {k: f"ai_test_{k}_{suffix}" for k in ("config", "tickets", "ai")}
    databases = {k: open_database(mongo_url, n) for k, n in names.items()}
    fake = FakeOpenAI().start()
    url = rabbit_url  # this module's own vhost (tests/conftest.py)
    config = ConfigService(
        ConfigSettings(rabbitmq_url=url, mongodb_url=mongo_url, mongodb_db=names["config"]),
        database=databases["config"],
    )
    tickets = TicketsService(
        TicketsSettings(
            rabbitmq_url=url,
            mongodb_url=mongo_url,
            mongodb_db=names["tickets"],
            rpc_timeout=10.0,
            config_cache_ttl=0.0,
        ),
        database=databases["tickets"],
    )
    replicas = [
        AiToolsService(ai_settings(url, mongo_url, names["ai"], fake), database=databases["ai"])
        for _ in range(2)
    ]
    client = make_broker(url, app_id="ai-tests")
    rpc = RpcClient(client, timeout=20.0, name="ai-tests")
    events: Arrivals[Seen] = Arrivals("ai events")
    dead: Arrivals[Seen] = Arrivals("dead letters")

    async def on_event(routing_key: str, body: bytes, msg: RabbitMessage) -> None:
        await events.add(Seen(routing_key, json.loads(body)))

    subscribe_events(
        client,
        RabbitQueue(f"ai-tests.{suffix}", exclusive=True, auto_delete=True, routing_key="ai.#"),
        on_event,
    )

    @client.subscriber(
        RabbitQueue(DEAD_LETTER_QUEUE, durable=True, routing_key="#"),
        dead_letter_exchange,
        decoder=lambda msg: msg,
    )
    async def on_dead(msg: RabbitMessage) -> None:
        # make_broker brokers hand subscribers the decoded body only (apply_types=False).
        routing_key = msg.raw_message.routing_key or ""
        await dead.add(Seen(routing_key, json.loads(msg.body), dict(msg.headers)))

    try:
        await client.connect()
        await declare_topology(client)
        await client.start()
        await config.start()
        await tickets.start()
        for replica in replicas:
            await replica.start()
        yield AiEnv(url, config, tickets, replicas, rpc, client, fake, events, dead, databases)
    finally:
        for replica in replicas:
            await replica.stop()
        await tickets.stop()
        await config.stop()
        await client.stop()
        fake.stop()


def calls(*items: tuple[str, Any]) -> list[ai.FunctionCall]:
    """Function calls with fresh call ids; arguments a dict (JSON-encoded here) or a raw string."""
    return [
        ai.FunctionCall(
            call_id=unique_key("call"),
            name=name,
            arguments=args if isinstance(args, str) else json.dumps(args),
        )
        for name, args in items
    ]


async def run_tools(env: AiEnv, phone: str, *items: tuple[str, Any]) -> list[dict[str, Any]]:
    """`items` over `ai.tool_calls` for `phone`; their outputs, parsed."""
    result = await env.rpc.call(
        ai.TOOL_CALLS, ai.ToolCallsRequest(phone=phone, calls=calls(*items))
    )
    return [json.loads(o.output) for o in result.outputs]


async def changed(env: AiEnv, spec: Any, request: Any) -> None:
    """Make a config change and wait until every ai-tools replica dropped its cache."""
    generations = [r.config.generation for r in env.replicas]
    await env.rpc.call(spec, request)
    for replica, generation in zip(env.replicas, generations, strict=True):
        await replica.config.wait_generation(generation + 1, timeout=5)


# --- the webhook path -------------------------------------------------------------------------


async def test_completed_webhook_with_two_calls_creates_one_ticket_answers_one_lookup_and_continues(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    existing = await env.agent_ticket(customer)
    create = function_call("create_ticket_report", report_arguments(priority="high"))
    lookup = function_call("get_ticket_information", {"ticket_id": existing})
    meta = {"phone": customer.phone_number}
    response_id = env.fake.stored([create, lookup], metadata=meta)
    env.fake.script([message("Listo, ya quedó tu reporte.")])

    await env.webhook(response_id)
    body = await env.fake.wait_continuation(response_id)

    rendering = await env.rendering()
    assert body["model"] == "gpt-4.1-mini"
    assert body["previous_response_id"] == response_id
    assert body["background"] is True
    assert body["metadata"] == meta
    assert body["instructions"] == rendering.instructions
    assert body["tools"] == rendering.tools
    assert "tool_choice" not in body
    created_output, lookup_output = outputs_of(body)
    assert [created_output["call_id"], lookup_output["call_id"]] == [
        create["call_id"],
        lookup["call_id"],
    ]
    new_id = created_output["output"]["ticketId"]
    assert created_output["output"] == {
        "success": True,
        "ticketId": new_id,
        "message": f"reporte creado exitosamente. Tu número de reporte es {new_id}.",
    }
    assert lookup_output["output"]["success"] is True
    assert lookup_output["output"]["ticket"]["ticketId"] == existing
    assert lookup_output["output"]["ticket"]["notes"] == []  # it has no public note

    mine = {tk.ticket_id: tk for tk in await env.tickets_of(customer)}
    assert set(mine) == {existing, new_id}
    ticket = mine[new_id]
    assert (ticket.source, ticket.status) == (t.TicketSource.AI, t.TicketStatus.NEW)
    assert (ticket.category, ticket.priority) == ("light_malfunction", t.Priority.HIGH)
    assert ticket.conversation_id == conversation.id  # the customer's open conversation


async def test_the_same_response_delivered_again_creates_nothing_and_continues_once(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    call = function_call("create_ticket_report", report_arguments())
    response_id = env.fake.stored([call], metadata={"phone": customer.phone_number})
    duplicates = env.count("duplicate")
    webhook_id = await env.webhook(response_id)
    await env.fake.wait_continuation(response_id)

    await env.webhook(response_id, webhook_id=webhook_id)  # OpenAI's retry
    await env.webhook(response_id)  # another gateway replica's copy
    await env.wait_count("duplicate", duplicates + 2)

    assert len(env.fake.posts_after(response_id)) == 1
    assert len(await env.tickets_of(customer)) == 1


async def test_the_plans_outputs_for_bad_calls_reach_the_model_in_order(env: AiEnv) -> None:
    customer, other = await env.customer(), await env.customer()
    others_ticket = await env.agent_ticket(other)
    calls = [
        function_call("delete_all_tickets", {}),
        function_call("create_ticket_report", "{not json"),
        function_call("create_ticket_report", report_arguments(category="plumbing")),
        function_call(
            "create_ticket_report", report_arguments(priority="critical", subject="Sin luz")
        ),
        function_call("get_ticket_information", {"ticket_id": others_ticket}),
        function_call("get_ticket_information", {}),
    ]
    response_id = env.fake.stored(calls, metadata={"phone": customer.phone_number})
    stranger = env.fake.stored(
        [function_call("create_ticket_report", report_arguments())],
        metadata={"phone": "+525500000001"},
    )
    await env.webhook(response_id)
    await env.webhook(stranger)
    body = await env.fake.wait_continuation(response_id)
    outputs = [o["output"] for o in outputs_of(body)]
    assert [o["call_id"] for o in outputs_of(body)] == [c["call_id"] for c in calls]

    assert outputs[0] == {"success": False, "error": UNKNOWN_FUNCTION}
    assert outputs[1] == {"success": False, "error": BAD_JSON}
    assert outputs[2]["success"] and outputs[3]["success"]
    assert outputs[4] == {
        "success": False,
        "error": f"No se encontró el reporte {others_ticket} o no tienes acceso a él.",
    }
    assert outputs[5] == {
        "success": False,
        "error": "Debes proporcionar un número de reporte o solicitar los reportes recientes.",
    }
    mine = {tk.ticket_id: tk for tk in await env.tickets_of(customer)}
    assert mine[outputs[2]["ticketId"]].category == "other"
    assert mine[outputs[3]["ticketId"]].priority is t.Priority.MEDIUM

    [unknown] = outputs_of(await env.fake.wait_continuation(stranger))
    assert unknown["output"] == {"success": False, "error": UNKNOWN_CUSTOMER}


async def test_text_answers_and_ended_responses_are_published_for_the_conversation_system(
    env: AiEnv,
) -> None:
    meta = {"phone": "+525512340000", "conversationId": "conv-77"}
    answered = env.fake.stored([message("¡Hola! ¿En qué te ayudo?")], metadata=meta)
    failed = env.fake.stored(
        [], metadata=meta, status="failed", error={"code": "server_error", "message": "boom"}
    )
    incomplete = env.fake.stored(
        [], metadata=meta, status="incomplete", incomplete_reason="max_output_tokens"
    )
    await env.webhook(answered)
    await env.webhook(failed, "response.failed")
    await env.webhook(incomplete, "response.incomplete")

    text = await env.events.first(lambda e: e.data.get("responseId") == answered)
    assert text.routing_key == "ai.response.answered"
    assert text.data["text"] == "¡Hola! ¿En qué te ayudo?"
    assert text.data["conversationId"] == "conv-77"
    bad = await env.events.first(lambda e: e.data.get("responseId") == failed)
    assert bad.routing_key == "ai.response.failed"
    assert bad.data["reason"] == "server_error: boom"
    assert bad.data["phone"] == meta["phone"]
    cut = await env.events.first(lambda e: e.data.get("responseId") == incomplete)
    assert cut.routing_key == "ai.response.incomplete"
    assert cut.data["reason"] == "max_output_tokens"


async def test_a_cancelled_response_is_recorded_and_published(env: AiEnv) -> None:
    meta = {"phone": unique_phone(), "conversationId": "conv-cancel"}
    cancelled = env.fake.stored([], metadata=meta, status="cancelled")
    await env.webhook(cancelled, "response.cancelled")
    event = await env.events.first(lambda e: e.data.get("responseId") == cancelled)
    assert event.routing_key == "ai.response.cancelled"
    assert (event.data["status"], event.data["phone"], event.data["conversationId"]) == (
        "cancelled",
        meta["phone"],
        "conv-cancel",
    )
    assert env.fake.posts_after(cancelled) == []  # nothing continued


async def test_the_conversation_in_the_responses_metadata_links_the_ticket(env: AiEnv) -> None:
    customer = await env.customer()
    named = await env.conversation(customer)
    await env.conversation(customer)  # a newer open one: not the one the response names
    meta = {"phone": customer.phone_number, "conversationId": named.id}
    response_id = env.fake.stored(
        [function_call("create_ticket_report", report_arguments())], metadata=meta
    )
    await env.webhook(response_id)
    body = await env.fake.wait_continuation(response_id)
    assert body["metadata"] == meta
    [output] = outputs_of(body)
    [ticket] = await env.tickets_of(customer)
    assert ticket.ticket_id == output["output"]["ticketId"]
    assert ticket.conversation_id == named.id


async def test_a_rate_limit_that_outlasts_retries_dead_letters_with_the_reason_and_loses_no_call(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    call = function_call("create_ticket_report", report_arguments())
    response_id = env.fake.stored([call], metadata={"phone": customer.phone_number})
    # 2 deliveries x (1 try + 1 SDK retry) continuation attempts, all rate limited
    env.fake.script(*[Fail(429, "Rate limit reached for gpt-4.1-mini")] * 4)

    await env.webhook(response_id)
    dead = await env.dead.first(lambda d: d.data.get("data", {}).get("id") == response_id)
    assert dead.routing_key == "openai.response.completed"
    assert "rate limited (429)" in dead.headers["x-uts-reason"]
    assert dead.headers["x-uts-attempts"] == 2
    failed = await env.events.first(
        lambda e: e.routing_key == "ai.response.failed" and e.data["responseId"] == response_id
    )
    assert "429" in failed.data["reason"]
    [ticket] = await env.tickets_of(customer)

    # An operator replays the dead letter once the limit lifts: same outputs, no second ticket.
    await env.webhook(response_id)
    body = await env.fake.wait_continuation(response_id)
    [output] = outputs_of(body)
    assert output["output"]["ticketId"] == ticket.ticket_id
    assert len(await env.tickets_of(customer)) == 1


async def test_a_category_added_in_config_is_in_the_next_continuations_tool_enum(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    before = await env.rpc.call(cfg.GET_CATEGORIES, Empty())
    first = env.fake.stored(
        [function_call("get_ticket_information", {"lookup_recent": True})],
        metadata={"phone": customer.phone_number},
    )
    await env.webhook(first)
    assert "water_leak" not in category_enum((await env.fake.wait_continuation(first))["tools"])

    generations = [s.config.generation for s in env.replicas]
    new = [*before.categories, cfg.Category(id="water_leak", label="Fuga de agua")]
    await env.rpc.call(
        cfg.UPDATE_CATEGORIES, cfg.UpdateCategories(agent_id="admin", categories=new)
    )
    try:
        for replica, generation in zip(env.replicas, generations, strict=True):
            await replica.config.wait_generation(generation + 1, timeout=5)
        second = env.fake.stored(
            [function_call("create_ticket_report", report_arguments(category="water_leak"))],
            metadata={"phone": customer.phone_number},
        )
        await env.webhook(second)
        body = await env.fake.wait_continuation(second)
        assert "water_leak" in category_enum(body["tools"])
        [output] = outputs_of(body)
        [ticket] = await env.tickets_of(customer)
        assert ticket.ticket_id == output["output"]["ticketId"]
        assert ticket.category == "water_leak"  # configured now: not folded into "other"
    finally:
        await env.rpc.call(
            cfg.UPDATE_CATEGORIES,
            cfg.UpdateCategories(agent_id="admin", categories=before.categories),
        )


async def test_the_loop_guard_stops_a_webhook_chain_that_repeats_a_call(env: AiEnv) -> None:
    customer = await env.customer()
    meta = {"phone": customer.phone_number}
    same = {"lookup_recent": True}
    response_id = env.fake.stored([function_call("get_ticket_information", same)], metadata=meta)
    env.fake.script(
        [function_call("get_ticket_information", same)],
        [function_call("get_ticket_information", same)],
        [message("No tienes reportes.")],
    )
    continued = env.count("continued")
    for hop in range(3):
        await env.webhook(response_id)
        body = await env.fake.wait_continuation(response_id)
        await env.wait_count("continued", continued + hop + 1)
        if hop < 2:
            assert "tool_choice" not in body
            response_id = env.fake.continued_as(response_id)
    [stopped] = outputs_of(body)
    assert "get_ticket_information se llamó 3 veces" in stopped["output"]["error"]
    assert body["tool_choice"] == "none"
    tripped = await env.events.first(
        lambda e: e.routing_key == "ai.loop_guard_tripped" and e.data["responseId"] == response_id
    )
    assert tripped.data["rounds"] == 2
    assert tripped.data["phone"] == customer.phone_number


async def test_the_loop_guard_caps_the_tool_rounds_of_a_webhook_chain(env: AiEnv) -> None:
    """Distinct calls each hop (no repeat): the chain still stops after MAX_TOOL_ROUNDS (4)."""
    customer = await env.customer()
    meta = {"phone": customer.phone_number}

    def hop(i: int) -> list[dict[str, Any]]:
        return [function_call("get_ticket_information", {"ticket_id": f"LUX-1990-{i:06d}"})]

    response_id = env.fake.stored(hop(0), metadata=meta)
    env.fake.script(*(hop(i) for i in range(1, 5)))
    continued = env.count("continued")
    for n in range(5):
        await env.webhook(response_id)
        body = await env.fake.wait_continuation(response_id)
        await env.wait_count("continued", continued + n + 1)
        if n < 4:
            assert "tool_choice" not in body, n
            [ran] = outputs_of(body)
            assert ran["output"]["error"].startswith("No se encontró el reporte"), n
            response_id = env.fake.continued_as(response_id)
    [stopped] = outputs_of(body)
    assert "límite de llamadas a herramientas (4 rondas)" in stopped["output"]["error"]
    assert body["tool_choice"] == "none"
    tripped = await env.events.first(
        lambda e: e.routing_key == "ai.loop_guard_tripped" and e.data["responseId"] == response_id
    )
    assert (tripped.data["reason"], tripped.data["rounds"]) == ("max_rounds", 4)


@dataclass
class WebhookGateway:
    """A gateway with the webhook secret, in this process, on a vhost of its own."""

    http: httpx.AsyncClient
    secret: str
    fake: FakeOpenAI
    events: Arrivals[Seen]
    rabbit_url: str
    mongo_url: str | None
    suffix: str

    async def webhook(self, response_id: str) -> httpx.Response:
        body = webhook_body(response_id)
        return await self.http.post(
            "/api/v2/openai/webhook", content=body, headers=sign(self.secret, body)
        )

    def ai_tools(self) -> AiToolsService:
        settings = AiSettings(
            rabbitmq_url=self.rabbit_url,
            mongodb_url=self.mongo_url,
            mongodb_db=f"ai_test_ai_{self.suffix}",
            openai_api_key="sk-test",
            openai_base_url=self.fake.url,
            openai_max_retries=0,
        )
        return AiToolsService(settings, database=open_database(self.mongo_url, settings.mongodb_db))


@pytest_asyncio.fixture
async def webhook_gateway(fresh_vhost: str, mongo_url: str | None) -> AsyncIterator[WebhookGateway]:
    """On a broker where no ai-tools replica ever ran (a fresh deployment, or ai-tools started
    without `OPENAI_API_KEY`): nothing but this gateway has declared the webhook queue."""
    suffix = uuid.uuid4().hex[:8]
    secret = new_secret()
    settings = GatewaySettings(
        rabbitmq_url=fresh_vhost,
        mongodb_url=mongo_url,
        mongodb_db=f"ai_test_gateway_{suffix}",
        jwt_secret=unique_key("jwt") + uuid.uuid4().hex,
        admin_password=unique_key("admin"),
        gateway_required_services=[],
    )
    app = create_app(
        settings, database=open_database(mongo_url, settings.mongodb_db)
    ).other_asgi_app
    app.state.ai_settings = AiRouteSettings(openai_webhook_secret=secret)
    gateway = app.state.gateway
    fake = FakeOpenAI().start()
    events: Arrivals[Seen] = Arrivals("ai events")
    listener = make_broker(fresh_vhost, app_id="ai-webhook-listener")

    async def on_event(routing_key: str, body: bytes, msg: RabbitMessage) -> None:
        await events.add(Seen(routing_key, json.loads(body)))

    subscribe_events(
        listener,
        RabbitQueue(
            f"ai-webhook-events.{suffix}", exclusive=True, auto_delete=True, routing_key="ai.#"
        ),
        on_event,
    )
    await start_without_a_webhook_queue(fresh_vhost)
    await gateway.start()
    await listener.connect()
    await declare_topology(listener)
    await listener.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield WebhookGateway(http, secret, fake, events, fresh_vhost, mongo_url, suffix)
    finally:
        await listener.stop()
        await gateway.stop()
        fake.stop()


async def start_without_a_webhook_queue(rabbit_url: str) -> None:
    """The vhost is fresh; on a shared one (a broker container, no rabbitmqctl) make it so: drop
    the webhook queue unless a consumer is on it."""
    connection = await aio_pika.connect(rabbit_url)
    try:
        channel = await connection.channel()
        await channel.queue_delete(ai.WEBHOOK_QUEUE, if_unused=True)
    except aio_pika.exceptions.ChannelPreconditionFailed:
        pytest.skip("an ai-tools replica is consuming webhooks on this broker")
    finally:
        await connection.close()


async def test_a_webhook_answered_200_before_any_replica_exists_is_handled_later(
    webhook_gateway: WebhookGateway,
) -> None:
    """The gateway answers OpenAI 200 once it has published the webhook, so OpenAI never retries
    it: from then on the broker must hold it until an ai-tools replica takes it (webhooks were
    dropped unroutable until the gateway declared the shared webhook work queue itself)."""
    gateway = webhook_gateway

    def answered(response_id: str) -> Any:
        return lambda e: (
            e.routing_key == "ai.response.answered" and e.data.get("responseId") == response_id
        )

    early = gateway.fake.stored([message("llegó primero")], metadata={"phone": unique_phone()})
    r = await gateway.webhook(early)
    if r.status_code != 200:
        # Refusing it is fine too: OpenAI retries a non-2xx delivery later.
        assert r.status_code >= 500, r.text
        return
    assert r.json() == {"success": True}

    replica = gateway.ai_tools()
    await replica.start()
    try:
        later = gateway.fake.stored([message("llegó después")], metadata={"phone": unique_phone()})
        assert (await gateway.webhook(later)).status_code == 200
        await gateway.events.first(answered(later), timeout=10)  # the consumer is running
        # One queue, oldest first: the early delivery is handled by now (or within moments).
        await gateway.events.first(answered(early), timeout=2)
    finally:
        await replica.stop()


async def test_a_signed_webhook_nested_too_deep_is_a_400_not_an_error(
    webhook_gateway: WebhookGateway,
) -> None:
    gateway = webhook_gateway
    body = '{"type": "response.completed", "data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = await gateway.http.post(
        "/api/v2/openai/webhook", content=body, headers=sign(gateway.secret, body)
    )
    assert r.status_code == 400, r.text
    assert "nested deeper than 64 levels" in r.json()["error"]


async def test_a_webhook_is_refused_while_ai_tools_runs_without_an_openai_key(
    webhook_gateway: WebhookGateway,
) -> None:
    """No consumer takes the webhook queue then: a 503 makes OpenAI deliver it again later,
    instead of it piling up unread."""
    gateway = webhook_gateway
    settings = AiSettings(
        rabbitmq_url=gateway.rabbit_url,
        mongodb_url=gateway.mongo_url,
        mongodb_db=f"ai_test_ai_off_{gateway.suffix}",
        openai_api_key=None,
    )
    replica = AiToolsService(
        settings, database=open_database(gateway.mongo_url, settings.mongodb_db)
    )
    await replica.start()
    try:
        response_id = gateway.fake.stored([message("sin modelo")], metadata={"phone": "x"})
        r = await gateway.webhook(response_id)
        assert r.status_code == 503, r.text
        assert "OPENAI_API_KEY" in r.json()["error"]
    finally:
        await replica.stop()


# --- the broker RPC path ----------------------------------------------------------------------


async def test_the_broker_rpc_gives_the_webhook_paths_outputs(env: AiEnv) -> None:
    customer = await env.customer()
    existing = await env.agent_ticket(customer)
    calls = [
        function_call("get_ticket_information", {"ticket_id": existing}),
        function_call("get_ticket_information", {"lookup_recent": True}),
        function_call("nope", {}),
        function_call("create_ticket_report", "[]"),
    ]
    response_id = env.fake.stored(calls, metadata={"phone": customer.phone_number})
    await env.webhook(response_id)
    by_webhook = [o["output"] for o in (await env.fake.wait_continuation(response_id))["input"]]

    fresh = [
        ai.FunctionCall(call_id=f"rpc-{uuid.uuid4().hex}", name=c["name"], arguments=c["arguments"])
        for c in calls
    ]
    result = await env.rpc.call(
        ai.TOOL_CALLS, ai.ToolCallsRequest(phone=customer.phone_number, calls=fresh)
    )
    assert [o.call_id for o in result.outputs] == [c.call_id for c in fresh]
    assert [o.output for o in result.outputs] == by_webhook

    # The webhook's own call ids over the broker: the outputs it got, nothing run again.
    again = await env.rpc.call(
        ai.TOOL_CALLS,
        ai.ToolCallsRequest(
            phone=customer.phone_number,
            calls=[
                ai.FunctionCall(call_id=c["call_id"], name=c["name"], arguments=c["arguments"])
                for c in calls
            ],
        ),
    )
    assert [o.output for o in again.outputs] == by_webhook


async def test_the_same_call_id_at_once_on_both_replicas_creates_one_ticket(env: AiEnv) -> None:
    customer = await env.customer()
    call = ai.FunctionCall(
        call_id=f"call_{uuid.uuid4().hex}",
        name="create_ticket_report",
        arguments=json.dumps(report_arguments()),
    )
    request = ai.ToolCallsRequest(phone=customer.phone_number, calls=[call])
    results = await asyncio.gather(*(env.rpc.call(ai.TOOL_CALLS, request) for _ in range(6)))
    outputs = {r.outputs[0].output for r in results}
    assert len(outputs) == 1
    [ticket] = await env.tickets_of(customer)
    assert ticket.ticket_id in outputs.pop()


async def test_a_call_id_used_for_one_customer_shows_nothing_to_another(env: AiEnv) -> None:
    first, second = await env.customer(), await env.customer()
    call = ai.FunctionCall(
        call_id=f"call_{uuid.uuid4().hex}",
        name="create_ticket_report",
        arguments=json.dumps(report_arguments()),
    )
    mine = await env.rpc.call(
        ai.TOOL_CALLS, ai.ToolCallsRequest(phone=first.phone_number, calls=[call])
    )
    theirs = await env.rpc.call(
        ai.TOOL_CALLS, ai.ToolCallsRequest(phone=second.phone_number, calls=[call])
    )
    ticket_id = json.loads(mine.outputs[0].output)["ticketId"]
    assert ticket_id not in theirs.outputs[0].output
    assert json.loads(theirs.outputs[0].output)["success"] is False
    assert await env.tickets_of(second) == []


async def test_lookups_show_the_five_newest_tickets_and_no_internal_notes(env: AiEnv) -> None:
    customer, other = await env.customer(), await env.customer()
    made = [await env.agent_ticket(customer, subject=f"Caso {i}") for i in range(7)]
    await env.agent_ticket(other)
    await env.rpc.call(
        t.ADD_NOTE,
        t.AddNote(ticket_id=made[-1], content="secreto interno: cliente moroso", by="agent-1"),
    )
    await env.rpc.call(
        t.ADD_NOTE,
        t.AddNote(ticket_id=made[-1], content="Cuadrilla mañana", is_internal=False, by="agent-1"),
    )
    recent, one, missing = await run_tools(
        env,
        customer.phone_number,
        ("get_ticket_information", {"lookup_recent": True}),
        ("get_ticket_information", {"ticket_id": made[-1]}),
        ("create_ticket_report", {"category": "billing"}),
    )
    assert [x["ticketId"] for x in recent["tickets"]] == list(reversed(made))[:5]
    assert recent["message"] == "Encontré 5 reportes recientes."
    assert one["success"] is True and one["ticket"]["ticketId"] == made[-1]
    assert "moroso" not in json.dumps([recent, one])
    assert [n["content"] for n in one["ticket"]["notes"]] == ["Cuadrilla mañana"]
    assert missing == {
        "success": False,
        "error": "Faltan argumentos obligatorios: subject, description.",
    }


async def test_the_customer_is_found_whatever_the_spelling_of_the_phone(env: AiEnv) -> None:
    """WhatsApp hands over numbers without `+` (and Mexican mobiles with the old `1`)."""
    customer = await env.customer()
    e164 = customer.phone_number  # +5255xxxxxxxx
    spellings = [e164[1:], "521" + e164[3:], f"+52 1 {e164[3:5]} {e164[5:9]} {e164[9:]}"]
    for phone in spellings:
        [out] = await run_tools(env, phone, ("get_ticket_information", {"lookup_recent": True}))
        assert out == {"success": True, "message": "No tienes reportes registrados."}, phone


async def test_a_downstream_timeout_gives_the_failure_output_and_the_rpc_answers(
    env: AiEnv, fresh_vhost: str
) -> None:
    """An ai-tools instance on a broker where neither config nor tickets answer."""
    lonely = AiToolsService(
        AiSettings(rabbitmq_url=fresh_vhost, openai_api_key=None, rpc_timeout=0.2),
        database=env.databases["ai"],
    )
    client = make_broker(fresh_vhost, app_id="ai-tests-lonely")
    rpc = RpcClient(client, timeout=20.0, name="ai-tests-lonely")
    await lonely.start()
    await client.start()
    try:
        result = await rpc.call(
            ai.TOOL_CALLS,
            ai.ToolCallsRequest(
                phone=unique_phone(),
                calls=calls(
                    ("create_ticket_report", report_arguments()),
                    ("get_ticket_information", {"lookup_recent": True}),
                ),
            ),
        )
    finally:
        await client.stop()
        await lonely.stop()
    create, lookup = (json.loads(o.output) for o in result.outputs)
    assert create == {
        "success": False,
        "error": "No se pudo crear el reporte. Por favor intenta de nuevo o contacta a un agente.",
    }
    assert lookup == {
        "success": False,
        "error": "No se pudo obtener la información del reporte.",
    }


# --- a whole turn -----------------------------------------------------------------------------


async def test_a_whole_turn_runs_the_tool_round_and_returns_the_final_text(env: AiEnv) -> None:
    customer = await env.customer()
    call = function_call("create_ticket_report", report_arguments())
    env.fake.script([call], [message("Listo: tu reporte quedó registrado.")])
    before = len(env.fake.posts())

    result = await env.rpc.call(
        ai.RESPOND,
        ai.RespondRequest(
            phone=customer.phone_number, conversation_id=None, message="No enciende mi luminaria"
        ),
    )

    assert result.text == "Listo: tu reporte quedó registrado."
    assert not result.loop_guard_tripped
    [record] = result.tool_calls
    assert (record.call_id, record.name) == (call["call_id"], "create_ticket_report")
    [ticket] = await env.tickets_of(customer)
    assert json.loads(record.output)["ticketId"] == ticket.ticket_id
    first, second = env.fake.posts()[before:]
    rendering = await env.rendering()
    assert first["input"] == "No enciende mi luminaria"
    assert first["instructions"] == rendering.instructions
    assert first["metadata"] == {"phone": customer.phone_number}
    assert "background" not in first
    first_id = next(rid for rid, r in env.fake.responses.items() if r["output"] == [call])
    assert second["previous_response_id"] == first_id
    assert outputs_of(second)[0]["call_id"] == call["call_id"]
    assert env.fake.responses[result.response_id]["previous_response_id"] == first_id


async def test_a_turn_continues_the_given_response_and_links_the_conversation(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    await env.conversation(customer)  # newer, not the turn's
    env.fake.script(
        [function_call("create_ticket_report", report_arguments())], [message("Quedó registrado.")]
    )
    before = len(env.fake.posts())
    result = await env.rpc.call(
        ai.RESPOND,
        ai.RespondRequest(
            phone=customer.phone_number,
            conversation_id=conversation.id,
            message="Sigue sin luz",
            previous_response_id="resp_earlier_turn",
        ),
    )
    first, second = env.fake.posts()[before:]
    assert first["previous_response_id"] == "resp_earlier_turn"
    assert first["metadata"] == {
        "phone": customer.phone_number,
        "conversationId": conversation.id,
    }
    assert second["metadata"] == first["metadata"]
    assert result.text == "Quedó registrado."
    [ticket] = await env.tickets_of(customer)
    assert ticket.conversation_id == conversation.id


async def test_a_turn_records_the_customers_message_and_the_answer_in_the_conversation(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    env.fake.script([message("Con gusto te ayudo.")])
    result = await env.rpc.call(
        ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="Hola, sin luz")
    )
    assert result.handled_by is t.Handler.ASSISTANT
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
    said, answered = page.messages
    assert (said.direction, said.author, said.text) == (
        m.Direction.INBOUND,
        m.Author.CUSTOMER,
        "Hola, sin luz",
    )
    assert (answered.direction, answered.author, answered.text) == (
        m.Direction.OUTBOUND,
        m.Author.ASSISTANT,
        "Con gusto te ayudo.",
    )
    assert answered.delivery is m.Delivery.SENT  # the turn's caller delivers it


async def test_while_an_agent_handles_the_conversation_the_model_is_not_asked(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    await env.rpc.call(
        m.HAND_OFF, m.HandOff(conversation_id=conversation.id, to=t.Handler.AGENT, by="a1")
    )
    before = len(env.fake.posts())
    result = await env.rpc.call(
        ai.RESPOND,
        ai.RespondRequest(
            phone=customer.phone_number,
            conversation_id=conversation.id,
            message="¿Sigue ahí alguien?",
        ),
    )
    assert result.handled_by is t.Handler.AGENT
    assert (result.text, result.response_id, result.tool_calls) == ("", None, [])
    assert len(env.fake.posts()) == before
    page = await env.rpc.call(m.LIST_MESSAGES, m.ListMessages(conversation_id=conversation.id))
    [said] = page.messages
    assert said.text == "¿Sigue ahí alguien?" and said.author is m.Author.CUSTOMER


async def test_the_assistant_hands_the_conversation_over_and_adds_to_a_report(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    ticket_id = await env.agent_ticket(customer)
    result = await env.rpc.call(
        ai.TOOL_CALLS,
        ai.ToolCallsRequest(
            phone=customer.phone_number,
            calls=[
                ai.FunctionCall(
                    call_id=unique_key("call"),
                    name="add_ticket_comment",
                    arguments=json.dumps({"ticketId": ticket_id, "comment": "Ya son dos postes"}),
                ),
                ai.FunctionCall(
                    call_id=unique_key("call"),
                    name="request_human_agent",
                    arguments=json.dumps({"reason": "Quiere hablar con una persona"}),
                ),
            ],
        ),
    )
    added, handed = (json.loads(o.output) for o in result.outputs)
    assert added["success"] is True and added["ticketId"] == ticket_id
    assert handed == {
        "success": True,
        "handedOff": True,
        "message": "Un agente continuará esta conversación en breve.",
    }
    ticket = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket_id))
    [note] = ticket.notes
    assert (note.content, note.is_internal, note.by_customer) == ("Ya son dos postes", False, True)
    now = await env.rpc.call(t.GET_CONVERSATION, t.GetConversation(conversation_id=conversation.id))
    assert now.handled_by is t.Handler.AGENT


async def test_a_handoff_raises_the_conversations_open_tickets_when_the_policy_says_so(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    request = t.CreateFromAgent(
        subject="Poste caído",
        description="El poste de la esquina está caído",
        category="electrical_issue",
        priority=t.Priority.MEDIUM,
        customer_id=customer.id,
        conversation_id=conversation.id,
        agent_id="agent-1",
    )
    ticket_id = (await env.rpc.call(t.CREATE_FROM_AGENT, request)).ticket.ticket_id
    raising = cfg.HandoffPolicy(raise_priority=True)
    try:
        await changed(
            env, cfg.UPDATE_HANDOFF, cfg.UPDATE_HANDOFF.request(agent_id="tests", policy=raising)
        )
        [out] = await run_tools(
            env, customer.phone_number, ("request_human_agent", {"reason": "x"})
        )
        assert out["handedOff"] is True
        ticket = await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket_id))
        assert ticket.priority is t.Priority.HIGH
        assert ticket.sla.resolution_target == 24 * 3_600_000  # the high priority's target
    finally:
        off = cfg.HandoffPolicy()
        await changed(
            env, cfg.UPDATE_HANDOFF, cfg.UPDATE_HANDOFF.request(agent_id="tests", policy=off)
        )


async def test_a_rate_limit_once_is_retried_and_the_turn_completes(env: AiEnv) -> None:
    customer = await env.customer()
    call = function_call("create_ticket_report", report_arguments())
    env.fake.script(Fail(429, "slow down"), [call], Fail(500, "hiccup"), [message("Listo.")])
    before = len(env.fake.posts())
    result = await env.rpc.call(
        ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="No hay luz")
    )
    assert result.text == "Listo."
    assert [r.call_id for r in result.tool_calls] == [call["call_id"]]
    assert len(env.fake.posts()[before:]) == 4  # two refused, each retried once
    [ticket] = await env.tickets_of(customer)
    assert json.loads(result.tool_calls[0].output)["ticketId"] == ticket.ticket_id


async def test_the_loop_guard_stops_a_model_repeating_a_call(env: AiEnv) -> None:
    customer = await env.customer()
    same = {"lookup_recent": True}
    env.fake.script(
        [function_call("get_ticket_information", same)],
        [function_call("get_ticket_information", same)],
        [function_call("get_ticket_information", same)],
        [message("No encontré reportes.")],
    )
    before = len(env.fake.posts())
    result = await env.rpc.call(
        ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="¿Mis reportes?")
    )

    assert result.loop_guard_tripped
    assert result.text == "No encontré reportes."
    first, second, third = (json.loads(r.output) for r in result.tool_calls)
    assert first == second == {"success": True, "message": "No tienes reportes registrados."}
    assert third["success"] is False
    assert "get_ticket_information se llamó 3 veces" in third["error"]
    posts = env.fake.posts()[before:]
    assert len(posts) == 4
    assert posts[-1]["tool_choice"] == "none"
    tripped = await env.events.first(
        lambda e: (
            e.routing_key == "ai.loop_guard_tripped" and e.data["phone"] == customer.phone_number
        )
    )
    assert tripped.data["reason"] == "repeated_call"
    assert tripped.data["callName"] == "get_ticket_information"


async def test_the_loop_guard_stops_a_model_past_its_tool_rounds(env: AiEnv) -> None:
    customer = await env.customer()
    rounds = [
        [function_call("get_ticket_information", {"ticket_id": f"LUX-2026-99999{i}"})]
        for i in range(6)
    ]
    env.fake.script(*rounds)
    result = await env.rpc.call(
        ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="¿Y el LUX-1?")
    )
    assert result.loop_guard_tripped
    outputs = [json.loads(r.output) for r in result.tool_calls]
    assert len(outputs) == 5  # 4 rounds (MAX_TOOL_ROUNDS) run, the 5th answered by the guard
    assert "límite de llamadas a herramientas (4 rondas)" in outputs[-1]["error"]
    assert result.text == ""  # the model kept calling even with tool_choice none: stopped there


# --- the configuration, live -----------------------------------------------------------------


async def test_outputs_follow_the_configured_terminology_and_language_live(env: AiEnv) -> None:
    customer = await env.customer()
    terminology = (await env.rpc.call(cfg.GET_TERMINOLOGY, Empty())).terminology
    assistant = (await env.rpc.call(cfg.GET_ASSISTANT, Empty())).config
    solicitud = terminology.model_copy(
        update={"ticket_singular": "solicitud", "ticket_plural": "solicitudes"}
    )
    try:
        await changed(
            env,
            cfg.UPDATE_TERMINOLOGY,
            cfg.UpdateTerminology(agent_id="tests", terminology=solicitud),
        )
        created, neither = await run_tools(
            env,
            customer.phone_number,
            ("create_ticket_report", report_arguments()),
            ("get_ticket_information", {}),
        )
        ticket_id = created["ticketId"]
        assert created["message"] == (
            f"solicitud creada exitosamente. Tu número de solicitud es {ticket_id}."
        )
        assert neither["error"] == (
            "Debes proporcionar un número de solicitud o solicitar las solicitudes recientes."
        )

        english = assistant.model_copy(update={"language": "en", "assistant_name": "TestBot"})
        await changed(
            env, cfg.UPDATE_ASSISTANT, cfg.UpdateAssistant(agent_id="tests", config=english)
        )
        again, unknown, bad = await run_tools(
            env,
            customer.phone_number,
            ("create_ticket_report", report_arguments(subject="Otro")),
            ("nope", {}),
            ("create_ticket_report", "{oops"),
        )
        assert again["message"] == (
            f"Solicitud created successfully. Your solicitud number is {again['ticketId']}."
        )
        assert unknown == {"success": False, "error": "Unknown function"}
        assert bad == {
            "success": False,
            "error": "The function arguments are not a valid JSON object.",
        }

        # The template variable reaches the next model call, no restart.
        env.fake.script([message("Hi")])
        before = len(env.fake.posts())
        await env.rpc.call(
            ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="hello")
        )
        [sent] = env.fake.posts()[before:]
        rendering = await env.rendering()
        assert sent["instructions"] == rendering.instructions
        assert "TestBot" in sent["instructions"]
    finally:
        await changed(
            env,
            cfg.UPDATE_TERMINOLOGY,
            cfg.UpdateTerminology(agent_id="tests", terminology=terminology),
        )
        await changed(
            env, cfg.UPDATE_ASSISTANT, cfg.UpdateAssistant(agent_id="tests", config=assistant)
        )


# --- garbage on config.updated ----------------------------------------------------------------


@pytest.mark.parametrize("garbage", ["malformed", "over-size"])
async def test_garbage_on_config_updated_is_logged_once_briefly_and_dead_lettered_by_every_service(
    env: AiEnv, garbage: str, caplog: pytest.LogCaptureFixture
) -> None:
    marker = f"garbage-{uuid.uuid4().hex}"
    size = 1000 if garbage == "malformed" else MAX_MESSAGE_BYTES + 1
    body = json.dumps({"marker": marker, "padding": "x" * size}).encode()
    consumers = ("config.cache.", "tickets.config-updates.", "ai-tools.config-updates.")
    tap = await env.client.declare_queue(
        RabbitQueue(f"test.dlx-tap.{marker[-8:]}", exclusive=True, auto_delete=True)
    )
    await tap.bind(DEAD_LETTER_EXCHANGE, routing_key=cfg.CONFIG_UPDATED.routing_key)
    rejected_by: Arrivals[Seen] = Arrivals("rejections")

    async def on_dead(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if marker.encode() in message.body[:200]:
            death = message.headers["x-death"][0]  # type: ignore[index]
            await rejected_by.add(Seen(str(death["queue"]), {}))  # type: ignore[index]

    await tap.consume(on_dead, no_ack=True)
    caplog.set_level(logging.WARNING)
    await env.client.publish(
        body, exchange="uts.events", routing_key=cfg.CONFIG_UPDATED.routing_key
    )

    # One config replica, one tickets instance and two ai-tools replicas each reject it.
    for prefix in consumers:
        await rejected_by.first(lambda seen, p=prefix: seen.routing_key.startswith(p))
    await rejected_by.wait_for(lambda seen: seen.routing_key.startswith(consumers[2]), count=2)
    lines = [r.getMessage() for r in caplog.records if marker in r.getMessage()]
    assert len(lines) == 4, lines
    for prefix in consumers:
        assert any(prefix in line for line in lines), (prefix, lines)
    assert all(len(line) < 600 for line in lines), max(map(len, lines))


# --- no key -----------------------------------------------------------------------------------


async def test_without_a_key_tools_run_and_the_model_paths_say_they_are_off(env: AiEnv) -> None:
    keyless = AiToolsService(
        AiSettings(rabbitmq_url=env.rabbit_url, openai_api_key=None, rpc_timeout=10.0),
        database=env.databases["ai"],
    )
    await keyless.start()
    try:
        await _keyless_checks(env, keyless)
    finally:
        await keyless.stop()


async def _keyless_checks(env: AiEnv, keyless: AiToolsService) -> None:
    status = keyless.status()
    assert (status.tools_enabled, status.model_enabled, status.webhooks_enabled) == (
        True,
        False,
        False,
    )
    assert status.reason is not None and "OPENAI_API_KEY" in status.reason
    with pytest.raises(Unavailable, match="OPENAI_API_KEY"):
        await keyless.loop.respond(ai.RespondRequest(phone="+525512345678", message="hola"))
    customer = await env.customer()
    call = ai.FunctionCall(call_id=f"k-{uuid.uuid4().hex}", name="x", arguments="{}")
    output = await keyless.tools.execute(call, customer.phone_number, None)
    assert json.loads(output) == {"success": False, "error": UNKNOWN_FUNCTION}


# --- embeddings for similar tickets -----------------------------------------------------------


async def test_tickets_are_embedded_and_found_alike_in_meaning_then_reembedded_when_reworded(
    env: AiEnv,
) -> None:
    env.fake.meanings.update({"kiosco": [0.8, 0.6, 0.0], "glorieta": [0.78, 0.62, 0.05]})
    customer = await env.customer()

    async def report(subject: str, description: str) -> t.TicketView:
        request = t.CreateFromAgent(
            subject=subject,
            description=description,
            category="light_malfunction",
            customer_id=customer.id,
            agent_id="agent-1",
        )
        return (await env.rpc.call(t.CREATE_FROM_AGENT, request)).ticket

    first = await report("El kiosco del jardín sin alumbrado", "Nadie pasea de noche")
    second = await report("Penumbra en la glorieta", "Las parejas no se atreven a cruzar")

    async def alike() -> None:
        found = await env.rpc.call(t.SIMILAR, t.FindSimilar(ticket_id=second.ticket_id))
        assert [(s.ticket.ticket_id, s.words) for s in found.tickets] == [(first.ticket_id, [])]
        assert found.tickets[0].meaning is not None and found.tickets[0].meaning > 0.99

    await until_passes(alike, what="the two reports alike in meaning", timeout=10)
    embedded = [text for text in env.fake.embedded if "glorieta" in text]
    assert embedded == ["Penumbra en la glorieta\nLas parejas no se atreven a cruzar"]

    await env.rpc.call(
        t.UPDATE,
        t.UpdateTicket(
            ticket_id=second.ticket_id,
            changes=t.TicketChanges(description="Era el semáforo, no la luz"),
            by="agent-1",
        ),
    )

    async def reembedded() -> None:
        assert "Penumbra en la glorieta\nEra el semáforo, no la luz" in env.fake.embedded

    await until_passes(reembedded, what="the reworded report embedded again", timeout=10)
