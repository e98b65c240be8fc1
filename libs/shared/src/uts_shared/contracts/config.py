"""Config service contracts: settings models, their validation rules, RPCs and the change event."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator

from uts_shared.contracts.base import (
    HISTORY_PAGE_MAX,
    MAX_CATEGORIES,
    Empty,
    EventType,
    Id,
    Name,
    Page,
    Pagination,
    Rpc,
    ShortText,
    TemplateText,
    Text,
    WireModel,
    example,
    health_rpc,
)
from uts_shared.contracts.sla import SlaPolicy

SLUG = r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$"


def _slug(value: str) -> str:
    if not re.match(SLUG, value):
        raise ValueError("must be a slug: lowercase letters, digits, '_' or '-'")
    return value


Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_slug),
]
"""An id made for URLs and enums: lowercase letters and digits, joined by `_` or `-`."""


class SettingKey(StrEnum):
    TICKET_CATEGORIES = "ticket_categories"
    ASSISTANT_CONFIGURATION = "assistant_configuration"
    TICKET_TERMINOLOGY = "ticket_terminology"
    TICKET_ID_FORMAT = "ticket_id_format"
    CONFIGURATION_PRESETS = "configuration_presets"
    ASSISTANT_INSTRUCTIONS_TEMPLATE = "assistant_instructions_template"
    TICKET_VISIBILITY = "ticket_visibility"
    SLA_POLICY = "sla_policy"


SettingCategory = Literal["tickets", "assistant", "presets", "general"]


# --- setting values -------------------------------------------------------------------------


class Category(WireModel):
    """One ticket category; `id` is a slug (lowercase letters, digits, `_` or `-`)."""

    id: Slug
    label: Name
    label_en: ShortText | None = None
    icon: ShortText | None = None
    color: ShortText | None = None
    description: Text | None = None
    is_fallback: bool = Field(default=False, exclude_if=lambda marked: not marked)
    """The assistant's category for a report that fits no other: exactly one category carries
    `isFallback: true` (the others leave it out)."""


DEFAULT_FALLBACK = "other"
"""The fallback category when none is marked: the plans' `other`."""


def fallback_category(categories: Sequence[Category]) -> str | None:
    """The id of the category marked as the fallback, else `other` if there is one, else None
    (several marked: the first; a change with several is refused)."""
    marked = [c.id for c in categories if c.is_fallback]
    if marked:
        return marked[0]
    return DEFAULT_FALLBACK if any(c.id == DEFAULT_FALLBACK for c in categories) else None


CategoryItems = Annotated[list[Category], Field(min_length=1, max_length=MAX_CATEGORIES)]


_CATEGORIES_EXAMPLE: dict[str, Any] = {
    "categories": [
        {
            "id": "light_malfunction",
            "label": "Falla de luminaria",
            "labelEn": "Light malfunction",
            "icon": "lightbulb",
            "color": "#f59e0b",
        },
        {"id": "other", "label": "Otro", "labelEn": "Other", "isFallback": True},
    ]
}


class CategoryList(WireModel):
    model_config = example(_CATEGORIES_EXAMPLE)

    categories: CategoryItems

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: list[Category]) -> list[Category]:
        seen: set[str] = set()
        for cat in value:
            if cat.id in seen:
                raise ValueError(f"duplicate category id '{cat.id}'")
            seen.add(cat.id)
        return value


class AssistantConfig(WireModel):
    model_config = example(
        {
            "assistantName": "Lúmen",
            "companyName": "LUXFREE",
            "ticketNoun": "reporte",
            "ticketNounPlural": "reportes",
            "primaryServiceIssue": "fallas de alumbrado público",
            "serviceType": "alumbrado público",
            "language": "es",
        }
    )

    assistant_name: Name
    company_name: Name
    ticket_noun: Name
    ticket_noun_plural: Name
    primary_service_issue: Text = ""
    service_type: ShortText = ""
    greeting_message: Text | None = None
    language: Literal["es", "en"] = "es"


class Terminology(WireModel):
    model_config = example(
        {
            "ticketSingular": "reporte",
            "ticketPlural": "reportes",
            "createVerb": "levantar",
            "customerNoun": "usuario",
            "agentNoun": "agente",
            "resolveVerb": "resolver",
        }
    )

    ticket_singular: Name
    ticket_plural: Name
    create_verb: Name
    customer_noun: Name
    agent_noun: Name
    resolve_verb: Name


