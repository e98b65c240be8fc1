"""Canned replies and macros: contracts of the tickets service's reply library.

A canned reply is a saved text with variables in braces (`{customerName}`, `{ticketId}`,
`{ticketSingular}`…) that an agent drops into a note or a reply; a macro is a set of actions (a
reply to the customer or an internal note, a status, a priority, tags added and removed, an
assignee) applied to a ticket as one command (`tickets.apply_macro`). Each is personal (its
owner's: only the owner sees and edits it) or shared (every agent sees it, only admins create,
edit or delete it). Variables are rendered by the tickets service, from the ticket, the
configuration's terminology and the acting agent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from uts_shared.contracts.base import (
    Id,
    Name,
    NoteText,
    Rpc,
    Shape,
    Text,
    WireModel,
    example,
    optional_not_null,
)
from uts_shared.contracts.tickets import Principal, Priority, Tags, TicketStatus, VisibleTo

REPLY_VARIABLES = (
    "customerName",
    "ticketId",
    "subject",
    "ticketSingular",
    "ticketPlural",
    "customerNoun",
    "agentNoun",
    "agentName",
)
"""What a canned reply's or a macro's text may say in braces; anything else stays as written."""

MAX_PERSONAL = 200
"""Canned replies (and, apart, macros) one agent keeps at most (a create beyond is a 409)."""
MAX_SHARED = 200
"""Shared canned replies (and, apart, shared macros) at most."""
ME = "me"
"""A macro's assignee meaning whoever applies it."""

Shortcut = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    Shape(r"^[\w-]+$", "must be one word: letters, digits, '-' or '_'"),
    AfterValidator(str.lower),  # after the check: a lower case may hold marks \w does not
]
"""What follows `/` in the composer to pick the reply at once (`/gracias`)."""


class CannedReply(WireModel):
    id: str
    title: str
    shortcut: str | None = None
    body: str
    """The text, variables in braces as written (`Hola {customerName}`)."""
    shared: bool
    owner_id: str | None = None
    """The agent whose personal reply it is; none for a shared one."""
    created_by: str
    created_at: datetime
    updated_at: datetime


class MacroActions(WireModel):
    """What a macro does, in this order: assignee, status, priority, tags, internal note,
    reply to the customer (each only where it changes something)."""

    model_config = example(
        {
            "status": "in_progress",
            "priority": "high",
            "addTags": ["cuadrilla"],
            "assignee": "me",
            "reply": "Hola {customerName}, su {ticketSingular} {ticketId} está en camino.",
        }
    )

    reply: NoteText | None = None
    """Sent to the customer (a public note that goes out as a message of the ticket's
    conversation, as `sendToCustomer` does)."""
    note: NoteText | None = None
    """An internal note."""
    status: TicketStatus | None = None
    status_reason: Text | None = None
    """The status change's reason (resolution notes when it resolves; else the macro's title)."""
    priority: Priority | None = None
    add_tags: Tags = Field(default_factory=list)
    remove_tags: Tags = Field(default_factory=list)
    assignee: Id | None = None
    """An agent's id, or `me`: whoever applies the macro."""

    @model_validator(mode="after")
    def _does_something(self) -> MacroActions:
        if not any(
            (
                self.reply,
                self.note,
                self.status,
                self.priority,
                self.add_tags,
                self.remove_tags,
                self.assignee,
            )
        ):
            raise ValueError("a macro needs at least one action")
        return self


class Macro(WireModel):
    id: str
    title: str
    shared: bool
    owner_id: str | None = None
    actions: MacroActions
    assignee_name: str | None = None
    """The fixed assignee's name when it was saved (none for `me`)."""
    created_by: str
    created_at: datetime
    updated_at: datetime


# --- requests ---------------------------------------------------------------------------------


class ListLibrary(WireModel):
    """What the principal may use: its own and the shared ones, by title."""

    principal: Principal


class CreateCannedReply(WireModel):
    model_config = example(
        {
            "title": "Saludo",
            "shortcut": "hola",
            "body": "Hola {customerName}, gracias por su {ticketSingular} {ticketId}.",
            "shared": False,
            "principal": {"id": "a7c1e3f5", "kind": "agent", "role": "agent"},
        }
    )

    title: Name
    shortcut: Shortcut | None = None
    body: NoteText
    shared: bool = False
    principal: Principal


class _OnlyGiven(WireModel):
    """An edit: only the fields given travel (a field left out stays as it is; a `null`
    given clears what may be cleared)."""

    @model_serializer(mode="wrap")
    def _only_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        fields = type(self).model_fields
        given = {fields[n].alias or n for n in self.model_fields_set if n in fields}
        return {key: value for key, value in data.items() if key in given}


class UpdateCannedReply(_OnlyGiven):
    """Only the fields given change (`shortcut: null` removes it)."""

    id: Id
    principal: Principal
    title: Name | None = optional_not_null()
    shortcut: Shortcut | None = None
    body: NoteText | None = optional_not_null()
    shared: bool | None = optional_not_null()


class CreateMacro(WireModel):
    title: Name
    shared: bool = False
    actions: MacroActions
    assignee_name: Name | None = None
    principal: Principal


class UpdateMacro(_OnlyGiven):
    """Only the fields given change."""

    id: Id
    principal: Principal
    title: Name | None = optional_not_null()
    shared: bool | None = optional_not_null()
    actions: MacroActions | None = optional_not_null()
    assignee_name: Name | None = None


class LibraryItem(WireModel):
    """One canned reply or macro, as the principal may use it (another's personal one reads
    as not found)."""

    id: Id
    principal: Principal


class RenderReply(WireModel):
    """A canned reply's text with its variables filled for one ticket."""

    id: Id
    ticket_id: Id
    principal: Principal
    agent_name: Name | None = None
    visible_to: VisibleTo = None


class CannedReplyList(WireModel):
    replies: list[CannedReply]


class MacroList(WireModel):
    macros: list[Macro]


class RenderedReply(WireModel):
    reply: CannedReply
    ticket_id: str
    text: str


REPLIES_LIST = Rpc("replies.list", ListLibrary, CannedReplyList, "Own and shared canned replies")
REPLIES_CREATE = Rpc("replies.create", CreateCannedReply, CannedReply, "Save a canned reply")
REPLIES_UPDATE = Rpc("replies.update", UpdateCannedReply, CannedReply, "Edit a canned reply")
REPLIES_DELETE = Rpc("replies.delete", LibraryItem, CannedReply, "Delete a canned reply")
REPLIES_RENDER = Rpc(
    "replies.render", RenderReply, RenderedReply, "A canned reply's text for one ticket"
)
MACROS_LIST = Rpc("macros.list", ListLibrary, MacroList, "Own and shared macros")
MACROS_GET = Rpc("macros.get", LibraryItem, Macro, "One macro the principal may use")
MACROS_CREATE = Rpc("macros.create", CreateMacro, Macro, "Save a macro")
MACROS_UPDATE = Rpc("macros.update", UpdateMacro, Macro, "Edit a macro")
MACROS_DELETE = Rpc("macros.delete", LibraryItem, Macro, "Delete a macro")
