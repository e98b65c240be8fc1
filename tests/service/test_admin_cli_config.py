"""`uts-admin config …` against a real config service on the real broker: export, import (each
key through its update RPC, by cli:<user>), presets; refusals and absences in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.admin_cli import CLOSED_PORT_URL, admin, one_line_error
from tests.support.config_helpers import ConfigHarness, FakeClock, config_harness
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import HistoryQuery, SettingKey

pytestmark = pytest.mark.usefixtures("fresh_store")

TEMPLATE_KEY = SettingKey.ASSISTANT_INSTRUCTIONS_TEMPLATE.value
EXPORTED = {k.value for k in SettingKey} - {"configuration_presets"}


@pytest.fixture
async def h(rabbit_url: str, mongo_url: str | None) -> ConfigHarness:  # type: ignore[misc]
    async with config_harness(rabbit_url, mongo_url, clock=FakeClock()) as harness:
        yield harness


async def _export(h: ConfigHarness, file: Path) -> dict[str, Any]:
    result = await admin("config", "export", str(file), RABBITMQ_URL=h.rabbit_url)
    assert result.exit_code == 0, result.output
    return _read(file)


def _read(file: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(file.read_text())
    return document


def _write(file: Path, document: Any) -> None:
    file.write_text(document if isinstance(document, str) else json.dumps(document))


async def test_export_writes_every_setting_as_the_rpcs_read_it(
    h: ConfigHarness, tmp_path: Path
) -> None:
    document = await _export(h, tmp_path / "config.json")

    assert document["format"] == "uts-config/1"
    assert document["exportedBy"].startswith("cli:")
    settings = document["settings"]
    assert set(settings) == EXPORTED
    categories = await h.client.call(contracts.GET_CATEGORIES, Empty())
    assert settings["ticket_categories"] == [
        c.model_dump(mode="json") for c in categories.categories
    ]
    assert settings["ticket_terminology"]["ticketSingular"] == "reporte"
    assert settings["ticket_id_format"]["prefix"] == "LUX"
    assert settings["ticket_visibility"] == "all"
    sla = await h.client.call(contracts.GET_SLA, Empty())
    assert settings["sla_policy"] == sla.policy.model_dump(mode="json")
    template = await h.client.call(contracts.GET_TEMPLATE, Empty())
    assert settings["assistant_instructions_template"] == template.template


async def test_export_without_a_file_writes_to_standard_output(h: ConfigHarness) -> None:
    result = await admin("config", "export", RABBITMQ_URL=h.rabbit_url)

    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["settings"]) == EXPORTED


async def test_import_applies_each_changed_key_through_its_update_rpc_by_the_cli_user(
    h: ConfigHarness, tmp_path: Path
) -> None:
    file = tmp_path / "config.json"
    document = await _export(h, file)
    settings = document["settings"]
    settings["ticket_visibility"] = "assigned_and_unassigned"
    settings["ticket_id_format"]["prefix"] = "ACME"
    settings["ticket_categories"][0]["label"] = "Instalación nueva"
    _write(file, document)

    result = await admin("config", "import", str(file), RABBITMQ_URL=h.rabbit_url)

    assert result.exit_code == 0, result.output
    assert "ticket_visibility: updated" in result.stdout
    assert "ticket_id_format: updated" in result.stdout
    assert "ticket_categories: updated" in result.stdout
    assert "ticket_terminology: unchanged" in result.stdout
    assert "sla_policy: unchanged" in result.stdout
    visibility = await h.client.call(contracts.GET_VISIBILITY, Empty())
    id_format = await h.client.call(contracts.GET_ID_FORMAT, Empty())
    categories = await h.client.call(contracts.GET_CATEGORIES, Empty())
    assert visibility.visibility == "assigned_and_unassigned"
    assert id_format.format.prefix == "ACME"
    assert categories.categories[0].label == "Instalación nueva"
    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="ticket_id_format"))
    assert history.changes[0].changed_by == document["exportedBy"]
    assert history.changes[0].changed_by.startswith("cli:")
    unchanged = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="sla_policy"))
    assert [c.action for c in unchanged.changes] == ["seed"]
    event = await h.wait_event(
        lambda e: "ticket_id_format" in e.data.keys and e.data.updated_by != "system"
    )
    assert event.data.updated_by == document["exportedBy"]
    template = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key=TEMPLATE_KEY))
    assert [c.action for c in template.changes] == ["seed"]


async def test_an_import_with_an_unknown_key_or_a_bad_value_changes_nothing(
    h: ConfigHarness, tmp_path: Path
) -> None:
    file = tmp_path / "config.json"
    document = await _export(h, file)
    settings = document["settings"]
    settings["ticket_visibility"] = "assigned_and_unassigned"
    settings["ticket_id_format"]["padLength"] = 99
    _write(file, document)

    bad_value = await admin("config", "import", str(file), RABBITMQ_URL=h.rabbit_url)
    settings["ticket_id_format"]["padLength"] = 6
    settings["ticket_colours"] = ["red"]
    _write(file, document)
    unknown_key = await admin("config", "import", str(file), RABBITMQ_URL=h.rabbit_url)
    _write(file, "{not json")
    not_json = await admin("config", "import", str(file), RABBITMQ_URL=h.rabbit_url)

    assert (bad_value.exit_code, unknown_key.exit_code, not_json.exit_code) == (1, 1, 1)
    assert "ticket_id_format.padLength" in one_line_error(bad_value)
    assert "unknown setting(s) ticket_colours" in one_line_error(unknown_key)
    assert "is not JSON" in one_line_error(not_json)
    visibility = await h.client.call(contracts.GET_VISIBILITY, Empty())
    assert visibility.visibility == "all"


async def test_a_value_the_service_refuses_is_exit_1_naming_the_key(
    h: ConfigHarness, tmp_path: Path
) -> None:
    file = tmp_path / "config.json"
    document = await _export(h, file)
    for category in document["settings"]["ticket_categories"]:
        category["isFallback"] = True  # two fallbacks: only the service's rules see it
    _write(file, document)

    result = await admin("config", "import", str(file), RABBITMQ_URL=h.rabbit_url)

    assert result.exit_code == 1
    error = one_line_error(result)
    assert error.startswith("uts-admin: ticket_categories (none applied; stopped there): ")
    assert "categories" in error.split("stopped there")[1]


async def test_apply_preset_replaces_the_setup_by_the_cli_user(h: ConfigHarness) -> None:
    result = await admin("config", "apply-preset", "restaurant", RABBITMQ_URL=h.rabbit_url)

    assert result.exit_code == 0, result.output
    assert "applied preset restaurant" in result.stdout
    categories = await h.client.call(contracts.GET_CATEGORIES, Empty())
    assert "order_issue" in [c.id for c in categories.categories]
    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="ticket_categories"))
    assert history.changes[0].action == "apply_preset:restaurant"
    assert history.changes[0].changed_by.startswith("cli:")


async def test_an_unknown_preset_is_exit_1_listing_the_presets(h: ConfigHarness) -> None:
    result = await admin("config", "apply-preset", "no-such-preset", RABBITMQ_URL=h.rabbit_url)

    assert result.exit_code == 1
    error = one_line_error(result)
    assert "no preset 'no-such-preset'" in error and "restaurant" in error


async def test_no_config_service_is_exit_2_saying_it_did_not_answer(fresh_vhost: str) -> None:
    result = await admin("config", "export", RABBITMQ_URL=fresh_vhost, RPC_TIMEOUT="0.5")

    assert result.exit_code == 2
    assert "did not answer" in one_line_error(result)


async def test_a_broker_that_is_down_is_exit_2_naming_rabbitmq_url(tmp_path: Path) -> None:
    file = tmp_path / "config.json"
    _write(file, {"format": "uts-config/1", "settings": {"ticket_visibility": "all"}})

    for args in (("export",), ("import", str(file)), ("apply-preset", "restaurant")):
        result = await admin("config", *args, RABBITMQ_URL=CLOSED_PORT_URL)

        assert result.exit_code == 2, args
        assert "RABBITMQ_URL=amqp://guest:***@127.0.0.1:1/" in one_line_error(result)
