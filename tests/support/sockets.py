"""A Socket.IO client of the gateway, as the console is: it records the events it receives.

`async with Listener(url, token) as sock:` connects (websocket, `auth={"token": ...}`);
`await sock.wait_for("ticket_created", about(ticket_id))` returns the first matching payload,
already received or still to come.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import socketio

from tests.support.waiting import Arrivals

TICKET_EVENTS = (
    "ticket_created",
    "ticket_updated",
    "ticket_assigned",
    "ticket_note_added",
    "ticket_resolved",
    "ticket_escalated",
    "ticket_sla_warning",
    "ticket_sla_breached",
)

Match = Callable[[dict[str, Any]], bool]


class Listener:
    """A Socket.IO client recording every event of `events` it receives (ticket events unless
    told otherwise)."""

    def __init__(self, url: str, token: str | None, events: Iterable[str] = TICKET_EVENTS) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.arrivals: Arrivals[tuple[str, dict[str, Any]]] = Arrivals("socket events")
        for name in events:
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[[dict[str, Any]], Any]:
        async def record(data: dict[str, Any]) -> None:
            await self.arrivals.add((name, data))

        return record

    @property
    def received(self) -> list[tuple[str, dict[str, Any]]]:
        return self.arrivals.items

    async def __aenter__(self) -> Listener:
        auth = {"token": self.token} if self.token is not None else None
        await self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=5)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sio.disconnect()

    def matching(self, name: str, where: Match) -> list[dict[str, Any]]:
        return [data for n, data in self.received if n == name and where(data)]

    async def wait_for(self, name: str, where: Match, timeout: float = 5.0) -> dict[str, Any]:
        """The first `name` event whose payload satisfies `where` (waits up to `timeout`)."""
        _, data = await self.arrivals.first(
            lambda item: item[0] == name and where(item[1]),
            timeout=timeout,
            what=f"a matching {name}",
        )
        return data

    async def join_ticket(self, ticket_id: str) -> Any:
        return await self.sio.call("join_ticket", {"ticketId": ticket_id}, timeout=5)


def about(ticket_id: str) -> Match:
    """Events naming `ticket_id` (ticket_created carries it inside `ticket`)."""

    def match(data: dict[str, Any]) -> bool:
        return (
            data.get("ticketId") == ticket_id
            or (data.get("ticket") or {}).get("ticketId") == ticket_id
        )

    return match
