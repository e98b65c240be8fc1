"""Socket.IO for agents' browsers: JWT-authenticated connections, rooms, and `emit`.

A client connects with `auth={"token": "<jwt>"}` (refused otherwise) and joins room
`agent:{agentId}`; events `join_ticket`/`leave_ticket` with `{ticketId}` join or leave
`ticket:{ticketId}` (acknowledged with `{success, room}` or `{success: false, error}`). Only a
well-formed id of a ticket that exists (the tickets service says so) is joined; anything else is
an error in the acknowledgement and joins nothing.

The relay of ticket events from the broker plugs in by calling `Realtime.emit`: every gateway
replica runs its own relay for its own clients, so no cross-process Socket.IO manager is needed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import socketio
from pydantic import BaseModel

from gateway.auth import Agent, TokenCheck
from uts_shared.contracts import tickets
from uts_shared.errors import DomainError, NotFound, Unauthorized
from uts_shared.messaging import RpcClient

log = logging.getLogger(__name__)

TICKET_ID = re.compile(tickets.TICKET_ID_PATTERN)
MALFORMED_TICKET_ID = "ticketId: required, a ticket id such as LUX-2026-000001"

AGENTS_ROOM = "agents"
"""Every socket authenticated as an agent, and nothing else: agent-only events go here."""


def agent_room(agent_id: str) -> str:
    return f"agent:{agent_id}"


def ticket_room(ticket_id: str) -> str:
    return f"ticket:{ticket_id}"


class Realtime:
    """The process's Socket.IO server."""

    def __init__(self, sessions: TokenCheck, rpc: RpcClient, *, cors_origins: list[str]) -> None:
        self._sessions = sessions
        self._rpc = rpc
        # None = same origin only (python-engineio); non-browser clients send no Origin at all.
        self.sio = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=cors_origins or None, logger=False
        )
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("join_ticket", self._join_ticket)
        self.sio.on("leave_ticket", self._leave_ticket)

    def asgi(self, other: Any) -> socketio.ASGIApp:
        """Socket.IO at `/socket.io/`, everything else (and the lifespan) to `other`."""
        return socketio.ASGIApp(self.sio, other_asgi_app=other, socketio_path="socket.io")

    async def emit(
        self,
        event_name: str,
        payload: BaseModel | dict[str, Any],
        room: str | list[str] | None = None,
    ) -> None:
        """Send an event to a room (`agent:{id}`, `ticket:{id}`) or to every connected client."""
        data = (
            payload.model_dump(mode="json", by_alias=True)
            if isinstance(payload, BaseModel)
            else payload
        )
        await self.sio.emit(event_name, data, room=room)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("Authentication required")
        try:
            agent = await self._sessions.agent(token)
        except Unauthorized as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message) from None
        await self.sio.save_session(sid, {"agent": agent})
        await self.sio.enter_room(sid, agent_room(agent.id))
        await self.sio.enter_room(sid, AGENTS_ROOM)
        log.debug("socket %s connected: agent %s", sid, agent.id)

    async def disconnect_agent(self, agent_id: str) -> None:
        """End every socket of one agent on this replica (its tokens were revoked)."""
        room = agent_room(agent_id)
        sids = [sid for sid, _ in self.sio.manager.get_participants("/", room)]
        for sid in sids:
            await self.sio.disconnect(sid)
        if sids:
            log.info("agent %s: %d socket(s) disconnected (tokens revoked)", agent_id, len(sids))

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        log.debug("socket %s disconnected (%s)", sid, reason)

    async def _agent(self, sid: str) -> Agent:
        session = await self.sio.get_session(sid)
        agent: Agent = session["agent"]
        return agent

    @staticmethod
    def _ticket_id(data: Any) -> str | None:
        ticket_id = data.get("ticketId") if isinstance(data, dict) else None
        if isinstance(ticket_id, str) and TICKET_ID.fullmatch(ticket_id.strip()):
            return ticket_id.strip()
        return None

    async def _missing(self, ticket_id: str) -> str | None:
        """Why `ticket_id` can't be joined (no such ticket, or no answer), or None."""
        try:
            await self._rpc.call(tickets.GET, tickets.GetTicket(ticket_id=ticket_id))
        except NotFound:
            return f"ticketId: no ticket {ticket_id}"
        except DomainError as exc:
            log.warning("join_ticket %s: tickets service did not answer (%s)", ticket_id, exc)
            return "ticketId: could not be checked right now, try again"
        return None

    async def _join_ticket(self, sid: str, data: Any = None) -> dict[str, Any]:
        ticket_id = self._ticket_id(data)
        if ticket_id is None:
            return {"success": False, "error": MALFORMED_TICKET_ID}
        missing = await self._missing(ticket_id)
        if missing is not None:
            return {"success": False, "error": missing}
        room = ticket_room(ticket_id)
        await self.sio.enter_room(sid, room)
        log.debug("agent %s joined %s", (await self._agent(sid)).id, room)
        return {"success": True, "room": room}

    async def _leave_ticket(self, sid: str, data: Any = None) -> dict[str, Any]:
        ticket_id = self._ticket_id(data)
        if ticket_id is None:
            return {"success": False, "error": MALFORMED_TICKET_ID}
        room = ticket_room(ticket_id)
        await self.sio.leave_room(sid, room)
        return {"success": True, "room": room}
