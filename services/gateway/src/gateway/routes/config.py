"""Ticket-system configuration (Phase 0 of the plan): parse, authorise, call, shape.

Every signed-in agent reads what a ticket form and list need (`reads`: categories, terminology,
ticket-ID format, ticket visibility, the SLA policy, and the console's combined view); everything
else, and every write, is admin only (`router`).

Bodies are the config contract's own models, so bad input is a 422 naming the field before any
RPC; the config service validates again and owns every rule. Each change carries the admin's id.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator, StringConstraints

from gateway.auth import AdminAgent, admin_agent, current_agent
from gateway.routes.envelope import Ok
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import config, tickets
from uts_shared.contracts.base import (
    HISTORY_PAGE_MAX,
    Empty,
    Name,
    Pagination,
    TemplateText,
    Text,
    WireModel,
    example,
)
from uts_shared.contracts.config import (
    SLUG,
    AllConfig,
    AssistantConfig,
    Category,
    CategoryList,
    ChangeRecord,
    Preset,
    SettingKey,
    SettingRecord,
    Terminology,
    TicketIdFormat,
    TicketVisibility,
)
from uts_shared.contracts.sla import SlaPolicy

router = APIRouter(prefix="/config", tags=["config"], dependencies=[Depends(admin_agent)])
reads = APIRouter(prefix="/config", tags=["config"], dependencies=[Depends(current_agent)])

EMPTY = Empty()
NOT_EDITABLE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The setting is not editable (`isEditable` is false)"}
}


# --- bodies the contract has no agent-free model for ---------------------------------------------


def _slug(value: str) -> str:
    if not re.match(SLUG, value):
        raise ValueError("must be a slug: lowercase letters, digits, '_' or '-'")
    return value


class TemplateBody(WireModel):
    model_config = example({"template": "Eres {assistantName}, asistente de {companyName}. ..."})

    template: TemplateText


class VisibilityBody(WireModel):
    model_config = example({"ticketVisibility": "assigned_and_unassigned"})

    ticket_visibility: TicketVisibility


class NewPreset(WireModel):
    """Save the current configuration as a custom preset."""

    model_config = example(
        {"id": "mi-configuracion", "name": "Mi configuración", "description": "Antes del cambio"}
    )

    id: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
        AfterValidator(_slug),
    ]
    name: Name
    description: Text = ""


# --- responses (the plan's shapes) ---------------------------------------------------------------


class CategoriesOut(Ok):
    categories: list[Category]


class CategoriesUpdated(CategoriesOut):
    message: str = "Ticket categories updated successfully"


class AssistantOut(Ok):
    config: AssistantConfig


class AssistantUpdated(AssistantOut):
    message: str = "Assistant configuration updated successfully"


class TerminologyOut(Ok):
    terminology: Terminology


class TerminologyUpdated(TerminologyOut):
    message: str = "Terminology updated successfully"


class IdFormatOut(Ok):
    format: TicketIdFormat


class IdFormatUpdated(IdFormatOut):
    message: str = "Ticket ID format updated successfully"


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


class TemplateOut(Ok):
    template: str


class TemplateUpdated(TemplateOut):
    message: str = "Instructions template updated successfully"


class HistoryOut(Ok):
    changes: list[ChangeRecord]
    pagination: Pagination


class SettingsOut(Ok):
    settings: list[SettingRecord]


class VisibilityOut(Ok):
    ticket_visibility: TicketVisibility


class VisibilityUpdated(VisibilityOut):
    message: str = "Ticket visibility updated successfully"


class SlaOut(Ok):
    policy: SlaPolicy


class SlaUpdated(SlaOut):
    message: str = "SLA policy updated successfully"


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


@reads.get("/ticket-categories")
async def get_ticket_categories(rpc: RpcDep) -> CategoriesOut:
    result = await rpc.call(config.GET_CATEGORIES, EMPTY)
    return CategoriesOut(categories=result.categories)


@router.put("/ticket-categories", responses=NOT_EDITABLE)
async def update_ticket_categories(
    body: CategoryList, agent: AdminAgent, rpc: RpcDep
) -> CategoriesUpdated:
    request = config.UpdateCategories(agent_id=agent.id, categories=body.categories)
    result = await rpc.call(config.UPDATE_CATEGORIES, request)
    return CategoriesUpdated(categories=result.categories)


@router.get("/assistant")
async def get_assistant(rpc: RpcDep) -> AssistantOut:
    result = await rpc.call(config.GET_ASSISTANT, EMPTY)
    return AssistantOut(config=result.config)


@router.put("/assistant", responses=NOT_EDITABLE)
async def update_assistant(
    body: AssistantConfig, agent: AdminAgent, rpc: RpcDep
) -> AssistantUpdated:
    result = await rpc.call(
        config.UPDATE_ASSISTANT, config.UpdateAssistant(agent_id=agent.id, config=body)
    )
    return AssistantUpdated(config=result.config)


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


@reads.get("/terminology")
async def get_terminology(rpc: RpcDep) -> TerminologyOut:
    result = await rpc.call(config.GET_TERMINOLOGY, EMPTY)
    return TerminologyOut(terminology=result.terminology)


@router.put("/terminology", responses=NOT_EDITABLE)
async def update_terminology(
    body: Terminology, agent: AdminAgent, rpc: RpcDep
) -> TerminologyUpdated:
    request = config.UpdateTerminology(agent_id=agent.id, terminology=body)
    result = await rpc.call(config.UPDATE_TERMINOLOGY, request)
    return TerminologyUpdated(terminology=result.terminology)


@reads.get("/ticket-id-format")
async def get_ticket_id_format(rpc: RpcDep) -> IdFormatOut:
    result = await rpc.call(config.GET_ID_FORMAT, EMPTY)
    return IdFormatOut(format=result.format)


@router.put("/ticket-id-format", responses=NOT_EDITABLE)
async def update_ticket_id_format(
    body: TicketIdFormat, agent: AdminAgent, rpc: RpcDep
) -> IdFormatUpdated:
    result = await rpc.call(
        config.UPDATE_ID_FORMAT, config.UpdateIdFormat(agent_id=agent.id, format=body)
    )
    return IdFormatUpdated(format=result.format)


@reads.get("/ticket-visibility")
async def get_ticket_visibility(rpc: RpcDep) -> VisibilityOut:
    """Which tickets agents who are not admins see: `all`, or `assigned_and_unassigned`."""
    result = await rpc.call(config.GET_VISIBILITY, EMPTY)
    return VisibilityOut(ticket_visibility=result.visibility)


@router.put("/ticket-visibility", responses=NOT_EDITABLE)
async def update_ticket_visibility(
    body: VisibilityBody, agent: AdminAgent, rpc: RpcDep, visibility: VisibilityDep
) -> VisibilityUpdated:
    """Let agents see every ticket (`all`) or only theirs and the unassigned ones
    (`assigned_and_unassigned`); admins always see every ticket."""
    request = config.UpdateVisibility(agent_id=agent.id, visibility=body.ticket_visibility)
    result = await rpc.call(config.UPDATE_VISIBILITY, request)
    visibility.invalidate()  # this replica at once; the others (and sockets) on config.updated
    return VisibilityUpdated(ticket_visibility=result.visibility)


@reads.get("/sla")
async def get_sla_policy(rpc: RpcDep) -> SlaOut:
    """The SLA policy: targets per priority, business calendar, pausing statuses, warning share,
    and what a breach does."""
    result = await rpc.call(config.GET_SLA, EMPTY)
    return SlaOut(policy=result.policy)


@router.put("/sla", responses=NOT_EDITABLE)
async def update_sla_policy(body: SlaPolicy, agent: AdminAgent, rpc: RpcDep) -> SlaUpdated:
    """Replace the SLA policy (the body is the policy; priorities left out keep the built-in
    targets)."""
    result = await rpc.call(config.UPDATE_SLA, config.UpdateSla(agent_id=agent.id, policy=body))
    return SlaUpdated(policy=result.policy)


@router.post("/reset/{key}", responses=NOT_EDITABLE)
async def reset_to_default(key: SettingKey, agent: AdminAgent, rpc: RpcDep) -> ResetOut:
    """Put one setting back to its built-in default."""
    result = await rpc.call(config.RESET, config.ResetSetting(agent_id=agent.id, key=key.value))
    return ResetOut(message=f"{result.key} reset to default", value=result.value)


@router.get("/all")
async def get_all_configurations(rpc: RpcDep) -> AllOut:
    return AllOut(configurations=await rpc.call(config.GET_ALL, EMPTY))


@router.get("/presets")
async def list_presets(rpc: RpcDep) -> PresetsOut:
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


@router.post("/presets/{preset_id}/apply", responses=NOT_EDITABLE)
async def apply_preset(preset_id: str, agent: AdminAgent, rpc: RpcDep) -> PresetApplied:
    """Replace categories, assistant configuration, terminology and ID format in one step."""
    request = config.ApplyPreset(agent_id=agent.id, preset_id=preset_id)
    result = await rpc.call(config.APPLY_PRESET, request)
    return PresetApplied(
        message=f"Preset '{result.preset.id}' applied",
        preset=result.preset,
        configurations=result.configurations,
    )


@router.delete("/presets/{preset_id}", responses=NOT_EDITABLE)
async def delete_preset(preset_id: str, agent: AdminAgent, rpc: RpcDep) -> PresetDeleted:
    """Delete a custom preset (built-in presets cannot be deleted)."""
    request = config.DeletePreset(agent_id=agent.id, preset_id=preset_id)
    result = await rpc.call(config.DELETE_PRESET, request)
    return PresetDeleted(message=f"Preset '{preset_id}' deleted", presets=result.presets)


@router.get("/instructions-template")
async def get_instructions_template(rpc: RpcDep) -> TemplateOut:
    result = await rpc.call(config.GET_TEMPLATE, EMPTY)
    return TemplateOut(template=result.template)


@router.put("/instructions-template", responses=NOT_EDITABLE)
async def update_instructions_template(
    body: TemplateBody, agent: AdminAgent, rpc: RpcDep
) -> TemplateUpdated:
    request = config.UpdateTemplate(agent_id=agent.id, template=body.template)
    result = await rpc.call(config.UPDATE_TEMPLATE, request)
    return TemplateUpdated(template=result.template)


@router.get("/history")
async def get_history(
    rpc: RpcDep,
    key: SettingKey | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE_MAX)] = 20,
) -> HistoryOut:
    """Who changed what and when, newest first (optionally for one key), a page at a time."""
    query = config.HistoryQuery(key=key.value if key else None, page=page, limit=limit)
    result = await rpc.call(config.GET_HISTORY, query)
    return HistoryOut(changes=result.changes, pagination=result.pagination)


@router.get("/settings")
async def get_settings(rpc: RpcDep) -> SettingsOut:
    """The raw SystemSettings documents."""
    result = await rpc.call(config.GET_SETTINGS, EMPTY)
    return SettingsOut(settings=result.settings)
