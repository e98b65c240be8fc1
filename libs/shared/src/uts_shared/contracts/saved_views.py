"""Saved views: a named ticket list address (its filters), kept for one agent or shared by an
admin with every agent. The tickets service keeps them; the console lists them beside the
built-in views.

A view's `filters` are the console's list parameters as its address shows them
(`{"status": "open,in_progress", "assigned": "me"}`): the view is opened by going to that
address, so whatever the list can filter by, a view can hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, WithJsonSchema

from uts_shared.contracts.base import Id, Rpc, Shape, WireModel, example, stripped

MAX_OWN_VIEWS = 50
"""Views one agent keeps for themself at most."""
MAX_SHARED_VIEWS = 50
"""Views admins share with everyone at most."""
MAX_FILTERS = 20

ViewName = Annotated[str, stripped(1, 60)]
FilterKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32),
    Shape(r"^[A-Za-z][A-Za-z0-9]*$", "must be a list parameter's name (letters and digits)"),
]
FilterValue = Annotated[
    str,
    StringConstraints(max_length=500),
    Shape(r"^[^\x00-\x1f${}\[\]]*$", "must not hold control characters, '$', braces or brackets"),
]


Filters = Annotated[
    dict[FilterKey, FilterValue],
    Field(max_length=MAX_FILTERS),
    # Stated as keys and values (a key that does not match is no filter), so a generator of
    # valid data makes only filters the server takes.
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {
                "minLength": 1,
                "maxLength": 32,
                "pattern": r"^[A-Za-z][A-Za-z0-9]*$",
            },
            "additionalProperties": {
                "type": "string",
                "maxLength": 500,
                "pattern": r"^[^\x00-\x1f${}\[\]]*$",
            },
            "maxProperties": MAX_FILTERS,
        }
    ),
]


class SavedView(WireModel):
    model_config = example(
        {
            "id": "v-7f3a9c",
            "name": "Urgentes sin asignar",
            "filters": {"status": "new,open", "priority": "urgent", "assigned": "unassigned"},
            "shared": False,
            "ownerId": "a7c1e3f5",
            "createdAt": "2026-12-07T09:00:00Z",
            "updatedAt": "2026-12-07T09:00:00Z",
        }
    )

    id: str
    name: str
    filters: dict[str, str]
    shared: bool
    """Shown to every agent (only admins share, edit or delete shared views)."""
    owner_id: str | None = None
    """The agent who keeps it; none for a shared view."""
    created_by: str
    created_at: datetime
    updated_at: datetime


class ViewCaller(WireModel):
    """Who asks: the agent and whether they are an admin."""

    agent_id: Id
    admin: bool = False


class ListViews(ViewCaller):
    pass


class ViewList(WireModel):
    views: list[SavedView]
    """The caller's own views, then the shared ones, each by name."""


class CreateView(ViewCaller):
    name: ViewName
    filters: Filters = Field(default_factory=dict)
    shared: bool = False


class UpdateView(ViewCaller):
    id: Id
    name: ViewName | None = None
    filters: Filters | None = None


class DeleteView(ViewCaller):
    id: Id


LIST = Rpc("tickets.views.list", ListViews, ViewList, "The caller's own and the shared views")
CREATE = Rpc("tickets.views.create", CreateView, SavedView, "Save a list address under a name")
UPDATE = Rpc("tickets.views.update", UpdateView, SavedView, "Rename a view or change its filters")
DELETE = Rpc("tickets.views.delete", DeleteView, SavedView, "Remove a view")
