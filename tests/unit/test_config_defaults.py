"""Built-in LUXFREE defaults (2025-12-21 plan) and the values of the first seeding."""

import re
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from config_service.domain.defaults import (
    DEFINITIONS,
    InitialValues,
    builtin_values,
    seed_record,
    seed_values,
    spanish_plural,
)
from config_service.domain.instructions import DEFAULT_TEMPLATE
from config_service.settings import Settings
from uts_shared.contracts.config import CustomerUpdate, MapTiles, SatisfactionSurvey, SettingKey

K = SettingKey


def test_every_setting_key_has_a_definition_and_a_builtin_value() -> None:
    assert set(DEFINITIONS) == set(SettingKey)
    assert set(builtin_values()) == set(SettingKey)


def test_default_categories_are_the_six_luxfree_categories_with_all_fields() -> None:
    categories = builtin_values()[K.TICKET_CATEGORIES]
    assert [c["id"] for c in categories] == [
        "solar_installation",
        "light_malfunction",
        "maintenance",
        "electrical_issue",
        "billing",
        "other",
    ]
    assert categories[0] == {
        "id": "solar_installation",
        "label": "Instalación Solar",
        "labelEn": "Solar Installation",
        "icon": "sun",
        "color": "#F59E0B",
        "description": "Instalación de paneles solares y sistemas fotovoltaicos",
    }
    assert all(
        set(c) == {"id", "label", "labelEn", "icon", "color", "description"} for c in categories
    )


def test_default_assistant_configuration_is_lumen_of_luxfree() -> None:
    assert builtin_values()[K.ASSISTANT_CONFIGURATION] == {
        "assistantName": "Lúmen",
        "companyName": "LUXFREE",
        "primaryServiceIssue": "instalaciones solares, luminarias y servicios eléctricos",
        "serviceType": "instalación y mantenimiento eléctrico",
        "ticketNoun": "reporte",
        "ticketNounPlural": "reportes",
        "language": "es",
    }


def test_company_name_comes_from_company_name_setting() -> None:
    value = builtin_values("Solaris SA")[K.ASSISTANT_CONFIGURATION]
    assert value["companyName"] == "Solaris SA"


def test_default_terminology_and_id_format_follow_the_plan() -> None:
    values = builtin_values()
    assert values[K.TICKET_TERMINOLOGY] == {
        "ticketSingular": "reporte",
        "ticketPlural": "reportes",
        "createVerb": "reportar",
        "customerNoun": "usuario",
        "agentNoun": "agente",
        "resolveVerb": "resolver",
    }
    assert values[K.TICKET_ID_FORMAT] == {
        "prefix": "LUX",
        "includeYear": True,
        "padLength": 6,
        "separator": "-",
    }


def test_default_presets_and_template_are_seeded_too() -> None:
    values = builtin_values()
    assert values[K.CONFIGURATION_PRESETS][0]["id"] == "luxfree"
    assert values[K.ASSISTANT_INSTRUCTIONS_TEMPLATE] == DEFAULT_TEMPLATE


def test_setting_categories_follow_the_plan() -> None:
    assert {k: d.category for k, d in DEFINITIONS.items()} == {
        K.TICKET_CATEGORIES: "tickets",
        K.ASSISTANT_CONFIGURATION: "assistant",
        K.TICKET_TERMINOLOGY: "tickets",
        K.TICKET_ID_FORMAT: "tickets",
        K.CONFIGURATION_PRESETS: "presets",
        K.ASSISTANT_INSTRUCTIONS_TEMPLATE: "assistant",
        K.TICKET_VISIBILITY: "tickets",
        K.SLA_POLICY: "tickets",
        K.CUSTOMER_UPDATES: "tickets",
        K.HANDOFF_POLICY: "assistant",
        K.MAP_TILES: "general",
        K.SIMILAR_TICKETS: "tickets",
        K.ATTACHMENT_LIMITS: "tickets",
        K.SATISFACTION_SURVEY: "tickets",
    }


def test_satisfaction_survey_is_off_by_default_and_asks_in_the_terminology() -> None:
    survey = builtin_values()[K.SATISFACTION_SURVEY]
    assert survey["enabled"] is False
    assert "{ticketSingular}" in survey["template"] and "{ticketId}" in survey["template"]


