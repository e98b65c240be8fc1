"""Phone numbers are stored in E.164."""

from __future__ import annotations

import pytest

from tickets_service.domain.phones import normalise_phone
from uts_shared.errors import ValidationFailed


@pytest.mark.parametrize(
    "raw",
    ["55 1234 5678", "(55) 1234-5678", "+52 55 1234 5678", "5215512345678", "+5215512345678"],
)
def test_mexican_numbers_in_any_spelling_become_e164(raw: str) -> None:
    assert normalise_phone(raw, "MX") == "+525512345678"


def test_default_region_applies_to_national_numbers() -> None:
    assert normalise_phone("(415) 555-2671", "US") == "+14155552671"
    assert normalise_phone("+1 415 555 2671", "MX") == "+14155552671"


@pytest.mark.parametrize("raw", ["abc", "123", "+52 12"])
def test_invalid_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalise_phone(raw, "MX")
    assert caught.value.details[0].field == "phoneNumber"
