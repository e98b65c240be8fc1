"""Configuration operations: cached reads, validated changes with history, and their events.

Reads: cache (TTL) → store → built-in default (when the key is missing, the store fails or a
stored value is invalid). Changes: validate → one conditional write per key → history → drop the
keys from this replica's cache → publish `config.updated` so every replica drops them too.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from config_service.cache import MISSING, TtlCache
from config_service.domain import presets as preset_rules
from config_service.domain import rendering, validation
from config_service.domain.defaults import (
    PRESET_KEYS,
    SEED_AGENT,
    InitialValues,
    builtin_values,
    seed_record,
    seed_values,
    to_json,
)
from config_service.store import SettingsStore
from uts_shared.clock import Clock
from uts_shared.contracts.base import Pagination
from uts_shared.contracts.config import (
    CONFIG_UPDATED,
    REGISTRY,
    AllConfig,
    AssistantConfig,
    Category,
    ChangeRecord,
    ConfigUpdated,
    History,
    Preset,
    PresetApplied,
    RenderedAssistant,
    Setting,
    SettingKey,
    SettingRecord,
    Terminology,
    TicketIdFormat,
)
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.errors import Conflict, NotFound, Unavailable, ValidationFailed
from uts_shared.messaging import EventPublisher, make_event, why_invalid

log = logging.getLogger(__name__)

InvalidationListener = Callable[[list[str]], None]
T = TypeVar("T")
Write = Callable[[], Awaitable[SettingRecord | None]]


class Configuration:
    """The config service's operations over one store, one cache and one event publisher."""

    def __init__(
        self,
        store: SettingsStore,
        *,
        publisher: EventPublisher,
        clock: Clock,
        cache: TtlCache,
        company_name: str | None = None,
        initial: InitialValues | None = None,
        registry: Sequence[Setting] = REGISTRY,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._clock = clock
        self._cache = cache
        self._company_name = company_name
        self._initial = initial or InitialValues()
        self._settings = {s.key: s for s in registry}
        self.registry = tuple(registry)
        self._builtin = builtin_values(company_name, registry)
        self._listeners: list[InvalidationListener] = []

    # --- seeding ---------------------------------------------------------------------------

    async def seed(self) -> list[str]:
        """Create every missing key (first start); the keys this call created.

        Idempotent and safe when several replicas start at once. A failure is logged and the
        service keeps serving the built-in defaults.
        """
        try:
            await self._store.ensure_indexes()
            values = seed_values(self._company_name, self._initial, self.registry)
            created = [key for key in self._settings if await self._seed_one(key, values[key])]
        except Exception:
            log.exception("seeding the configuration failed; serving the built-in defaults")
            return []
        if created:
            log.info("seeded configuration keys: %s", ", ".join(created))
            await self._announce(created, by=SEED_AGENT)
        else:
            log.info("configuration already seeded")
        return created

    async def _seed_one(self, key: str, value: Any) -> bool:
        now = self._clock.now()
        if not await self._store.insert_if_absent(
            seed_record(key, value, now=now, table=self._settings)
        ):
            return False
        await self._history(key, None, value, by=SEED_AGENT, action="seed")
        return True

    # --- reads -----------------------------------------------------------------------------

    async def value(self, key: str) -> Any:
        """A setting's current value, as its model, as readers get it."""
        return validation.for_read(key, await self._read(self._setting(key)))

    async def categories(self) -> list[Category]:
        value: list[Category] = await self.value(SettingKey.TICKET_CATEGORIES)
        return value

    async def assistant(self) -> AssistantConfig:
        value: AssistantConfig = await self.value(SettingKey.ASSISTANT_CONFIGURATION)
        return value

    async def terminology(self) -> Terminology:
        value: Terminology = await self.value(SettingKey.TICKET_TERMINOLOGY)
        return value

    async def id_format(self) -> TicketIdFormat:
        value: TicketIdFormat = await self.value(SettingKey.TICKET_ID_FORMAT)
        return value

    async def template(self) -> str:
        value: str = await self.value(SettingKey.ASSISTANT_INSTRUCTIONS_TEMPLATE)
        return value

    async def sla_policy(self) -> SlaPolicy:
        value: SlaPolicy = await self.value(SettingKey.SLA_POLICY)
        return value

    async def presets(self) -> list[Preset]:
        """Built-in presets (always from code) followed by the custom ones."""
        raw = await self._raw(SettingKey.CONFIGURATION_PRESETS)
        return preset_rules.merged(self._builtin_presets(), self._stored_presets(raw))

    async def all(self) -> AllConfig:
        return AllConfig(
            ticket_categories=await self.categories(),
            assistant_configuration=await self.assistant(),
            terminology=await self.terminology(),
            ticket_id_format=await self.id_format(),
        )

    async def rendered(self, template: str | None = None) -> RenderedAssistant:
        """Instructions and tool definitions for the current configuration, with the stored
        template or, for a preview, the one given (not saved)."""
        config = await self.all()
        if template is None:
            template = await self.template()
        return rendering.rendered_assistant(template, config, year=self._clock.now().year)

    async def settings(self) -> list[SettingRecord]:
        """The SystemSettings documents; keys not stored (seeding failed) as built-in records."""
        stored = {r.key: r for r in await self._store.all_settings()}
        missing = [
            SettingRecord(
                key=key,
                value=self._builtin[key],
                category=setting.category,
                description=setting.description,
            )
            for key, setting in self._settings.items()
            if key not in stored
        ]
        return sorted([*stored.values(), *missing], key=lambda r: r.key)

    async def history(self, key: str | None, *, page: int, limit: int) -> History:
        """One page of the change history, newest first (optionally of one key)."""
        setting = None if key is None else validation.setting_key(key, self._settings)
        changes, total = await self._store.changes(setting, page=page, limit=limit)
        pages = math.ceil(total / limit)
        return History(
            changes=changes,
            pagination=Pagination(page=page, limit=limit, total=total, pages=pages),
        )

    def _setting(self, key: str) -> Setting:
        return self._settings[validation.setting_key(key, self._settings)]

    async def _read(self, setting: Setting) -> Any:
        raw = await self._raw(setting.key)
        try:
            return validation.parse_value(setting, raw)
        except ValidationFailed as exc:
            log.error(
                "stored %s is invalid (%s); serving the built-in default", setting.key, exc.message
            )
            return validation.parse_value(setting, self._builtin[setting.key])

    async def _raw(self, key: str) -> Any:
        cached = self._cache.get(key)
        if cached is not MISSING:
            return cached
        version = self._cache.version(key)
        try:
            record = await self._store.get(key)
        except Exception as exc:
            # Not cached: the next read tries the store again.
            log.warning("reading %s failed (%s); serving the built-in default", key, exc)
            return self._builtin[key]
        value = self._builtin[key] if record is None else record.value
        self._cache.put(key, value, version=version)
        return value

    async def _fresh(self, key: str) -> Any:
        """The stored value, bypassing the cache (for changes built on current values)."""
        record = await self._store.get(key)
        return self._builtin[key] if record is None else record.value

    def _builtin_presets(self) -> list[Preset]:
        return preset_rules.builtin_presets(self._company_name)

    @staticmethod
    def _stored_presets(raw: Any) -> list[Preset]:
        # One malformed entry must not hide the others.
        out = []
        for item in raw if isinstance(raw, list) else []:
            try:
                out.append(Preset.model_validate(item))
            except ValueError as exc:
                log.error("ignoring a malformed stored preset: %s", why_invalid(exc))
        return out

    # --- changes ---------------------------------------------------------------------------

    async def update(self, key: str, value: Any, *, by: str) -> Any:
        """Replace a setting's value (after its key's rules); the value as stored."""
        new = validation.for_write(self._setting(key).key, value)
        await self._change([(key, to_json(new))], by=by)
        return new

    async def reset(self, key: str, *, by: str) -> Any:
        """Reset one key to its built-in default; the value it now has.

        Resetting `configuration_presets` restores the built-in presets and keeps the custom
        ones: they are the admins' own work, deleted one by one with DELETE_PRESET.
        """
        setting = validation.setting_key(key, self._settings)
        value = self._builtin[setting]
        if setting == SettingKey.CONFIGURATION_PRESETS:
            custom = preset_rules.custom_only(self._stored_presets(await self._fresh(setting)))
            value = [*value, *to_json(custom)]
        await self._change([(setting, value)], by=by, action="reset")
        return value

    async def apply_preset(self, preset_id: str, *, by: str) -> PresetApplied:
        """Replace categories, assistant configuration, terminology and ID format at once.

        No transactions: the four keys are checked editable first, then written one by one;
        one `config.updated` names all four (also the ones written if a later write fails).
        """
        stored = self._stored_presets(await self._fresh(SettingKey.CONFIGURATION_PRESETS))
        preset = preset_rules.find(preset_rules.merged(self._builtin_presets(), stored), preset_id)
        validation.check_preset(preset)
        keys = (*PRESET_KEYS, SettingKey.SLA_POLICY) if preset.sla_policy else PRESET_KEYS
        await self._require_editable(keys)
        # A preset's fields are named after the keys they hold.
        values = {k: validation.for_read(k, getattr(preset, k)) for k in keys}
        changes: list[tuple[str, Any]] = [(k, to_json(v)) for k, v in values.items()]
        await self._change(changes, by=by, action=f"apply_preset:{preset.id}")
        categories = values[SettingKey.TICKET_CATEGORIES]
        return PresetApplied(
            preset=preset,
            configurations=AllConfig(
                ticket_categories=categories,
                assistant_configuration=preset.assistant_configuration,
                terminology=preset.ticket_terminology,
                ticket_id_format=preset.ticket_id_format,
            ),
        )

    async def save_preset(self, preset_id: str, name: str, description: str, *, by: str) -> Preset:
        """Save the current four preset keys and the SLA policy as a custom preset (id unique,
        not a built-in's)."""
        key = SettingKey.CONFIGURATION_PRESETS
        existing = self._stored_presets(await self._fresh(key))
        preset_rules.check_new_id(preset_id, preset_rules.custom_only(existing))
        current = {
            str(k): validation.parse_value(self._settings[k], await self._fresh(k))
            for k in (*PRESET_KEYS, SettingKey.SLA_POLICY)
        }
        preset = Preset(id=preset_id, name=name, description=description, builtin=False, **current)
        item = to_json(preset)
        now = self._clock.now()
        before = await self._store.push_preset(item, by=by, now=now)
        if before is None:
            before = await self._retry_after_seeding(
                key, functools.partial(self._store.push_preset, item, by=by, now=now)
            )
        if before is None:
            # Lost a race with another save of the same id (the editable check passed).
            raise Conflict(
                f"a preset with id '{preset_id}' already exists", context={"presetId": preset_id}
            )
        await self._after_write(
            key, before.value, [*before.value, item], by=by, action=f"save_preset:{preset_id}"
        )
        return preset

    async def delete_preset(self, preset_id: str, *, by: str) -> list[Preset]:
        """Delete a custom preset; the presets left. Built-in → Forbidden, unknown → NotFound."""
        preset_rules.check_deletable(preset_id)
        key = SettingKey.CONFIGURATION_PRESETS
        await self._require_editable([key])
        now = self._clock.now()
        before = await self._store.pull_preset(preset_id, by=by, now=now)
        if before is None:
            raise NotFound(
                f"custom preset '{preset_id}' not found", context={"presetId": preset_id}
            )
        after = [p for p in before.value if not (isinstance(p, dict) and p.get("id") == preset_id)]
        await self._after_write(
            key, before.value, after, by=by, action=f"delete_preset:{preset_id}"
        )
        return preset_rules.merged(self._builtin_presets(), self._stored_presets(after))

    async def _change(
        self, changes: list[tuple[str, Any]], *, by: str, action: str = "update"
    ) -> None:
        """Write each key (conditional on `isEditable`), record history, announce all keys."""
        written: list[str] = []
        try:
            for key, value in changes:
                now = self._clock.now()
                before = await self._store.set_value(key, value, by=by, now=now)
                if before is None:
                    before = await self._retry_after_seeding(
                        key, functools.partial(self._store.set_value, key, value, by=by, now=now)
                    )
                if before is None:
                    raise self._not_editable(key)
                written.append(key)
                await self._history(key, before.value, value, by=by, action=action)
                log.info("setting %s changed by agent %s (%s)", key, by, action)
        finally:
            if written:
                await self._announce(written, by=by)

    async def _after_write(self, key: str, old: Any, new: Any, *, by: str, action: str) -> None:
        await self._history(key, old, new, by=by, action=action)
        log.info("setting %s changed by agent %s (%s)", key, by, action)
        await self._announce([key], by=by)

    async def _retry_after_seeding(self, key: str, write: Write) -> SettingRecord | None:
        """A conditional write matched nothing: seed the key if it is missing and write again;
        a stored, non-editable setting raises Conflict."""
        record = await self._store.get(key)
        if record is not None and not record.is_editable:
            raise self._not_editable(key)
        if record is None:
            await self._seed_one(key, self._builtin[key])
        result: SettingRecord | None = await write()
        return result

    async def _require_editable(self, keys: Iterable[str]) -> None:
        locked = []
        for key in keys:
            record = await self._store.get(key)
            if record is not None and not record.is_editable:
                locked.append(str(key))
        if locked:
            raise Conflict(
                f"setting(s) {', '.join(locked)} cannot be changed (isEditable is false)",
                context={"keys": locked},
            )

    @staticmethod
    def _not_editable(key: str) -> Conflict:
        return Conflict(
            f"setting '{key}' cannot be changed (isEditable is false)",
            context={"key": str(key)},
        )

    async def _history(self, key: str, old: Any, new: Any, *, by: str, action: str) -> None:
        change = ChangeRecord(
            key=str(key),
            old_value=old,
            new_value=new,
            changed_by=by,
            changed_at=self._clock.now(),
            action=action,
        )
        try:
            await self._store.record_change(change)
        except Unavailable:
            # The change itself is stored; losing its history entry must not undo or fail it.
            log.exception("could not record the history of %s (%s by %s)", key, action, by)

    # --- cache and events ------------------------------------------------------------------

    async def _announce(self, keys: Sequence[str], *, by: str) -> None:
        """Drop `keys` here at once, then tell every replica (and other caches) to drop them."""
        names = [str(k) for k in keys]
        self._cache.invalidate(names)
        event = make_event(CONFIG_UPDATED, ConfigUpdated(keys=names, updated_by=by))
        try:
            await self._publisher.publish(event)
        except Exception:
            # The change is stored; other replicas converge within the cache TTL.
            log.exception("could not publish config.updated for %s", ", ".join(names))

    def invalidate(self, keys: Iterable[str]) -> None:
        """Drop these keys from the cache (a `config.updated` event arrived)."""
        names = list(keys)
        self._cache.invalidate(names)
        log.debug("cache invalidated: %s", ", ".join(names))
        self._notify(names)

    def invalidate_all(self) -> None:
        self._cache.clear()
        log.debug("cache cleared")
        self._notify([str(k) for k in self._settings])

    def add_invalidation_listener(self, listener: InvalidationListener) -> None:
        """Called with the keys after each event-driven invalidation (tests wait on this)."""
        self._listeners.append(listener)

    def _notify(self, keys: list[str]) -> None:
        for listener in list(self._listeners):
            try:
                listener(keys)
            except Exception:
                log.exception("invalidation listener failed")

    def is_cached(self, key: str) -> bool:
        return str(key) in self._cache
