"""What the store reports in the domain's words (it alone knows MongoDB's errors)."""

from __future__ import annotations


class IdTaken(Exception):
    """The ticket id is already used (another replica drew the same number)."""


class KeyTaken(Exception):
    """The idempotency key is already used: the request was made before."""


class PhoneTaken(Exception):
    """A customer with this phone number exists already."""