def test_map_tiles_default_to_openstreetmap() -> None:
    tiles = builtin_values()[K.MAP_TILES]
    assert tiles["tileUrl"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in tiles["attribution"]


def test_similar_tickets_default_to_150_metres_and_clusters_of_three_in_a_day() -> None:
    similar = builtin_values()[K.SIMILAR_TICKETS]
    assert (similar["radiusMeters"], similar["clusterSize"], similar["windowHours"]) == (
        150,
        3,
        24,
    )
    assert similar["createProblem"] is False


def test_attachments_default_to_10_mb_of_images_pdf_or_audio() -> None:
    assert builtin_values()[K.ATTACHMENT_LIMITS] == {
        "maxBytes": 10 * 1024 * 1024,
        "allowedTypes": ["image", "pdf", "audio"],
    }


def test_customer_updates_are_off_by_default_for_every_status() -> None:
    updates = builtin_values()[K.CUSTOMER_UPDATES]
    assert {status: u["enabled"] for status, u in updates.items()} == {
        "received": False,
        "inProgress": False,
        "resolved": False,
    }
    assert all("{ticketSingular}" in u["template"] for u in updates.values())


def test_sla_policy_builtin_value_is_the_plans_table_running_24x7() -> None:
    hour = 3_600_000
    assert builtin_values()[K.SLA_POLICY] == {
        "targets": {
            "urgent": {"firstResponseMs": hour // 4, "resolutionMs": 4 * hour},
            "high": {"firstResponseMs": hour, "resolutionMs": 24 * hour},
            "medium": {"firstResponseMs": 4 * hour, "resolutionMs": 72 * hour},
            "low": {"firstResponseMs": 24 * hour, "resolutionMs": 7 * 24 * hour},
        },
        "calendar": "24x7",
        "pauseStatuses": ["pending_customer"],
        "warningAt": 0.75,
        "onBreach": {"escalate": False, "raisePriority": False},
    }
    assert "SLA policy" in DEFINITIONS[K.SLA_POLICY].description


def test_seed_record_is_editable_and_stamped() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    record = seed_record(K.TICKET_ID_FORMAT, {"prefix": "X"}, now=now)
    assert record.model_dump()["isEditable"] is True
    assert record.created_at == record.updated_at == now
    assert record.category == "tickets"


def test_first_seeding_takes_initial_values_from_the_environment() -> None:
    values = seed_values(
        None,
        InitialValues(
            ticket_prefix="ACME",
            assistant_name="Sol",
            primary_service_issue="fallas de red",
            ticket_noun="solicitud",
        ),
    )
    assert values[K.TICKET_ID_FORMAT]["prefix"] == "ACME"
    assistant = values[K.ASSISTANT_CONFIGURATION]
    assert assistant["assistantName"] == "Sol"
    assert assistant["primaryServiceIssue"] == "fallas de red"
    assert (assistant["ticketNoun"], assistant["ticketNounPlural"]) == ("solicitud", "solicitudes")
    terms = values[K.TICKET_TERMINOLOGY]
    assert (terms["ticketSingular"], terms["ticketPlural"]) == ("solicitud", "solicitudes")


def test_initial_values_do_not_change_the_builtin_defaults() -> None:
    seed_values(None, InitialValues(ticket_prefix="ACME"))
    assert builtin_values()[K.TICKET_ID_FORMAT]["prefix"] == "LUX"


def test_explicit_plural_wins_over_the_derived_one() -> None:
    values = seed_values(None, InitialValues(ticket_noun="orden", ticket_noun_plural="órdenes"))
    assert values[K.ASSISTANT_CONFIGURATION]["ticketNounPlural"] == "órdenes"


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("reporte", "reportes"),
        ("caso", "casos"),
        ("solicitud", "solicitudes"),
        ("petición", "peticiones"),
        ("ticket", "tickets"),
        ("luz", "luces"),
        ("análisis", "análisis"),
        ("orden de trabajo", "ordenes de trabajo"),
    ],
)
def test_spanish_plural_of_ticket_nouns(singular: str, plural: str) -> None:
    assert spanish_plural(singular) == plural


def test_settings_read_cache_ttl_and_initial_values_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONFIG_CACHE_TTL", "12.5")
    monkeypatch.setenv("TICKET_PREFIX", "ACME")
    monkeypatch.setenv("ASSISTANT_NAME", "Sol")
    monkeypatch.setenv("PRIMARY_SERVICE_ISSUE", "fallas")
    monkeypatch.setenv("TICKET_NOUN", "caso")
    monkeypatch.setenv("COMPANY_NAME", "ACME SA")
    settings = Settings()
    assert settings.config_cache_ttl == 12.5
    assert (settings.ticket_prefix, settings.assistant_name) == ("ACME", "Sol")
    assert (settings.primary_service_issue, settings.ticket_noun) == ("fallas", "caso")
    assert settings.company_name == "ACME SA"
    assert settings.mongodb_db == "uts_config"


def test_settings_default_cache_ttl_is_five_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFIG_CACHE_TTL", raising=False)
    assert Settings().config_cache_ttl == 300.0


def test_an_invalid_ticket_prefix_fails_at_startup() -> None:
    with pytest.raises(ValueError, match="prefix"):
        Settings(ticket_prefix="LUX-1")


@pytest.mark.parametrize(
    "url",
    [
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://server.arcgisonline.com/tile/{z}/{y}/{x}",
        "//tiles.example.org/{x}-{y}-{z}.webp",
        "https://Y{x}:\u00fc\u001eV{z}{y}",
        "https://tiles.example.org/{z}/{x}.png",
        "ftp://tiles.example.org/{z}/{x}/{y}",
    ],
)
def test_map_tile_urls_are_checked_by_the_pattern_the_document_states(url: str) -> None:
    accepted, matches = accepted_and_matched(MapTiles, "tileUrl", url)
    assert accepted == matches
    assert accepted == (url.count("{") == 3 and "\u001e" not in url and "ftp" not in url)


@pytest.mark.parametrize("template", ["\n", "   ", "\t\u3000", "¿Cómo te fue con {ticketId}?"])
def test_message_templates_are_refused_blank_as_the_document_states(template: str) -> None:
    """A blank template (whitespace only) is refused by the model and by the document's
    pattern alike: the document calls nothing valid that the server refuses."""
    for model in (SatisfactionSurvey, CustomerUpdate):
        accepted, matches = accepted_and_matched(model, "template", template)
        assert accepted == matches == bool(template.strip())


def accepted_and_matched(model: type[BaseModel], field: str, value: str) -> tuple[bool, bool]:
    """Whether the model takes `value` for `field` (by its wire name), and whether the
    document's pattern for that field matches it."""
    pattern = model.model_json_schema()["properties"][field]["pattern"]
    try:
        model.model_validate({field: value})
        accepted = True
    except ValidationError:
        accepted = False
    return accepted, bool(re.search(pattern, value))
