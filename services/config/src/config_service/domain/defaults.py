"""The SystemSettings keys: their metadata, built-in values and the values of the first seeding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from config_service.domain import presets
from config_service.domain.instructions import DEFAULT_TEMPLATE
from uts_shared.contracts.config import REGISTRY, Setting, SettingKey, SettingRecord

SEED_AGENT = "system"
"""`updatedBy`/`changedBy` of documents written by seeding rather than by a person."""


DEFINITIONS: dict[str, Setting] = {s.key: s for s in REGISTRY}
"""The built-in settings table by key (category, description, model, default)."""

PRESET_KEYS: tuple[SettingKey, ...] = (
    SettingKey.TICKET_CATEGORIES,
    SettingKey.ASSISTANT_CONFIGURATION,
    SettingKey.TICKET_TERMINOLOGY,
    SettingKey.TICKET_ID_FORMAT,
)
"""The four keys a preset holds and APPLY_PRESET replaces together."""


def to_json(value: Any) -> Any:
    """A model, or a list of models, as the plain camelCase JSON kept in `value`."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def builtin_values(
    company_name: str | None = None, registry: Sequence[Setting] = REGISTRY
) -> dict[str, Any]:
    """The built-in value of every key as stored JSON: what reset and fallback use. The
    table's own default, else the LUXFREE preset's value."""
    luxfree = presets.luxfree_preset(company_name)
    from_preset: dict[str, Any] = {
        SettingKey.TICKET_CATEGORIES: luxfree.ticket_categories,
        SettingKey.ASSISTANT_CONFIGURATION: luxfree.assistant_configuration,
        SettingKey.TICKET_TERMINOLOGY: luxfree.ticket_terminology,
        SettingKey.TICKET_ID_FORMAT: luxfree.ticket_id_format,
        SettingKey.CONFIGURATION_PRESETS: presets.builtin_presets(company_name),
        SettingKey.ASSISTANT_INSTRUCTIONS_TEMPLATE: DEFAULT_TEMPLATE,
    }
    values: dict[str, Any] = {}
    for setting in registry:
        if setting.default is not None:
            values[setting.key] = to_json(setting.default())
        elif setting.key in from_preset:
            values[setting.key] = to_json(from_preset[setting.key])
        else:
            raise ValueError(f"setting '{setting.key}' declares no default")
    return values


@dataclass(frozen=True)
class InitialValues:
    """Optional environment values used once, when a key is first seeded (2025-12-18 plan)."""

    ticket_prefix: str | None = None
    assistant_name: str | None = None
    primary_service_issue: str | None = None
    ticket_noun: str | None = None
    ticket_noun_plural: str | None = None


def seed_values(
    company_name: str | None, initial: InitialValues, registry: Sequence[Setting] = REGISTRY
) -> dict[str, Any]:
    """The built-in values with the environment's initial values applied."""
    values = builtin_values(company_name, registry)
    fmt = values[SettingKey.TICKET_ID_FORMAT]
    assistant = values[SettingKey.ASSISTANT_CONFIGURATION]
    terminology = values[SettingKey.TICKET_TERMINOLOGY]
    if initial.ticket_prefix:
        fmt["prefix"] = initial.ticket_prefix
    if initial.assistant_name:
        assistant["assistantName"] = initial.assistant_name
    if initial.primary_service_issue:
        assistant["primaryServiceIssue"] = initial.primary_service_issue
    if initial.ticket_noun:
        plural = initial.ticket_noun_plural or spanish_plural(initial.ticket_noun)
        assistant["ticketNoun"] = terminology["ticketSingular"] = initial.ticket_noun
        assistant["ticketNounPlural"] = terminology["ticketPlural"] = plural
    elif initial.ticket_noun_plural:
        assistant["ticketNounPlural"] = terminology["ticketPlural"] = initial.ticket_noun_plural
    return values


def seed_record(
    key: str, value: Any, *, now: datetime, table: Mapping[str, Setting] = DEFINITIONS
) -> SettingRecord:
    """The SystemSettings document first written for `key` (of the settings `table`)."""
    setting = table[key]
    return SettingRecord(
        key=setting.key,
        value=value,
        category=setting.category,
        description=setting.description,
        is_editable=True,
        updated_by=SEED_AGENT,
        created_at=now,
        updated_at=now,
    )


_KEEP_S = frozenset("sx")
_ADD_ES = frozenset("lnrdjy")


def spanish_plural(noun: str) -> str:
    """Plural of a Spanish noun (first word of a phrase): reporte→reportes, solicitud→solicitudes.

    Loanwords ending in other consonants take `-s` (ticket→tickets); irregular cases can be given
    explicitly with `TICKET_NOUN_PLURAL`.
    """
    head, sep, tail = noun.strip().partition(" ")
    if not head:
        return noun
    lower = head.lower()
    if lower.endswith("ión"):
        plural = head[:-3] + ("IONES" if head.isupper() else "iones")
    elif lower[-1] in "aeiouáéó":
        plural = head + "s"
    elif lower[-1] == "z":
        plural = head[:-1] + "ces"
    elif lower[-1] in _ADD_ES:
        plural = head + "es"
    elif lower[-1] in _KEEP_S:
        plural = head
    else:
        plural = head + "s"
    return plural + sep + tail
