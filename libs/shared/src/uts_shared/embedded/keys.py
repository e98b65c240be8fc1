"""Byte keys that sort as MongoDB compares values (its BSON order), for LMDB's B+trees.

Each value is a type-bracket byte (values.NULL ... values.REGEX) and a payload whose bytes sort
as the values do within the bracket; equal values (1 and 1.0, a missing field and null) give
equal bytes. Every encoding is prefix-free (strings are escaped and terminated), so inverting
each byte reverses the order: that is a descending field.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from bson import ObjectId

from uts_shared.embedded.values import (
    ARRAY,
    BINARY,
    BOOLEAN,
    DATE,
    EMPTY_ARRAY,
    MISSING,
    NULL,
    NUMBER,
    OBJECT,
    OBJECT_ID,
    REGEX,
    STRING,
    aware,
)

_U64 = struct.Struct(">Q")
_F64 = struct.Struct(">d")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)
INVERT = _INVERT = bytes(range(255, -1, -1))
"""The byte map of a descending field's bytes (each byte's complement)."""
_SIGN = 1 << 63

KEY_LIMIT = 500
"""Index keys are cut at this length (LMDB keys hold 511 bytes): entries sharing such a long
prefix sort among themselves by `_id`, and a lookup that long is checked against the document."""


def _escaped(raw: bytes) -> bytes:
    return raw.replace(b"\x00", b"\x00\xff") + b"\x00\x00"


def _number(value: int | float) -> bytes:
    if isinstance(value, float) and math.isnan(value):
        return b"\x00" + bytes(16)  # NaN sorts below every other number, as on a server
    as_float = float(value) if not isinstance(value, float) else value
    if as_float == 0:
        as_float = 0.0  # -0.0 == 0.0
    bits = _U64.unpack(_F64.pack(as_float))[0]
    bits = bits ^ 0xFFFFFFFFFFFFFFFF if bits & _SIGN else bits | _SIGN
    # An int a double cannot hold exactly: the rest, so 2**53 + 1 sorts after 2**53.
    rest = value - int(as_float) if isinstance(value, int) and math.isfinite(as_float) else 0
    return b"\x01" + _U64.pack(bits) + _U64.pack((rest + _SIGN) & 0xFFFFFFFFFFFFFFFF)


def encode(value: Any) -> bytes:
    """`value`'s ascending key bytes."""
    kind = type(value)
    if kind is str:
        return bytes((STRING,)) + _escaped(value.encode())
    if value is None or value is MISSING:
        return bytes((NULL,))
    if kind is bool:
        return bytes((BOOLEAN, 1 if value else 0))
    if kind is int or kind is float:
        return bytes((NUMBER,)) + _number(value)
    if kind is dt.datetime:
        ms = (aware(value) - _EPOCH) // _MS
        return bytes((DATE,)) + _U64.pack((ms + _SIGN) & 0xFFFFFFFFFFFFFFFF)
    if kind is ObjectId:
        return bytes((OBJECT_ID,)) + bytes(value.binary)
    if isinstance(value, Mapping):
        parts = [bytes((OBJECT,))]
        for k, v in value.items():
            inner = encode(v)
            parts.append(inner[:1] + _escaped(str(k).encode()) + inner[1:])
        parts.append(b"\x00")
        return b"".join(parts)
    if isinstance(value, (list, tuple)):
        return bytes((ARRAY,)) + b"".join(encode(v) for v in value) + b"\x00"
    if isinstance(value, (bytes, bytearray)):
        return bytes((BINARY,)) + struct.pack(">I", len(value)) + b"\x00" + bytes(value)
    if isinstance(value, re.Pattern):
        return bytes((REGEX,)) + _escaped(value.pattern.encode()) + _escaped(b"")
    if isinstance(value, str):  # str subclasses (a query's StrEnum)
        return bytes((STRING,)) + _escaped(value.encode())
    if isinstance(value, (int, float)):  # int subclasses (bson.Int64)
        return bytes((NUMBER,)) + _number(int(value) if isinstance(value, int) else value)
    raise TypeError(f"embedded engine: unsupported value type {type(value).__name__}")


_EMPTY_ARRAY = bytes((NULL - 1,))
"""A field holding an empty array: below null (after it descending), as a server sorts it."""


def component(value: Any, direction: int) -> bytes:
    """One field of an index key (or of a sort): ascending bytes, or inverted for a descending
    field. An empty array as the field's value sorts before null (nested in a value, it stays in
    the arrays' bracket)."""
    kind = type(value)
    if kind in _CACHED:
        return _cached_component(value, direction)
    raw = _EMPTY_ARRAY if value is EMPTY_ARRAY or (kind is list and not value) else encode(value)
    return raw if direction > 0 else raw.translate(_INVERT)


_CACHED = frozenset({str, int, float, bool, dt.datetime, ObjectId, type(None)})


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _cached_component(value: Any, direction: int) -> bytes:
    # An entry repeats its document's `_id` and date in every index: each is encoded once.
    raw = encode(value)
    return raw if direction > 0 else raw.translate(_INVERT)


def invert(raw: bytes) -> bytes:
    return raw.translate(_INVERT)


def index_key(values: Sequence[Any], directions: Sequence[int]) -> bytes:
    """The key of an index entry (or of a lookup prefix), cut at KEY_LIMIT."""
    key = b"".join(component(v, d) for v, d in zip(values, directions, strict=False))
    return key[:KEY_LIMIT]


def id_bytes(value: Any) -> bytes:
    """The key of a document in its collection: its `_id`'s bytes (not cut: an `_id` is
    limited to what fits an LMDB key, as a server limits index keys)."""
    raw = encode(value)
    if len(raw) > 480:
        raise ValueError("embedded engine: an _id's key must be under 480 bytes")
    return raw


def after_prefix(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key starting with `prefix` (None: no bound)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))
