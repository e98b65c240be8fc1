"""Socket.IO ticket rooms without a broker: which ids are joined; a refusal joins nothing."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.auth import Agent, Role, Tokens
from gateway.realtime import Realtime
from uts_shared.contracts import tickets
from uts_shared.errors import NotFound, RpcTimeout

EXISTING = "LUX-2026-000001"
SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"


class TicketsService:
    """Stands in for the `RpcClient`: answers `tickets.get` for EXISTING only."""

    def __init__(self, *, silent: bool = False) -> None:
        self.silent = silent
        self.asked: list[str] = []

    async def call(self, spec: Any, request: tickets.GetTicket, **_: Any) -> object:
        assert spec is tickets.GET
        self.asked.append(request.ticket_id)
        if self.silent:
            raise RpcTimeout("the service behind 'tickets.get' did not answer within 5s")
        if request.ticket_id != EXISTING:
            raise NotFound(f"Ticket {request.ticket_id} not found")
        return object()


def realtime(service: TicketsService) -> tuple[Realtime, list[str]]:
    live = Realtime(Tokens(SECRET, expires_minutes=5), service, cors_origins=[])  # type: ignore[arg-type]
    joined: list[str] = []

    async def enter_room(sid: str, room: str, namespace: str | None = None) -> None:
        joined.append(room)

    async def get_session(sid: str, namespace: str | None = None) -> dict[str, Agent]:
        agent = Agent(
            id="a1", email="a@example.com", first_name="A", last_name="B", role=Role.AGENT
        )
        return {"agent": agent}

    live.sio.enter_room = enter_room  # type: ignore[method-assign]
    live.sio.get_session = get_session  # type: ignore[method-assign]
    return live, joined


async def test_join_ticket_joins_the_room_of_an_existing_ticket() -> None:
    live, joined = realtime(TicketsService())
    ack = await live._join_ticket("sid", {"ticketId": f" {EXISTING} "})
    assert ack == {"success": True, "room": f"ticket:{EXISTING}"}
    assert joined == [f"ticket:{EXISTING}"]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"ticketId": 7},
        {"ticketId": "agents"},
        {"ticketId": "agent:a2"},
        {"ticketId": f"{EXISTING}\nx"},
        {"ticketId": "x" * 10_000},
    ],
)
async def test_join_ticket_refuses_what_is_not_a_ticket_id_without_asking_or_joining(
    data: object,
) -> None:
    service = TicketsService()
    live, joined = realtime(service)
    ack = await live._join_ticket("sid", data)
    assert ack == {
        "success": False,
        "error": "ticketId: required, a ticket id such as LUX-2026-000001",
    }
    assert joined == [] and service.asked == []


async def test_join_ticket_refuses_a_ticket_that_does_not_exist() -> None:
    live, joined = realtime(TicketsService())
    ack = await live._join_ticket("sid", {"ticketId": "LUX-1999-999999"})
    assert ack == {"success": False, "error": "ticketId: no ticket LUX-1999-999999"}
    assert joined == []


async def test_join_ticket_joins_nothing_while_the_tickets_service_is_silent() -> None:
    live, joined = realtime(TicketsService(silent=True))
    ack = await live._join_ticket("sid", {"ticketId": EXISTING})
    assert ack["success"] is False and "try again" in ack["error"]
    assert joined == []
