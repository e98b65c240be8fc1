"""Every validation rule, sent as real (malformed) messages: ValidationFailed with field details."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.support.config_helpers import ConfigHarness, call_raw, config_harness
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import SettingKey
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.errors import ValidationFailed

AGENT = {"agentId": "admin-1"}
ASSISTANT = {
    "assistantName": "Lúmen",
    "companyName": "LUXFREE",
    "ticketNoun": "reporte",
    "ticketNounPlural": "reportes",
}
TERMINOLOGY = {
    "ticketSingular": "caso",
    "ticketPlural": "casos",
    "createVerb": "abrir",
    "customerNoun": "cliente",
    "agentNoun": "agente",
    "resolveVerb": "resolver",
}


@pytest_asyncio.fixture(scope="module")
async def h(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[ConfigHarness]:
    # One replica for the whole module: every request here is refused, nothing changes.
    async with config_harness(rabbit_url, mongo_url) as harness:
        yield harness


async def _refused(h: ConfigHarness, spec: Any, payload: dict[str, Any]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        await call_raw(h.client, spec, payload)
    return err.value


def _fields(err: ValidationFailed) -> list[str]:
    return [d.field for d in err.details]


async def _nothing_changed(h: ConfigHarness) -> None:
    result = await h.client.call(contracts.GET_ALL, Empty())
    assert result.ticket_id_format.prefix == "LUX"
    assert len(result.ticket_categories) == 6
    assert (await h.client.call(contracts.GET_SLA, Empty())).policy == SlaPolicy()
    history = await h.client.call(contracts.GET_HISTORY, contracts.HistoryQuery())
    assert {c.action for c in history.changes} == {"seed"}


# --- categories -----------------------------------------------------------------------------


async def test_categories_must_be_a_non_empty_list(h: ConfigHarness) -> None:
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": []})
    assert _fields(err) == ["categories"]
    await _nothing_changed(h)


async def test_category_ids_must_be_unique(h: ConfigHarness) -> None:
    cats = [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": cats})
    assert _fields(err) == ["categories"]
    assert "duplicate category id 'a'" in err.details[0].reason


@pytest.mark.parametrize("missing", ["id", "label"])
async def test_each_category_needs_id_and_label(h: ConfigHarness, missing: str) -> None:
    cat = {"id": "a", "label": "A"}
    del cat[missing]
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": [cat]})
    assert _fields(err) == [f"categories.0.{missing}"]


async def test_category_label_cannot_be_blank(h: ConfigHarness) -> None:
    cats = [{"id": "a", "label": "   "}]
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": cats})
    assert _fields(err) == ["categories.0.label"]


@pytest.mark.parametrize("bad_id", ["Solar Panels", "UPPER", "a--b", "-a", "ñandú"])
async def test_category_ids_are_slugs(h: ConfigHarness, bad_id: str) -> None:
    cats = [{"id": bad_id, "label": "X"}]
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": cats})
    assert _fields(err) == ["categories.0.id"]
    assert "slug" in err.details[0].reason


async def test_a_change_dropping_the_fallback_without_naming_another_is_refused(
    h: ConfigHarness,
) -> None:
    cats = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": cats})
    assert _fields(err) == ["categories"]
    assert "fallback category 'other' is missing" in err.message
    assert "isFallback" in err.message
    await _nothing_changed(h)


async def test_only_one_category_is_the_fallback(h: ConfigHarness) -> None:
    cats = [
        {"id": "a", "label": "A", "isFallback": True},
        {"id": "other", "label": "Otro", "isFallback": True},
    ]
    err = await _refused(h, contracts.UPDATE_CATEGORIES, {**AGENT, "categories": cats})
    assert _fields(err) == ["categories.1.isFallback"]
    await _nothing_changed(h)


async def test_every_change_names_the_agent(h: ConfigHarness) -> None:
    err = await _refused(
        h, contracts.UPDATE_CATEGORIES, {"categories": [{"id": "a", "label": "A"}]}
    )
    assert _fields(err) == ["agentId"]


# --- assistant, terminology, id format --------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["assistantName", "companyName", "ticketNoun", "ticketNounPlural"]
)
async def test_assistant_configuration_requires_its_four_fields(
    h: ConfigHarness, field: str
) -> None:
    missing = {k: v for k, v in ASSISTANT.items() if k != field}
    err = await _refused(h, contracts.UPDATE_ASSISTANT, {**AGENT, "config": missing})
    assert _fields(err) == [f"config.{field}"]
    blank = {**ASSISTANT, field: "  "}
    err = await _refused(h, contracts.UPDATE_ASSISTANT, {**AGENT, "config": blank})
    assert _fields(err) == [f"config.{field}"]


async def test_assistant_language_is_es_or_en(h: ConfigHarness) -> None:
    config = {**ASSISTANT, "language": "fr"}
    err = await _refused(h, contracts.UPDATE_ASSISTANT, {**AGENT, "config": config})
    assert _fields(err) == ["config.language"]


@pytest.mark.parametrize("field", sorted(TERMINOLOGY))
async def test_terminology_requires_every_term(h: ConfigHarness, field: str) -> None:
    terms = {k: v for k, v in TERMINOLOGY.items() if k != field}
    err = await _refused(h, contracts.UPDATE_TERMINOLOGY, {**AGENT, "terminology": terms})
    assert _fields(err) == [f"terminology.{field}"]


@pytest.mark.parametrize(
    ("fmt", "field"),
    [
        ({"includeYear": True}, "format.prefix"),
        ({"prefix": ""}, "format.prefix"),
        ({"prefix": "LUX-1"}, "format.prefix"),
        ({"prefix": "A" * 17}, "format.prefix"),
        ({"prefix": "LUX", "padLength": 0}, "format.padLength"),
        ({"prefix": "LUX", "padLength": 13}, "format.padLength"),
        ({"prefix": "LUX", "separator": "/"}, "format.separator"),
        ({"prefix": "LUX", "separator": "--"}, "format.separator"),
    ],
    ids=[
        "missing-prefix",
        "empty-prefix",
        "prefix-not-alnum",
        "prefix-too-long",
        "pad-0",
        "pad-13",
        "separator-slash",
        "separator-double",
    ],
)
async def test_ticket_id_format_rules(h: ConfigHarness, fmt: dict[str, Any], field: str) -> None:
    err = await _refused(h, contracts.UPDATE_ID_FORMAT, {**AGENT, "format": fmt})
    assert _fields(err) == [field]


# --- the SLA policy -----------------------------------------------------------------------------

OFFICE = {"timeZone": "Europe/Madrid", "workingHours": {"start": "09:00", "end": "18:00"}}


@pytest.mark.parametrize(
    ("policy", "field", "says"),
    [
        (
            {"calendar": {**OFFICE, "timeZone": "Europe/Atlantis"}},
            "policy.calendar.timeZone",
            "unknown time zone 'Europe/Atlantis'",
        ),
        (
            {"calendar": {**OFFICE, "workingHours": {"start": "18:00", "end": "09:00"}}},
            "policy.calendar.workingHours.end",
            "end must be after start",
        ),
        ({"warningAt": 1.5}, "policy.warningAt", "less than 1"),
        ({"pauseStatuses": ["closed"]}, "policy.pauseStatuses", "closed cannot pause"),
        ({"calendar": {**OFFICE, "workingDays": []}}, "policy.calendar.workingDays", "at least"),
        ({"calendar": "office"}, "policy.calendar", "'24x7' or a business calendar"),
        (
            {"targets": {"urgent": {"firstResponseMs": 10, "resolutionMs": 60_000}}},
            "policy.targets.urgent.firstResponseMs",
            "greater than or equal to 1000",
        ),
        (
            {"targets": {"critical": {"firstResponseMs": 1000, "resolutionMs": 1000}}},
            "policy.targets.critical.[key]",
            "urgent",
        ),
        (
            {"onBreach": {"escalate": True, "notify": True}},
            "policy.onBreach.notify",
            "not permitted",
        ),
    ],
    ids=[
        "unknown-time-zone",
        "end-before-start",
        "warning-at-1.5",
        "pause-on-closed",
        "no-working-days",
        "calendar-word",
        "target-under-a-second",
        "unknown-priority",
        "unknown-breach-option",
    ],
)
async def test_sla_policy_refused_naming_the_field_nothing_stored(
    h: ConfigHarness, policy: dict[str, Any], field: str, says: str
) -> None:
    err = await _refused(h, contracts.UPDATE_SLA, {**AGENT, "policy": policy})
    assert _fields(err) == [field]
    assert says in err.details[0].reason
    await _nothing_changed(h)


# --- template, reset, history, presets --------------------------------------------------------


async def test_template_cannot_be_blank(h: ConfigHarness) -> None:
    err = await _refused(h, contracts.UPDATE_TEMPLATE, {**AGENT, "template": "  "})
    assert _fields(err) == ["template"]


async def test_resetting_an_unknown_key_names_the_valid_keys(h: ConfigHarness) -> None:
    err = await _refused(h, contracts.RESET, {**AGENT, "key": "colors"})
    assert _fields(err) == ["key"]
    assert all(k.value in err.message for k in SettingKey)
    await _nothing_changed(h)


async def test_history_of_an_unknown_key_is_refused(h: ConfigHarness) -> None:
    err = await _refused(h, contracts.GET_HISTORY, {"key": "colors"})
    assert _fields(err) == ["key"]


@pytest.mark.parametrize("limit", [0, 501])
async def test_history_limit_is_bounded(h: ConfigHarness, limit: int) -> None:
    err = await _refused(h, contracts.GET_HISTORY, {"limit": limit})
    assert _fields(err) == ["limit"]


async def test_custom_preset_ids_are_slugs_and_need_a_name(h: ConfigHarness) -> None:
    err = await _refused(h, contracts.SAVE_PRESET, {**AGENT, "id": "My Preset", "name": "Mine"})
    assert _fields(err) == ["id"]
    err = await _refused(h, contracts.SAVE_PRESET, {**AGENT, "id": "mine", "name": " "})
    assert _fields(err) == ["name"]
    await _nothing_changed(h)
