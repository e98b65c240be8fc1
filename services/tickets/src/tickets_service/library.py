"""The reply library: canned replies and macros, personal or shared, and a reply rendered for a
ticket. Applying a macro is a ticket command (`TicketOperations`, `domain/macros.py`).

Who may do what: every agent sees its own items and the shared ones; another agent's personal
item reads as not found. An agent creates, edits and deletes its own; only admins create, edit
or delete shared ones (and share or unshare an item: unshared, it becomes the admin's own).
"""

from __future__ import annotations

import logging
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from tickets_service.configuration import ConfigCache
from tickets_service.domain import macros, visibility
from tickets_service.library_store import LibraryStore
from tickets_service.store import TicketStore
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import replies as r
from uts_shared.contracts.tickets import Principal
from uts_shared.errors import Conflict, FieldError, Forbidden, NotFound
from uts_shared.mongo import Document

log = logging.getLogger(__name__)

OPTIONAL = {"shortcut", "assigneeName"}
ItemT = TypeVar("ItemT", r.CannedReply, r.Macro)


def _is_admin(principal: Principal) -> bool:
    return principal.role == "admin"


class Library(Generic[ItemT]):
    """One kind of item (canned replies or macros) and its rules."""

    def __init__(self, store: LibraryStore, model: type[ItemT], noun: str, clock: Clock) -> None:
        self._store = store
        self._model: type[ItemT] = model
        self._noun = noun
        self._clock = clock

    def _view(self, doc: Document) -> ItemT:
        item: ItemT = self._model.model_validate(
            {**{k: v for k, v in doc.items() if k != "_id"}, "id": doc["_id"]}
        )
        return item

    def _not_found(self, item_id: str) -> NotFound:
        return NotFound(
            f"{self._noun.capitalize()} '{item_id}' not found",
            context={"id": item_id},
            reason=f"{self._noun.replace(' ', '_')}_not_found",
        )

    def _admins_only(self) -> Forbidden:
        return Forbidden(
            f"Only admins create, edit or delete shared {self._noun}s",
            details=[FieldError(field="shared", reason="admins only")],
            reason="shared_admins_only",
        )

    async def visible(self, principal: Principal) -> list[ItemT]:
        docs = await self._store.visible(principal.id, r.MAX_PERSONAL + r.MAX_SHARED)
        return [self._view(doc) for doc in docs]

    async def usable(self, principal: Principal, item_id: str) -> ItemT:
        doc = await self._store.get(item_id)
        if doc is None or not (doc.get("shared") or doc.get("ownerId") == principal.id):
            raise self._not_found(item_id)
        return self._view(doc)

    async def _editable(self, principal: Principal, item_id: str) -> Document:
        doc = await self._store.get(item_id)
        if doc is None or not (doc.get("shared") or doc.get("ownerId") == principal.id):
            raise self._not_found(item_id)
        if doc.get("shared") and not _is_admin(principal):
            raise self._admins_only()
        return doc

    async def create(self, principal: Principal, shared: bool, fields: dict[str, Any]) -> ItemT:
        if shared and not _is_admin(principal):
            raise self._admins_only()
        owner = None if shared else principal.id
        limit = r.MAX_SHARED if shared else r.MAX_PERSONAL
        if await self._store.count(owner_id=owner) >= limit:
            raise Conflict(
                f"At most {limit} {'shared' if shared else 'personal'} {self._noun}s: "
                "delete one first",
                context={"limit": limit},
                reason="library_full",
            )
        now = self._clock.now()
        doc: Document = {
            "_id": new_id(),
            **fields,
            "shared": shared,
            "ownerId": owner,
            "createdBy": principal.id,
            "createdAt": now,
            "updatedAt": now,
        }
        item = self._view(doc)  # checked before it is stored
        await self._store.insert(doc)
        log.info("%s %s created by %s (shared: %s)", self._noun, doc["_id"], principal.id, shared)
        return item

    async def update(
        self, principal: Principal, item_id: str, shared: bool | None, fields: dict[str, Any]
    ) -> ItemT:
        doc = await self._editable(principal, item_id)
        changes: Document = {**fields, "updatedAt": self._clock.now()}
        if shared is not None and shared != bool(doc.get("shared")):
            if not _is_admin(principal):
                raise self._admins_only()
            changes |= {"shared": shared, "ownerId": None if shared else principal.id}
        self._view({**doc, **changes})  # checked before it is stored
        updated = await self._store.update(item_id, changes)
        if updated is None:
            raise self._not_found(item_id)
        return self._view(updated)

    async def delete(self, principal: Principal, item_id: str) -> ItemT:
        await self._editable(principal, item_id)
        doc = await self._store.delete(item_id)
        if doc is None:
            raise self._not_found(item_id)
        log.info("%s %s deleted by %s", self._noun, item_id, principal.id)
        return self._view(doc)


