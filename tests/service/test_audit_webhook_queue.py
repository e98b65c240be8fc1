"""Audit of issue 5: an OpenAI webhook the gateway answered 200 must not be lost.

The gateway answers OpenAI 200 once it has published the webhook, so OpenAI never retries it:
from then on the broker must hold it until an ai-tools replica takes it. This module runs on a
vhost of its own (the `rabbit_url` fixture), i.e. a broker on which no ai-tools replica with a
key has run yet (a fresh deployment; or ai-tools started without `OPENAI_API_KEY`). The gateway
and the ai-tools service run in-process; the model is the local fake.

Found by the audit (webhooks were dropped unroutable before 78b9aef, where the gateway started
declaring the shared webhook work queue itself); kept as its regression test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aio_pika
import httpx
import pytest
import pytest_asyncio
from faststream.rabbit import RabbitMessage, RabbitQueue

from ai_tools_service.main import AiToolsService
from ai_tools_service.settings import Settings as AiSettings
from gateway.main import create_app
from gateway.routes.ai import AiRouteSettings
from gateway.settings import GatewaySettings
from tests.service.test_ai_service import Seen
from tests.support.fake_openai import FakeOpenAI, message, new_secret, sign, webhook_body
from tests.support.waiting import Arrivals
from uts_shared.contracts import ai_tools as ai
from uts_shared.messaging import declare_topology, make_broker, subscribe_events
from uts_shared.mongo import open_database


@dataclass
class Stack:
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
            mongodb_db=f"audit_ai_{self.suffix}",
            openai_api_key="sk-audit",
            openai_base_url=self.fake.url,
            openai_max_retries=0,
        )
        return AiToolsService(settings, database=open_database(self.mongo_url, settings.mongodb_db))


@pytest_asyncio.fixture(scope="module")
async def stack(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[Stack]:
    """A gateway with the webhook secret, in-process, on this module's fresh vhost."""
    suffix = uuid.uuid4().hex[:8]
    secret = new_secret()
    settings = GatewaySettings(
        rabbitmq_url=rabbit_url,
        mongodb_url=mongo_url,
        mongodb_db=f"audit_gateway_{suffix}",
        jwt_secret="audit-" + uuid.uuid4().hex,
        admin_password="audit-" + uuid.uuid4().hex[:12],
        gateway_required_services=[],
    )
    app = create_app(
        settings, database=open_database(mongo_url, settings.mongodb_db)
    ).other_asgi_app
    app.state.ai_settings = AiRouteSettings(openai_webhook_secret=secret)
    gateway = app.state.gateway
    fake = FakeOpenAI().start()
    events: Arrivals[Seen] = Arrivals("ai events")
    listener = make_broker(rabbit_url, app_id="audit-webhook-listener")

    async def on_event(routing_key: str, body: bytes, msg: RabbitMessage) -> None:
        await events.add(Seen(routing_key, json.loads(body)))

    subscribe_events(
        listener,
        RabbitQueue(
            f"audit-ai-events.{suffix}", exclusive=True, auto_delete=True, routing_key="ai.#"
        ),
        on_event,
    )
    await start_without_a_webhook_queue(rabbit_url)  # as on a broker no ai-tools ever used
    await gateway.start()
    await listener.connect()
    await declare_topology(listener)
    await listener.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield Stack(http, secret, fake, events, rabbit_url, mongo_url, suffix)
    finally:
        await listener.stop()
        await gateway.stop()
        fake.stop()


async def start_without_a_webhook_queue(rabbit_url: str) -> None:
    """This module's vhost is fresh; on a shared one (a broker container, no rabbitmqctl) make
    it so: drop the webhook queue unless a consumer is on it."""
    connection = await aio_pika.connect(rabbit_url)
    try:
        channel = await connection.channel()
        await channel.queue_delete(ai.WEBHOOK_QUEUE, if_unused=True)
    except aio_pika.exceptions.ChannelPreconditionFailed:
        pytest.skip("an ai-tools replica is consuming webhooks on this broker")
    finally:
        await connection.close()


def answered(response_id: str) -> Any:
    return lambda e: (
        e.routing_key == "ai.response.answered" and (e.data.get("responseId") == response_id)
    )


async def test_a_webhook_answered_200_before_any_consumer_exists_is_handled_later(
    stack: Stack,
) -> None:
    early = stack.fake.stored([message("llegó primero")], metadata={"phone": "+525500000101"})
    r = await stack.webhook(early)
    if r.status_code != 200:
        # Refusing it is fine too: OpenAI retries a non-2xx delivery later.
        assert r.status_code >= 500, r.text
        return
    assert r.json() == {"success": True}

    replica = stack.ai_tools()
    await replica.start()
    try:
        later = stack.fake.stored([message("llegó después")], metadata={"phone": "+525500000102"})
        assert (await stack.webhook(later)).status_code == 200
        await stack.events.first(answered(later), timeout=10)  # the consumer is running
        # One queue, oldest first: the early delivery is handled by now (or within moments).
        await stack.events.first(answered(early), timeout=2)
    finally:
        await replica.stop()
