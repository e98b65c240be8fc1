"""Reads are cached with a TTL; every change invalidates the cache in every replica."""

import asyncio

import pytest

from tests.support.config_helpers import FakeClock, config_harness, invalidation_seen
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import Category, SettingKey

pytestmark = pytest.mark.usefixtures("fresh_store")

CATEGORIES = SettingKey.TICKET_CATEGORIES


async def test_update_through_one_replica_is_read_at_once_through_another(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url, replicas=2, clock=FakeClock()) as h:
        a, b = h.services
        assert (await b.config.categories())[0].id == "solar_installation"
        assert b.config.is_cached(CATEGORIES)  # B would serve this for 5 minutes
        seen = invalidation_seen(b, lambda keys: keys == [CATEGORIES.value])

        new = [Category(id="fresh", label="Nueva", is_fallback=True)]
        await a.config.update(CATEGORIES, new, by="agent-a")
        await asyncio.wait_for(seen, 5)

        assert [c.id for c in await b.config.categories()] == ["fresh"]
        for _ in range(4):  # whichever replica answers
            result = await h.client.call(contracts.GET_CATEGORIES, Empty())
            assert [c.id for c in result.categories] == ["fresh"]


async def test_applying_a_preset_invalidates_all_four_keys_in_every_replica(
    rabbit_url: str, mongo_url: str | None
) -> None:
    four = {
        "ticket_categories",
        "assistant_configuration",
        "ticket_terminology",
        "ticket_id_format",
    }
    async with config_harness(rabbit_url, mongo_url, replicas=2, clock=FakeClock()) as h:
        a, b = h.services
        await b.config.all()
        seen = invalidation_seen(b, lambda keys: set(keys) == four)

        await a.config.apply_preset("restaurant", by="agent-a")
        await asyncio.wait_for(seen, 5)

        config = await b.config.all()
        assert config.ticket_id_format.prefix == "FOOD"
        assert config.assistant_configuration.assistant_name == "FoodBot"
        assert config.terminology.ticket_singular == "caso"
        assert config.ticket_categories[0].id == "order_issue"


async def test_a_replica_reads_its_own_change_without_waiting_for_the_event(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url, clock=FakeClock()) as h:
        service = h.services[0]
        await service.config.id_format()
        await service.config.update(
            SettingKey.TICKET_ID_FORMAT, contracts.TicketIdFormat(prefix="NOW"), by="a1"
        )
        assert (await service.config.id_format()).prefix == "NOW"


async def test_cached_value_is_served_until_the_ttl_expires(
    rabbit_url: str, mongo_url: str | None
) -> None:
    clock = FakeClock()
    async with config_harness(rabbit_url, mongo_url, clock=clock, config_cache_ttl=300) as h:
        first = await h.client.call(contracts.GET_ID_FORMAT, Empty())
        assert first.format.prefix == "LUX"
        # Changed behind the service's back: no event, only the TTL can reveal it.
        await h.database["system_settings"].update_one(
            {"key": "ticket_id_format"}, {"$set": {"value.prefix": "DB"}}
        )

        clock.advance(299)
        cached = await h.client.call(contracts.GET_ID_FORMAT, Empty())
        assert cached.format.prefix == "LUX"

        clock.advance(1)
        fresh = await h.client.call(contracts.GET_ID_FORMAT, Empty())
        assert fresh.format.prefix == "DB"


async def test_a_malformed_config_updated_event_clears_the_whole_cache(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url, clock=FakeClock()) as h:
        service = h.services[0]
        await service.config.all()
        seen = invalidation_seen(service, lambda keys: len(keys) == len(SettingKey))

        await h.broker.publish(
            b"{not json",
            exchange="uts.events",
            routing_key=contracts.CONFIG_UPDATED.routing_key,
        )
        await asyncio.wait_for(seen, 5)
        assert not service.config.is_cached(CATEGORIES)
