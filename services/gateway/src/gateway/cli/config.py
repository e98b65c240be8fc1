"""`uts-admin config …`: export, import and presets, through the config service's RPCs on the
broker (never its database): every change is validated, recorded in the change history (by
`cli:<user>`) and announced with `config.updated`, as when an admin makes it in the console.

The export is one JSON document: `{"format": "uts-config/1", "exportedAt", "exportedBy",
"settings": {<setting key>: <value as the RPCs carry it (camelCase)>}}`. An import applies each
key it names through that key's update RPC; keys left out keep their value, unchanged ones are
not written.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from gateway.cli.common import broker_link, fail, guarded, operator, refusal, run, settings
from uts_shared.contracts import config as contract
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import REGISTRY, ApplyPreset, PresetApplied, Setting, SettingKey
from uts_shared.errors import DomainError, NotFound, field_errors_from_pydantic
from uts_shared.messaging import RpcClient

app = typer.Typer(
    help="The configuration, through the config service over the broker (RABBITMQ_URL).",
    no_args_is_help=True,
)

FORMAT = "uts-config/1"


SETTINGS: tuple[Setting, ...] = tuple(s for s in REGISTRY if s.served)
"""Every setting with a get and a set of its own (the settings table's)."""
BY_KEY = {s.key: s for s in SETTINGS}


def value_of(setting: Setting, model: BaseModel) -> Any:
    """The value in a read's result or a write's request, as plain JSON."""
    return model.model_dump(mode="json")[to_camel(setting.field)]


def same(setting: Setting, request: BaseModel, current: Any) -> bool:
    """Whether `request` would write the value there is now (both as the request model
    normalises them: e.g. a template's surrounding whitespace)."""
    try:
        now = setting.request(current, by="-")
    except ValidationError:
        return False
    return bool(value_of(setting, request) == value_of(setting, now))


NOT_EXPORTED: dict[SettingKey, str] = {
    SettingKey.CONFIGURATION_PRESETS: (
        "the presets: built-in ones come with the service, and no RPC writes a custom one "
        "from a file (save the current setup as a preset in the console instead)"
    ),
}


async def read_all(client: RpcClient) -> dict[str, Any]:
    """Every exported setting's current value, as plain JSON."""
    return {s.key: value_of(s, await client.call(s.read, Empty())) for s in SETTINGS}


def export_document(values: dict[str, Any], *, by: str, at: datetime) -> dict[str, Any]:
    return {"format": FORMAT, "exportedAt": at.isoformat(), "exportedBy": by, "settings": values}


def writes_in(document: Any, *, by: str) -> list[tuple[Setting, BaseModel]]:
    """The update request of each setting an exported document names, every value validated
    first (so a mistake anywhere in the file changes nothing); `CliFailure` naming each
    problem."""
    if not isinstance(document, dict) or not isinstance(document.get("settings"), dict):
        fail('not a configuration export: expected {"format": "uts-config/1", "settings": {…}}')
    if document.get("format", FORMAT) != FORMAT:
        fail(f"unsupported format {document['format']!r}: this version reads {FORMAT!r}")
    values: dict[str, Any] = document["settings"]
    unknown = sorted(set(values) - set(BY_KEY))
    if unknown:
        fail(
            f"unknown setting(s) {', '.join(unknown)}; nothing imported "
            f"(known: {', '.join(BY_KEY)})"
        )
    writes: list[tuple[Setting, BaseModel]] = []
    problems: list[str] = []
    for setting in SETTINGS:
        if setting.key not in values:
            continue
        try:
            writes.append((setting, setting.request(values[setting.key], by=by)))
        except ValidationError as exc:
            for error in field_errors_from_pydantic(exc.errors(include_input=False)):
                where = error.field.split(".", 1)
                inner = f".{where[1]}" if len(where) > 1 else ""
                problems.append(f"{setting.key}{inner}: {error.reason}")
    if problems:
        fail(f"invalid values, nothing imported: {'; '.join(problems)}")
    return writes


def _read_document(file: Path) -> Any:
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{file} is not JSON: {exc}")


@app.command("export")
@guarded
def export(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write the JSON (default: standard output).", metavar="[FILE]"
        ),
    ] = None,
) -> None:
    """Write every setting as JSON (presets aside), read through the config service."""
    config = settings()
    by = operator()

    async def export_all() -> dict[str, Any]:
        async with broker_link(config) as link:
            values = await read_all(link.client)
        return export_document(values, by=by, at=datetime.now(UTC))

    document = run(export_all(), rabbitmq_url=config.rabbitmq_url)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if file is None or str(file) == "-":
        typer.echo(text, nl=False)
        return
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}")
    typer.echo(f"exported {len(document['settings'])} settings to {file}", err=True)


@app.command("import")
@guarded
def import_(
    file: Annotated[Path, typer.Argument(help="A file `config export` wrote (- for stdin).")],
) -> None:
    """Apply each setting of an export through its update RPC (by cli:<user>)."""
    config = settings()
    by = operator()
    writes = writes_in(_read_document(file), by=by)

    async def apply() -> None:
        async with broker_link(config) as link:
            current = await read_all(link.client)
            done: list[str] = []
            for setting, request in writes:
                key = setting.key
                if same(setting, request, current[key]):
                    typer.echo(f"{key}: unchanged")
                    continue
                try:
                    await link.client.call(setting.write, request)
                except DomainError as exc:
                    applied = f"applied before it: {', '.join(done)}" if done else "none applied"
                    raise refusal(exc, about=f"{key} ({applied}; stopped there): ") from None
                done.append(key)
                typer.echo(f"{key}: updated")

    run(apply(), rabbitmq_url=config.rabbitmq_url)


@app.command("apply-preset")
@guarded
def apply_preset(
    preset_id: Annotated[str, typer.Argument(metavar="PRESET_ID", help="A preset's id.")],
) -> None:
    """Apply a built-in or saved preset (by cli:<user>)."""
    config = settings()
    try:
        request = ApplyPreset(agent_id=operator(), preset_id=preset_id)
    except ValidationError:
        fail(f"'{preset_id}' is not a preset id")

    async def apply() -> PresetApplied:
        async with broker_link(config) as link:
            try:
                applied: PresetApplied = await link.client.call(contract.APPLY_PRESET, request)
            except NotFound:
                presets = await link.client.call(contract.LIST_PRESETS, Empty())
                known = ", ".join(p.id for p in presets.presets)
                fail(f"no preset '{preset_id}' (presets: {known})")
            return applied

    applied = run(apply(), rabbitmq_url=config.rabbitmq_url)
    sla = ", sla_policy" if applied.preset.sla_policy is not None else ""
    typer.echo(
        f"applied preset {applied.preset.id} ({applied.preset.name}): ticket_categories, "
        f"assistant_configuration, ticket_terminology, ticket_id_format{sla}"
    )
