"""What the assistant is given: instructions rendered from the template, and its tool definitions.

Tools are in the OpenAI Responses API function-tool format (`{"type": "function", "name",
"description", "parameters", "strict"}`), with the descriptions and parameters of the 2025-12-21
plan, the `category` enum taken from the current categories and the `ticket_id` description
from the current ID format. `strict` is set to False explicitly: the Responses API defaults it to
True, which would require every property to be listed in `required`, and these tools have
optional properties (`priority`, `location`, `ticket_id`, `lookup_recent`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from config_service.domain import presets
from config_service.domain.instructions import DEFAULT_GREETING
from uts_shared.contracts.config import AllConfig, Category, RenderedAssistant, TicketIdFormat

VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""`{name}`: only identifiers are variables, so other braces (JSON examples, emoji) stay as text."""

LANGUAGE_NAMES = {"es": "español", "en": "inglés"}

# What a variable reads as when its configured value is empty (e.g. primaryServiceIssue = "").
_FALLBACKS = {
    "primaryServiceIssue": "sus consultas y solicitudes",
    "serviceType": "atención al cliente",
}

PRIORITIES = ["low", "medium", "high", "urgent"]


def ticket_id_pattern(fmt: TicketIdFormat) -> str:
    """The shape of an ID, e.g. `LUX-YYYY-NNNNNN`."""
    parts = [fmt.prefix, *(["YYYY"] if fmt.include_year else []), "N" * fmt.pad_length]
    return fmt.separator.join(parts)


def format_ticket_id(fmt: TicketIdFormat, *, year: int, sequence: int) -> str:
    """One ID in the configured format, e.g. `LUX-2026-000001`."""
    parts = [fmt.prefix, *([f"{year:04d}"] if fmt.include_year else [])]
    parts.append(str(sequence).zfill(fmt.pad_length))
    return fmt.separator.join(parts)


