"""Ticket id formatting and counter keys."""

from __future__ import annotations

import re

import pytest

from tickets_service.domain.ids import counter_key, format_ticket_id
from uts_shared.contracts.config import TicketIdFormat
from uts_shared.contracts.tickets import TICKET_ID_PATTERN


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


@pytest.mark.parametrize("separator", ["-", "_", ".", ""])
@pytest.mark.parametrize("include_year", [True, False])
@pytest.mark.parametrize(("prefix", "pad_length"), [("LUX", 6), ("A", 1), ("Z9" * 8, 12)])
def test_every_id_a_format_gives_has_the_shared_ticket_id_shape(
    separator: str, include_year: bool, prefix: str, pad_length: int
) -> None:
    fmt = TicketIdFormat(
        prefix=prefix, include_year=include_year, pad_length=pad_length, separator=separator
    )
    for sequence in (1, 42, 10**13):
        assert re.fullmatch(TICKET_ID_PATTERN, format_ticket_id(fmt, 2026, sequence))


@pytest.mark.parametrize(
    "not_an_id",
    [
        "",
        "LUX",
        "LUX-",
        "LUX-2026-",
        "ticket:LUX-2026-000001",
        "LUX 2026 000001",
        "../LUX-1",
        "LUX-2026-000001-1",
        "x" * 65,
        "LUX-2026-00000a",
        "ÑU-2026-000001",
    ],
)
def test_what_no_format_gives_is_not_a_ticket_id(not_an_id: str) -> None:
    assert not re.fullmatch(TICKET_ID_PATTERN, not_an_id)
