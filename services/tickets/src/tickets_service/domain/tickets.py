"""How a ticket names its customer, and what a request determines (its note's id, its
fingerprint)."""

from __future__ import annotations

import hashlib
import uuid

from pydantic import BaseModel

from tickets_service.domain.customers import display_name
from uts_shared.contracts.tickets import (
    Customer,
    CustomerRef,
)


def customer_ref(customer: Customer) -> CustomerRef:
    """How a ticket names its customer: id, "firstName lastName" (if given) and phone."""
    return CustomerRef(
        id=customer.id, name=display_name(customer), phone_number=customer.phone_number
    )


NOTES = uuid.UUID("6f1c2a8e-8d2b-4c59-9d1a-3f0e7b2c4a10")


def note_id_for(request_key: str) -> str:
    """The id of the note a request adds: the same for every delivery of that request."""
    return uuid.uuid5(NOTES, request_key).hex


COMMAND_FINGERPRINT_CHARS = 16
_NOT_THE_CHANGE = {
    "request_key",
    "expected_version",
    "principal",
    "visible_to",
    "by_name",
    "agent_name",
    "to_agent_name",
}
"""What may differ between two deliveries of one change (names, scope, the version it expects)."""


def command_fingerprint(command: BaseModel) -> str:
    """What identifies a change to a ticket apart from its request key: the same change has the
    same fingerprint, any other change (another kind, another value) another one."""
    body = command.model_dump_json(exclude=_NOT_THE_CHANGE & set(type(command).model_fields))
    return hashlib.sha256(body.encode()).hexdigest()[:COMMAND_FINGERPRINT_CHARS]


def request_fingerprint(request: BaseModel) -> str:
    """What identifies a create request apart from its idempotency key (same request, same
    fingerprint; any other field different, another fingerprint)."""
    # The creator's display name may change between two deliveries; the request does not.
    body = request.model_dump_json(exclude={"idempotency_key", "agent_name"}, by_alias=True)
    return hashlib.sha256(body.encode()).hexdigest()
