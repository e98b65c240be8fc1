"""Saved views: an agent keeps list addresses under names; admins share some with everyone.

Who may do what: anyone lists their own views and the shared ones; an agent creates, renames
and deletes their own; only admins create, change or delete shared ones. A view someone else
keeps is a 404 to everyone else (an admin included: it is that agent's business).
"""

from __future__ import annotations

import logging

from tickets_service.domain.search import normalise
from tickets_service.saved_view_store import SHARED, NameTaken, SavedViewStore
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import saved_views as v
from uts_shared.errors import Conflict, Forbidden, NotFound

log = logging.getLogger(__name__)


def _name_key(name: str) -> str:
    return " ".join(normalise(name).split())


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"A view named '{name}' already exists",
        context={"name": name},
        reason="view_name_taken",
    )


class SavedViewOperations:
    def __init__(self, store: SavedViewStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def list(self, request: v.ListViews) -> v.ViewList:
        return v.ViewList(views=await self._store.of_scopes(request.agent_id, SHARED))

    async def create(self, request: v.CreateView) -> v.SavedView:
        if request.shared and not request.admin:
            raise Forbidden("Only admins share views", reason="admins_only")
        scope = SHARED if request.shared else request.agent_id
        most = v.MAX_SHARED_VIEWS if request.shared else v.MAX_OWN_VIEWS
        if await self._store.count(scope) >= most:
            raise Conflict(
                f"At most {most} views: delete one first",
                context={"max": most},
                reason="too_many_views",
            )
        try:
            view = await self._store.insert(
                new_id(),
                scope,
                request.name,
                _name_key(request.name),
                request.filters,
                by=request.agent_id,
                now=self._clock.now(),
            )
        except NameTaken:
            raise _name_taken(request.name) from None
        log.info("view %s '%s' saved by %s", view.id, view.name, request.agent_id)
        return view

    async def update(self, request: v.UpdateView) -> v.SavedView:
        await self._writable(request)
        changes: dict[str, object] = {}
        if request.name is not None:
            changes |= {"name": request.name, "nameKey": _name_key(request.name)}
        if request.filters is not None:
            changes["filters"] = request.filters
        try:
            view = await self._store.update(request.id, changes, self._clock.now())
        except NameTaken:
            raise _name_taken(request.name or "") from None
        if view is None:
            raise _no_view(request.id)
        return view

    async def delete(self, request: v.DeleteView) -> v.SavedView:
        await self._writable(request)
        view = await self._store.delete(request.id)
        if view is None:
            raise _no_view(request.id)
        return view

    async def _writable(self, request: v.UpdateView | v.DeleteView) -> None:
        found = await self._store.get(request.id)
        if found is None or found[0] not in (SHARED, request.agent_id):
            raise _no_view(request.id)
        if found[0] == SHARED and not request.admin:
            raise Forbidden("Only admins change shared views", reason="admins_only")


def _no_view(view_id: str) -> NotFound:
    return NotFound(f"No view {view_id}", context={"viewId": view_id}, reason="no_such_view")
