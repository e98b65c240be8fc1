"""Ticket-system configuration (Phase 0 of the plan): parse, authorise, call, shape.

Each setting's `GET` and `PUT` are made from the settings table (`setting_routers`): who may read
and write, the path, the body and the answers' models all come from its entry. What is not one
setting's get or set is written here: the console's combined view (`reads`, every signed-in
agent), presets, previews, reset, history (`router`, admins only).

Bodies are the config contract's own models, so bad input is a 422 naming the field before any
RPC; the config service validates again and owns every rule. Each change carries the admin's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel

from gateway.auth import AdminAgent, CurrentAgent, admin_agent, current_agent
from gateway.routes.envelope import Ok
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import config, tickets
from uts_shared.contracts.base import (
    HISTORY_PAGE_MAX,
    MAX_CATEGORIES,
    MAX_PAGE,
    Empty,
    Id,
    Name,
    Pagination,
    Text,
    WireModel,
    example,
)
from uts_shared.contracts.config import (
    REGISTRY,
    AllConfig,
    Category,
    ChangeRecord,
    Preset,
    Setting,
    SettingRecord,
    Slug,
    TemplateBody,
    Terminology,
    TicketIdFormat,
)
from uts_shared.errors import NotFound, ValidationFailed
from uts_shared.messaging import RpcClient

router = APIRouter(prefix="/config", tags=["config"], dependencies=[Depends(admin_agent)])
reads = APIRouter(prefix="/config", tags=["config"], dependencies=[Depends(current_agent)])

EMPTY = Empty()
NOT_EDITABLE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The setting is not editable (`isEditable` is false)"}
}


# --- bodies the contract has no agent-free model for ---------------------------------------------


class NewPreset(WireModel):
    """Save the current configuration as a custom preset."""

    model_config = example(
        {"id": "mi-configuracion", "name": "Mi configuración", "description": "Antes del cambio"}
    )

    id: Slug
    name: Name
    description: Text = ""


class PresetApply(WireModel):
    """Body of `POST /config/presets/{id}/apply` (optional): where the open tickets of each
    category the preset removes go (`removed id -> a category of the preset`)."""

    model_config = example({"categoryMap": {"light_malfunction": "other"}})

    category_map: Annotated[
        dict[tickets.CategoryId, tickets.CategoryId], Field(max_length=MAX_CATEGORIES)
    ] = Field(default_factory=dict)


# --- responses (the plan's shapes) ---------------------------------------------------------------


class ResetOut(Ok):
    message: str
    value: Any


class AllOut(Ok):
    configurations: AllConfig


class PresetsOut(Ok):
    presets: list[Preset]


class PresetApplied(Ok):
    message: str
    preset: Preset
    configurations: AllConfig
    recategorized: dict[str, int] = Field(default_factory=dict)
    """Open tickets moved, by the removed category they left (`categoryMap`)."""


class RemovedCategory(WireModel):
    id: str
    label: str
    label_en: str | None = None
    open_tickets: int


class KeptCategory(WireModel):
    id: str
    label: str
    label_en: str | None = None


class PresetImpact(Ok):
    """What applying a preset changes besides its settings: the categories it removes with
    their open tickets, the categories it keeps or brings, the brand and the terminology."""

    removed: list[RemovedCategory]
    kept: list[KeptCategory]
    company_name: str
    preset_company_name: str
    terminology_changes: bool


class PresetSaved(Ok):
    message: str
    preset: Preset


class PresetDeleted(Ok):
    message: str
    presets: list[Preset]


class RenderedOut(Ok):
    instructions: str
    tools: list[dict[str, Any]]
    unknown_variables: list[str]


class HistoryOut(Ok):
    changes: list[ChangeRecord]
    pagination: Pagination


class SettingsOut(Ok):
    settings: list[SettingRecord]


class ConsoleConfig(WireModel):
    """What every agent's console is labelled with (no assistant internals)."""

    ticket_categories: list[Category]
    terminology: Terminology
    ticket_id_format: TicketIdFormat
    language: Literal["es", "en"]
    company_name: str


class ConsoleOut(Ok):
    configuration: ConsoleConfig


