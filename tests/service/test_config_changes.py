"""Changes over RPC: updates with history, non-editable settings, reset, presets, rendering."""

import asyncio
import logging
import uuid

import aio_pika
import pytest
from faststream.rabbit import RabbitQueue

from tests.support.config_helpers import ConfigHarness, FakeClock, config_harness
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    MAX_MESSAGE_BYTES,
    Empty,
    Pagination,
)
from uts_shared.contracts.config import (
    ApplyPreset,
    AssistantConfig,
    Category,
    DeletePreset,
    HistoryQuery,
    ResetSetting,
    SavePreset,
    Terminology,
    TicketIdFormat,
    UpdateAssistant,
    UpdateCategories,
    UpdateIdFormat,
    UpdateSla,
    UpdateTemplate,
    UpdateTerminology,
)
from uts_shared.contracts.sla import BusinessCalendar, SlaOnBreach, SlaPolicy, SlaTarget
from uts_shared.contracts.tickets import Priority
from uts_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.usefixtures("fresh_store")

FOUR_KEYS = [
    "ticket_categories",
    "assistant_configuration",
    "ticket_terminology",
    "ticket_id_format",
]
LUXFREE_IDS = [
    "solar_installation",
    "light_malfunction",
    "maintenance",
    "electrical_issue",
    "billing",
    "other",
]


@pytest.fixture
async def h(rabbit_url: str, mongo_url: str | None) -> ConfigHarness:  # type: ignore[misc]
    async with config_harness(rabbit_url, mongo_url, clock=FakeClock()) as harness:
        yield harness


async def _lock(h: ConfigHarness, key: str) -> None:
    await h.database["system_settings"].update_one({"key": key}, {"$set": {"isEditable": False}})


# --- reads and updates ------------------------------------------------------------------------


async def test_get_all_returns_the_four_ticket_configurations(h: ConfigHarness) -> None:
    result = await h.client.call(contracts.GET_ALL, Empty())
    assert [c.id for c in result.ticket_categories] == LUXFREE_IDS
    assert result.assistant_configuration.assistant_name == "Lúmen"
    assert result.terminology.ticket_singular == "reporte"
    assert result.ticket_id_format.prefix == "LUX"
    wire = result.model_dump()
    assert set(wire) == {
        "ticketCategories",
        "assistantConfiguration",
        "terminology",
        "ticketIdFormat",
    }


async def test_updating_categories_records_who_and_history(h: ConfigHarness) -> None:
    new = [Category(id="a", label="A", label_en="A"), Category(id="b", label="B", is_fallback=True)]
    result = await h.client.call(
        contracts.UPDATE_CATEGORIES, UpdateCategories(agent_id="admin-7", categories=new)
    )
    assert [c.id for c in result.categories] == ["a", "b"]
    assert [c.id for c in (await h.client.call(contracts.GET_CATEGORIES, Empty())).categories] == [
        "a",
        "b",
    ]

    settings = await h.client.call(contracts.GET_SETTINGS, Empty())
    record = next(s for s in settings.settings if s.key == "ticket_categories")
    assert record.updated_by == "admin-7"
    assert record.value == [
        {"id": "a", "label": "A", "labelEn": "A"},
        {"id": "b", "label": "B", "isFallback": True},
    ]

    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="ticket_categories"))
    latest = history.changes[0]
    assert (latest.changed_by, latest.action) == ("admin-7", "update")
    assert [c["id"] for c in latest.old_value] == LUXFREE_IDS
    assert latest.new_value == record.value
    assert latest.changed_at is not None
    assert [c.action for c in history.changes] == ["update", "seed"]


async def test_changes_are_logged_at_info_with_the_agent_id(
    h: ConfigHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="config_service"):
        await h.client.call(
            contracts.UPDATE_ID_FORMAT,
            UpdateIdFormat(agent_id="admin-42", format=TicketIdFormat(prefix="ACME")),
        )
    assert any(
        r.levelname == "INFO"
        and "admin-42" in r.getMessage()
        and "ticket_id_format" in r.getMessage()
        for r in caplog.records
    )


