"""Contract models: wire names, validation rules, reply envelope."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from uts_shared.contracts import ai_tools, config, messages, tickets, webhooks
from uts_shared.contracts.tickets import Instant
from uts_shared.errors import DomainError, ErrorCode, NotFound


def test_wire_names_are_camel_case_and_python_names_snake_case() -> None:
    fmt = config.TicketIdFormat(prefix="LUX", pad_length=4)
    assert fmt.model_dump() == {
        "prefix": "LUX",
        "includeYear": True,
        "padLength": 4,
        "separator": "-",
    }
    assert config.TicketIdFormat.model_validate({"prefix": "X", "padLength": 2}).pad_length == 2


def test_duplicate_category_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate category id 'x'"):
        config.CategoryList(categories=[{"id": "x", "label": "X"}, {"id": "x", "label": "Y"}])


def test_the_settings_table_gives_each_served_key_its_own_queues_route_and_models() -> None:
    served = [s for s in config.REGISTRY if s.served]
    queues = [rpc.queue for s in served for rpc in (s.read, s.write)]
    models = [m.__name__ for s in served for m in (s.write.request, s.read.result)]
    assert {s.key for s in config.REGISTRY} == set(config.SettingKey)
    assert len(set(queues)) == len(queues) == 2 * len(served)
    assert len({s.path for s in served}) == len(served)
    assert len(set(models)) == len(models)
    assert set(queues) <= {rpc.queue for rpc in config.RPCS}
    request = config.VISIBILITY.request("all", by="admin-1")
    assert request.model_dump() == {"agentId": "admin-1", "visibility": "all"}
    assert config.VISIBILITY.result("all").model_dump() == {"visibility": "all"}


def test_a_setting_write_is_checked_by_its_stricter_model_and_a_read_is_not() -> None:
    with pytest.raises(ValidationError, match="categories"):
        config.CATEGORIES.request([], by="admin-1")
    assert config.CATEGORIES.result([]).model_dump() == {"categories": []}


def test_error_reply_round_trips_to_the_same_typed_error() -> None:
    info = NotFound("Ticket not found").info()
    err = DomainError.from_info(info)
    assert isinstance(err, NotFound)
    assert err.code is ErrorCode.NOT_FOUND
    assert err.http_status == 404


def _unbounded(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    """Every string without a maxLength and every list without a maxItems under `schema`."""
    if "$ref" in schema:
        return _unbounded(defs[schema["$ref"].split("/")[-1]], defs, path)
    found: list[str] = []
    kind = schema.get("type")
    bounded_by_shape = "enum" in schema or "const" in schema or "format" in schema
    if kind == "string" and "maxLength" not in schema and not bounded_by_shape:
        found.append(path)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(path)
        found += _unbounded(schema.get("items", {}), defs, f"{path}[]")
    for name, sub in schema.get("properties", {}).items():
        found += _unbounded(sub, defs, f"{path}.{name}")
    for sub in schema.get("anyOf", []) + schema.get("allOf", []):
        found += _unbounded(sub, defs, path)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded(schema["additionalProperties"], defs, f"{path}{{}}")
    return found


REQUESTS: list[type[BaseModel]] = [
    *{
        spec.request
        for module in (config, tickets, messages, ai_tools, webhooks)
        for spec in module.RPCS
    },
    config.ConfigUpdated,
]


@pytest.mark.parametrize("model", REQUESTS, ids=lambda m: m.__name__)
def test_every_text_and_list_a_request_carries_has_a_maximum(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert _unbounded(schema, schema.get("$defs", {}), model.__name__) == []


@pytest.mark.parametrize("given", [0, 0.5, "0.5", "1710408600", "yesterday", True])
def test_a_date_time_is_iso_8601_text_never_a_number_of_seconds(given: object) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        TypeAdapter(Instant).validate_python(given)


def test_a_date_time_without_a_zone_is_utc() -> None:
    read = TypeAdapter(Instant).validate_python("2026-03-14T09:30:00")
    assert read == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert TypeAdapter(Instant).validate_python("2026-03-14T09:30:00+01:00").hour == 9


def test_every_event_names_the_version_of_its_payloads_shape() -> None:
    """A consumer can tell a payload it knows from a newer shape before reading `data`: the
    envelope carries its type's version, whether made at once or kept in an outbox."""
    from tickets_service.events import outbox_entry
    from uts_shared.messaging import make_event

    assert all(kind.version >= 1 for kind in tickets.EVENTS)
    at = datetime(2026, 12, 6, tzinfo=UTC)
    note = tickets.Note(id="n1", agent_id="a1", content="Revisado", timestamp=at)
    payload = tickets.TicketNoteAdded(
        ticket_id="LUX-2026-000001", note=note, agent_id="a1", customer_id="c1", version=2
    )
    kind = tickets.TICKET_NOTE_ADDED
    made = make_event(kind, payload).model_dump(mode="json", by_alias=True)
    assert made["schemaVersion"] == kind.version == 1
    kept = outbox_entry(kind, payload, event_id="e1", now=at)
    assert kind.envelope.model_validate_json(kept.body).schema_version == kind.version