# --- routes --------------------------------------------------------------------------------------


@reads.get("/console")
async def get_console_configuration(rpc: RpcDep) -> ConsoleOut:
    """Categories, terminology, ticket-ID format, UI language and company name, for any agent."""
    result = await rpc.call(config.GET_ALL, EMPTY)
    assistant = result.assistant_configuration
    return ConsoleOut(
        configuration=ConsoleConfig(
            ticket_categories=result.ticket_categories,
            terminology=result.terminology,
            ticket_id_format=result.ticket_id_format,
            language=assistant.language,
            company_name=assistant.company_name,
        )
    )


@router.get("/assistant/rendered")
async def get_rendered_assistant(rpc: RpcDep) -> RenderedOut:
    """The instructions and tool definitions the assistant gets, from the current configuration."""
    result = await rpc.call(config.RENDER_ASSISTANT, EMPTY)
    return RenderedOut(
        instructions=result.instructions,
        tools=result.tools,
        unknown_variables=result.unknown_variables,
    )


class NextIdOut(Ok):
    next_ticket_id: str


@router.post("/ticket-id-format/preview")
async def preview_ticket_id_format(body: TicketIdFormat, rpc: RpcDep) -> NextIdOut:
    """The id the next ticket would get under this format (the settings page's live preview;
    nothing is saved or drawn)."""
    result = await rpc.call(tickets.PREVIEW_NEXT_ID, tickets.PreviewNextId(format=body))
    return NextIdOut(next_ticket_id=result.ticket_id)


@router.post("/instructions-template/preview")
async def preview_instructions_template(body: TemplateBody, rpc: RpcDep) -> RenderedOut:
    """A template as the assistant would get it with the current configuration, before it is
    saved (the settings page's live preview); unknown `{variables}` are listed."""
    result = await rpc.call(config.PREVIEW_TEMPLATE, config.PreviewTemplate(template=body.template))
    return RenderedOut(
        instructions=result.instructions,
        tools=result.tools,
        unknown_variables=result.unknown_variables,
    )


@router.get("/all")
async def get_all_configurations(rpc: RpcDep) -> AllOut:
    """Every setting's current value, by key (what an export or a backup reads)."""
    return AllOut(configurations=await rpc.call(config.GET_ALL, EMPTY))


@router.get("/presets")
async def list_presets(rpc: RpcDep) -> PresetsOut:
    """The presets: the built-in ones and those admins saved, each a set of settings that
    `POST /config/presets/{id}/apply` writes at once."""
    result = await rpc.call(config.LIST_PRESETS, EMPTY)
    return PresetsOut(presets=result.presets)


@router.post(
    "/presets",
    status_code=201,
    responses={
        409: {
            "description": "The id is taken, there are too many custom presets, or "
            "presets are not editable"
        }
    },
)
async def save_preset(body: NewPreset, agent: AdminAgent, rpc: RpcDep) -> PresetSaved:
    """Save the current configuration as a custom preset."""
    request = config.SavePreset(
        agent_id=agent.id, id=body.id, name=body.name, description=body.description
    )
    preset = await rpc.call(config.SAVE_PRESET, request)
    return PresetSaved(message=f"Preset '{preset.id}' saved", preset=preset)


async def _preset(rpc: RpcClient, preset_id: str) -> Preset:
    found = [p for p in (await rpc.call(config.LIST_PRESETS, EMPTY)).presets if p.id == preset_id]
    if not found:
        raise NotFound(f"Preset '{preset_id}' not found", context={"presetId": preset_id})
    return found[0]


