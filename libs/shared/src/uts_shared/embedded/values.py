"""MongoDB's value rules, for an engine written in Python: paths, equality, order, index keys.

Values are what BSON decodes to (dict, list, str, int, float, bool, None, aware datetime,
ObjectId, bytes). Comparisons follow MongoDB's type brackets: values of different brackets are
never equal, and sort by bracket (null < numbers < strings < objects < arrays < … < dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable
from typing import Any, Final

import bson
from bson import ObjectId
from bson.codec_options import CodecOptions

UTC: Final = dt.UTC
CODEC: Final[CodecOptions[dict[str, Any]]] = CodecOptions(tz_aware=True)
"""What `AsyncMongoClient(tz_aware=True)` decodes with: dates come back aware, in
`bson.tz_util.utc`, as a server's answers do (and without converting each one again)."""


class _Missing:
    """A path that leads nowhere (distinct from an explicit null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

NULL, NUMBER, STRING, OBJECT, ARRAY, BINARY, OBJECT_ID, BOOLEAN, DATE, REGEX = range(1, 11)


def bracket(value: Any) -> int:
    """MongoDB's sort order of types (missing sorts with null)."""
    if value is None or value is MISSING:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, (list, tuple)):
        return ARRAY
    if isinstance(value, dt.datetime):
        return DATE
    if isinstance(value, ObjectId):
        return OBJECT_ID
    if isinstance(value, (bytes, bytearray)):
        return BINARY
    if isinstance(value, re.Pattern):
        return REGEX
    raise TypeError(f"embedded engine: unsupported value type {type(value).__name__}")


def _pair_key(name: str, value: Any) -> tuple[Any, ...]:
    key = sort_key(value)
    return (key[0], name, key)


def aware(value: dt.datetime) -> dt.datetime:
    """Naive datetimes are UTC, as a server reads them."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sort_key(value: Any) -> tuple[Any, ...]:
    """A key that orders values as MongoDB does within and across type brackets."""
    b = bracket(value)
    if b == NULL:
        return (NULL,)
    if b == DATE:
        return (DATE, aware(value))
    if b == OBJECT:
        # Pair by pair: the value's type first, then the field name, then the value.
        return (OBJECT, tuple(_pair_key(k, v) for k, v in value.items()))
    if b == ARRAY:
        return (ARRAY, tuple(sort_key(v) for v in value))
    if b == OBJECT_ID:
        return (OBJECT_ID, value.binary)
    if b == REGEX:
        return (REGEX, value.pattern)
    return (b, value)


def equal(a: Any, b: Any) -> bool:
    """Equality within a type bracket (1 == 1.0, but True != 1 and '1' != 1)."""
    ba, bb = bracket(a), bracket(b)
    if ba != bb:
        return False
    if ba == NULL:
        return True
    if ba == DATE:
        return bool(aware(a) == aware(b))
    if ba == OBJECT:
        return list(a) == list(b) and all(equal(a[k], b[k]) for k in a)
    if ba == ARRAY:
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def identical(a: Any, b: Any) -> bool:
    """The same BSON value, type included (1, 1.0 and True differ; fields in the same order):
    what a server compares to tell a modifying update from a no-op. Parts an update did not
    write are shared with the stored version, so `is` answers most of it."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        return list(a) == list(b) and all(identical(v, b[k]) for k, v in a.items())
    if kind is list:
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 within one bracket; None across brackets (range operators never match there)."""
    if bracket(a) != bracket(b):
        return None
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)


class _Empty:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY_ARRAY"


EMPTY_ARRAY: Final = _Empty()
"""The index key of an empty array: it matches neither null nor any element."""


def hash_key(value: Any) -> Hashable:
    """A hashable stand-in with MongoDB's equality: equal values give equal keys."""
    b = bracket(value)
    if b == NULL:
        return None
    if b in (NUMBER, STRING):
        return (b, value)
    if b == DATE:
        return (DATE, aware(value))
    return sort_key(value)


def index_keys(value: Any) -> list[Hashable]:
    """Index entries for one field's value: an array gives one per element (multikey)."""
    if isinstance(value, list):
        if not value:
            return [EMPTY_ARRAY]
        return list(dict.fromkeys(hash_key(v) for v in value))
    return [hash_key(None if value is MISSING else value)]


def resolve(value: Any, parts: tuple[str, ...]) -> list[Any]:
    """The values a dotted path reaches, through arrays of subdocuments; [MISSING] if none."""
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return resolve(value[head], rest) if head in value else [MISSING]
    if isinstance(value, list):
        found: list[Any] = []
        if head.isdigit() and int(head) < len(value):
            found.extend(resolve(value[int(head)], rest))
        # A subdocument without the field reaches MISSING (so `{"a.b": null}` matches it, and
        # it sorts and is indexed as null); a position ("a.0") is no field of its elements.
        positional = head.isdigit()
        for element in value:
            if isinstance(element, dict):
                reached = resolve(element, parts)
                found.extend(v for v in reached if not (positional and v is MISSING))
        return found or [MISSING]
    return [MISSING]


def get_path(doc: dict[str, Any], path: str) -> Any:
    """The single value at `path` (no array traversal), MISSING when absent."""
    value: Any = doc
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def normalise(value: Any) -> Any:
    """A private copy as a server would store it: BSON types only, dates in whole ms, UTC."""
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            raise OverflowError("MongoDB can only handle up to 8-byte ints")
        return value
    if isinstance(value, dt.datetime):
        value = aware(value).astimezone(UTC)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return bson.decode(bson.encode({"v": value}), CODEC)["v"]


def normalise_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A private, BSON-clean copy of a whole document (raises on what BSON cannot hold)."""
    decoded: dict[str, Any] = bson.decode(bson.encode(doc), CODEC)
    return decoded