async def test_every_change_publishes_config_updated(h: ConfigHarness) -> None:
    assistant = AssistantConfig(
        assistant_name="Sol", company_name="ACME", ticket_noun="caso", ticket_noun_plural="casos"
    )
    await h.client.call(
        contracts.UPDATE_ASSISTANT, UpdateAssistant(agent_id="a9", config=assistant)
    )
    event = await h.wait_event(lambda e: e.data.updated_by == "a9")
    assert event.data.keys == ["assistant_configuration"]
    result = await h.client.call(contracts.GET_ASSISTANT, Empty())
    assert result.config.assistant_name == "Sol"


async def test_terminology_and_template_updates_round_trip(h: ConfigHarness) -> None:
    terms = Terminology(
        ticket_singular="caso",
        ticket_plural="casos",
        create_verb="abrir",
        customer_noun="cliente",
        agent_noun="técnico",
        resolve_verb="cerrar",
    )
    await h.client.call(
        contracts.UPDATE_TERMINOLOGY, UpdateTerminology(agent_id="a", terminology=terms)
    )
    assert (await h.client.call(contracts.GET_TERMINOLOGY, Empty())).terminology == terms
    await h.client.call(contracts.UPDATE_TEMPLATE, UpdateTemplate(agent_id="a", template="Hola"))
    assert (await h.client.call(contracts.GET_TEMPLATE, Empty())).template == "Hola"


async def test_history_is_newest_first_and_limited(h: ConfigHarness) -> None:
    for prefix in ("ONE", "TWO", "THREE"):
        await h.client.call(
            contracts.UPDATE_ID_FORMAT,
            UpdateIdFormat(agent_id="a", format=TicketIdFormat(prefix=prefix)),
        )
    history = await h.client.call(
        contracts.GET_HISTORY, HistoryQuery(key="ticket_id_format", limit=2)
    )
    assert [c.new_value["prefix"] for c in history.changes] == ["THREE", "TWO"]
    assert history.changes[0].old_value["prefix"] == "TWO"


async def test_history_comes_a_page_at_a_time_with_its_pagination(h: ConfigHarness) -> None:
    for prefix in ("ONE", "TWO", "THREE"):
        await h.client.call(
            contracts.UPDATE_ID_FORMAT,
            UpdateIdFormat(agent_id="a", format=TicketIdFormat(prefix=prefix)),
        )
    query = HistoryQuery(key="ticket_id_format", page=2, limit=2)
    second = await h.client.call(contracts.GET_HISTORY, query)
    assert [c.new_value["prefix"] for c in second.changes] == ["ONE", "LUX"]  # then the seed
    assert second.pagination == Pagination(page=2, limit=2, total=4, pages=2)
    everything = await h.client.call(contracts.GET_HISTORY, HistoryQuery())
    assert everything.pagination.limit == 20
    assert len(everything.changes) == min(everything.pagination.total, 20)


async def test_settings_list_shows_every_system_settings_document(h: ConfigHarness) -> None:
    settings = await h.client.call(contracts.GET_SETTINGS, Empty())
    by_key = {s.key: s for s in settings.settings}
    assert set(by_key) == {k.value for k in contracts.SettingKey}
    assert by_key["configuration_presets"].category == "presets"
    assert all(s.is_editable and s.created_at for s in settings.settings)
    assert "isEditable" in settings.model_dump()["settings"][0]


async def test_the_fallback_category_is_marked_and_a_change_may_name_another(
    h: ConfigHarness,
) -> None:
    read = await h.client.call(contracts.GET_CATEGORIES, Empty())
    assert [c.id for c in read.categories if c.is_fallback] == ["other"]  # none stored marked
    new = [Category(id="pedido", label="Pedido"), Category(id="varios", label="Varios")]
    new[1].is_fallback = True
    result = await h.client.call(
        contracts.UPDATE_CATEGORIES, UpdateCategories(agent_id="a", categories=new)
    )
    assert [c.id for c in result.categories if c.is_fallback] == ["varios"]
    kept = [Category(id="x", label="X"), Category(id="other", label="Otro")]
    result = await h.client.call(
        contracts.UPDATE_CATEGORIES, UpdateCategories(agent_id="a", categories=kept)
    )
    assert [c.id for c in result.categories if c.is_fallback] == ["other"]
    await h.client.call(contracts.RESET, ResetSetting(agent_id="a", key="ticket_categories"))