@router.get("/presets/{preset_id}/impact", responses={404: {"description": "Unknown preset"}})
async def preset_impact(preset_id: Id, rpc: RpcDep) -> PresetImpact:
    """Before applying a preset: the categories it removes, each with its open tickets (they
    would keep an id no longer configured unless mapped to a kept one on apply), the
    categories it has, and whether the brand (company name) and terminology change."""
    preset = await _preset(rpc, preset_id)
    now = await rpc.call(config.GET_ALL, EMPTY)
    kept = {c.id for c in preset.ticket_categories}
    removed = [c for c in now.ticket_categories if c.id not in kept]
    counts = await rpc.call(
        tickets.COUNT_OPEN_BY_CATEGORY,
        tickets.CountOpenByCategory(categories=[c.id for c in removed]),
    )
    return PresetImpact(
        removed=[
            RemovedCategory(
                id=c.id, label=c.label, label_en=c.label_en, open_tickets=counts.counts.get(c.id, 0)
            )
            for c in removed
        ],
        kept=[
            KeptCategory(id=c.id, label=c.label, label_en=c.label_en)
            for c in preset.ticket_categories
        ],
        company_name=now.assistant_configuration.company_name,
        preset_company_name=preset.assistant_configuration.company_name,
        terminology_changes=now.terminology != preset.ticket_terminology,
    )


@router.post(
    "/presets/{preset_id}/apply",
    responses={**NOT_EDITABLE, 404: {"description": "Unknown preset"}},
)
async def apply_preset(
    preset_id: Id, agent: AdminAgent, rpc: RpcDep, body: PresetApply | None = None
) -> PresetApplied:
    """Replace categories, assistant configuration, terminology and ID format in one step;
    then the open tickets of each category in `categoryMap` (one the preset removes) move to
    the preset's category mapped to it, each by its own change (its history entry and
    `ticket.updated` event). A key that is not a removed category, or a value not among the
    preset's categories, is a 422 naming it (before anything is applied)."""
    mapping = body.category_map if body else {}
    if mapping:
        preset = await _preset(rpc, preset_id)
        kept = {c.id for c in preset.ticket_categories}
        for source, target in mapping.items():
            if source in kept:
                raise ValidationFailed.on(f"categoryMap.{source}", "the preset keeps it")
            if target not in kept:
                raise ValidationFailed.on(
                    f"categoryMap.{source}", f"'{target}' is not a category of the preset"
                )
    request = config.ApplyPreset(agent_id=agent.id, preset_id=preset_id)
    result = await rpc.call(config.APPLY_PRESET, request)
    moved: dict[str, int] = {}
    if mapping:
        principal = tickets.Principal(id=agent.id, role=agent.role.value)
        recategorize = tickets.RecategorizeOpen(
            mapping=mapping, by=agent.id, principal=principal, request_key=uuid.uuid4().hex
        )
        moved = (
            await rpc.call(tickets.RECATEGORIZE_OPEN, recategorize, timeout=RECATEGORIZE_TIMEOUT)
        ).moved
    return PresetApplied(
        message=f"Preset '{result.preset.id}' applied",
        preset=result.preset,
        configurations=result.configurations,
        recategorized=moved,
    )


RECATEGORIZE_TIMEOUT = 120.0
"""Seconds the open tickets of the removed categories may take to move (one write each)."""


@router.delete("/presets/{preset_id}", responses=NOT_EDITABLE)
async def delete_preset(preset_id: Id, agent: AdminAgent, rpc: RpcDep) -> PresetDeleted:
    """Delete a custom preset (built-in presets cannot be deleted)."""
    request = config.DeletePreset(agent_id=agent.id, preset_id=preset_id)
    result = await rpc.call(config.DELETE_PRESET, request)
    return PresetDeleted(message=f"Preset '{preset_id}' deleted", presets=result.presets)


@router.get("/settings")
async def get_settings(rpc: RpcDep) -> SettingsOut:
    """The raw SystemSettings documents."""
    result = await rpc.call(config.GET_SETTINGS, EMPTY)
    return SettingsOut(settings=result.settings)


# --- the settings table's routes -----------------------------------------------------------------


def setting_routers(registry: Sequence[Setting] = REGISTRY) -> list[APIRouter]:
    """`GET` and `PUT /config/<path>` for every setting of `registry` with a get and a set,
    each on the router of who may (every signed-in agent, or admins only)."""
    by_role = {
        "agent": APIRouter(
            prefix="/config", tags=["config"], dependencies=[Depends(current_agent)]
        ),
        "admin": APIRouter(prefix="/config", tags=["config"], dependencies=[Depends(admin_agent)]),
    }
    for setting in registry:
        if setting.served:
            out = _model(f"{setting.title}Out", Ok, {setting.body_field: setting.value})
            _add_read(by_role[setting.read_by], setting, out)
            _add_write(by_role[setting.write_by], setting, out)
    _add_by_key(by_role["admin"], registry)
    return list(by_role.values())


