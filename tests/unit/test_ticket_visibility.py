"""Ticket visibility's rules, without I/O: who is restricted, and what a restricted agent sees."""

from __future__ import annotations

from gateway.auth import Agent, Role
from gateway.visibility import restricted_to
from tickets_service.domain.visibility import visible
from tickets_service.store import TicketFilter


def agent(role: Role = Role.AGENT) -> Agent:
    return Agent(id="a1", email="a@example.com", first_name="A", last_name="B", role=role)


def test_only_agents_who_are_not_admins_are_restricted_and_only_when_the_setting_says_so() -> None:
    assert restricted_to(agent(), "assigned_and_unassigned") == "a1"
    assert restricted_to(agent(), "all") is None
    assert restricted_to(agent(Role.ADMIN), "assigned_and_unassigned") is None


def test_a_restricted_agent_sees_its_own_and_the_unassigned_tickets() -> None:
    assert visible("a1", to="a1") and visible(None, to="a1")
    assert not visible("a2", to="a1")
    assert visible("a2", to=None)  # not restricted


def test_restricted_lists_ask_the_store_for_mine_or_nobodys() -> None:
    assert TicketFilter(visible_to="a1").query() == {"assignedAgent": {"$in": ["a1", None]}}
    assert TicketFilter(visible_to="a1", assigned_agent="a1").query() == {"assignedAgent": "a1"}
    assert TicketFilter(visible_to="a1", unassigned=True).query() == {"assignedAgent": None}
    nothing = TicketFilter(visible_to="a1", assigned_agent="a2").query()
    assert nothing == {"assignedAgent": {"$in": []}}
