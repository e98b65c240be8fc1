"""Validation the contract models cannot express alone, as `ValidationFailed` with field details.

The request models already check shapes (slugs, required fields, padLength 1..12, separators);
these functions add the rules that span several values or keys, and parse stored JSON back into
models with the same errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from config_service.domain.defaults import DEFINITIONS
from uts_shared.contracts.base import TEMPLATE_MAX
from uts_shared.contracts.config import (
    DEFAULT_FALLBACK,
    SLUG,
    Category,
    Preset,
    Setting,
    SettingKey,
    fallback_category,
)
from uts_shared.errors import FieldError, ValidationFailed, field_errors_from_pydantic

T = TypeVar("T")

MAX_TEMPLATE_CHARS = TEMPLATE_MAX
"""Far above any sensible prompt; stops a pasted document from becoming the instructions."""


def setting_key(key: str, table: Mapping[str, Setting] = DEFINITIONS) -> str:
    """`key` as a key of the settings `table`, else ValidationFailed naming the valid keys."""
    try:
        return table[key].key
    except KeyError:
        valid = [str(k) for k in table]
        raise ValidationFailed(
            f"unknown setting key '{key}'; valid keys: {', '.join(valid)}",
            details=[FieldError(field="key", reason=f"must be one of: {', '.join(valid)}")],
            context={"key": key, "validKeys": valid},
        ) from None


def check_categories(categories: Sequence[Category], *, field: str = "categories") -> None:
    """Non-empty, every id a unique slug, every label present."""
    if not categories:
        raise ValidationFailed.on(field, "at least one category is required")
    seen: set[str] = set()
    problems: list[FieldError] = []
    for i, cat in enumerate(categories):
        if not re.match(SLUG, cat.id):
            problems.append(
                FieldError(
                    field=f"{field}.{i}.id",
                    reason="must be a slug: lowercase letters, digits, '_' or '-'",
                )
            )
        if not cat.label.strip():
            problems.append(FieldError(field=f"{field}.{i}.label", reason="label is required"))
        if cat.id in seen:
            problems.append(
                FieldError(field=f"{field}.{i}.id", reason=f"duplicate category id '{cat.id}'")
            )
        seen.add(cat.id)
    if problems:
        raise ValidationFailed(
            "; ".join(f"{p.field}: {p.reason}" for p in problems), details=problems
        )


def check_fallback(categories: Sequence[Category], *, field: str = "categories") -> None:
    """Exactly one category is the assistant's fallback: the one marked `isFallback`, or
    `other` when none is marked (a change that drops it must name another)."""
    marked = [i for i, c in enumerate(categories) if c.is_fallback]
    if len(marked) > 1:
        raise ValidationFailed(
            f"{field}: only one category can be the fallback (isFallback), "
            f"{len(marked)} are marked",
            details=[
                FieldError(field=f"{field}.{i}.isFallback", reason="only one category may be it")
                for i in marked[1:]
            ],
        )
    if fallback_category(categories) is None:
        raise ValidationFailed.on(
            field,
            f"the fallback category '{DEFAULT_FALLBACK}' is missing: keep it, or mark another "
            "category with isFallback (the assistant files reports that fit no category there)",
        )


def with_fallback(categories: Sequence[Category]) -> list[Category]:
    """The categories with their fallback marked (`other` when none is), so every reader sees
    which one it is."""
    fallback = fallback_category(categories)
    return [
        c if c.is_fallback or c.id != fallback else c.model_copy(update={"is_fallback": True})
        for c in categories
    ]


def check_template(template: str) -> None:
    """A non-blank template of sensible length (unknown variables are reported when rendering)."""
    if not template.strip():
        raise ValidationFailed.on("template", "the template cannot be empty")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise ValidationFailed.on(
            "template", f"at most {MAX_TEMPLATE_CHARS} characters (got {len(template)})"
        )


def check_preset(preset: Preset, *, field: str = "preset") -> None:
    """A preset's categories obey the same rules as an update of `ticket_categories`."""
    check_categories(preset.ticket_categories, field=f"{field}.ticketCategories")
    check_fallback(preset.ticket_categories, field=f"{field}.ticketCategories")


def parse_value(key: str | Setting, value: Any) -> Any:
    """A stored JSON value as its model (or list/str), validated like an update of that key."""
    setting = key if isinstance(key, Setting) else DEFINITIONS[key]
    try:
        parsed = setting.adapter.validate_python(value)
    except ValidationError as exc:
        raise from_pydantic(exc, field=str(setting.key)) from None
    if setting.key == SettingKey.TICKET_CATEGORIES:
        check_categories(parsed, field=str(setting.key))
    elif setting.key == SettingKey.ASSISTANT_INSTRUCTIONS_TEMPLATE:
        check_template(parsed)
    return parsed


def for_write(key: str, value: Any) -> Any:
    """A new value after the rules of its key (the request model checked its shape): the
    categories' fallback, a template's length."""
    if key == SettingKey.TICKET_CATEGORIES:
        check_categories(value)
        check_fallback(value)
        return with_fallback(value)
    if key == SettingKey.ASSISTANT_INSTRUCTIONS_TEMPLATE:
        check_template(value)
    return value


def for_read(key: str, value: Any) -> Any:
    """A value as readers get it: categories with their fallback marked (`other` in a list
    stored before marks)."""
    return with_fallback(value) if key == SettingKey.TICKET_CATEGORIES else value


def from_pydantic(exc: ValidationError, *, field: str) -> ValidationFailed:
    """A pydantic error as ValidationFailed, its field paths prefixed with `field`."""
    details = [
        FieldError(field=f"{field}.{d.field}" if d.field != "body" else field, reason=d.reason)
        for d in field_errors_from_pydantic(exc.errors())
    ]
    message = "; ".join(f"{d.field}: {d.reason}" for d in details) or f"{field}: invalid"
    return ValidationFailed(message, details=details)