def _add_by_key(router: APIRouter, registry: Sequence[Setting]) -> None:
    """Reset and history, their `key` one of the table's keys (`SettingKey` in the document)."""
    keys: Any = StrEnum("SettingKey", [(str(s.key).upper(), str(s.key)) for s in registry])  # type: ignore[misc]

    async def reset_to_default(key: Any, agent: AdminAgent, rpc: RpcDep) -> ResetOut:
        """Put one setting back to its built-in default."""
        request = config.ResetSetting(agent_id=agent.id, key=key.value)
        result = await rpc.call(config.RESET, request)
        return ResetOut(message=f"{result.key} reset to default", value=result.value)

    async def get_history(
        rpc: RpcDep,
        key: Any = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE_MAX)] = 20,
    ) -> HistoryOut:
        """Who changed what and when, newest first (optionally for one key), a page at a time."""
        query = config.HistoryQuery(key=key.value if key else None, page=page, limit=limit)
        result = await rpc.call(config.GET_HISTORY, query)
        return HistoryOut(changes=result.changes, pagination=result.pagination)

    reset_to_default.__annotations__["key"] = keys
    get_history.__annotations__["key"] = keys | None
    router.add_api_route("/reset/{key}", reset_to_default, methods=["POST"], responses=NOT_EDITABLE)
    router.add_api_route("/history", get_history, methods=["GET"])


def _model(name: str, base: type[BaseModel], fields: dict[str, Any], **values: Any) -> Any:
    namespace = {"__annotations__": fields, "__module__": __name__, **values}
    return type(name, (base,), namespace)


def _body(setting: Setting) -> tuple[type[BaseModel], str | None]:
    """What a PUT takes, and its field holding the value (None: the body is the value): the
    setting's body model, else its value when that is a model, else `{<field>: value}`."""
    if setting.body is not None:
        return setting.body, setting.body_field
    accepts = setting.value if setting.accepts is None else setting.accepts
    if isinstance(accepts, type) and issubclass(accepts, BaseModel):
        return accepts, None
    examples = (
        {}
        if setting.example is None
        else {"model_config": example({to_camel(setting.field): setting.example})}
    )
    body = _model(f"{setting.title}Body", WireModel, {setting.field: accepts}, **examples)
    return body, setting.field


def _add_read(router: APIRouter, setting: Setting, out: Any) -> None:
    async def read(rpc: RpcDep) -> Any:
        result = await rpc.call(setting.read, EMPTY)
        return out(**{setting.body_field: setting.value_of(result)})

    router.add_api_route(
        f"/{setting.path}",
        read,
        methods=["GET"],
        name=f"get_{setting.operation}",
        response_model=out,
        description=setting.read_doc or f"The {setting.label.lower()} as configured now.",
    )


def _add_write(router: APIRouter, setting: Setting, out: Any) -> None:
    body_model, holder = _body(setting)
    message = f"{setting.label} updated successfully"
    updated = _model(f"{setting.title}Updated", out, {"message": str}, message=message)

    async def write(body: Any, agent: CurrentAgent, rpc: RpcDep, visibility: VisibilityDep) -> Any:
        value = body if holder is None else getattr(body, holder)
        request = setting.write.request(agent_id=agent.id, **{setting.field: value})
        result = await rpc.call(setting.write, request)
        visibility.changed([setting.key])  # this replica at once; the others on config.updated
        return updated(**{setting.body_field: setting.value_of(result)})

    write.__annotations__["body"] = body_model
    router.add_api_route(
        f"/{setting.path}",
        write,
        methods=["PUT"],
        name=f"update_{setting.operation}",
        response_model=updated,
        responses=NOT_EDITABLE,
        description=setting.write_doc
        or f"Replace the {setting.label.lower()} (admins only); the change is kept in the history.",
    )
