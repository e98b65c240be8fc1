"""The loop with the customer on the ticket page: the customer's message appears live in the
stream, the agent answers from the composer (the reply reaches the channel system on the broker
and by webhook, its delivery report updates the screen), the conversation is taken from the
assistant (the model is not asked) and handed back, and uploads are refused in the agent's
language when too large or not what they say."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from faststream.rabbit import RabbitQueue
from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in
from tests.support.events import EventRecorder, observer
from tests.support.fake_openai import message
from tests.support.webhook_receiver import Receiver, webhook_receiver

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
CREATED = "conversation.message_created"


@pytest_asyncio.fixture
async def channel(console: Console) -> AsyncIterator[EventRecorder]:
    """The channel system's queue on the events exchange."""
    queue = RabbitQueue(
        f"browser.channel.{uuid.uuid4().hex[:8]}",
        durable=False,
        exclusive=True,
        auto_delete=True,
        routing_key=CREATED,
    )
    async with observer(console.rabbit_url, queue, name="browser-channel", timeout=10.0) as (
        _,
        recorder,
    ):
        yield recorder


@pytest_asyncio.fixture
async def receiver(console: Console) -> AsyncIterator[Receiver]:
    async with webhook_receiver() as receiver:
        r = console.api.post(
            "/webhooks",
            json={"url": receiver.url, "eventTypes": [CREATED], "description": "Canal"},
        )
        assert r.status_code == 201, r.text
        try:
            yield receiver
        finally:
            console.api.delete(f"/webhooks/{r.json()['webhook']['id']}")


def _conversation_with_ticket(console: Console) -> tuple[dict[str, Any], dict[str, Any], str]:
    customer = console.new_customer("Rosa", "Luz")
    r = console.api.post("/conversations", json={"customerId": customer["id"]})
    assert r.status_code == 201, r.text
    conversation: dict[str, Any] = r.json()["conversation"]
    ticket = console.new_ticket(
        customer["id"],
        "Poste apagado",
        conversationId=conversation["id"],
        location={
            "address": "Av. Juárez 12",
            "coordinates": {"latitude": 19.4326, "longitude": -99.1332},
        },
    )
    return conversation, ticket, str(customer["phoneNumber"])


async def test_the_customer_writes_the_agent_replies_and_hands_the_conversation_back_and_forth(
    page: Page, console: Console, channel: EventRecorder, receiver: Receiver
) -> None:
    conversation, ticket, phone = _conversation_with_ticket(console)
    messages = f"/conversations/{conversation['id']}/messages"
    await signed_in(page, console, console.admin, f"/tickets/{ticket['ticketId']}")
    await expect(page.get_by_test_id("location-coordinates")).to_have_text("19.4326, -99.1332")
    await page.locator("[data-tab=activity]").click()
    await expect(page.get_by_test_id("composer")).to_have_attribute("data-mode", "reply")

    r = console.api.post(messages, json={"direction": "inbound", "text": "¿Qué pasó con mi poste?"})
    assert r.status_code == 201, r.text
    inbound = page.locator("[data-entry=message][data-direction=inbound]")
    await expect(inbound).to_contain_text("¿Qué pasó con mi poste?")

    await page.get_by_test_id("composer-text").fill("La cuadrilla va mañana")
    await page.get_by_test_id("composer-text").press("Control+Enter")
    reply = page.locator("[data-entry=message][data-direction=outbound]")
    await expect(reply).to_contain_text("La cuadrilla va mañana")
    await expect(reply.get_by_test_id("delivery")).to_have_attribute("data-delivery", "pending")
    await expect(page.get_by_test_id("composer-text")).to_have_value("")

    def is_reply(data: dict[str, Any]) -> bool:
        sent = data["message"]
        return bool(sent["direction"] == "outbound" and sent["text"] == "La cuadrilla va mañana")

    [published] = await channel.arrivals.wait_for(
        lambda e: e.routing_key == CREATED and is_reply(e.data), timeout=10
    )
    [hook] = await receiver.received.wait_for(lambda h: is_reply(h.event["data"]), timeout=15)
    assert hook.event["type"] == CREATED
    message_id = published.data["message"]["id"]
    assert published.data["message"]["ticketId"] == ticket["ticketId"]

    r = console.api.post(f"{messages}/{message_id}/delivery", json={"status": "delivered"})
    assert r.status_code == 200, r.text
    await expect(reply.get_by_test_id("delivery")).to_have_attribute("data-delivery", "delivered")

    # Taken from the assistant: the customer's next message is recorded, the model not asked.
    openai = console.openai
    assert openai is not None
    await page.get_by_test_id("handoff-agent").click()
    await expect(page.get_by_test_id("handoff")).to_have_attribute("data-handled-by", "agent")
    before = len(openai.posts())
    r = console.api.post("/ai/respond", json={"phone": phone, "message": "¿Hay alguien?"})
    assert r.status_code == 200, r.text
    assert r.json()["handledBy"] == "agent"
    await expect(inbound.last).to_contain_text("¿Hay alguien?")
    assert len(openai.posts()) == before

    await page.get_by_test_id("handoff-assistant").click()
    await expect(page.get_by_test_id("handoff")).to_have_attribute("data-handled-by", "assistant")
    openai.script([message("Aquí estoy, ¿en qué te ayudo?")])
    r = console.api.post("/ai/respond", json={"phone": phone, "message": "¿Y ahora?"})
    assert r.status_code == 200, r.text
    assert r.json()["handledBy"] == "assistant"
    assert len(openai.posts()) == before + 1
    await expect(page.locator("[data-entry=message]").last).to_contain_text("Aquí estoy")


async def test_an_eleven_megabyte_upload_and_an_exe_named_png_are_refused_in_spanish(
    page: Page, console: Console, tmp_path: Path
) -> None:
    _, ticket, _ = _conversation_with_ticket(console)
    await signed_in(page, console, console.admin, f"/tickets/{ticket['ticketId']}")
    upload = page.get_by_test_id("attachment-input")
    big = tmp_path / "grande.png"  # a path, not a buffer: 11 MB through the driver is slow
    big.write_bytes(PNG + b"\x00" * (11 * 1024 * 1024))
    await upload.set_input_files(big, timeout=60_000)
    await expect(page.get_by_test_id("attachment-error")).to_contain_text("10 MB")
    await upload.set_input_files({"name": "foto.png", "mimeType": "image/png", "buffer": EXE})
    await expect(page.get_by_test_id("attachment-error")).to_contain_text("PDF")

    await upload.set_input_files({"name": "poste.png", "mimeType": "image/png", "buffer": PNG})
    thumbnail = page.get_by_test_id("attachment-thumbnail")
    await expect(thumbnail).to_have_count(1)
    await expect(thumbnail.locator("img")).to_have_attribute("src", re.compile(r"^blob:"))
    await thumbnail.click()
    await expect(page.get_by_test_id("attachment-full")).to_be_visible()
