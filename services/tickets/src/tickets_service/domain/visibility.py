"""Who may see a ticket when the ticket-visibility setting restricts an agent (seed 001 §2.2)."""

from __future__ import annotations


def visible(assigned_agent: str | None, *, to: str | None) -> bool:
    """Whether a ticket assigned to `assigned_agent` may be seen by an agent restricted to its
    own and the unassigned tickets (`to`: its id; None: not restricted)."""
    return to is None or assigned_agent in (None, to)
