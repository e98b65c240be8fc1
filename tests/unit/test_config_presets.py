"""Industry presets: built-ins from the plans, and the rules for custom presets."""

import re

import pytest

from config_service.domain import presets
from config_service.domain.defaults import builtin_values, to_json
from config_service.domain.validation import check_preset
from uts_shared.contracts.base import MAX_CUSTOM_PRESETS
from uts_shared.contracts.config import SLUG, Preset, SettingKey
from uts_shared.errors import Conflict, Forbidden, NotFound


def _custom(preset_id: str) -> Preset:
    base = presets.luxfree_preset()
    return base.model_copy(update={"id": preset_id, "name": preset_id, "builtin": False})


def test_builtin_presets_are_luxfree_restaurant_ecommerce_healthcare_professional_services() -> (
    None
):
    assert [p.id for p in presets.builtin_presets()] == [
        "luxfree",
        "restaurant",
        "e-commerce",
        "healthcare",
        "professional-services",
    ]


@pytest.mark.parametrize("preset", presets.builtin_presets(), ids=lambda p: p.id)
def test_every_builtin_preset_is_complete_and_valid(preset: Preset) -> None:
    assert preset.builtin
    assert re.match(SLUG, preset.id)
    check_preset(preset)
    assert preset.ticket_categories[-1].id == "other"
    assert all(
        c.label_en and c.icon and c.color and c.description for c in preset.ticket_categories
    )
    assistant, terms = preset.assistant_configuration, preset.ticket_terminology
    assert terms.ticket_singular == assistant.ticket_noun
    assert terms.ticket_plural == assistant.ticket_noun_plural


def test_luxfree_preset_is_exactly_the_builtin_defaults() -> None:
    luxfree = presets.luxfree_preset()
    defaults = builtin_values()
    assert to_json(luxfree.ticket_categories) == defaults[SettingKey.TICKET_CATEGORIES]
    assert to_json(luxfree.assistant_configuration) == defaults[SettingKey.ASSISTANT_CONFIGURATION]
    assert to_json(luxfree.ticket_terminology) == defaults[SettingKey.TICKET_TERMINOLOGY]
    assert to_json(luxfree.ticket_id_format) == defaults[SettingKey.TICKET_ID_FORMAT]


def test_restaurant_preset_follows_the_plan_example() -> None:
    restaurant = presets.find(presets.builtin_presets(), "restaurant")
    assert restaurant.assistant_configuration.assistant_name == "FoodBot"
    assert restaurant.assistant_configuration.company_name == "Pizzería Roma"
    assert restaurant.assistant_configuration.ticket_noun == "caso"
    assert [c.id for c in restaurant.ticket_categories] == [
        "order_issue",
        "delivery_issue",
        "food_quality",
        "menu_question",
        "billing",
        "other",
    ]
    fmt = restaurant.ticket_id_format
    assert (fmt.prefix, fmt.include_year) == ("FOOD", False)


@pytest.mark.parametrize(
    ("preset_id", "prefix", "noun"),
    [("e-commerce", "ORD", "solicitud"), ("healthcare", "MED", "consulta")],
)
def test_ecommerce_and_healthcare_follow_the_plan_examples(
    preset_id: str, prefix: str, noun: str
) -> None:
    preset = presets.find(presets.builtin_presets(), preset_id)
    assert preset.ticket_id_format.prefix == prefix
    assert preset.ticket_id_format.include_year is True
    assert preset.assistant_configuration.ticket_noun == noun


def test_builtin_presets_are_fresh_copies() -> None:
    first = presets.builtin_presets()
    first[1].ticket_categories.clear()
    assert presets.builtin_presets()[1].ticket_categories


def test_listed_presets_are_builtins_then_custom_ones() -> None:
    stored = [*presets.builtin_presets(), _custom("mine")]
    listed = presets.merged(presets.builtin_presets(), stored)
    assert [p.id for p in listed][-1] == "mine"
    assert len(listed) == 6


def test_stored_copies_of_builtins_never_replace_the_code_ones() -> None:
    tampered = presets.luxfree_preset().model_copy(update={"name": "tampered"})
    listed = presets.merged(presets.builtin_presets(), [tampered])
    assert [p.name for p in listed if p.id == "luxfree"] == [presets.luxfree_preset().name]


def test_unknown_preset_is_not_found_and_names_the_available_ones() -> None:
    with pytest.raises(NotFound) as err:
        presets.find(presets.builtin_presets(), "bakery")
    assert "restaurant" in err.value.context["available"]


def test_custom_preset_cannot_shadow_a_builtin_id() -> None:
    with pytest.raises(Conflict, match="built-in"):
        presets.check_new_id("restaurant", [])


def test_custom_preset_id_must_be_unique() -> None:
    with pytest.raises(Conflict, match="already exists"):
        presets.check_new_id("mine", [_custom("mine")])
    presets.check_new_id("other-one", [_custom("mine")])


def test_no_custom_preset_is_saved_past_the_limit() -> None:
    full = [_custom(f"mine-{n}") for n in range(MAX_CUSTOM_PRESETS)]
    with pytest.raises(Conflict, match=f"already {MAX_CUSTOM_PRESETS} custom presets"):
        presets.check_new_id("one-more", full)
    presets.check_new_id("one-more", full[1:])


def test_builtin_presets_cannot_be_deleted() -> None:
    with pytest.raises(Forbidden):
        presets.check_deletable("luxfree")
    presets.check_deletable("mine")