def render(template: str, variables: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace known `{name}`s; unknown ones stay in the text and are returned, in order, once.

    Substituted values are not scanned again, so a value containing `{x}` is kept literally.
    """
    unknown: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        if name not in unknown:
            unknown.append(name)
        return match.group(0)

    return VARIABLE.sub(substitute, template), unknown


def category_list(categories: list[Category]) -> str:
    """One line per category for the instructions: `- id: label (description)`."""
    lines = []
    for cat in categories:
        detail = f" ({cat.description})" if cat.description else ""
        lines.append(f"   - {cat.id}: {cat.label}{detail}")
    return "\n".join(lines)


def template_variables(config: AllConfig, *, year: int) -> tuple[dict[str, str], list[str]]:
    """Every variable a template may use, and the unknown variables of the greeting message."""
    assistant = config.assistant_configuration
    terms = config.terminology
    fmt = config.ticket_id_format
    variables = {
        "assistantName": assistant.assistant_name,
        "companyName": assistant.company_name,
        "primaryServiceIssue": assistant.primary_service_issue,
        "serviceType": assistant.service_type,
        "ticketNoun": assistant.ticket_noun,
        "ticketNounPlural": assistant.ticket_noun_plural,
        "language": assistant.language,
        "languageName": LANGUAGE_NAMES.get(assistant.language, assistant.language),
        "ticketSingular": terms.ticket_singular,
        "ticketPlural": terms.ticket_plural,
        "createVerb": terms.create_verb,
        "customerNoun": terms.customer_noun,
        "agentNoun": terms.agent_noun,
        "resolveVerb": terms.resolve_verb,
        "categoryList": category_list(config.ticket_categories),
        "categoryIds": ", ".join(c.id for c in config.ticket_categories),
        "ticketIdFormat": ticket_id_pattern(fmt),
        "ticketIdExample": format_ticket_id(fmt, year=year, sequence=1),
    }
    for name, fallback in _FALLBACKS.items():
        if not variables[name].strip():
            variables[name] = fallback
    greeting, unknown = render(assistant.greeting_message or DEFAULT_GREETING, variables)
    variables["greetingMessage"] = greeting
    return variables, unknown


def variable_names() -> list[str]:
    """The names `template_variables` provides (for documentation and error messages)."""
    sample = AllConfig(
        ticket_categories=list(presets.LUXFREE_CATEGORIES),
        assistant_configuration=presets.luxfree_assistant(),
        terminology=presets.LUXFREE_TERMINOLOGY,
        ticket_id_format=presets.LUXFREE_ID_FORMAT,
    )
    return sorted(template_variables(sample, year=2000)[0])


def render_instructions(template: str, config: AllConfig, *, year: int) -> tuple[str, list[str]]:
    """The instructions text and every unknown variable (template's, then greeting's)."""
    variables, greeting_unknown = template_variables(config, year=year)
    text, unknown = render(template, variables)
    return text, unknown + [v for v in greeting_unknown if v not in unknown]


def tool_definitions(config: AllConfig, *, year: int) -> list[dict[str, Any]]:
    """`create_ticket_report`, `get_ticket_information`, `request_human_agent` and
    `add_ticket_comment` and `rate_ticket` for the current configuration."""
    return [
        create_ticket_report_tool(config),
        get_ticket_information_tool(config, year=year),
        request_human_agent_tool(config),
        add_ticket_comment_tool(config, year=year),
        rate_ticket_tool(config, year=year),
    ]


def request_human_agent_tool(config: AllConfig) -> dict[str, Any]:
    agent = config.terminology.agent_noun
    return {
        "type": "function",
        "name": "request_human_agent",
        "description": (
            f"Hands the conversation to a human {agent}. Use when the customer asks to talk to "
            "a person, or when you cannot help them any further. Afterwards tell the customer "
            "what the function's message says; the agents answer from then on."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "reason": {
                    "type": "string",
                    "description": "Why the customer needs a person, in a few words",
                },
            },
            "required": ["reason"],
        },
        "strict": False,
    }


def add_ticket_comment_tool(config: AllConfig, *, year: int) -> dict[str, Any]:
    fmt = config.ticket_id_format
    singular = config.terminology.ticket_singular
    example = format_ticket_id(fmt, year=year, sequence=1)
    return {
        "type": "function",
        "name": "add_ticket_comment",
        "description": (
            f"Adds information the customer gives to one of their existing {singular}s "
            "(new details, a changed situation). Only for the customer's own; to report a new "
            "problem create a new one instead."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "ticketId": {
                    "type": "string",
                    "description": f"The ID (format: {ticket_id_pattern(fmt)}, e.g., {example})",
                },
                "comment": {
                    "type": "string",
                    "description": "The information to add, in the customer's words",
                },
            },
            "required": ["ticketId", "comment"],
        },
        "strict": False,
    }


def rate_ticket_tool(config: AllConfig, *, year: int) -> dict[str, Any]:
    fmt = config.ticket_id_format
    singular = config.terminology.ticket_singular
    example = format_ticket_id(fmt, year=year, sequence=1)
    return {
        "type": "function",
        "name": "rate_ticket",
        "description": (
            f"Records the customer's rating of one of their resolved {singular}s, when they "
            "answer the satisfaction question (1 = bad to 5 = excellent), with their comment "
            "if they gave one. Once per ticket."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "ticketId": {
                    "type": "string",
                    "description": f"The ID (format: {ticket_id_pattern(fmt)}, e.g., {example})",
                },
                "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                "comment": {"type": "string", "description": "The customer's own words, if any"},
            },
            "required": ["ticketId", "rating"],
        },
        "strict": False,
    }


def create_ticket_report_tool(config: AllConfig) -> dict[str, Any]:
    scope = config.assistant_configuration.primary_service_issue.strip()
    about = f"a problem related to {scope}" if scope else "a problem"
    categories = config.ticket_categories
    glosses = ", ".join(f"{c.id} ({c.label_en or c.label})" for c in categories)
    return {
        "type": "function",
        "name": "create_ticket_report",
        "description": (
            "Creates a support ticket for the customer. Use when the customer reports an issue, "
            f"requests help, or needs follow-up on {about}. The ticket will be tracked and "
            "assigned to an agent."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "subject": {
                    "type": "string",
                    "description": "Brief summary of the issue (max 200 chars)",
                },
                "description": {
                    "type": "string",
                    "description": (
                        "Detailed description of the customer's issue or request, including all "
                        "relevant details they provided"
                    ),
                },
                "category": {
                    "type": "string",
                    "enum": [c.id for c in categories],
                    "description": f"Category that best describes the issue: {glosses}",
                },
                "priority": {
                    "type": "string",
                    "enum": list(PRIORITIES),
                    "description": (
                        "Priority level based on issue severity. Use 'urgent' only for critical "
                        "issues like complete power outages, safety hazards, or emergencies. Use "
                        "'high' for serious problems affecting service. Use 'medium' for standard "
                        "issues. Use 'low' for minor concerns."
                    ),
                },
                "location": {
                    "type": "object",
                    "description": (
                        "Location information if the issue is related to a physical location"
                    ),
                    "properties": {
                        "address": {
                            "type": "string",
                            "description": "Physical address of the issue",
                        },
                        "description": {
                            "type": "string",
                            "description": (
                                "Additional location details (building, floor, room, etc.)"
                            ),
                        },
                    },
                },
            },
            "required": ["subject", "description", "category"],
        },
        "strict": False,
    }


def get_ticket_information_tool(config: AllConfig, *, year: int) -> dict[str, Any]:
    fmt = config.ticket_id_format
    pattern = ticket_id_pattern(fmt)
    example = format_ticket_id(fmt, year=year, sequence=1)
    return {
        "type": "function",
        "name": "get_ticket_information",
        "description": (
            "Retrieves information about a customer's support ticket. Use when customer asks "
            "about ticket status, wants updates, references a previous issue, or asks about "
            "their reports/tickets."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "ticket_id": {
                    "type": "string",
                    "description": (
                        f"The ticket ID (format: {pattern}, e.g., {example}). "
                        "Optional if looking up by recent tickets."
                    ),
                },
                "lookup_recent": {
                    "type": "boolean",
                    "description": (
                        "Set to true to retrieve the customer's most recent tickets (up to 5) "
                        "instead of a specific one. Use this when customer says 'my tickets', "
                        "'my reports', 'check my cases', etc."
                    ),
                },
            },
            "required": [],
        },
        "strict": False,
    }


def rendered_assistant(template: str, config: AllConfig, *, year: int) -> RenderedAssistant:
    """Instructions, tools and unknown variables, as the ai-tools service receives them."""
    instructions, unknown = render_instructions(template, config, year=year)
    return RenderedAssistant(
        instructions=instructions,
        tools=tool_definitions(config, year=year),
        unknown_variables=unknown,
    )