# --- the SLA policy -----------------------------------------------------------------------------

HOUR_MS = 3_600_000
PLANS_TABLE = {
    "urgent": (HOUR_MS // 4, 4 * HOUR_MS),
    "high": (HOUR_MS, 24 * HOUR_MS),
    "medium": (4 * HOUR_MS, 72 * HOUR_MS),
    "low": (24 * HOUR_MS, 7 * 24 * HOUR_MS),
}


def _targets(policy: SlaPolicy) -> dict[str, tuple[int, int]]:
    return {p.value: (t.first_response_ms, t.resolution_ms) for p, t in policy.targets.items()}


def _office_hours_policy() -> SlaPolicy:
    return SlaPolicy.model_validate(
        {
            "targets": {"urgent": {"firstResponseMs": 600_000, "resolutionMs": 2 * HOUR_MS}},
            "calendar": {
                "timeZone": "America/Mexico_City",
                "workingDays": [5, 1, 2, 3, 4, 6],
                "workingHours": {"start": "08:30", "end": "17:00"},
                "holidays": ["2026-12-25", "2026-09-16"],
            },
            "pauseStatuses": ["pending_customer", "waiting_internal"],
            "warningAt": 0.5,
            "onBreach": {"escalate": True, "toAgentId": "agent-9", "raisePriority": True},
        }
    )


async def test_sla_policy_default_is_the_plans_table(h: ConfigHarness) -> None:
    policy = (await h.client.call(contracts.GET_SLA, Empty())).policy
    assert _targets(policy) == PLANS_TABLE
    assert policy.calendar == "24x7"
    assert [s.value for s in policy.pause_statuses] == ["pending_customer"]
    assert policy.warning_at == 0.75
    assert policy.on_breach == SlaOnBreach()
    settings = await h.client.call(contracts.GET_SETTINGS, Empty())
    record = next(s for s in settings.settings if s.key == "sla_policy")
    assert record.category == "tickets"
    assert record.value["calendar"] == "24x7"


async def test_sla_policy_with_a_business_calendar_round_trips(h: ConfigHarness) -> None:
    policy = _office_hours_policy()
    result = await h.client.call(
        contracts.UPDATE_SLA, UpdateSla(agent_id="admin-sla", policy=policy)
    )
    assert result.policy == policy
    read = (await h.client.call(contracts.GET_SLA, Empty())).policy
    assert read == policy
    assert isinstance(read.calendar, BusinessCalendar)
    assert read.calendar.working_days == [1, 2, 3, 4, 5, 6]
    assert _targets(read)["urgent"] == (600_000, 2 * HOUR_MS)
    assert _targets(read)["low"] == PLANS_TABLE["low"]  # left out: the built-in target
    assert read.on_breach.to_agent_id == "agent-9"

    settings = await h.client.call(contracts.GET_SETTINGS, Empty())
    record = next(s for s in settings.settings if s.key == "sla_policy")
    assert record.updated_by == "admin-sla"
    assert record.value["calendar"]["workingHours"] == {"start": "08:30", "end": "17:00"}
    assert record.value["calendar"]["holidays"] == ["2026-12-25", "2026-09-16"]
    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="sla_policy"))
    assert [c.action for c in history.changes] == ["update", "seed"]
    assert history.changes[0].new_value == record.value


async def test_sla_policy_change_publishes_config_updated_naming_it(h: ConfigHarness) -> None:
    await h.client.call(
        contracts.UPDATE_SLA, UpdateSla(agent_id="admin-ev", policy=_office_hours_policy())
    )
    event = await h.wait_event(lambda e: e.data.updated_by == "admin-ev")
    assert event.data.keys == ["sla_policy"]