TicketVisibility = Literal["all", "assigned_and_unassigned"]
"""Which tickets agents who are not admins see: every ticket, or only those assigned to them and
those assigned to nobody (seed 001 §2.2). Admins always see every ticket."""
DEFAULT_VISIBILITY: TicketVisibility = "all"

Separator = Literal["-", "_", ".", ""]


class TicketIdFormat(WireModel):
    """`LUX-2026-000001`: prefix, optional year, zero-padded sequence, joined by the separator."""

    model_config = example({"prefix": "LUX", "includeYear": True, "padLength": 6, "separator": "-"})

    prefix: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$"
        ),
    ]
    include_year: bool = True
    pad_length: int = Field(default=6, ge=1, le=12)
    separator: Separator = "-"


class PresetValues(WireModel):
    ticket_categories: CategoryItems
    assistant_configuration: AssistantConfig
    ticket_terminology: Terminology
    ticket_id_format: TicketIdFormat
    sla_policy: SlaPolicy | None = None
    """A saved setup's SLA policy, applied with it; the built-in industry presets leave the
    SLA policy as it is."""


class Preset(PresetValues):
    id: Slug
    name: Name
    description: Text = ""
    builtin: bool = False


class AllConfig(WireModel):
    ticket_categories: list[Category]
    assistant_configuration: AssistantConfig
    terminology: Terminology
    ticket_id_format: TicketIdFormat


class SettingRecord(WireModel):
    """A SystemSettings document as stored (value kept as plain JSON)."""

    key: str
    value: Any
    category: SettingCategory = "general"
    description: str = ""
    is_editable: bool = True
    updated_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ChangeRecord(WireModel):
    key: str
    old_value: Any = None
    new_value: Any = None
    changed_by: str | None = None
    changed_at: datetime
    action: str = "update"


# --- requests ---------------------------------------------------------------------------------


class ByAgent(WireModel):
    """Every change names the agent making it (audit trail)."""

    agent_id: Id


class UpdateCategories(CategoryList, ByAgent):
    model_config = example({"agentId": "admin-1", **_CATEGORIES_EXAMPLE})


class UpdateAssistant(ByAgent):
    config: AssistantConfig


class UpdateTerminology(ByAgent):
    terminology: Terminology


class UpdateIdFormat(ByAgent):
    format: TicketIdFormat


class UpdateTemplate(ByAgent):
    template: TemplateText


class PreviewTemplate(WireModel):
    """A template as it would render with the current configuration (nothing is saved)."""

    model_config = example({"template": "Eres {assistantName}, asistente de {companyName}."})

    template: TemplateText


class UpdateVisibility(ByAgent):
    visibility: TicketVisibility


class UpdateSla(ByAgent):
    policy: SlaPolicy


class ResetSetting(ByAgent):
    key: Id


class ApplyPreset(ByAgent):
    preset_id: Id


class SavePreset(ByAgent):
    id: Slug
    name: Name
    description: Text = ""


class DeletePreset(ByAgent):
    preset_id: Id


class HistoryQuery(WireModel):
    """One page of the change history, newest first (optionally for one key)."""

    key: Id | None = None
    page: Page = 1
    limit: int = Field(default=20, ge=1, le=HISTORY_PAGE_MAX)


# --- results ----------------------------------------------------------------------------------


class Categories(WireModel):
    categories: list[Category]


class AssistantResult(WireModel):
    config: AssistantConfig


class TerminologyResult(WireModel):
    terminology: Terminology


class IdFormatResult(WireModel):
    format: TicketIdFormat


class TemplateResult(WireModel):
    template: str


class VisibilityResult(WireModel):
    visibility: TicketVisibility


class SlaResult(WireModel):
    policy: SlaPolicy


class ResetResult(WireModel):
    key: str
    value: Any


class Presets(WireModel):
    presets: list[Preset]


class PresetApplied(WireModel):
    preset: Preset
    configurations: AllConfig


class History(WireModel):
    changes: list[ChangeRecord]
    pagination: Pagination


class Settings(WireModel):
    settings: list[SettingRecord]


