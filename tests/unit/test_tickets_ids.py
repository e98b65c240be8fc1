"""Ticket id formatting and counter keys."""

from __future__ import annotations

import pytest

from tickets_service.domain.ids import counter_key, format_ticket_id
from uts_shared.contracts.config import TicketIdFormat


def test_default_format_has_prefix_year_and_six_digits() -> None:
    fmt = TicketIdFormat(prefix="LUX")
    assert format_ticket_id(fmt, 2026, 1) == "LUX-2026-000001"
    assert format_ticket_id(fmt, 2026, 1234567) == "LUX-2026-1234567"


def test_format_without_year() -> None:
    fmt = TicketIdFormat(prefix="RPT", include_year=False, pad_length=4)
    assert format_ticket_id(fmt, 2026, 2) == "RPT-0002"


def test_separator_and_padding_are_configurable() -> None:
    fmt = TicketIdFormat(prefix="TK", pad_length=3, separator="")
    assert format_ticket_id(fmt, 2027, 42) == "TK2027042"
    fmt = TicketIdFormat(prefix="TK", pad_length=2, separator="_")
    assert format_ticket_id(fmt, 2027, 5) == "TK_2027_05"


def test_one_counter_per_prefix_and_year_and_none_per_year_without_year() -> None:
    assert counter_key(TicketIdFormat(prefix="LUX"), 2026) == "LUX:2026"
    assert counter_key(TicketIdFormat(prefix="LUX"), 2027) == "LUX:2027"
    assert counter_key(TicketIdFormat(prefix="RPT", include_year=False), 2027) == "RPT"


def test_sequence_starts_at_one() -> None:
    with pytest.raises(ValueError):
        format_ticket_id(TicketIdFormat(prefix="LUX"), 2026, 0)
