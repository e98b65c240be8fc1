"""Test data for every level: unique phone numbers, keys and words, and the bodies tests send.

Every test makes its own customers (a phone number no other test in the run uses) and scopes
what it reads by them, so tests sharing one system never see each other's tickets.

- `unique_phone()` / `unique_phones(n)`: valid Mexico City mobiles in E.164 (`+5255` + 8 digits),
  distinct within the run, from a random start so runs on a kept database do not collide.
- `unique_key()`, `unique_word()`, `unique_email()`: idempotency keys, search terms, agents.
- HTTP bodies (camelCase, as the gateway takes them): `customer_body`, `ticket_body`.
- Contract requests (snake_case models, over the broker): `agent_ticket_request`,
  `ai_ticket_request`.
- `report_arguments`: the arguments of the assistant's `create_ticket_report` tool.
"""

from __future__ import annotations

import itertools
import random
import uuid
from typing import Any

from uts_shared.contracts import tickets as t

CATEGORY = "light_malfunction"

_numbers = itertools.count(random.randrange(10**8))
_consonants = "bcdfghjklmnpqrstvwxz"


def unique_phone() -> str:
    """A valid Mexico City mobile number in E.164, used by no other call in this run."""
    return f"+5255{next(_numbers) % 10**8:08d}"


def unique_phones(n: int) -> list[str]:
    """`n` distinct phone numbers, sorted."""
    return sorted(unique_phone() for _ in range(n))


def unique_key(prefix: str = "test") -> str:
    """An idempotency key (or call id) no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex}"


def unique_word() -> str:
    """A word no other ticket contains (letters only, so search treats it as one term)."""
    return "zq" + "".join(random.choices(_consonants, k=10))


def unique_email(prefix: str = "agent", domain: str = "tests.example.com") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@{domain}"


# --- over HTTP ------------------------------------------------------------------------------------


def customer_body(**fields: Any) -> dict[str, Any]:
    """`POST /customers`: a customer with a unique phone number."""
    return {"phoneNumber": unique_phone(), "firstName": "Rosa", "lastName": "Cliente", **fields}


def ticket_body(customer_id: str, **fields: Any) -> dict[str, Any]:
    """`POST /tickets`: a medium-priority street-light ticket for `customer_id`."""
    return {
        "subject": "Falla de luminaria en la calle 5",
        "description": "La luminaria parpadea desde ayer por la noche",
        "category": CATEGORY,
        "priority": "medium",
        "customerId": customer_id,
        **fields,
    }


# --- over the broker ------------------------------------------------------------------------------


def agent_ticket_request(
    customer_id: str, *, agent: str = "agent-1", **fields: Any
) -> t.CreateFromAgent:
    """`tickets.create_from_agent`: a ticket an agent files (status open)."""
    return t.CreateFromAgent(
        subject=fields.pop("subject", "Luminaria apagada"),
        description=fields.pop("description", "La luminaria de la calle no enciende"),
        category=fields.pop("category", CATEGORY),
        customer_id=customer_id,
        agent_id=agent,
        **fields,
    )


def ai_ticket_request(customer_id: str, **fields: Any) -> t.CreateFromAi:
    """`tickets.create_from_ai`: a ticket the assistant files (status new)."""
    return t.CreateFromAi(
        subject=fields.pop("subject", "Luminaria apagada"),
        description=fields.pop("description", "Reportado por WhatsApp"),
        category=fields.pop("category", CATEGORY),
        customer_id=customer_id,
        **fields,
    )


def report_arguments(**fields: Any) -> dict[str, Any]:
    """The assistant's `create_ticket_report` arguments (a valid report unless overridden)."""
    return {
        "subject": "Luminaria apagada",
        "description": "La luminaria frente al número 12 no enciende",
        "category": CATEGORY,
        **fields,
    }
