"""Ticket ids: `LUX-2026-000001`, or `LUX-000001` when the format leaves the year out."""

from __future__ import annotations

from uts_shared.contracts.config import TicketIdFormat


def counter_key(fmt: TicketIdFormat, year: int) -> str:
    """The counter document's `_id`: one sequence per (prefix, year); one per prefix without year.

    Without the year in the id the sequence must never restart, or ids would repeat next year.
    """
    return f"{fmt.prefix}:{year}" if fmt.include_year else fmt.prefix


def format_ticket_id(fmt: TicketIdFormat, year: int, sequence: int) -> str:
    """Join prefix, year (if included) and the zero-padded sequence with the separator."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    parts = [fmt.prefix]
    if fmt.include_year:
        parts.append(f"{year:04d}")
    parts.append(str(sequence).zfill(fmt.pad_length))
    return fmt.separator.join(parts)
