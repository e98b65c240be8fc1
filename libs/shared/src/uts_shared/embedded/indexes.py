"""Secondary indexes of the embedded engine: ordered entries, equality postings, uniqueness.

An index keeps its entries sorted by its key (directions applied, the document's `_id` last), so
a query can walk it in a sort's order, starting at an equality prefix, and stop after one page.
The first field of every index also gets postings (value -> ids) that answer equality and `$in`
with set operations. Arrays index each element (multikey), as on a server.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedList

from uts_shared.embedded.values import (
    DATE,
    EMPTY_ARRAY,
    MISSING,
    NULL,
    NUMBER,
    STRING,
    aware,
    bracket,
    hash_key,
    index_keys,
    resolve,
    sort_key,
)

Key = tuple[tuple[str, int], ...]


class Desc:
    """A sort-key component in descending order."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Desc):
            return NotImplemented
        return bool(other.key < self.key)

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Desc):
            return NotImplemented
        return bool(other.key > self.key)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Desc):
            return NotImplemented
        return bool(other.key <= self.key)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Desc):
            return NotImplemented
        return bool(other.key >= self.key)


class _Beyond:
    """Greater than any key component: the upper bound of an equality prefix."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return other is self

    def __ge__(self, other: object) -> bool:
        return True


BEYOND = _Beyond()


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_INVERT = bytes(range(255, -1, -1))
_EMPTY_ASCENDING = (NULL - 1,)
_EMPTY_DESCENDING = (1 - NULL, 0)
"""An empty array's key: below null ascending, after it descending (as a server sorts)."""


