"""Canned replies and macros: each agent's own and the shared ones (admins manage those).

The tickets service owns them (`contracts/replies.py`) and renders their variables; a macro is
applied to a ticket by `POST /tickets/{id}/macros/{macroId}` (`routes/tickets.py`). Agents only:
API tokens are refused here (`api_token_rules` opens no route under these paths).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from gateway.auth import CurrentAgent, current_agent
from gateway.directory import Directory, DirectoryDep
from gateway.routes.envelope import Ok
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import replies as r
from uts_shared.contracts.base import Id, Name, NoteText, WireModel, example
from uts_shared.contracts.replies import CannedReply, Macro, MacroActions, Shortcut
from uts_shared.contracts.tickets import Principal, PrincipalKind

replies = APIRouter(
    prefix="/canned-replies", tags=["canned-replies"], dependencies=[Depends(current_agent)]
)
macros = APIRouter(prefix="/macros", tags=["macros"], dependencies=[Depends(current_agent)])

ItemId = Annotated[Id, Path()]
SHARED_RULES: dict[int | str, dict[str, Any]] = {
    403: {"description": "A shared one: only admins create, edit or delete it"},
}
FULL: dict[int | str, dict[str, Any]] = {
    409: {"description": f"Already {r.MAX_PERSONAL} of the agent's own, or {r.MAX_SHARED} shared"},
}
NO_SUCH: dict[int | str, dict[str, Any]] = {
    **SHARED_RULES,
    404: {"description": "No such item, or another agent's personal one"},
}


def principal(agent: CurrentAgent) -> Principal:
    return Principal(id=agent.id, kind=PrincipalKind.AGENT, role=agent.role.value)


class NewCannedReply(WireModel):
    """Body of `POST /api/v2/canned-replies`."""

    model_config = example(
        {
            "title": "Saludo",
            "shortcut": "hola",
            "body": "Hola {customerName}, gracias por su {ticketSingular} {ticketId}.",
        }
    )

    title: Name
    shortcut: Shortcut | None = None
    body: NoteText
    """Variables in braces: {customerName}, {ticketId}, {subject}, {ticketSingular},
    {ticketPlural}, {customerNoun}, {agentNoun}, {agentName}."""
    shared: bool = False
    """Shared with every agent (admins only)."""


class CannedReplyChanges(WireModel):
    """Body of `PATCH /api/v2/canned-replies/{id}`: only what is given changes."""

    model_config = example({"body": "Hola {customerName}, ya revisamos su {ticketSingular}."})

    title: Name | None = None
    shortcut: Shortcut | None = None
    body: NoteText | None = None
    shared: bool | None = None


class RenderReplyBody(WireModel):
    model_config = example({"ticketId": "LUX-2026-000001"})

    ticket_id: Id


class NewMacro(WireModel):
    """Body of `POST /api/v2/macros`."""

    model_config = example(
        {
            "title": "Cuadrilla en camino",
            "actions": {
                "status": "in_progress",
                "priority": "high",
                "assignee": "me",
                "reply": "Hola {customerName}, su {ticketSingular} {ticketId} está en camino.",
            },
        }
    )

    title: Name
    shared: bool = False
    actions: MacroActions


class MacroChanges(WireModel):
    """Body of `PATCH /api/v2/macros/{id}`: only what is given changes (`actions` as a whole)."""

    model_config = example({"title": "Cuadrilla asignada"})

    title: Name | None = None
    shared: bool | None = None
    actions: MacroActions | None = None


class CannedReplyOut(Ok):
    reply: CannedReply


class CannedRepliesOut(Ok):
    replies: list[CannedReply]


class RenderedReplyOut(Ok):
    reply: CannedReply
    ticket_id: str
    text: str
    """The reply's body with its variables filled for the ticket."""


class MacroOut(Ok):
    macro: Macro


class MacrosOut(Ok):
    macros: list[Macro]


# --- canned replies -------------------------------------------------------------------------------


@replies.get("")
async def list_canned_replies(agent: CurrentAgent, rpc: RpcDep) -> CannedRepliesOut:
    """The agent's own canned replies and the shared ones, by title."""
    result = await rpc.call(r.REPLIES_LIST, r.ListLibrary(principal=principal(agent)))
    return CannedRepliesOut(replies=result.replies)


@replies.post("", status_code=201, responses={**SHARED_RULES, **FULL})
async def create_canned_reply(
    body: NewCannedReply, agent: CurrentAgent, rpc: RpcDep
) -> CannedReplyOut:
    """Save a canned reply: the agent's own, or shared with everyone (admins only)."""
    fields = body.model_dump(exclude_unset=True)
    request = r.CreateCannedReply(**fields, principal=principal(agent))
    return CannedReplyOut(reply=await rpc.call(r.REPLIES_CREATE, request))