async def test_sla_policy_reset_returns_the_default(h: ConfigHarness) -> None:
    await h.client.call(
        contracts.UPDATE_SLA, UpdateSla(agent_id="a", policy=_office_hours_policy())
    )
    result = await h.client.call(
        contracts.RESET, ResetSetting(agent_id="admin-rs", key="sla_policy")
    )
    assert result.key == "sla_policy"
    assert SlaPolicy.model_validate(result.value) == SlaPolicy()
    assert (await h.client.call(contracts.GET_SLA, Empty())).policy == SlaPolicy()
    event = await h.wait_event(lambda e: e.data.updated_by == "admin-rs")
    assert event.data.keys == ["sla_policy"]
    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="sla_policy", limit=1))
    assert history.changes[0].action == "reset"


async def test_sla_targets_left_out_keep_the_builtin_ones(h: ConfigHarness) -> None:
    only_low = SlaPolicy(
        targets={Priority.LOW: SlaTarget(first_response_ms=1000, resolution_ms=2000)}
    )
    result = await h.client.call(contracts.UPDATE_SLA, UpdateSla(agent_id="a", policy=only_low))
    assert _targets(result.policy) == {**PLANS_TABLE, "low": (1000, 2000)}


# --- non-editable settings --------------------------------------------------------------------


async def test_non_editable_setting_cannot_be_changed(h: ConfigHarness) -> None:
    await _lock(h, "ticket_categories")
    with pytest.raises(Conflict) as err:
        await h.client.call(
            contracts.UPDATE_CATEGORIES,
            UpdateCategories(
                agent_id="a", categories=[Category(id="x", label="X", is_fallback=True)]
            ),
        )
    assert "ticket_categories" in err.value.message
    assert err.value.context == {"key": "ticket_categories"}
    with pytest.raises(Conflict):
        await h.client.call(contracts.RESET, ResetSetting(agent_id="a", key="ticket_categories"))
    categories = await h.client.call(contracts.GET_CATEGORIES, Empty())
    assert [c.id for c in categories.categories] == LUXFREE_IDS


async def test_preset_touching_a_non_editable_setting_changes_nothing(h: ConfigHarness) -> None:
    await _lock(h, "ticket_id_format")
    with pytest.raises(Conflict, match="ticket_id_format"):
        await h.client.call(
            contracts.APPLY_PRESET, ApplyPreset(agent_id="a", preset_id="restaurant")
        )
    result = await h.client.call(contracts.GET_ALL, Empty())
    assert result.assistant_configuration.assistant_name == "Lúmen"
    assert result.ticket_categories[0].id == "solar_installation"


async def test_presets_cannot_be_saved_when_the_presets_setting_is_locked(h: ConfigHarness) -> None:
    await _lock(h, "configuration_presets")
    with pytest.raises(Conflict, match="configuration_presets"):
        await h.client.call(contracts.SAVE_PRESET, SavePreset(agent_id="a", id="mine", name="Mine"))


# --- reset ------------------------------------------------------------------------------------


async def test_reset_restores_the_builtin_default(h: ConfigHarness) -> None:
    await h.client.call(
        contracts.UPDATE_ID_FORMAT,
        UpdateIdFormat(agent_id="a", format=TicketIdFormat(prefix="ACME")),
    )
    result = await h.client.call(
        contracts.RESET, ResetSetting(agent_id="admin-2", key="ticket_id_format")
    )
    assert result.key == "ticket_id_format"
    assert result.value == {"prefix": "LUX", "includeYear": True, "padLength": 6, "separator": "-"}
    assert (await h.client.call(contracts.GET_ID_FORMAT, Empty())).format.prefix == "LUX"
    history = await h.client.call(
        contracts.GET_HISTORY, HistoryQuery(key="ticket_id_format", limit=1)
    )
    assert (history.changes[0].action, history.changes[0].changed_by) == ("reset", "admin-2")


async def test_reset_template_restores_the_default_template(h: ConfigHarness) -> None:
    await h.client.call(contracts.UPDATE_TEMPLATE, UpdateTemplate(agent_id="a", template="Hola"))
    await h.client.call(
        contracts.RESET, ResetSetting(agent_id="a", key="assistant_instructions_template")
    )
    template = (await h.client.call(contracts.GET_TEMPLATE, Empty())).template
    assert "{assistantName}" in template