def _stored(model: BaseModel, *names: str) -> dict[str, Any]:
    """The given fields among `names`, as the store keeps them (wire names, JSON values)."""
    wanted = {name for name in names if name in model.model_fields_set}
    dumped = model.model_dump(mode="json", by_alias=True, include=wanted)
    # Only an optional field may be cleared: a null title, body or actions leaves it as it is.
    return {k: v for k, v in dumped.items() if v is not None or k in OPTIONAL}


class LibraryOperations:
    """What the library's RPC handlers call."""

    def __init__(
        self,
        *,
        replies: LibraryStore,
        macros: LibraryStore,
        tickets: TicketStore,
        config: ConfigCache,
        clock: Clock,
    ) -> None:
        self.replies = Library(replies, r.CannedReply, "canned reply", clock)
        self.macros = Library(macros, r.Macro, "macro", clock)
        self._tickets = tickets
        self._config = config

    async def list_replies(self, req: r.ListLibrary) -> r.CannedReplyList:
        return r.CannedReplyList(replies=await self.replies.visible(req.principal))

    async def create_reply(self, req: r.CreateCannedReply) -> r.CannedReply:
        fields = _stored(req, "title", "shortcut", "body")
        return await self.replies.create(req.principal, req.shared, fields)

    async def update_reply(self, req: r.UpdateCannedReply) -> r.CannedReply:
        fields = _stored(req, "title", "shortcut", "body")
        return await self.replies.update(req.principal, req.id, req.shared, fields)

    async def delete_reply(self, req: r.LibraryItem) -> r.CannedReply:
        return await self.replies.delete(req.principal, req.id)

    async def render_reply(self, req: r.RenderReply) -> r.RenderedReply:
        reply = await self.replies.usable(req.principal, req.id)
        ticket = await self._tickets.get_ticket(req.ticket_id)
        if ticket is None or not visibility.visible(ticket.assigned_agent, to=req.visible_to):
            raise NotFound(
                f"Ticket '{req.ticket_id}' not found",
                details=[FieldError(field="ticketId", reason="no such ticket")],
                context={"ticketId": req.ticket_id},
            )
        values = macros.variables(ticket, await self._config.terminology(), req.agent_name)
        text = macros.render(reply.body, values)
        return r.RenderedReply(reply=reply, ticket_id=ticket.ticket_id, text=text)

    async def list_macros(self, req: r.ListLibrary) -> r.MacroList:
        return r.MacroList(macros=await self.macros.visible(req.principal))

    async def get_macro(self, req: r.LibraryItem) -> r.Macro:
        return await self.macros.usable(req.principal, req.id)

    async def create_macro(self, req: r.CreateMacro) -> r.Macro:
        fields = _stored(req, "title", "actions", "assignee_name")
        return await self.macros.create(req.principal, req.shared, fields)

    async def update_macro(self, req: r.UpdateMacro) -> r.Macro:
        fields = _stored(req, "title", "actions", "assignee_name")
        return await self.macros.update(req.principal, req.id, req.shared, fields)

    async def delete_macro(self, req: r.LibraryItem) -> r.Macro:
        return await self.macros.delete(req.principal, req.id)
