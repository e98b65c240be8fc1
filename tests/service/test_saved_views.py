"""Saved views in the tickets service, over the real broker: an agent's own views, views admins
share, names unique per owner (case and accents ignored), who may change what."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pydantic import ValidationError

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import saved_views as v
from uts_shared.errors import Conflict, Forbidden, NotFound


@pytest_asyncio.fixture(scope="module")
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url) as running:
        yield running


async def _save(
    env: TicketsEnv, agent: str, name: str, *, shared: bool = False, admin: bool = False
) -> v.SavedView:
    request = v.CreateView(
        agent_id=agent, admin=admin, name=name, filters={"priority": "urgent"}, shared=shared
    )
    return await env.rpc.call(v.CREATE, request)


async def _names(env: TicketsEnv, agent: str) -> list[tuple[str, bool]]:
    found = await env.rpc.call(v.LIST, v.ListViews(agent_id=agent))
    return [(view.name, view.shared) for view in found.views]


async def test_an_agent_sees_own_views_then_shared_ones_each_by_name(env: TicketsEnv) -> None:
    await _save(env, "ana", "Urgentes")
    await _save(env, "ana", "Abiertos")
    await _save(env, "luis", "De Luis")
    await _save(env, "admin-1", "Equipo", shared=True, admin=True)

    assert await _names(env, "ana") == [("Abiertos", False), ("Urgentes", False), ("Equipo", True)]
    assert await _names(env, "luis") == [("De Luis", False), ("Equipo", True)]


async def test_a_view_keeps_its_filters_owner_and_author(env: TicketsEnv) -> None:
    request = v.CreateView(
        agent_id="marta",
        name="Mis urgentes",
        filters={"status": "new,open", "priority": "urgent", "assigned": "me"},
    )
    view = await env.rpc.call(v.CREATE, request)
    assert view.filters == {"status": "new,open", "priority": "urgent", "assigned": "me"}
    assert (view.owner_id, view.created_by, view.shared) == ("marta", "marta", False)


async def test_names_are_unique_per_owner_whatever_their_case_or_accents(env: TicketsEnv) -> None:
    await _save(env, "pablo", "Energía")
    with pytest.raises(Conflict) as refused:
        await _save(env, "pablo", "  ENERGIA ")
    assert refused.value.reason == "view_name_taken"
    other = await _save(env, "rosa", "Energía")  # another agent may use the name
    assert other.name == "Energía"


async def test_only_admins_share_change_or_delete_shared_views(env: TicketsEnv) -> None:
    with pytest.raises(Forbidden):
        await _save(env, "sofia", "Para todos", shared=True)
    shared = await _save(env, "admin-2", "Para todos", shared=True, admin=True)
    with pytest.raises(Forbidden):
        await env.rpc.call(v.UPDATE, v.UpdateView(agent_id="sofia", id=shared.id, name="Mio"))
    with pytest.raises(Forbidden):
        await env.rpc.call(v.DELETE, v.DeleteView(agent_id="sofia", id=shared.id))
    renamed = await env.rpc.call(
        v.UPDATE, v.UpdateView(agent_id="admin-3", admin=True, id=shared.id, name="Del equipo")
    )
    assert renamed.name == "Del equipo" and renamed.shared


async def test_another_agents_view_is_not_found_even_by_an_admin(env: TicketsEnv) -> None:
    own = await _save(env, "tomas", "Privada")
    for caller, admin in (("ines", False), ("admin-4", True)):
        with pytest.raises(NotFound):
            await env.rpc.call(v.DELETE, v.DeleteView(agent_id=caller, admin=admin, id=own.id))
    assert ("Privada", False) in await _names(env, "tomas")


async def test_an_owner_renames_refilters_and_deletes_a_view(env: TicketsEnv) -> None:
    view = await _save(env, "julia", "Antes")
    changed = await env.rpc.call(
        v.UPDATE, v.UpdateView(agent_id="julia", id=view.id, filters={"sla": "breached"})
    )
    assert (changed.name, changed.filters) == ("Antes", {"sla": "breached"})
    assert changed.updated_at >= view.updated_at
    await env.rpc.call(v.DELETE, v.DeleteView(agent_id="julia", id=view.id))
    assert ("Antes", False) not in await _names(env, "julia")


async def test_an_agent_keeps_at_most_the_allowed_number_of_views(env: TicketsEnv) -> None:
    for i in range(v.MAX_OWN_VIEWS):
        await _save(env, "many", f"Vista {i}")
    with pytest.raises(Conflict) as refused:
        await _save(env, "many", "Una más")
    assert refused.value.reason == "too_many_views"


def test_filters_refuse_operator_characters_and_too_many_keys() -> None:
    with pytest.raises(ValidationError):
        v.CreateView(agent_id="a", name="x", filters={"status": "{$ne: 1}"})
    with pytest.raises(ValidationError):
        v.CreateView(agent_id="a", name="x", filters={"$where": "1"})
    with pytest.raises(ValidationError):
        v.CreateView(agent_id="a", name="x", filters={f"k{i}": "1" for i in range(21)})
