"""Validation rules beyond the contract models, reported as ValidationFailed with field details."""

import pytest

from config_service.domain.validation import (
    MAX_TEMPLATE_CHARS,
    check_categories,
    check_template,
    parse_value,
    setting_key,
)
from uts_shared.contracts.config import Category, SettingKey
from uts_shared.errors import ValidationFailed


def _fields(err: ValidationFailed) -> list[str]:
    return [d.field for d in err.details]


def test_categories_must_not_be_empty() -> None:
    with pytest.raises(ValidationFailed) as err:
        check_categories([])
    assert _fields(err.value) == ["categories"]


def test_category_ids_must_be_unique() -> None:
    cats = [Category(id="a", label="A"), Category(id="b", label="B"), Category(id="a", label="C")]
    with pytest.raises(ValidationFailed) as err:
        check_categories(cats)
    assert _fields(err.value) == ["categories.2.id"]
    assert "duplicate category id 'a'" in err.value.details[0].reason


def test_category_ids_must_be_slugs_even_when_built_without_validation() -> None:
    cat = Category.model_construct(id="Not A Slug", label="X")
    with pytest.raises(ValidationFailed) as err:
        check_categories([cat])
    assert _fields(err.value) == ["categories.0.id"]


def test_unknown_setting_key_names_the_valid_keys() -> None:
    with pytest.raises(ValidationFailed) as err:
        setting_key("colors")
    assert _fields(err.value) == ["key"]
    for key in SettingKey:
        assert key.value in err.value.message
    assert err.value.context["validKeys"] == [k.value for k in SettingKey]


def test_known_setting_key_is_accepted() -> None:
    assert setting_key("ticket_id_format") is SettingKey.TICKET_ID_FORMAT


def test_template_must_not_be_blank_or_huge() -> None:
    with pytest.raises(ValidationFailed):
        check_template("   ")
    with pytest.raises(ValidationFailed, match="at most"):
        check_template("x" * (MAX_TEMPLATE_CHARS + 1))
    check_template("Hola {assistantName}")


def test_stored_values_are_parsed_with_field_details() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_value(SettingKey.TICKET_ID_FORMAT, {"prefix": "LUX", "padLength": 13})
    assert _fields(err.value) == ["ticket_id_format.padLength"]


def test_stored_categories_get_the_same_rules_as_updates() -> None:
    dupes = [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]
    with pytest.raises(ValidationFailed) as err:
        parse_value(SettingKey.TICKET_CATEGORIES, dupes)
    assert _fields(err.value) == ["ticket_categories.1.id"]


SLA_TIME_ZONE = {"calendar": {"timeZone": "Mars/Olympus_Mons"}}


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (SLA_TIME_ZONE, "sla_policy.calendar.timeZone"),
        (
            {"calendar": {"workingHours": {"start": "18:00", "end": "09:00"}}},
            "sla_policy.calendar.workingHours.end",
        ),
        ({"calendar": {"workingDays": [0]}}, "sla_policy.calendar.workingDays.0"),
        ({"calendar": "weekdays"}, "sla_policy.calendar"),
        ({"warningAt": 1.5}, "sla_policy.warningAt"),
        ({"pauseStatuses": ["closed"]}, "sla_policy.pauseStatuses"),
        (
            {"targets": {"urgent": {"firstResponseMs": 0, "resolutionMs": 1000}}},
            "sla_policy.targets.urgent.firstResponseMs",
        ),
    ],
    ids=["time-zone", "end-before-start", "weekday-0", "calendar-word", "warning", "pause", "ms"],
)
def test_sla_policy_errors_name_the_one_field(policy: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_value(SettingKey.SLA_POLICY, policy)
    assert _fields(err.value) == [field]


def test_sla_policy_unknown_time_zone_says_which_and_how_to_name_one() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_value(SettingKey.SLA_POLICY, SLA_TIME_ZONE)
    assert "Mars/Olympus_Mons" in err.value.message
    assert "IANA" in err.value.message


def test_sla_policy_keeps_builtin_targets_for_priorities_left_out() -> None:
    policy = parse_value(
        SettingKey.SLA_POLICY, {"targets": {"low": {"firstResponseMs": 1000, "resolutionMs": 2000}}}
    )
    assert policy.targets["low"].resolution_ms == 2000
    assert policy.targets["urgent"].first_response_ms == 15 * 60_000