class RenderedAssistant(WireModel):
    """Exactly what the ai-tools service sends to the model: instructions and tool definitions."""

    instructions: str
    tools: list[dict[str, Any]]
    unknown_variables: list[str] = Field(default_factory=list)


# --- operations -------------------------------------------------------------------------------

GET_ALL = Rpc("config.all.get", Empty, AllConfig, "All ticket-system configurations")
GET_SETTINGS = Rpc("config.settings.list", Empty, Settings, "Raw SystemSettings documents")
GET_CATEGORIES = Rpc("config.categories.get", Empty, Categories, "Ticket categories")
UPDATE_CATEGORIES = Rpc("config.categories.update", UpdateCategories, Categories)
GET_ASSISTANT = Rpc("config.assistant.get", Empty, AssistantResult)
UPDATE_ASSISTANT = Rpc("config.assistant.update", UpdateAssistant, AssistantResult)
GET_TERMINOLOGY = Rpc("config.terminology.get", Empty, TerminologyResult)
UPDATE_TERMINOLOGY = Rpc("config.terminology.update", UpdateTerminology, TerminologyResult)
GET_ID_FORMAT = Rpc("config.id_format.get", Empty, IdFormatResult)
UPDATE_ID_FORMAT = Rpc("config.id_format.update", UpdateIdFormat, IdFormatResult)
GET_TEMPLATE = Rpc("config.template.get", Empty, TemplateResult, "Assistant instructions template")
UPDATE_TEMPLATE = Rpc("config.template.update", UpdateTemplate, TemplateResult)
GET_VISIBILITY = Rpc(
    "config.ticket_visibility.get", Empty, VisibilityResult, "Which tickets non-admins see"
)
UPDATE_VISIBILITY = Rpc("config.ticket_visibility.update", UpdateVisibility, VisibilityResult)
GET_SLA = Rpc("config.sla.get", Empty, SlaResult, "The SLA policy the tickets' clocks run by")
UPDATE_SLA = Rpc("config.sla.update", UpdateSla, SlaResult)
RESET = Rpc("config.reset", ResetSetting, ResetResult, "Reset one key to its built-in default")
LIST_PRESETS = Rpc("config.presets.list", Empty, Presets, "Built-in and custom presets")
APPLY_PRESET = Rpc("config.presets.apply", ApplyPreset, PresetApplied)
SAVE_PRESET = Rpc("config.presets.save", SavePreset, Preset, "Save current config as a preset")
DELETE_PRESET = Rpc("config.presets.delete", DeletePreset, Presets, "Delete a custom preset")
RENDER_ASSISTANT = Rpc(
    "config.assistant.render", Empty, RenderedAssistant, "Instructions + tool definitions"
)
PREVIEW_TEMPLATE = Rpc(
    "config.template.preview",
    PreviewTemplate,
    RenderedAssistant,
    "A template not yet saved, rendered with the current configuration",
)
GET_HISTORY = Rpc("config.history.list", HistoryQuery, History, "Change history (who, when)")

RPCS: tuple[Rpc[Any, Any], ...] = (
    GET_ALL,
    GET_SETTINGS,
    GET_CATEGORIES,
    UPDATE_CATEGORIES,
    GET_ASSISTANT,
    UPDATE_ASSISTANT,
    GET_TERMINOLOGY,
    UPDATE_TERMINOLOGY,
    GET_ID_FORMAT,
    UPDATE_ID_FORMAT,
    GET_TEMPLATE,
    UPDATE_TEMPLATE,
    PREVIEW_TEMPLATE,
    GET_VISIBILITY,
    UPDATE_VISIBILITY,
    GET_SLA,
    UPDATE_SLA,
    RESET,
    LIST_PRESETS,
    APPLY_PRESET,
    SAVE_PRESET,
    DELETE_PRESET,
    RENDER_ASSISTANT,
    GET_HISTORY,
)


# --- events -----------------------------------------------------------------------------------


class ConfigUpdated(WireModel):
    """Published after every change; every replica (and every cache elsewhere) drops these keys."""

    keys: Annotated[list[Id], Field(max_length=len(SettingKey))]
    updated_by: Id | None = None


CONFIG_UPDATED = EventType("config.updated", ConfigUpdated, "Configuration keys changed")

HEALTH = health_rpc("config")