@replies.patch("/{reply_id}", responses=NO_SUCH)
async def update_canned_reply(
    reply_id: ItemId, body: CannedReplyChanges, agent: CurrentAgent, rpc: RpcDep
) -> CannedReplyOut:
    """Change a canned reply (an agent its own; admins the shared ones, and whether it is
    shared)."""
    fields = body.model_dump(exclude_unset=True)
    request = r.UpdateCannedReply(id=reply_id, principal=principal(agent), **fields)
    return CannedReplyOut(reply=await rpc.call(r.REPLIES_UPDATE, request))


@replies.delete("/{reply_id}", responses=NO_SUCH)
async def delete_canned_reply(reply_id: ItemId, agent: CurrentAgent, rpc: RpcDep) -> CannedReplyOut:
    """Delete a canned reply (an agent its own; admins the shared ones)."""
    request = r.LibraryItem(id=reply_id, principal=principal(agent))
    return CannedReplyOut(reply=await rpc.call(r.REPLIES_DELETE, request))


@replies.post(
    "/{reply_id}/render",
    responses={404: {"description": "No such reply or ticket (the field is named)"}},
)
async def render_canned_reply(
    reply_id: ItemId,
    body: RenderReplyBody,
    *,
    agent: CurrentAgent,
    rpc: RpcDep,
    directory: DirectoryDep,
    visibility: VisibilityDep,
) -> RenderedReplyOut:
    """The reply's text for one ticket: its customer's name, its id, the configured
    terminology and the agent's name in place of the variables."""
    request = r.RenderReply(
        id=reply_id,
        ticket_id=body.ticket_id,
        principal=principal(agent),
        agent_name=await directory.name_of(agent),
        visible_to=await visibility.restricted_to(agent),
    )
    rendered = await rpc.call(r.REPLIES_RENDER, request)
    return RenderedReplyOut(reply=rendered.reply, ticket_id=rendered.ticket_id, text=rendered.text)


# --- macros ---------------------------------------------------------------------------------------


async def _assignee_name(actions: MacroActions | None, directory: Directory) -> dict[str, Any]:
    """A fixed assignee must be an active agent (else 404 naming it); its name is kept."""
    if actions is None:
        return {}
    if actions.assignee is None or actions.assignee == r.ME:
        return {"assignee_name": None}
    return {"assignee_name": await directory.assignable(actions.assignee, field="actions.assignee")}


@macros.get("")
async def list_macros(agent: CurrentAgent, rpc: RpcDep) -> MacrosOut:
    """The agent's own macros and the shared ones, by title."""
    result = await rpc.call(r.MACROS_LIST, r.ListLibrary(principal=principal(agent)))
    return MacrosOut(macros=result.macros)


@macros.post(
    "",
    status_code=201,
    responses={
        **SHARED_RULES,
        **FULL,
        404: {"description": "No active agent `actions.assignee`"},
    },
)
async def create_macro(
    body: NewMacro, agent: CurrentAgent, rpc: RpcDep, directory: DirectoryDep
) -> MacroOut:
    """Save a macro: the agent's own, or shared with everyone (admins only)."""
    request = r.CreateMacro(
        title=body.title,
        shared=body.shared,
        actions=body.actions,
        principal=principal(agent),
        **await _assignee_name(body.actions, directory),
    )
    return MacroOut(macro=await rpc.call(r.MACROS_CREATE, request))


@macros.patch("/{macro_id}", responses=NO_SUCH)
async def update_macro(
    macro_id: ItemId, body: MacroChanges, agent: CurrentAgent, rpc: RpcDep, directory: DirectoryDep
) -> MacroOut:
    """Change a macro (an agent its own; admins the shared ones, and whether it is shared)."""
    fields = body.model_dump(exclude_unset=True, exclude={"actions"})
    if body.actions is not None:
        fields["actions"] = body.actions
    request = r.UpdateMacro(
        id=macro_id,
        principal=principal(agent),
        **fields,
        **await _assignee_name(body.actions, directory),
    )
    return MacroOut(macro=await rpc.call(r.MACROS_UPDATE, request))


@macros.delete("/{macro_id}", responses=NO_SUCH)
async def delete_macro(macro_id: ItemId, agent: CurrentAgent, rpc: RpcDep) -> MacroOut:
    """Delete a macro (an agent its own; admins the shared ones)."""
    request = r.LibraryItem(id=macro_id, principal=principal(agent))
    return MacroOut(macro=await rpc.call(r.MACROS_DELETE, request))
