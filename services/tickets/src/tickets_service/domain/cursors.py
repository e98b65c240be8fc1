"""Cursors of the changes feed: an opaque token for the (updatedAt, ticketId) a client has
reached. Opaque so that the position's shape can change without breaking clients."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from uts_shared.errors import ValidationFailed


def encode(updated_at: datetime, ticket_id: str) -> str:
    raw = json.dumps([updated_at.isoformat(), ticket_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    """The position a cursor names; a 422 naming `cursor` for anything this API did not give."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, ticket_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None or not isinstance(ticket_id, str):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.on(
            "cursor", "is not a cursor this API gave (use nextCursor as it came)"
        ) from None
    return at, ticket_id
