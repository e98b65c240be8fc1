"""The config service's broker endpoints: a get and a set per setting of its table, one thin
function per other RPC, and the cache listener."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.rabbit import RabbitBroker

from config_service.service import Configuration
from uts_shared.contracts import config as contracts
from uts_shared.contracts.base import Empty, HealthStatus
from uts_shared.contracts.config import (
    AllConfig,
    ApplyPreset,
    DeletePreset,
    History,
    HistoryQuery,
    Preset,
    PresetApplied,
    Presets,
    PreviewTemplate,
    RenderedAssistant,
    ResetResult,
    ResetSetting,
    SavePreset,
    Setting,
    Settings,
)
from uts_shared.messaging import serve, subscribe_config_updates


def register(
    broker: RabbitBroker, cfg: Configuration, *, health: HealthStatus, instance: str
) -> None:
    """Every RPC of `contracts.config.RPCS` (the settings' from `cfg`'s table), `config.health`,
    and the cache invalidation."""
    for setting in cfg.registry:
        if setting.served:
            _serve_setting(broker, cfg, setting)
    _serve_reads(broker, cfg, health)
    _serve_changes(broker, cfg)
    # This replica's own queue for `config.updated`: exclusive, gone when the replica is.
    subscribe_config_updates(broker, f"config.cache.{instance}", _cache_listener(cfg))


def _serve_setting(broker: RabbitBroker, cfg: Configuration, setting: Setting) -> None:
    async def get(_: Empty) -> Any:
        return setting.result(await cfg.value(setting.key))

    async def update(req: Any) -> Any:
        value = await cfg.update(setting.key, setting.value_of(req), by=req.agent_id)
        return setting.result(value)

    serve(broker, setting.read, get)
    serve(broker, setting.write, update)


def _serve_reads(broker: RabbitBroker, cfg: Configuration, health: HealthStatus) -> None:
    async def get_all(_: Empty) -> AllConfig:
        return await cfg.all()

    async def get_settings(_: Empty) -> Settings:
        return Settings(settings=await cfg.settings())

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
    serve(broker, contracts.LIST_PRESETS, list_presets)
    serve(broker, contracts.RENDER_ASSISTANT, render_assistant)
    serve(broker, contracts.PREVIEW_TEMPLATE, preview_template)
    serve(broker, contracts.GET_HISTORY, get_history)
    serve(broker, contracts.HEALTH, get_health)


def _serve_changes(broker: RabbitBroker, cfg: Configuration) -> None:
    async def reset(req: ResetSetting) -> ResetResult:
        return ResetResult(key=req.key, value=await cfg.reset(req.key, by=req.agent_id))

    async def apply_preset(req: ApplyPreset) -> PresetApplied:
        return await cfg.apply_preset(req.preset_id, by=req.agent_id)

    async def save_preset(req: SavePreset) -> Preset:
        return await cfg.save_preset(req.id, req.name, req.description, by=req.agent_id)

    async def delete_preset(req: DeletePreset) -> Presets:
        return Presets(presets=await cfg.delete_preset(req.preset_id, by=req.agent_id))

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
