"""Documents read often, kept decoded: a list's page or a hot ticket is not decoded again.

BSON decoding is most of a read's CPU (a ticket of 2 kB takes about 35 µs). A record read a
second time while its stored bytes are unchanged is kept decoded; later reads hand out a copy
of it (new dicts and lists, the immutable values shared: a quarter of the decoding's cost).
Whether the kept copy is current is decided by the stored record itself (its bytes, checksum
and sequence included, compared whole), never by a version the writer would have to bump: a
write, a lost write or another process's write can't leave a stale copy behind.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Final

from bson import Decimal128, Int64, MaxKey, MinKey, ObjectId, Timestamp

KEPT: Final = 1024
"""Records remembered per collection (their stored bytes; decoded once read twice): a team's
working set (the queues' pages, the searches of the day) is several hundred tickets. A
ticket of 2.3 kB stored takes about 11 kB decoded, so the tickets' kept copies stay under
15 MB."""

_IMMUTABLE: Final = frozenset(
    {
        str,
        int,
        float,
        bool,
        type(None),
        bytes,
        dt.datetime,
        ObjectId,
        Int64,
        Decimal128,
        Timestamp,
        MinKey,
        MaxKey,
        uuid.UUID,
    }
)
"""Values a copy may share with the kept document (a `Binary` is `bytes`' subclass, immutable
too; a regular expression, code with scope or a DBRef holds mutable parts: documents holding
them are never kept decoded)."""

_CONTAINERS: Final = (dict, list)

Document = dict[str, Any]


def _plain(value: Any) -> bool:
    """Only dicts, lists and immutable values, all the way down."""
    kind = type(value)
    if kind is dict:
        return all(_plain(v) for v in value.values())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind in _IMMUTABLE or isinstance(value, bytes)


def _copy(value: Any) -> Any:
    """A copy of a plain document: every dict and list new, the other values shared."""
    out = value.copy()
    if type(value) is dict:
        for k, v in value.items():
            if type(v) in _CONTAINERS:
                out[k] = _copy(v)
    else:
        for i, v in enumerate(value):
            if type(v) in _CONTAINERS:
                out[i] = _copy(v)
    return out


def clone(value: Any) -> Any:
    """A copy of any value of a plain document, the caller's own (scalars are shared)."""
    return _copy(value) if type(value) in _CONTAINERS else value


def owned(projected: Document) -> Document:
    """`projected` (a new dict of a shared document's fields) with its arrays and embedded
    documents copied too: the caller's own."""
    for k, v in projected.items():
        if type(v) in _CONTAINERS:
            projected[k] = _copy(v)
    return projected


class DecodedDocuments:
    """Least recently read goes first; at most `KEPT` records."""

    __slots__ = ("_held", "_kept")

    def __init__(self) -> None:
        self._kept: OrderedDict[bytes, tuple[bytes, Document | None]] = OrderedDict()
        self._held: dict[int, dict[Hashable, Any]] = {}
        """The ids of the documents kept decoded (none of them is ever handed out), each with
        the views made of it so far."""

    def holds(self, doc: Document) -> bool:
        """`doc` is a kept document (read with `shared`): copy before handing it out."""
        return id(doc) in self._held

    def view(self, doc: Document, key: Hashable, make: Callable[[], Any]) -> Any:
        """`make()`, a view of `doc` (e.g. a reply's model of it), made once per kept document
        and `key`: exact, as a kept document is one stored record, and forgotten with it."""
        views = self._held.get(id(doc))
        if views is None:
            return make()
        if key not in views:
            views[key] = make()
        return views[key]

    def _forget(self, doc: Document | None) -> None:
        if doc is not None:
            self._held.pop(id(doc), None)

    def _remember(self, key: bytes, entry: tuple[bytes, Document | None]) -> None:
        old = self._kept.get(key)
        if old is not None:
            self._forget(old[1])
        self._kept[key] = entry
        if entry[1] is not None:
            self._held[id(entry[1])] = {}

    def read(
        self, key: bytes, record: bytes, decode: Callable[[], Document], *, shared: bool = False
    ) -> Document:
        """The document of `record` (stored under `key`), fresh for the caller to keep; with
        `shared`, possibly the kept one itself (`holds` tells): only to be read, and copied
        (`owned`) for whatever of it is handed out (a projection copies its few fields)."""
        kept = self._kept.get(key)
        if kept is None or kept[0] != record:
            self._remember(key, (record, None))
            self._kept.move_to_end(key)
            if len(self._kept) > KEPT:
                _, (_, gone) = self._kept.popitem(last=False)
                self._forget(gone)
            return decode()
        self._kept.move_to_end(key)
        doc = kept[1]
        if doc is None:
            # Read twice unchanged: worth keeping decoded.
            doc = decode()
            if not _plain(doc):
                return doc
            self._remember(key, (record, doc))
        if shared:
            return doc
        copied: Document = _copy(doc)
        return copied
