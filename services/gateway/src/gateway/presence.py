"""Who is viewing and who is typing on each ticket, for this gateway process's sockets.

A socket that joined a ticket's room views it (the console joins while the ticket is open) until
it leaves the room or disconnects (a closed tab: at once; a lost network: within Socket.IO's ping
timeout). `typing {ticketId}` marks its agent typing there for `TYPING_SECONDS`; the console
pings again while the agent keeps typing. Kept in memory, per process: agents connected to
different gateway replicas do not see each other (README: Presence).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

TYPING_SECONDS = 5.0


@dataclass
class _Viewer:
    agent_id: str
    name: str
    typing_until: float = 0.0


@dataclass
class Presence:
    clock: Callable[[], float] = time.monotonic
    _tickets: dict[str, dict[str, _Viewer]] = field(default_factory=dict)

    def join(self, ticket_id: str, sid: str, agent_id: str, name: str) -> bool:
        """Whether this changed who views the ticket (another socket of the agent may be there)."""
        viewers = self._tickets.setdefault(ticket_id, {})
        before = self._agents(viewers)
        viewers[sid] = _Viewer(agent_id, name)
        return self._agents(viewers) != before

    def leave(self, ticket_id: str, sid: str) -> bool:
        viewers = self._tickets.get(ticket_id)
        if not viewers or sid not in viewers:
            return False
        before = self._agents(viewers)
        del viewers[sid]
        if not viewers:
            del self._tickets[ticket_id]
        return self._agents(viewers) != before

    def drop(self, sid: str) -> list[str]:
        """A socket is gone: the tickets whose viewers changed."""
        return [ticket for ticket in list(self._tickets) if self.leave(ticket, sid)]

    def typing(self, ticket_id: str, sid: str) -> bool:
        """Mark the socket's agent typing; False when the socket does not view the ticket."""
        viewer = self._tickets.get(ticket_id, {}).get(sid)
        if viewer is None:
            return False
        viewer.typing_until = self.clock() + TYPING_SECONDS
        return True

    def viewers(self, ticket_id: str) -> list[dict[str, object]]:
        """`[{agentId, name, typing}]`, one per agent (typing if any of its sockets is)."""
        now = self.clock()
        by_agent: dict[str, dict[str, object]] = {}
        for viewer in self._tickets.get(ticket_id, {}).values():
            entry = by_agent.setdefault(
                viewer.agent_id, {"agentId": viewer.agent_id, "name": viewer.name, "typing": False}
            )
            if viewer.typing_until > now:
                entry["typing"] = True
        return sorted(by_agent.values(), key=lambda e: str(e["name"]))

    def everywhere(self) -> dict[str, list[dict[str, object]]]:
        """Every viewed ticket's viewers."""
        return {ticket: self.viewers(ticket) for ticket in self._tickets}

    @staticmethod
    def _agents(viewers: dict[str, _Viewer]) -> set[str]:
        return {viewer.agent_id for viewer in viewers.values()}
