"""Every configuration route through the gateway to the real config service (and back)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.configuration import configuration_kept
from tests.support.desk import AgentLogin, Desk, new_customer, new_ticket
from tests.support.fake_openai import category_enum
from tests.support.sockets import Listener
from tests.support.system import System
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import HEALTH

SETTING_KEYS = {
    "ticket_categories",
    "assistant_configuration",
    "ticket_terminology",
    "ticket_id_format",
    "configuration_presets",
    "assistant_instructions_template",
}

CATEGORIES = [
    {"id": "water_leak", "label": "Fuga de agua", "labelEn": "Water leak", "icon": "droplet"},
    {"id": "other", "label": "Otro"},
]
ASSISTANT = {
    "assistantName": "Marina",
    "companyName": "Aguas Claras",
    "ticketNoun": "caso",
    "ticketNounPlural": "casos",
    "primaryServiceIssue": "fugas de agua",
    "serviceType": "plomería",
    "language": "es",
}
TERMINOLOGY = {
    "ticketSingular": "caso",
    "ticketPlural": "casos",
    "createVerb": "abrir",
    "customerNoun": "cliente",
    "agentNoun": "técnico",
    "resolveVerb": "cerrar",
}
ID_FORMAT = {"prefix": "AGU", "includeYear": False, "padLength": 4, "separator": "_"}
HOUR_MS = 3_600_000
DEFAULT_SLA = {
    "targets": {
        "urgent": {"firstResponseMs": 15 * 60_000, "resolutionMs": 4 * HOUR_MS},
        "high": {"firstResponseMs": HOUR_MS, "resolutionMs": 24 * HOUR_MS},
        "medium": {"firstResponseMs": 4 * HOUR_MS, "resolutionMs": 72 * HOUR_MS},
        "low": {"firstResponseMs": 24 * HOUR_MS, "resolutionMs": 7 * 24 * HOUR_MS},
    },
    "calendar": "24x7",
    "pauseStatuses": ["pending_customer"],
    "warningAt": 0.75,
    "onBreach": {"escalate": False, "toAgentId": None, "raisePriority": False},
}
"""The plans' table: urgent 15 min / 4 h, high 1 h / 24 h, medium 4 h / 72 h, low 24 h / 7 d."""
OFFICE_SLA = {
    **DEFAULT_SLA,
    "targets": {
        **DEFAULT_SLA["targets"],
        "urgent": {"firstResponseMs": 30 * 60_000, "resolutionMs": 8 * HOUR_MS},
    },
    "calendar": {
        "timeZone": "America/Mexico_City",
        "workingDays": [1, 2, 3, 4, 5],
        "workingHours": {"start": "09:00", "end": "18:00"},
        "holidays": ["2026-12-25"],
    },
    "pauseStatuses": ["pending_customer", "waiting_internal"],
    "warningAt": 0.8,
    "onBreach": {"escalate": True, "toAgentId": None, "raisePriority": True},
}


@pytest.fixture(scope="module", autouse=True)
async def restore_configuration(
    system: System, admin_api: httpx.AsyncClient
) -> AsyncIterator[None]:
    """These tests change the one shared configuration: put it back afterwards for others."""
    system.require("config")
    async with configuration_kept(admin_api):
        yield