async def test_resetting_presets_keeps_custom_presets(h: ConfigHarness) -> None:
    await h.client.call(contracts.SAVE_PRESET, SavePreset(agent_id="a", id="mine", name="Mine"))
    await h.client.call(contracts.RESET, ResetSetting(agent_id="a", key="configuration_presets"))
    presets = await h.client.call(contracts.LIST_PRESETS, Empty())
    assert [p.id for p in presets.presets][-1] == "mine"


# --- presets ----------------------------------------------------------------------------------


async def test_presets_list_shows_the_five_builtins(h: ConfigHarness) -> None:
    result = await h.client.call(contracts.LIST_PRESETS, Empty())
    assert [p.id for p in result.presets] == [
        "luxfree",
        "restaurant",
        "e-commerce",
        "healthcare",
        "professional-services",
    ]
    assert all(p.builtin for p in result.presets)


async def test_applying_a_preset_replaces_the_four_settings_in_one_step(h: ConfigHarness) -> None:
    applied = await h.client.call(
        contracts.APPLY_PRESET, ApplyPreset(agent_id="admin-3", preset_id="restaurant")
    )
    assert applied.preset.id == "restaurant"
    assert applied.configurations.ticket_id_format.prefix == "FOOD"

    result = await h.client.call(contracts.GET_ALL, Empty())
    assert result.ticket_categories[0].id == "order_issue"
    assert result.assistant_configuration.assistant_name == "FoodBot"
    assert result.terminology.ticket_singular == "caso"
    assert result.ticket_id_format.include_year is False

    event = await h.wait_event(lambda e: e.data.updated_by == "admin-3")
    assert sorted(event.data.keys) == sorted(FOUR_KEYS)
    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(limit=4))
    assert sorted(c.key for c in history.changes) == sorted(FOUR_KEYS)
    assert {c.action for c in history.changes} == {"apply_preset:restaurant"}

    rendered = await h.client.call(contracts.RENDER_ASSISTANT, Empty())
    enum = rendered.tools[0]["parameters"]["properties"]["category"]["enum"]
    assert enum == [c.id for c in result.ticket_categories]
    assert "FoodBot" in rendered.instructions


async def test_applying_an_unknown_preset_is_not_found(h: ConfigHarness) -> None:
    with pytest.raises(NotFound, match="bakery"):
        await h.client.call(contracts.APPLY_PRESET, ApplyPreset(agent_id="a", preset_id="bakery"))


async def test_current_configuration_can_be_saved_and_applied_as_a_custom_preset(
    h: ConfigHarness,
) -> None:
    await h.client.call(
        contracts.UPDATE_ID_FORMAT,
        UpdateIdFormat(agent_id="a", format=TicketIdFormat(prefix="MINE")),
    )
    saved = await h.client.call(
        contracts.SAVE_PRESET,
        SavePreset(agent_id="admin-4", id="my-setup", name="Mi configuración", description="x"),
    )
    assert saved.builtin is False
    assert saved.ticket_id_format.prefix == "MINE"
    listed = await h.client.call(contracts.LIST_PRESETS, Empty())
    assert [p.id for p in listed.presets][-1] == "my-setup"

    await h.client.call(contracts.APPLY_PRESET, ApplyPreset(agent_id="a", preset_id="healthcare"))
    await h.client.call(contracts.APPLY_PRESET, ApplyPreset(agent_id="a", preset_id="my-setup"))
    result = await h.client.call(contracts.GET_ALL, Empty())
    assert result.ticket_id_format.prefix == "MINE"
    assert result.assistant_configuration.assistant_name == "Lúmen"


