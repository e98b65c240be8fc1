"""Saved views: each agent keeps ticket list addresses under names; admins share some with
every agent. The tickets service keeps them (`uts_shared.contracts.saved_views`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from gateway.auth import CurrentAgent, current_agent
from gateway.routes.envelope import Ok
from gateway.rpc import RpcDep
from uts_shared.contracts import saved_views as v
from uts_shared.contracts.base import Id, WireModel, example

router = APIRouter(prefix="/views", tags=["views"], dependencies=[Depends(current_agent)])

ViewId = Annotated[Id, Path()]
NO_SUCH: dict[int | str, dict[str, Any]] = {
    403: {"description": "A shared view, and the caller is no admin"},
    404: {"description": "No such view among the caller's own and the shared ones"},
}


class NewView(WireModel):
    """Body of `POST /api/v2/views`."""

    model_config = example(
        {
            "name": "Urgentes sin asignar",
            "filters": {"priority": "urgent", "assigned": "unassigned"},
        },
        {"name": "Abiertos del equipo", "filters": {"status": "new,open"}, "shared": True},
    )

    name: v.ViewName
    filters: v.Filters
    """The list's parameters as the console's address shows them."""
    shared: bool = False
    """Shown to every agent (admins only)."""


class ViewChanges(WireModel):
    """Body of `PATCH /api/v2/views/{id}`: only what is given changes."""

    model_config = example({"name": "Urgentes"})

    name: v.ViewName | None = None
    filters: v.Filters | None = None


class ViewOut(Ok):
    view: v.SavedView


class ViewsOut(Ok):
    views: list[v.SavedView]
    """The caller's own views, then the shared ones, each by name."""


@router.get("")
async def list_views(agent: CurrentAgent, rpc: RpcDep) -> ViewsOut:
    """The caller's saved views and the shared ones."""
    found = await rpc.call(v.LIST, v.ListViews(agent_id=agent.id, admin=agent.is_admin))
    return ViewsOut(views=found.views)


@router.post(
    "",
    status_code=201,
    responses={
        403: {"description": "A shared view, and the caller is no admin"},
        409: {"description": "A view of that name exists, or too many views"},
    },
)
async def create_view(body: NewView, agent: CurrentAgent, rpc: RpcDep) -> ViewOut:
    """Save a ticket list address under a name, for the caller (or shared, by an admin)."""
    request = v.CreateView(
        agent_id=agent.id,
        admin=agent.is_admin,
        name=body.name,
        filters=body.filters,
        shared=body.shared,
    )
    return ViewOut(view=await rpc.call(v.CREATE, request))


@router.patch("/{view_id}", responses={**NO_SUCH, 409: {"description": "The name is taken"}})
async def update_view(
    view_id: ViewId, body: ViewChanges, agent: CurrentAgent, rpc: RpcDep
) -> ViewOut:
    """Rename a view or change its filters."""
    request = v.UpdateView(
        agent_id=agent.id, admin=agent.is_admin, id=view_id, name=body.name, filters=body.filters
    )
    return ViewOut(view=await rpc.call(v.UPDATE, request))


@router.delete("/{view_id}", responses=NO_SUCH)
async def delete_view(view_id: ViewId, agent: CurrentAgent, rpc: RpcDep) -> ViewOut:
    """Remove a view (a shared one: admins only)."""
    request = v.DeleteView(agent_id=agent.id, admin=agent.is_admin, id=view_id)
    return ViewOut(view=await rpc.call(v.DELETE, request))