@pytest.fixture(scope="module")
async def second_admin_api(
    system: System, second_gateway_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The admin on the second gateway process (signed in there: its own agents store)."""
    token = await system.login(system.admin_email, system.admin_password, base=second_gateway_url)
    async with system.api(token, base=second_gateway_url) as client:
        yield client


async def test_categories_read_change_and_see_the_change_through_both_gateways(
    admin_api: httpx.AsyncClient, second_admin_api: httpx.AsyncClient
) -> None:
    r = await admin_api.get("/config/ticket-categories")
    assert r.status_code == 200
    assert r.json()["success"] is True and len(r.json()["categories"]) >= 1

    r = await admin_api.put("/config/ticket-categories", json={"categories": CATEGORIES})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["message"] == "Ticket categories updated successfully"
    assert [c["id"] for c in body["categories"]] == ["water_leak", "other"]

    for client in (admin_api, second_admin_api):
        seen = (await client.get("/config/ticket-categories")).json()["categories"]
        assert seen[0]["id"] == "water_leak" and seen[0]["labelEn"] == "Water leak"


async def test_every_read_after_a_change_sees_it_whichever_config_replica_answers(
    admin_api: httpx.AsyncClient,
) -> None:
    # Config runs two replicas: consecutive requests are spread over both.
    for prefix in ("RPA", "RPB"):
        r = await admin_api.put("/config/ticket-id-format", json={**ID_FORMAT, "prefix": prefix})
        assert r.status_code == 200, r.text
        for _ in range(6):
            fmt = (await admin_api.get("/config/ticket-id-format")).json()["format"]
            assert fmt["prefix"] == prefix


async def test_config_runs_two_replicas_behind_the_gateway(system: System) -> None:
    # Two processes on a real MongoDB; two instances in one process (UTS_INSTANCES=2) otherwise.
    answers = [await system.rpc.call(HEALTH, Empty()) for _ in range(8)]
    instances = {a.instance for a in answers}
    assert len(instances) >= 2, (
        f"only {instances} answered: config should run two replicas "
        "(UTS_INSTANCES=2 -> runtime.run(..., instances=settings.instances))"
    )


async def test_assistant_configuration_round_trip(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.put("/config/assistant", json=ASSISTANT)
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Assistant configuration updated successfully"
    config = (await admin_api.get("/config/assistant")).json()["config"]
    assert {k: config[k] for k in ASSISTANT} == ASSISTANT


async def test_terminology_round_trip(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.put("/config/terminology", json=TERMINOLOGY)
    assert r.status_code == 200, r.text
    assert r.json()["terminology"] == TERMINOLOGY
    assert (await admin_api.get("/config/terminology")).json() == {
        "success": True,
        "terminology": TERMINOLOGY,
    }


async def test_ticket_id_format_round_trip(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.put("/config/ticket-id-format", json=ID_FORMAT)
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Ticket ID format updated successfully"
    assert (await admin_api.get("/config/ticket-id-format")).json()["format"] == ID_FORMAT


async def test_all_configurations_in_one_answer(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.get("/config/all")
    assert r.status_code == 200
    configurations = r.json()["configurations"]
    assert set(configurations) == {
        "ticketCategories",
        "assistantConfiguration",
        "terminology",
        "ticketIdFormat",
    }


async def test_reset_puts_the_built_in_default_back(admin_api: httpx.AsyncClient) -> None:
    await admin_api.put("/config/terminology", json=TERMINOLOGY)
    r = await admin_api.post("/config/reset/ticket_terminology")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    assert body["message"] == "ticket_terminology reset to default"
    assert body["value"] != TERMINOLOGY
    assert (await admin_api.get("/config/terminology")).json()["terminology"] == body["value"]


async def test_unknown_reset_key_is_422_before_any_service_call(
    admin_api: httpx.AsyncClient,
) -> None:
    r = await admin_api.post("/config/reset/not_a_setting")
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == "key"


async def test_applying_restaurant_preset_changes_everything_at_once(
    admin_api: httpx.AsyncClient, second_admin_api: httpx.AsyncClient
) -> None:
    presets = (await admin_api.get("/config/presets")).json()["presets"]
    ids = {p["id"] for p in presets}
    assert {"restaurant", "e-commerce", "healthcare"} <= ids
    restaurant = next(p for p in presets if p["id"] == "restaurant")

    r = await admin_api.post("/config/presets/restaurant/apply")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["preset"]["id"] == "restaurant"
    expected_ids = [c["id"] for c in restaurant["ticketCategories"]]

    for client in (admin_api, second_admin_api):
        all_ = (await client.get("/config/all")).json()["configurations"]
        assert [c["id"] for c in all_["ticketCategories"]] == expected_ids
        assert all_["terminology"] == restaurant["ticketTerminology"]
        assert all_["ticketIdFormat"] == restaurant["ticketIdFormat"]
        assert all_["assistantConfiguration"] == restaurant["assistantConfiguration"]
        rendered = (await client.get("/config/assistant/rendered")).json()
        assert category_enum(rendered["tools"]) == expected_ids


async def test_rendered_assistant_has_instructions_and_every_tool(
    admin_api: httpx.AsyncClient,
) -> None:
    r = await admin_api.get("/config/assistant/rendered")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"success", "instructions", "tools", "unknownVariables"}
    assert {t["name"] for t in body["tools"]} == {
        "create_ticket_report",
        "get_ticket_information",
        "request_human_agent",
        "add_ticket_comment",
        "rate_ticket",
    }
    categories = (await admin_api.get("/config/ticket-categories")).json()["categories"]
    assert category_enum(body["tools"]) == [c["id"] for c in categories]


async def test_instructions_template_round_trip_and_unknown_variables_reported(
    admin_api: httpx.AsyncClient,
) -> None:
    template = "Eres {assistantName} de {companyName}. {noSuchVariable}"
    r = await admin_api.put("/config/instructions-template", json={"template": template})
    assert r.status_code == 200, r.text
    assert (await admin_api.get("/config/instructions-template")).json()["template"] == template
    rendered = (await admin_api.get("/config/assistant/rendered")).json()
    assistant = (await admin_api.get("/config/assistant")).json()["config"]
    assert rendered["instructions"].startswith(f"Eres {assistant['assistantName']} de ")
    assert rendered["unknownVariables"] == ["noSuchVariable"]


async def test_custom_preset_saved_listed_applied_and_deleted(
    admin_api: httpx.AsyncClient,
) -> None:
    await admin_api.put("/config/ticket-categories", json={"categories": CATEGORIES})
    preset_id = f"e2e-{uuid.uuid4().hex[:6]}"
    r = await admin_api.post(
        "/config/presets", json={"id": preset_id, "name": "Plumbing", "description": "e2e"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["preset"]["id"] == preset_id
    assert [c["id"] for c in r.json()["preset"]["ticketCategories"]] == ["water_leak", "other"]
    listed = (await admin_api.get("/config/presets")).json()["presets"]
    assert preset_id in {p["id"] for p in listed}

    await admin_api.post("/config/presets/restaurant/apply")
    r = await admin_api.post(f"/config/presets/{preset_id}/apply")
    assert r.status_code == 200, r.text
    categories = (await admin_api.get("/config/ticket-categories")).json()["categories"]
    assert [c["id"] for c in categories] == ["water_leak", "other"]

    r = await admin_api.delete(f"/config/presets/{preset_id}")
    assert r.status_code == 200, r.text
    assert preset_id not in {p["id"] for p in r.json()["presets"]}


async def test_built_in_preset_cannot_be_deleted(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.delete("/config/presets/restaurant")
    assert r.status_code in (403, 409), r.text
    assert r.json()["success"] is False
    assert "restaurant" in {
        p["id"] for p in (await admin_api.get("/config/presets")).json()["presets"]
    }


async def test_unknown_preset_is_404(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.post("/config/presets/no-such-preset/apply")
    assert r.status_code == 404
    assert r.json()["success"] is False


async def test_history_says_who_changed_what(admin_api: httpx.AsyncClient) -> None:
    me = (await admin_api.get("/auth/me")).json()["agent"]
    await admin_api.put("/config/ticket-id-format", json={**ID_FORMAT, "prefix": "HIST"})
    r = await admin_api.get("/config/history", params={"key": "ticket_id_format", "limit": 3})
    assert r.status_code == 200, r.text
    changes = r.json()["changes"]
    assert 1 <= len(changes) <= 3
    assert all(c["key"] == "ticket_id_format" for c in changes)
    newest = max(changes, key=lambda c: c["changedAt"])
    assert newest["changedBy"] == me["id"]
    assert newest["newValue"]["prefix"] == "HIST"


async def test_history_is_paginated_with_a_default_page_size_and_a_maximum(
    admin_api: httpx.AsyncClient,
) -> None:
    first = await admin_api.get("/config/history")
    assert first.status_code == 200, first.text
    pagination = first.json()["pagination"]
    assert (pagination["page"], pagination["limit"]) == (1, 20)
    assert len(first.json()["changes"]) == min(pagination["total"], 20)
    assert pagination["pages"] == -(-pagination["total"] // 20)
    too_many = await admin_api.get("/config/history", params={"limit": 101})
    assert too_many.status_code == 422
    assert too_many.json()["details"][0]["field"] == "limit"


async def test_raw_settings_documents(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.get("/config/settings")
    assert r.status_code == 200
    settings = r.json()["settings"]
    assert {s["key"] for s in settings} >= SETTING_KEYS
    assert all({"value", "category", "isEditable"} <= set(s) for s in settings)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/config/ticket-categories", {"categories": []}, "categories"),
        ("PUT", "/config/ticket-categories", {}, "categories"),
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [{"id": "Bad Id", "label": "x"}]},
            "categories.0.id",
        ),
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [{"id": "ok", "label": " "}]},
            "categories.0.label",
        ),
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [{"label": "no id"}]},
            "categories.0.id",
        ),
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [CATEGORIES[1], CATEGORIES[1]]},
            "categories",
        ),
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [{**CATEGORIES[1], "colour": "red"}]},
            "categories.0.colour",
        ),
        ("PUT", "/config/ticket-categories", {"categories": "billing"}, "categories"),
        (
            "PUT",
            "/config/assistant",
            {k: v for k, v in ASSISTANT.items() if k != "assistantName"},
            "assistantName",
        ),
        ("PUT", "/config/assistant", {**ASSISTANT, "companyName": ""}, "companyName"),
        ("PUT", "/config/assistant", {**ASSISTANT, "language": "fr"}, "language"),
        ("PUT", "/config/terminology", {**TERMINOLOGY, "ticketPlural": None}, "ticketPlural"),
        ("PUT", "/config/ticket-id-format", {**ID_FORMAT, "prefix": ""}, "prefix"),
        ("PUT", "/config/ticket-id-format", {**ID_FORMAT, "prefix": "LU X"}, "prefix"),
        ("PUT", "/config/ticket-id-format", {**ID_FORMAT, "padLength": 13}, "padLength"),
        ("PUT", "/config/ticket-id-format", {**ID_FORMAT, "padLength": 0}, "padLength"),
        ("PUT", "/config/ticket-id-format", {**ID_FORMAT, "separator": "/"}, "separator"),
        # sizes (contracts/base.py)
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [{**CATEGORIES[1], "label": "x" * 101}]},
            "categories.0.label",
        ),
        (
            "PUT",
            "/config/ticket-categories",
            {"categories": [{"id": f"c{n}", "label": "x"} for n in range(101)]},
            "categories",
        ),
        (
            "PUT",
            "/config/assistant",
            {**ASSISTANT, "greetingMessage": "x" * 2_001},
            "greetingMessage",
        ),
        ("PUT", "/config/terminology", {**TERMINOLOGY, "agentNoun": "x" * 101}, "agentNoun"),
        ("PUT", "/config/instructions-template", {"template": "x" * 50_001}, "template"),
        (
            "POST",
            "/config/presets",
            {"id": "p", "name": "n", "description": "x" * 2_001},
            "description",
        ),
        ("PUT", "/config/instructions-template", {"template": "  "}, "template"),
        ("POST", "/config/presets", {"id": "Not A Slug", "name": "x"}, "id"),
        ("POST", "/config/presets", {"id": "fine", "name": ""}, "name"),
        ("PUT", "/config/assistant", [ASSISTANT], "body"),
    ],
)
async def test_invalid_bodies_are_422_naming_the_field_and_reason(
    admin_api: httpx.AsyncClient, method: str, path: str, body: Any, field: str
) -> None:
    r = await admin_api.request(method, path, json=body)
    assert r.status_code == 422, r.text
    payload = r.json()
    assert payload["success"] is False
    details = {d["field"]: d["reason"] for d in payload["details"]}
    assert field in details, payload
    assert details[field]


# --- the SLA policy -------------------------------------------------------------------------------


async def test_sla_policy_default_is_the_plans_table(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.post("/config/reset/sla_policy")
    assert r.status_code == 200, r.text
    assert r.json()["value"] == {
        **DEFAULT_SLA,
        "onBreach": {"escalate": False, "raisePriority": False},
    }
    r = await admin_api.get("/config/sla")
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "policy": DEFAULT_SLA}


async def test_sla_policy_with_a_business_calendar_round_trips(
    admin_api: httpx.AsyncClient, agent: AgentLogin, second_admin_api: httpx.AsyncClient
) -> None:
    policy = {**OFFICE_SLA, "onBreach": {**OFFICE_SLA["onBreach"], "toAgentId": agent.id}}
    r = await admin_api.put("/config/sla", json=policy)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "success": True,
        "message": "SLA policy updated successfully",
        "policy": policy,
    }
    for client in (admin_api, second_admin_api):
        assert (await client.get("/config/sla")).json()["policy"] == policy


async def test_sla_policy_is_read_by_any_agent_and_changed_by_admins_only(
    admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    before = (await admin_api.get("/config/sla")).json()["policy"]
    r = await agent_api.get("/config/sla")
    assert r.status_code == 200, r.text
    assert r.json()["policy"] == before
    r = await agent_api.put("/config/sla", json=OFFICE_SLA)
    assert r.status_code == 403, r.text
    assert r.json() == {"success": False, "error": "Admin access required"}
    assert (await admin_api.get("/config/sla")).json()["policy"] == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"calendar": {**OFFICE_SLA["calendar"], "timeZone": "Mars/Olympus"}}, "calendar.timeZone"),
        (
            {
                "calendar": {
                    **OFFICE_SLA["calendar"],
                    "workingHours": {"start": "18:00", "end": "09:00"},
                }
            },
            "calendar.workingHours.end",
        ),
        ({"warningAt": 1.5}, "warningAt"),
        ({"pauseStatuses": ["closed"]}, "pauseStatuses"),
    ],
    ids=["unknown-time-zone", "end-before-start", "warning-at-1.5", "pause-on-closed"],
)
async def test_sla_policy_invalid_is_422_naming_the_field_and_nothing_is_stored(
    admin_api: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    before = (await admin_api.get("/config/sla")).json()["policy"]
    history = (await admin_api.get("/config/history", params={"key": "sla_policy"})).json()
    r = await admin_api.put("/config/sla", json={**OFFICE_SLA, **change})
    assert r.status_code == 422, r.text
    payload = r.json()
    assert payload["success"] is False
    assert [d["field"] for d in payload["details"]] == [field]
    assert payload["details"][0]["reason"]
    assert (await admin_api.get("/config/sla")).json()["policy"] == before
    after = (await admin_api.get("/config/history", params={"key": "sla_policy"})).json()
    assert after["pagination"]["total"] == history["pagination"]["total"]


async def test_sla_policy_change_reaches_open_consoles_as_config_updated(
    gateway_url: str, agent: AgentLogin, admin_api: httpx.AsyncClient
) -> None:
    async with Listener(gateway_url, agent.token, events=["config_updated"]) as console:
        r = await admin_api.put("/config/sla", json=OFFICE_SLA)
        assert r.status_code == 200, r.text
        event = await console.wait_for(
            "config_updated", lambda e: e["keys"] == ["sla_policy"], timeout=10
        )
    assert event["updatedBy"] == (await admin_api.get("/auth/me")).json()["agent"]["id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": "x"}, "limit"), ({"key": "nope"}, "key")],
)
async def test_invalid_history_query_is_422(
    admin_api: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    r = await admin_api.get("/config/history", params=params)
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == field


async def test_malformed_json_on_a_config_route_is_400(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.put(
        "/config/terminology",
        content=b'{"ticketSingular": ',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"].startswith("Malformed JSON body")


async def test_a_template_is_previewed_rendered_before_it_is_saved(
    admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    saved = (await admin_api.get("/config/instructions-template")).json()["template"]
    draft = "Hola, soy {assistantName} de {companyName}. {notAVariable}"
    r = await admin_api.post("/config/instructions-template/preview", json={"template": draft})
    assert r.status_code == 200, r.text
    assistant = (await admin_api.get("/config/assistant")).json()["config"]
    preview = r.json()
    assert preview["instructions"].startswith(
        f"Hola, soy {assistant['assistantName']} de {assistant['companyName']}."
    )
    assert preview["unknownVariables"] == ["notAVariable"]
    assert {t["name"] for t in preview["tools"]} == {
        "create_ticket_report",
        "get_ticket_information",
        "request_human_agent",
        "add_ticket_comment",
        "rate_ticket",
    }
    assert (await admin_api.get("/config/instructions-template")).json()["template"] == saved
    r = await agent_api.post("/config/instructions-template/preview", json={"template": draft})
    assert r.status_code == 403


async def test_the_next_ticket_id_is_previewed_under_a_format_not_yet_saved(
    admin_api: httpx.AsyncClient, desk: Desk
) -> None:
    current = (await admin_api.get("/config/ticket-id-format")).json()["format"]
    customer = await new_customer(desk.api)
    categories = (await admin_api.get("/config/ticket-categories")).json()["categories"]
    last = await new_ticket(desk.api, customer["id"], category=categories[0]["id"])
    r = await admin_api.post("/config/ticket-id-format/preview", json=current)
    assert r.status_code == 200, r.text
    digits = re.search(r"(\d+)$", last["ticketId"])
    assert digits is not None
    following = str(int(digits.group(1)) + 1).zfill(len(digits.group(1)))
    assert r.json()["nextTicketId"] == last["ticketId"][: digits.start()] + following
    fresh = {"prefix": "NEW" + uuid.uuid4().hex[:6].upper(), "includeYear": False, "padLength": 4}
    r = await admin_api.post("/config/ticket-id-format/preview", json=fresh)
    assert r.json()["nextTicketId"] == f"{fresh['prefix']}-0001"  # a new counter starts at 1
    assert (await admin_api.get("/config/ticket-id-format")).json()["format"] == current
