"""Socket.IO for agents' browsers: JWT-authenticated connections, rooms, and `emit`.

A client connects with `auth={"token": "<jwt>"}` (refused otherwise: API tokens of integrating
systems too, sockets are for agents) and joins rooms `agents`,
`agent:{agentId}` and, by the ticket-visibility setting, `all-tickets` (it sees every ticket)
or `unassigned-tickets` (it sees only its own and the unassigned ones). Events
`join_ticket`/`leave_ticket` with `{ticketId}` join or leave `ticket:{ticketId}` (acknowledged
with `{success, room}` or `{success: false, error}`). Only a well-formed id of a ticket that
exists and that the agent may see (the tickets service says so) is joined; anything else is an
error in the acknowledgement and joins nothing. When the setting changes, every socket is
regrouped (a socket now restricted leaves its ticket rooms); a restricted socket leaves a
ticket's room when the ticket is given to someone else.

Presence (`gateway.presence`): the sockets in a ticket's room view it; `typing {ticketId}` marks
the agent typing. Each change goes out as `ticket_presence {ticketId, viewers}` to the ticket's
room and to `all-tickets` (the lists' chips); `presence {}` is acknowledged with every viewed
ticket's viewers (`{tickets: {id: viewers}}`).

The relay of ticket events from the broker plugs in by calling `Realtime.emit`: every gateway
replica runs its own relay for its own clients, so no cross-process Socket.IO manager is needed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import socketio
from prometheus_client import Gauge
from pydantic import BaseModel

from gateway.api_token_rules import is_api_token
from gateway.auth import Agent, TokenCheck
from gateway.presence import Presence
from gateway.visibility import Visibility
from uts_shared.contracts import tickets
from uts_shared.contracts.agents import display_name
from uts_shared.errors import DomainError, NotFound, Unauthorized
from uts_shared.messaging import RpcClient

log = logging.getLogger(__name__)

TICKET_ID = re.compile(tickets.TICKET_ID_PATTERN)
MALFORMED_TICKET_ID = "ticketId: required, a ticket id such as LUX-2026-000001"
SOCKETS = Gauge("uts_socketio_connections", "Connected, authenticated Socket.IO clients.")
SOCKETS_FOR_AGENTS = "API tokens can't open Socket.IO connections: agents only"

AGENTS_ROOM = "agents"
"""Every socket authenticated as an agent, and nothing else: agent-only events go here."""
ALL_TICKETS_ROOM = "all-tickets"
"""Sockets of agents who see every ticket: every ticket event goes here."""
UNASSIGNED_ROOM = "unassigned-tickets"
"""Sockets of agents who see only their own and the unassigned tickets: events of unassigned
tickets go here (their own reach them in `agent:{id}`)."""


def agent_room(agent_id: str) -> str:
    return f"agent:{agent_id}"


def ticket_room(ticket_id: str) -> str:
    return f"ticket:{ticket_id}"


class Realtime:
    """The process's Socket.IO server."""

    def __init__(
        self,
        sessions: TokenCheck,
        rpc: RpcClient,
        *,
        cors_origins: list[str],
        visibility: Visibility | None = None,
    ) -> None:
        self._sessions = sessions
        self._visibility = visibility
        self._rpc = rpc
        self.presence = Presence()
        # None = same origin only (python-engineio); non-browser clients send no Origin at all.
        self.sio = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=cors_origins or None, logger=False
        )
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("join_ticket", self._join_ticket)
        self.sio.on("leave_ticket", self._leave_ticket)
        self.sio.on("typing", self._typing)
        self.sio.on("presence", self._presence)

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
        if is_api_token(token):
            raise socketio.exceptions.ConnectionRefusedError(SOCKETS_FOR_AGENTS)
        try:
            agent = await self._sessions.agent(token)
        except Unauthorized as exc:
            raise socketio.exceptions.ConnectionRefusedError(exc.message) from None
        restricted = await self._restricted(agent)
        await self.sio.save_session(sid, {"agent": agent, "restricted": restricted})
        await self.sio.enter_room(sid, agent_room(agent.id))
        await self.sio.enter_room(sid, AGENTS_ROOM)
        await self.sio.enter_room(sid, UNASSIGNED_ROOM if restricted else ALL_TICKETS_ROOM)
        SOCKETS.inc()
        log.debug("socket %s connected: agent %s", sid, agent.id)

    async def _restricted(self, agent: Agent) -> bool:
        if self._visibility is None:
            return False
        return await self._visibility.restricted_to(agent) is not None

    def _sids(self, room: str) -> list[str]:
        return [sid for sid, _ in self.sio.manager.get_participants("/", room)]

    async def regroup(self) -> None:
        """The visibility setting changed: move every socket to the rooms it now belongs in."""
        for sid in self._sids(AGENTS_ROOM):
            session = await self.sio.get_session(sid)
            restricted = await self._restricted(session["agent"])
            if restricted == session.get("restricted", False):
                continue
            await self.sio.save_session(sid, {**session, "restricted": restricted})
            await self.sio.leave_room(sid, ALL_TICKETS_ROOM if restricted else UNASSIGNED_ROOM)
            await self.sio.enter_room(sid, UNASSIGNED_ROOM if restricted else ALL_TICKETS_ROOM)
            if restricted:  # it may no longer see the tickets it follows: join them again
                for room in self.sio.rooms(sid):
                    if room.startswith("ticket:"):
                        await self.sio.leave_room(sid, room)

    async def keep_out_of_ticket(self, ticket_id: str, assignee: str | None) -> None:
        """Restricted sockets leave a ticket's room once it is given to someone else."""
        room = ticket_room(ticket_id)
        for sid in self._sids(room):
            session = await self.sio.get_session(sid)
            if session.get("restricted") and assignee not in (None, session["agent"].id):
                await self.sio.leave_room(sid, room)

    async def disconnect_agent(self, agent_id: str) -> None:
        """End every socket of one agent on this replica (its tokens were revoked)."""
        room = agent_room(agent_id)
        sids = [sid for sid, _ in self.sio.manager.get_participants("/", room)]
        for sid in sids:
            await self.sio.disconnect(sid)
        if sids:
            log.info("agent %s: %d socket(s) disconnected (tokens revoked)", agent_id, len(sids))

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        SOCKETS.dec()
        for ticket_id in self.presence.drop(sid):
            await self._announce_presence(ticket_id)
        log.debug("socket %s disconnected (%s)", sid, reason)

    @staticmethod
    def _ticket_id(data: Any) -> str | None:
        ticket_id = data.get("ticketId") if isinstance(data, dict) else None
        if isinstance(ticket_id, str) and TICKET_ID.fullmatch(ticket_id.strip()):
            return ticket_id.strip()
        return None

    async def _missing(self, ticket_id: str, visible_to: str | None) -> str | None:
        """Why `ticket_id` can't be joined (no such ticket, one the agent may not see, or no
        answer), or None."""
        request = tickets.GetTicket(ticket_id=ticket_id, visible_to=visible_to)
        try:
            await self._rpc.call(tickets.GET, request)
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
        session = await self.sio.get_session(sid)
        agent: Agent = session["agent"]
        missing = await self._missing(ticket_id, agent.id if session.get("restricted") else None)
        if missing is not None:
            return {"success": False, "error": missing}
        room = ticket_room(ticket_id)
        await self.sio.enter_room(sid, room)
        log.debug("agent %s joined %s", agent.id, room)
        name = display_name(agent.first_name, agent.last_name)
        if self.presence.join(ticket_id, sid, agent.id, name):
            await self._announce_presence(ticket_id)
        return {"success": True, "room": room}

    async def _leave_ticket(self, sid: str, data: Any = None) -> dict[str, Any]:
        ticket_id = self._ticket_id(data)
        if ticket_id is None:
            return {"success": False, "error": MALFORMED_TICKET_ID}
        room = ticket_room(ticket_id)
        await self.sio.leave_room(sid, room)
        if self.presence.leave(ticket_id, sid):
            await self._announce_presence(ticket_id)
        return {"success": True, "room": room}

    async def _typing(self, sid: str, data: Any = None) -> None:
        ticket_id = self._ticket_id(data)
        if ticket_id is not None and self.presence.typing(ticket_id, sid):
            await self._announce_presence(ticket_id)

    async def _presence(self, sid: str, data: Any = None) -> dict[str, Any]:
        return {"tickets": self.presence.everywhere()}

    async def _announce_presence(self, ticket_id: str) -> None:
        payload = {"ticketId": ticket_id, "viewers": self.presence.viewers(ticket_id)}
        await self.sio.emit(
            "ticket_presence", payload, room=[ticket_room(ticket_id), ALL_TICKETS_ROOM]
        )
