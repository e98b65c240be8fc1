"""The config service's broker endpoints: one thin function per RPC, and the cache listener."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.rabbit import RabbitBroker

from config_service.service import Configuration
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import Empty, HealthStatus
from uts_shared.contracts.config import (
    AllConfig,
    ApplyPreset,
    AssistantResult,
    Categories,
    DeletePreset,
    History,
    HistoryQuery,
    IdFormatResult,
    Preset,
    PresetApplied,
    Presets,
    PreviewTemplate,
    RenderedAssistant,
    ResetResult,
    ResetSetting,
    SavePreset,
    Settings,
    SlaResult,
    TemplateResult,
    TerminologyResult,
    UpdateAssistant,
    UpdateCategories,
    UpdateIdFormat,
    UpdateSla,
    UpdateTemplate,
    UpdateTerminology,
    UpdateVisibility,
    VisibilityResult,
)
from uts_shared.messaging import serve, subscribe_config_updates


def register(
    broker: RabbitBroker, cfg: Configuration, *, health: HealthStatus, instance: str
) -> None:
    """Every RPC of `contracts.config.RPCS`, `config.health`, and the cache invalidation."""
    _serve_reads(broker, cfg, health)
    _serve_changes(broker, cfg)
    # This replica's own queue for `config.updated`: exclusive, gone when the replica is.
    subscribe_config_updates(broker, f"config.cache.{instance}", _cache_listener(cfg))


def _serve_reads(broker: RabbitBroker, cfg: Configuration, health: HealthStatus) -> None:
    async def get_all(_: Empty) -> AllConfig:
        return await cfg.all()

    async def get_settings(_: Empty) -> Settings:
        return Settings(settings=await cfg.settings())

    async def get_categories(_: Empty) -> Categories:
        return Categories(categories=await cfg.categories())

    async def get_assistant(_: Empty) -> AssistantResult:
        return AssistantResult(config=await cfg.assistant())

    async def get_terminology(_: Empty) -> TerminologyResult:
        return TerminologyResult(terminology=await cfg.terminology())

    async def get_id_format(_: Empty) -> IdFormatResult:
        return IdFormatResult(format=await cfg.id_format())

    async def get_template(_: Empty) -> TemplateResult:
        return TemplateResult(template=await cfg.template())

    async def get_visibility(_: Empty) -> VisibilityResult:
        return VisibilityResult(visibility=await cfg.visibility())

    async def get_sla(_: Empty) -> SlaResult:
        return SlaResult(policy=await cfg.sla_policy())

    async def list_presets(_: Empty) -> Presets:
        return Presets(presets=await cfg.presets())

    async def render_assistant(_: Empty) -> RenderedAssistant:
        return await cfg.rendered()

    async def preview_template(req: PreviewTemplate) -> RenderedAssistant:
        return await cfg.rendered(req.template)

    async def get_history(req: HistoryQuery) -> History:
        return await cfg.history(req.key, page=req.page, limit=req.limit)

    async def get_health(_: Empty) -> HealthStatus:
        return health

    serve(broker, contracts.GET_ALL, get_all)
    serve(broker, contracts.GET_SETTINGS, get_settings)
    serve(broker, contracts.GET_CATEGORIES, get_categories)
    serve(broker, contracts.GET_ASSISTANT, get_assistant)
    serve(broker, contracts.GET_TERMINOLOGY, get_terminology)
    serve(broker, contracts.GET_ID_FORMAT, get_id_format)
    serve(broker, contracts.GET_TEMPLATE, get_template)
    serve(broker, contracts.GET_VISIBILITY, get_visibility)
    serve(broker, contracts.GET_SLA, get_sla)
    serve(broker, contracts.LIST_PRESETS, list_presets)
    serve(broker, contracts.RENDER_ASSISTANT, render_assistant)
    serve(broker, contracts.PREVIEW_TEMPLATE, preview_template)
    serve(broker, contracts.GET_HISTORY, get_history)
    serve(broker, contracts.HEALTH, get_health)


def _serve_changes(broker: RabbitBroker, cfg: Configuration) -> None:
    async def update_categories(req: UpdateCategories) -> Categories:
        return Categories(categories=await cfg.update_categories(req.categories, by=req.agent_id))

    async def update_assistant(req: UpdateAssistant) -> AssistantResult:
        return AssistantResult(config=await cfg.update_assistant(req.config, by=req.agent_id))

    async def update_terminology(req: UpdateTerminology) -> TerminologyResult:
        terminology = await cfg.update_terminology(req.terminology, by=req.agent_id)
        return TerminologyResult(terminology=terminology)

    async def update_id_format(req: UpdateIdFormat) -> IdFormatResult:
        return IdFormatResult(format=await cfg.update_id_format(req.format, by=req.agent_id))

    async def update_template(req: UpdateTemplate) -> TemplateResult:
        return TemplateResult(template=await cfg.update_template(req.template, by=req.agent_id))

    async def update_visibility(req: UpdateVisibility) -> VisibilityResult:
        visibility = await cfg.update_visibility(req.visibility, by=req.agent_id)
        return VisibilityResult(visibility=visibility)

    async def update_sla(req: UpdateSla) -> SlaResult:
        return SlaResult(policy=await cfg.update_sla_policy(req.policy, by=req.agent_id))

    async def reset(req: ResetSetting) -> ResetResult:
        return ResetResult(key=req.key, value=await cfg.reset(req.key, by=req.agent_id))

    async def apply_preset(req: ApplyPreset) -> PresetApplied:
        return await cfg.apply_preset(req.preset_id, by=req.agent_id)

    async def save_preset(req: SavePreset) -> Preset:
        return await cfg.save_preset(req.id, req.name, req.description, by=req.agent_id)

    async def delete_preset(req: DeletePreset) -> Presets:
        return Presets(presets=await cfg.delete_preset(req.preset_id, by=req.agent_id))

    serve(broker, contracts.UPDATE_CATEGORIES, update_categories)
    serve(broker, contracts.UPDATE_ASSISTANT, update_assistant)
    serve(broker, contracts.UPDATE_TERMINOLOGY, update_terminology)
    serve(broker, contracts.UPDATE_ID_FORMAT, update_id_format)
    serve(broker, contracts.UPDATE_TEMPLATE, update_template)
    serve(broker, contracts.UPDATE_VISIBILITY, update_visibility)
    serve(broker, contracts.UPDATE_SLA, update_sla)
    serve(broker, contracts.RESET, reset)
    serve(broker, contracts.APPLY_PRESET, apply_preset)
    serve(broker, contracts.SAVE_PRESET, save_preset)
    serve(broker, contracts.DELETE_PRESET, delete_preset)


def _cache_listener(cfg: Configuration) -> Callable[[list[str] | None], Awaitable[None]]:
    async def on_config_updated(keys: list[str] | None) -> None:
        if keys is None:  # an unreadable event: unknown keys, drop everything (always safe)
            cfg.invalidate_all()
        else:
            cfg.invalidate(keys)

    return on_config_updated
