"""Seeding on first start: idempotent across replicas, env initial values, failure tolerated."""

import asyncio
import logging
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from config_service.domain.defaults import seed_record
from config_service.store import SettingsStore
from tests.support.config_helpers import FakeClock, UnreachableDatabase, config_harness
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import SettingKey
from uts_shared.errors import Unavailable

pytestmark = pytest.mark.usefixtures("fresh_store")

KEYS = {k.value for k in SettingKey}


async def _docs_per_key(database: Any) -> dict[str, int]:
    docs = await database["system_settings"].find({}).to_list()
    counts: dict[str, int] = {}
    for doc in docs:
        counts[doc["key"]] = counts.get(doc["key"], 0) + 1
    return counts


async def test_two_replicas_starting_together_seed_each_key_exactly_once(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url, replicas=2, start=False) as h:
        await asyncio.gather(*(s.start() for s in h.services))

        assert await _docs_per_key(h.database) == dict.fromkeys(KEYS, 1)
        seeds = await h.database["setting_changes"].find({"action": "seed"}).to_list()
        assert sorted(d["key"] for d in seeds) == sorted(KEYS)
        all_config = await h.client.call(contracts.GET_ALL, Empty())
        assert all_config.ticket_id_format.prefix == "LUX"


@pytest.mark.real_mongo
async def test_many_replicas_racing_on_a_real_server_seed_each_key_once(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url, replicas=5, start=False) as h:
        await asyncio.gather(*(s.start() for s in h.services))
        assert await _docs_per_key(h.database) == dict.fromkeys(KEYS, 1)


async def test_seeded_documents_are_system_settings_in_camel_case(
    rabbit_url: str, mongo_url: str | None
) -> None:
    clock = FakeClock()
    async with config_harness(rabbit_url, mongo_url, clock=clock) as h:
        doc = await h.database["system_settings"].find_one({"key": "ticket_id_format"})
        assert doc is not None
        assert {"key", "value", "category", "description", "isEditable", "updatedBy"} <= set(doc)
        assert {"createdAt", "updatedAt"} <= set(doc)
        assert doc["category"] == "tickets"
        assert doc["isEditable"] is True
        assert doc["value"] == {
            "prefix": "LUX",
            "includeYear": True,
            "padLength": 6,
            "separator": "-",
        }
        assert doc["createdAt"].replace(tzinfo=None) == clock.now().replace(tzinfo=None)


async def test_restarting_does_not_overwrite_existing_settings(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url) as h:
        fmt = contracts.TicketIdFormat(prefix="ACME")
        await h.client.call(
            contracts.UPDATE_ID_FORMAT, contracts.UpdateIdFormat(agent_id="a1", format=fmt)
        )
        await h.services[0].stop()
        second = h.replica()
        await second.start()

        result = await h.client.call(contracts.GET_ID_FORMAT, Empty())
        assert result.format.prefix == "ACME"
        assert await _docs_per_key(h.database) == dict.fromkeys(KEYS, 1)


async def test_first_seeding_takes_initial_values_from_the_environment(
    rabbit_url: str, mongo_url: str | None
) -> None:
    env = {
        "ticket_prefix": "ACME",
        "assistant_name": "Sol",
        "primary_service_issue": "fallas en la red eléctrica",
        "ticket_noun": "solicitud",
        "company_name": "Acme Energía",
    }
    async with config_harness(rabbit_url, mongo_url, **env) as h:
        all_config = await h.client.call(contracts.GET_ALL, Empty())
        assert all_config.ticket_id_format.prefix == "ACME"
        assistant = all_config.assistant_configuration
        assert assistant.assistant_name == "Sol"
        assert assistant.company_name == "Acme Energía"
        assert assistant.primary_service_issue == "fallas en la red eléctrica"
        assert (assistant.ticket_noun, assistant.ticket_noun_plural) == ("solicitud", "solicitudes")
        assert all_config.terminology.ticket_singular == "solicitud"

        # Only the first seeding: a later replica with other values changes nothing.
        later = h.replica(ticket_prefix="OTHER")
        await later.start()
        again = await h.client.call(contracts.GET_ID_FORMAT, Empty())
        assert again.format.prefix == "ACME"


async def test_seeding_failure_is_logged_and_builtin_defaults_are_served(
    rabbit_url: str, mongo_url: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    async with config_harness(rabbit_url, mongo_url, replicas=0) as h:
        service = h.replica(database=UnreachableDatabase())
        with caplog.at_level(logging.ERROR, logger="config_service"):
            await service.start()
        assert "seeding the configuration failed" in caplog.text

        categories = await h.client.call(contracts.GET_CATEGORIES, Empty())
        assert categories.categories[0].id == "solar_installation"
        rendered = await h.client.call(contracts.RENDER_ASSISTANT, Empty())
        assert "Lúmen" in rendered.instructions
        with pytest.raises(Unavailable):
            await h.client.call(
                contracts.UPDATE_ID_FORMAT,
                contracts.UpdateIdFormat(
                    agent_id="a1", format=contracts.TicketIdFormat(prefix="X")
                ),
            )


class _RacingCollection:
    """The loser of a real-server upsert race: the unique index refuses its insert."""

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        raise DuplicateKeyError("E11000 duplicate key error collection: system_settings")


async def test_losing_a_seeding_race_on_the_unique_index_is_not_an_error() -> None:
    store = SettingsStore({"system_settings": _RacingCollection(), "setting_changes": None})
    record = seed_record(SettingKey.TICKET_CATEGORIES, [], now=FakeClock().now())
    assert await store.insert_if_absent(record) is False


async def test_health_names_the_instance_and_its_mongodb(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with config_harness(rabbit_url, mongo_url) as h:
        health = await h.client.call(contracts.HEALTH, Empty())
        assert health.service == "config"
        assert health.instance == h.services[0].instance
        assert health.mongo == h.services[0].mongo
        assert "in-process" in health.mongo or "MongoDB at" in health.mongo


async def test_every_config_rpc_has_an_endpoint(rabbit_url: str, mongo_url: str | None) -> None:
    async with config_harness(rabbit_url, mongo_url) as h:
        served = {s.queue.name for s in h.services[0].broker.subscribers}
        assert {rpc.queue for rpc in contracts.RPCS} | {contracts.HEALTH.queue} <= served