def component(value: Any, direction: int) -> Any:
    """`value`'s sort key under `direction`. Descending keys are built so that plain tuple
    comparison (in C) reverses the order: brackets and numbers negated, dates as negated
    microseconds, strings as inverted UTF-8 bytes with a high terminator."""
    kind = type(value)  # the common types first: this runs for every field of every entry
    if direction > 0:
        if kind is str:
            return (STRING, value)
        if value is EMPTY_ARRAY or (kind is list and not value):
            return _EMPTY_ASCENDING
        return sort_key(value)
    if kind is str:
        return (-STRING, value.encode().translate(_INVERT) + b"\xff")
    if kind is dt.datetime:
        return (-DATE, -((aware(value) - _EPOCH) // _MICROSECOND))
    if value is EMPTY_ARRAY or (kind is list and not value):
        return _EMPTY_DESCENDING
    b = bracket(value)
    if b == NULL:
        return (-b, 0)
    if b == NUMBER:
        return (-b, -value)
    if b == STRING:
        return (-b, value.encode().translate(_INVERT) + b"\xff")
    if b == DATE:
        return (-b, -((aware(value) - _EPOCH) // _MICROSECOND))
    return (-b, Desc(sort_key(value)))


def order_key(doc: Mapping[str, Any], sort: Sequence[tuple[str, int]]) -> tuple[Any, ...]:
    """A document's position under a sort specification (MongoDB order of types)."""
    return tuple(
        _field_key(resolve(doc, tuple(path.split("."))), direction) for path, direction in sort
    )


def _field_key(values: list[Any], direction: int) -> Any:
    """An array sorts by its smallest element ascending and its largest descending; an empty
    one before null (MongoDB's comparison/sort order of arrays)."""
    if len(values) == 1 and type(values[0]) is not list:
        value = values[0]
        return component(None if value is MISSING else value, direction)
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value or [EMPTY_ARRAY])
        else:
            flat.append(None if value is MISSING else value)
    # Descending components reverse the order: the smallest of them is the largest value.
    return min(component(v, direction) for v in flat)


@dataclass(frozen=True)
class IndexSpec:
    name: str
    keys: Key
    unique: bool = False
    sparse: bool = False

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "keys": [list(k) for k in self.keys],
            "unique": self.unique,
            "sparse": self.sparse,
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> IndexSpec:
        keys = tuple((str(p), int(d)) for p, d in doc["keys"])
        return cls(doc["name"], keys, bool(doc.get("unique")), bool(doc.get("sparse")))


def default_name(keys: Key) -> str:
    return "_".join(f"{path}_{direction}" for path, direction in keys)


@dataclass
class Index:
    """One declared index: sorted entries `(components..., _id component, id)`."""

    spec: IndexSpec
    entries: SortedList | None = field(default_factory=SortedList)
    """None once a one-field index is multikey and no range query has needed its order: its
    postings answer equality, and a sort cannot use it anyway (it would cost a sorted insert
    per array element). A compound index keeps its entries: with its array field pinned to
    one value, the fields after it are walked in order (the search terms, newest first)."""
    owners: dict[Hashable, Hashable] = field(default_factory=dict)
    """Unique indexes: value tuple -> the id holding it."""
    multikey: bool = False
    array_fields: set[int] = field(default_factory=set)
    """Positions of the fields that held an array of several values in some document."""
    ranged: bool = False
    """A range query used the entries: they are kept even though the index is multikey."""

    def __post_init__(self) -> None:
        self._paths = [tuple(path.split(".")) for path, _ in self.spec.keys]
        self._directions = [direction for _, direction in self.spec.keys]
        self._tops = [path[0] for path in self._paths]
        self._id_direction = self._directions[-1]

    @property
    def tops(self) -> list[str]:
        return self._tops

    def values(self, doc: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Each combination of the indexed fields' values (several for arrays)."""
        return list(itertools.product(*self._per_field(doc)))

    def _per_field(self, doc: Mapping[str, Any]) -> list[list[Any]]:
        per_field: list[list[Any]] = []
        for path in self._paths:
            if len(path) == 1:  # a top-level field: no path to resolve
                value = doc.get(path[0], MISSING)
                if isinstance(value, list) and value:
                    per_field.append(list(value))
                else:
                    per_field.append([None if value is MISSING else value])
                continue
            found = resolve(doc, path)
            expanded: list[Any] = []
            for value in found:
                if isinstance(value, list) and value:
                    expanded.extend(value)
                else:
                    expanded.append(None if value is MISSING else value)
            per_field.append(expanded)
        return per_field

    def skips(self, doc: Mapping[str, Any]) -> bool:
        """A sparse index leaves out documents that have none of its fields."""
        return self.spec.sparse and all(
            all(v is MISSING for v in resolve(doc, path)) for path in self._paths
        )

    def entries_of(self, doc: Mapping[str, Any], id_key: Hashable) -> list[tuple[Any, ...]]:
        if self.skips(doc):
            return []
        id_component = component(doc["_id"], self._id_direction)
        keys: list[list[Any]] = []
        for position, (values, direction) in enumerate(
            zip(self._per_field(doc), self._directions, strict=True)
        ):
            if len(values) > 1:
                self.array_fields.add(position)
            keys.append([component(v, direction) for v in values])
        if all(len(k) == 1 for k in keys):
            return [(*(k[0] for k in keys), id_component, id_key)]
        # An array holding a value twice is one entry (each document once per walked value).
        rows = dict.fromkeys((*row, id_component, id_key) for row in itertools.product(*keys))
        return list(rows)

    def unique_keys(self, doc: Mapping[str, Any]) -> list[Hashable]:
        if not self.spec.unique or self.skips(doc):
            return []
        return [tuple(hash_key(v) for v in row) for row in self.values(doc)]

    def add(self, doc: Mapping[str, Any], id_key: Hashable) -> None:
        if self.entries is not None:
            rows = self.entries_of(doc, id_key)
            if len(rows) > 1:
                self.multikey = True
                if not self.ranged and len(self._paths) == 1:
                    self.entries = None
            if self.entries is not None:
                for row in rows:
                    self.entries.add(row)
        for key in self.unique_keys(doc):
            self.owners[key] = id_key

    def remove(self, doc: Mapping[str, Any], id_key: Hashable) -> None:
        if self.entries is not None:
            for row in self.entries_of(doc, id_key):
                self.entries.discard(row)
        for key in self.unique_keys(doc):
            if self.owners.get(key) == id_key:
                del self.owners[key]

    def conflict(self, doc: Mapping[str, Any], id_key: Hashable) -> Hashable | None:
        """The id of another document holding one of `doc`'s unique values, if any."""
        for key in self.unique_keys(doc):
            holder = self.owners.get(key)
            if holder is not None and holder != id_key:
                return key
        return None

    def serves(self, sort: Sequence[tuple[str, int]], fixed: int) -> bool | None:
        """Whether walking forward (True) or backward (False) yields `sort`'s order once the
        first `fixed` fields are pinned to one value each; None if it cannot (an array field
        left unpinned would yield a document once per element)."""
        if self.multikey and (self.entries is None or any(p >= fixed for p in self.array_fields)):
            return None
        keys = [*self.spec.keys[fixed:], ("_id", self._id_direction)]
        wanted = list(sort)
        if not wanted or len(wanted) > len(keys):
            return None
        if wanted == keys[: len(wanted)]:
            return True
        if wanted == [(p, -d) for p, d in keys[: len(wanted)]]:
            return False
        return None

    def ordered(self, docs: Mapping[Hashable, Mapping[str, Any]]) -> SortedList:
        """The sorted entries, rebuilt from `docs` (and kept from now on) if they were dropped."""
        if self.entries is None:
            self.entries = SortedList(
                row for key, doc in docs.items() for row in self.entries_of(doc, key)
            )
        self.ranged = True
        return self.entries

    def span(self, prefix: Sequence[Any]) -> tuple[int, int]:
        """The positions of the entries whose first fields equal `prefix` (not multikey)."""
        assert self.entries is not None
        comps = tuple(component(v, d) for v, d in zip(prefix, self._directions, strict=False))
        if not comps:
            return 0, len(self.entries)
        return self.entries.bisect_left(comps), self.entries.bisect_right((*comps, BEYOND))

    def range_ids(
        self,
        docs: Mapping[Hashable, Mapping[str, Any]],
        low: tuple[Any, bool] | None,
        high: tuple[Any, bool] | None,
    ) -> set[Hashable]:
        """Ids whose first field has a value in (low, high) of the bounds' type bracket;
        each bound is (value, inclusive). Only for ascending first fields."""
        assert self._directions[0] > 0
        bound = low if low is not None else high
        assert bound is not None
        floor = (bracket(bound[0]),)
        entries = self.ordered(docs)
        if low is None:
            start = entries.bisect_left((floor,))
        elif low[1]:
            start = entries.bisect_left((sort_key(low[0]),))
        else:
            start = entries.bisect_right((sort_key(low[0]), BEYOND))
        if high is None:
            end = entries.bisect_left(((*floor, BEYOND),))
        elif high[1]:
            end = entries.bisect_right((sort_key(high[0]), BEYOND))
        else:
            end = entries.bisect_left((sort_key(high[0]),))
        return {row[-1] for row in entries.islice(start, max(start, end))}

    @property
    def first_ascending(self) -> bool:
        return self._directions[0] > 0

    def walk(self, prefix: Sequence[Any], forward: bool) -> Iterator[Hashable]:
        """Ids in index order (or reversed) within the equality prefix."""
        lo, hi = self.span(prefix)
        assert self.entries is not None
        rows = self.entries.islice(lo, hi, reverse=not forward)
        return (row[-1] for row in rows)


class Postings:
    """Equality lookups on one field: value -> the ids whose field holds it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._parts = tuple(path.split("."))
        self.ids: dict[Hashable, set[Hashable]] = {}

    def keys_of(self, doc: Mapping[str, Any]) -> set[Hashable]:
        keys: set[Hashable] = set()
        for value in resolve(doc, self._parts):
            keys.update(index_keys(value))
        return keys

    def add(self, doc: Mapping[str, Any], id_key: Hashable) -> None:
        for key in self.keys_of(doc):
            self.ids.setdefault(key, set()).add(id_key)

    def remove(self, doc: Mapping[str, Any], id_key: Hashable) -> None:
        for key in self.keys_of(doc):
            holders = self.ids.get(key)
            if holders is not None:
                holders.discard(id_key)
                if not holders:
                    del self.ids[key]

    def lookup(self, values: Sequence[Any]) -> set[Hashable]:
        """The ids holding any of `values` (read-only: may be the postings' own set)."""
        if len(values) == 1:
            return self.ids.get(hash_key(values[0]), _NONE)
        found: set[Hashable] = set()
        for value in values:
            found |= self.ids.get(hash_key(value), _NONE)
        return found


_NONE: set[Hashable] = set()