async def test_a_saved_setup_carries_its_sla_policy_and_industry_presets_leave_it(
    h: ConfigHarness,
) -> None:
    mine = SlaPolicy(warning_at=0.5, calendar=BusinessCalendar(time_zone="America/Bogota"))
    await h.client.call(contracts.UPDATE_SLA, UpdateSla(agent_id="a", policy=mine))
    saved = await h.client.call(
        contracts.SAVE_PRESET, SavePreset(agent_id="a", id="with-sla", name="Con SLA")
    )
    assert saved.sla_policy == mine
    await h.client.call(contracts.UPDATE_SLA, UpdateSla(agent_id="a", policy=SlaPolicy()))
    await h.client.call(contracts.APPLY_PRESET, ApplyPreset(agent_id="a", preset_id="with-sla"))
    assert (await h.client.call(contracts.GET_SLA, Empty())).policy == mine
    await h.client.call(contracts.APPLY_PRESET, ApplyPreset(agent_id="a", preset_id="restaurant"))
    assert (await h.client.call(contracts.GET_SLA, Empty())).policy == mine  # left as it was


async def test_saving_a_preset_with_a_taken_id_is_a_conflict(h: ConfigHarness) -> None:
    await h.client.call(contracts.SAVE_PRESET, SavePreset(agent_id="a", id="mine", name="Mine"))
    with pytest.raises(Conflict, match="already exists"):
        await h.client.call(
            contracts.SAVE_PRESET, SavePreset(agent_id="a", id="mine", name="Again")
        )
    with pytest.raises(Conflict, match="built-in"):
        await h.client.call(
            contracts.SAVE_PRESET, SavePreset(agent_id="a", id="restaurant", name="Shadow")
        )


async def test_custom_presets_can_be_deleted_builtins_cannot(h: ConfigHarness) -> None:
    await h.client.call(contracts.SAVE_PRESET, SavePreset(agent_id="a", id="mine", name="Mine"))
    remaining = await h.client.call(
        contracts.DELETE_PRESET, DeletePreset(agent_id="a", preset_id="mine")
    )
    assert "mine" not in [p.id for p in remaining.presets]
    assert len(remaining.presets) == 5

    with pytest.raises(Forbidden):
        await h.client.call(
            contracts.DELETE_PRESET, DeletePreset(agent_id="a", preset_id="luxfree")
        )
    with pytest.raises(NotFound):
        await h.client.call(contracts.DELETE_PRESET, DeletePreset(agent_id="a", preset_id="mine"))
    history = await h.client.call(contracts.GET_HISTORY, HistoryQuery(key="configuration_presets"))
    assert [c.action for c in history.changes][:2] == ["delete_preset:mine", "save_preset:mine"]


# --- rendering --------------------------------------------------------------------------------


async def test_rendered_assistant_uses_the_current_configuration(h: ConfigHarness) -> None:
    rendered = await h.client.call(contracts.RENDER_ASSISTANT, Empty())
    assert rendered.unknown_variables == []
    assert "Eres Lúmen, el asistente virtual de LUXFREE" in rendered.instructions
    assert "- billing: Facturación" in rendered.instructions
    assert [t["name"] for t in rendered.tools] == [
        "create_ticket_report",
        "get_ticket_information",
        "request_human_agent",
        "add_ticket_comment",
        "rate_ticket",
    ]
    assert rendered.tools[0]["type"] == "function"
    ticket_id = rendered.tools[1]["parameters"]["properties"]["ticket_id"]["description"]
    assert "LUX-2026-000001" in ticket_id  # the injected clock's year


async def test_unknown_template_variables_are_reported(h: ConfigHarness) -> None:
    template = "Soy {assistantName}; {mystery} y {otherThing} y {mystery}."
    await h.client.call(contracts.UPDATE_TEMPLATE, UpdateTemplate(agent_id="a", template=template))
    rendered = await h.client.call(contracts.RENDER_ASSISTANT, Empty())
    assert rendered.instructions == "Soy Lúmen; {mystery} y {otherThing} y {mystery}."
    assert rendered.unknown_variables == ["mystery", "otherThing"]
    assert rendered.model_dump()["unknownVariables"] == ["mystery", "otherThing"]


