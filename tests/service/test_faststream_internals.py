"""The two FastStream internals the services rely on are where `uts_shared.messaging`'s adapter
expects them: this fails first when a FastStream upgrade moves them."""

from __future__ import annotations

from uts_shared.messaging import events_channel, make_broker, on_reconnect


async def test_the_reconnect_hook_and_the_events_channel_are_reachable(rabbit_url: str) -> None:
    broker = make_broker(rabbit_url, app_id="internals-test")
    await broker.connect()
    try:
        assert on_reconnect(broker, lambda: None)
        channel = await events_channel(broker)
        assert not channel.is_closed
    finally:
        await broker.stop()
