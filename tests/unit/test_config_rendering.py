"""Assistant instructions from the template, and tool definitions in the Responses API format."""

import pytest

from config_service.domain import presets
from config_service.domain.instructions import DEFAULT_TEMPLATE
from config_service.domain.rendering import (
    VARIABLE,
    format_ticket_id,
    render,
    render_instructions,
    rendered_assistant,
    ticket_id_pattern,
    tool_definitions,
    variable_names,
)
from uts_shared.contracts.config import AllConfig, Category, Preset, TicketIdFormat


def _config(preset: Preset | None = None) -> AllConfig:
    p = preset or presets.luxfree_preset()
    return AllConfig(
        ticket_categories=p.ticket_categories,
        assistant_configuration=p.assistant_configuration,
        terminology=p.ticket_terminology,
        ticket_id_format=p.ticket_id_format,
    )


def _tool(config: AllConfig, name: str) -> dict:
    return next(t for t in tool_definitions(config, year=2026) if t["name"] == name)


def test_known_variables_are_replaced() -> None:
    text, unknown = render(
        "Soy {assistantName} de {companyName}.",
        {"assistantName": "Lúmen", "companyName": "LUXFREE"},
    )
    assert text == "Soy Lúmen de LUXFREE."
    assert unknown == []


def test_unknown_variables_are_reported_once_in_order_and_left_in_the_text() -> None:
    text, unknown = render("{b} {assistantName} {a} {b}", {"assistantName": "Lúmen"})
    assert text == "{b} Lúmen {a} {b}"
    assert unknown == ["b", "a"]


def test_substituted_values_are_not_expanded_again() -> None:
    text, unknown = render("{companyName}", {"companyName": "ACME {assistantName}"})
    assert text == "ACME {assistantName}"
    assert unknown == []


def test_braces_that_are_not_identifiers_are_plain_text() -> None:
    text, unknown = render('JSON {"a": 1} y { } y {1x}', {})
    assert text == 'JSON {"a": 1} y { } y {1x}'
    assert unknown == []


@pytest.mark.parametrize("preset", presets.builtin_presets(), ids=lambda p: p.id)
def test_default_template_renders_completely_for_every_builtin_preset(preset: Preset) -> None:
    config = _config(preset)
    text, unknown = render_instructions(DEFAULT_TEMPLATE, config, year=2026)
    assert unknown == []
    assert VARIABLE.search(text) is None
    assert config.assistant_configuration.assistant_name in text
    assert config.assistant_configuration.company_name in text
    assert config.assistant_configuration.ticket_noun_plural in text
    for category in config.ticket_categories:
        assert f"- {category.id}: {category.label}" in text
    assert format_ticket_id(config.ticket_id_format, year=2026, sequence=1) in text


def test_default_template_tells_when_to_call_each_tool() -> None:
    text, _ = render_instructions(DEFAULT_TEMPLATE, _config(), year=2026)
    assert "create_ticket_report" in text
    assert "get_ticket_information" in text
    assert "lookup_recent" in text
    assert "WhatsApp" in text


def test_template_uses_the_documented_variables() -> None:
    used = set(VARIABLE.findall(DEFAULT_TEMPLATE))
    assert used <= set(variable_names())
    assert {"assistantName", "companyName", "primaryServiceIssue", "serviceType"} <= used
    assert {"ticketNoun", "ticketNounPlural", "categoryList"} <= used


def test_greeting_message_is_rendered_with_the_same_variables() -> None:
    config = _config()
    config.assistant_configuration.greeting_message = "Hola, soy {assistantName} {oops}"
    text, unknown = render_instructions("{greetingMessage}", config, year=2026)
    assert text == "Hola, soy Lúmen {oops}"
    assert unknown == ["oops"]


def test_empty_service_issue_reads_naturally() -> None:
    config = _config()
    config.assistant_configuration.primary_service_issue = ""
    text, _ = render_instructions("con {primaryServiceIssue}", config, year=2026)
    assert text == "con sus consultas y solicitudes"


def test_tools_are_in_the_responses_api_function_format() -> None:
    tools = tool_definitions(_config(), year=2026)
    assert [t["name"] for t in tools] == [
        "create_ticket_report",
        "get_ticket_information",
        "request_human_agent",
        "add_ticket_comment",
        "rate_ticket",
    ]
    for tool in tools:
        assert set(tool) == {"type", "name", "description", "parameters", "strict"}
        assert tool["type"] == "function"
        assert "function" not in tool
        assert tool["strict"] is False
        assert tool["parameters"]["type"] == "object"


def test_create_ticket_report_matches_the_plan() -> None:
    tool = _tool(_config(), "create_ticket_report")
    params = tool["parameters"]
    assert params["required"] == ["subject", "description", "category"]
    props = params["properties"]
    assert set(props) == {"subject", "description", "category", "priority", "location"}
    assert props["subject"]["description"] == "Brief summary of the issue (max 200 chars)"
    assert props["priority"]["enum"] == ["low", "medium", "high", "urgent"]
    assert props["location"]["type"] == "object"
    assert set(props["location"]["properties"]) == {"address", "description"}
    assert tool["description"].startswith("Creates a support ticket for the customer.")
    assert "instalaciones solares" in tool["description"]


def test_category_enum_is_the_current_category_ids() -> None:
    config = _config()
    config.ticket_categories = [Category(id="a1", label="A"), Category(id="b2", label="B")]
    category = _tool(config, "create_ticket_report")["parameters"]["properties"]["category"]
    assert category["enum"] == ["a1", "b2"]
    assert "a1 (A)" in category["description"]


def test_default_category_enum_is_the_six_luxfree_categories() -> None:
    category = _tool(_config(), "create_ticket_report")["parameters"]["properties"]["category"]
    assert category["enum"] == [
        "solar_installation",
        "light_malfunction",
        "maintenance",
        "electrical_issue",
        "billing",
        "other",
    ]


def test_ticket_id_description_uses_the_configured_format() -> None:
    tool = _tool(_config(), "get_ticket_information")
    ticket_id = tool["parameters"]["properties"]["ticket_id"]["description"]
    assert ticket_id == (
        "The ticket ID (format: LUX-YYYY-NNNNNN, e.g., LUX-2026-000001). "
        "Optional if looking up by recent tickets."
    )
    assert tool["parameters"]["required"] == []
    assert tool["parameters"]["properties"]["lookup_recent"]["type"] == "boolean"


def test_ticket_id_without_year() -> None:
    fmt = TicketIdFormat(prefix="FOOD", include_year=False, pad_length=4, separator="_")
    assert ticket_id_pattern(fmt) == "FOOD_NNNN"
    assert format_ticket_id(fmt, year=2026, sequence=12) == "FOOD_0012"


def test_rendered_assistant_bundles_instructions_tools_and_unknown_variables() -> None:
    rendered = rendered_assistant("{assistantName} {nope}", _config(), year=2026)
    assert rendered.instructions == "Lúmen {nope}"
    assert rendered.unknown_variables == ["nope"]
    assert rendered.model_dump()["unknownVariables"] == ["nope"]
    assert len(rendered.tools) == 5  # the two plan tools, handoff, comment, rating