async def test_tool_category_enum_follows_category_updates(h: ConfigHarness) -> None:
    new = [Category(id="uno", label="Uno"), Category(id="dos", label="Dos", is_fallback=True)]
    await h.client.call(contracts.UPDATE_CATEGORIES, UpdateCategories(agent_id="a", categories=new))
    await h.client.call(
        contracts.UPDATE_ID_FORMAT,
        UpdateIdFormat(
            agent_id="a", format=TicketIdFormat(prefix="T", include_year=False, pad_length=3)
        ),
    )
    rendered = await h.client.call(contracts.RENDER_ASSISTANT, Empty())
    assert rendered.tools[0]["parameters"]["properties"]["category"]["enum"] == ["uno", "dos"]
    assert (
        "e.g., T-001" in rendered.tools[1]["parameters"]["properties"]["ticket_id"]["description"]
    )


# --- malformed messages -----------------------------------------------------------------------


async def test_malformed_message_is_dead_lettered_and_the_service_keeps_serving(
    h: ConfigHarness,
) -> None:
    marker = uuid.uuid4().hex
    tap = await h.broker.declare_queue(
        RabbitQueue(f"test.dlx-tap.{marker[:8]}", durable=False, exclusive=True, auto_delete=True)
    )
    await tap.bind(DEAD_LETTER_EXCHANGE, routing_key=contracts.UPDATE_CATEGORIES.queue)
    dead: asyncio.Future[aio_pika.abc.AbstractIncomingMessage] = (
        asyncio.get_running_loop().create_future()
    )

    async def on_dead(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if marker.encode() in message.body and not dead.done():
            dead.set_result(message)

    await tap.consume(on_dead, no_ack=True)
    await h.broker.publish(
        b'{"agentId": "' + marker.encode() + b'", "categories": [',
        routing_key=contracts.UPDATE_CATEGORIES.queue,
    )

    message = await asyncio.wait_for(dead, 5)
    death = message.headers["x-death"][0]  # type: ignore[index]
    assert death["queue"] == contracts.UPDATE_CATEGORIES.queue  # type: ignore[index]
    assert death["reason"] == "rejected"  # type: ignore[index]
    dlq = await h.broker.declare_queue(RabbitQueue(DEAD_LETTER_QUEUE, declare=False))
    assert dlq.declaration_result.message_count >= 1

    categories = await h.client.call(contracts.GET_CATEGORIES, Empty())
    assert [c.id for c in categories.categories] == LUXFREE_IDS
    updated = await h.client.call(
        contracts.UPDATE_CATEGORIES,
        UpdateCategories(
            agent_id="a", categories=[Category(id="ok", label="OK", is_fallback=True)]
        ),
    )
    assert [c.id for c in updated.categories] == ["ok"]


async def test_an_over_size_request_is_refused_unread_logged_briefly_and_dead_lettered(
    h: ConfigHarness, caplog: pytest.LogCaptureFixture
) -> None:
    marker = uuid.uuid4().hex
    tap = await h.broker.declare_queue(
        RabbitQueue(f"test.dlx-tap.{marker[:8]}", durable=False, exclusive=True, auto_delete=True)
    )
    await tap.bind(DEAD_LETTER_EXCHANGE, routing_key=contracts.UPDATE_TEMPLATE.queue)
    dead: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def on_dead(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        if marker.encode() in message.body[:200] and not dead.done():
            dead.set_result(message.body)

    await tap.consume(on_dead, no_ack=True)
    # Built without validation: what a careless or hostile publisher could send.
    huge = UpdateTemplate.model_construct(agent_id=marker, template="x" * MAX_MESSAGE_BYTES)
    caplog.set_level(logging.WARNING)

    with pytest.raises(ValidationFailed) as refused:
        await h.client.call(contracts.UPDATE_TEMPLATE, huge)

    assert refused.value.details[0].field == "body"
    assert "limit" in refused.value.details[0].reason
    assert len(await asyncio.wait_for(dead, 5)) > MAX_MESSAGE_BYTES
    lines = [r.getMessage() for r in caplog.records if marker in r.getMessage()]
    assert len(lines) == 1 and len(lines[0]) < 600, lines
    template = await h.client.call(contracts.GET_TEMPLATE, Empty())
    assert "x" * 100 not in template.template
