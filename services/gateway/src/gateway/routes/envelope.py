"""What the ticket, customer and conversation routes share: strict query strings and the
`{success, ...}` answer built from a single serialisation of the service's result.

The services' results are already the contract's models; re-validating them through a FastAPI
`response_model` (and `jsonable_encoder`) would serialise every ticket twice on the hot path, so
the answer is spliced from `encode(result)` bytes instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import Request, Response
from pydantic import BaseModel, BeforeValidator, Field

from uts_shared.contracts.base import SPACE, Shape, WireModel, stripped
from uts_shared.contracts.tickets import MAX_FILTER_VALUES
from uts_shared.errors import ValidationFailed
from uts_shared.messaging import JSON, encode

_PLAIN = r"[^${}\[\]]*"
FILTER_VALUE = Shape(
    rf"^{_PLAIN}[^{SPACE}${{}}\[\]]{_PLAIN}$",
    "'$', '{', '}', '[' and ']' are not allowed in a filter value",
)
"""Something besides whitespace, and nothing that reads as a MongoDB operator."""

FilterValue = Annotated[str, stripped(1, 128), FILTER_VALUE]
"""A query-string filter: one plain value, never something that reads as a MongoDB operator."""

_PLAIN_ITEM = r"[^,${}\[\]]*"
FilterItem = Annotated[
    str,
    stripped(1, 128),
    Shape(rf"^{_PLAIN_ITEM}[^{SPACE},${{}}\[\]]{_PLAIN_ITEM}$", FILTER_VALUE.reason),
]
"""One of several values of a filter: a filter value without commas (they separate values)."""


def split_commas(value: Any) -> Any:
    """`a,b` and repeated keys (`k=a&k=b`) alike: one list of the values, blanks dropped."""
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


SEVERAL = (BeforeValidator(split_commas), Field(min_length=1, max_length=MAX_FILTER_VALUES))
"""A filter taking several values (`status=open,in_progress` or the key repeated): any matches.
Its key must be named in `unique_query_keys_but`."""

FilterValues = Annotated[list[FilterItem], *SEVERAL]


def unique_query_keys_but(*repeatable: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency: a query-string key given twice is a 422 (frameworks would silently keep
    one of them), except the keys of filters that take several values.

    Unknown keys (e.g. `status[$ne]`) are rejected by the route's query model (extra="forbid").
    """
    allowed = frozenset(repeatable)

    async def check(request: Request) -> None:
        seen: set[str] = set()
        for key, _ in request.query_params.multi_items():
            if key in seen and key not in allowed:
                raise ValidationFailed.on(key, "given more than once")
            seen.add(key)

    return check


unique_query_keys = unique_query_keys_but()


def _json(result: BaseModel | bytes) -> bytes:
    return result if isinstance(result, bytes) else encode(result)


def answer(
    key: str,
    result: BaseModel | bytes,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """`{"success": true, "<key>": <result>}` from one serialisation of `result` (a model, or
    the JSON a service already made of it: `RpcClient.call_raw`)."""
    body = b'{"success":true,"' + key.encode() + b'":' + _json(result) + b"}"
    return Response(body, status_code=status_code, media_type=JSON, headers=headers)


def answer_fields(result: BaseModel | bytes, *, status_code: int = 200) -> Response:
    """`{"success": true, ...result's own fields}`: e.g. `{success, tickets, pagination}`."""
    raw = _json(result)
    body = b'{"success":true' + (b"," + raw[1:] if len(raw) > 2 else b"}")
    return Response(body, status_code=status_code, media_type=JSON)


class Ok(WireModel):
    """Base of every success answer: `{success: true, ...}` (returned as is, or the documented
    shape of what `answer` builds)."""

    success: Literal[True] = True
