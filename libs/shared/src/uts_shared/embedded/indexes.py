"""Secondary indexes of the embedded engine, kept in LMDB: ordered entries and uniqueness.

An index is an LMDB database with sorted duplicates: the key is the indexed values' bytes
(`keys.index_key`, MongoDB's order, descending fields inverted) and each duplicate the `_id`
bytes of a document holding them (inverted when the index's last field is descending, so ties
walk in that direction). A query walks it in a sort's order from an equality prefix and stops
after one page; equality and `$in` on an index's first field are prefix scans; arrays index each
element (multikey), as on a server. Of an index, Python memory holds only remembered counts
and the bitsets of a few common values (`postings.py`).
"""

from __future__ import annotations

import collections
import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import lmdb

from uts_shared.embedded import keys
from uts_shared.embedded.postings import bitset
from uts_shared.embedded.values import EMPTY_ARRAY, MISSING, bracket, resolve

Key = tuple[tuple[str, int], ...]
_Pairs = Iterator[tuple[bytes, bytes]]
_STORED = operator.itemgetter(1)
_INVERTED = operator.methodcaller("translate", keys.INVERT)
_VERSIONS = itertools.count(1)

WIDTH_CAP = 1000
"""Counting an index span stops here: past it the planner takes the whole index's size (it only
needs to know the span is large, and erring large keeps it from a long walk)."""
TALLIES_KEPT = 4096
"""Remembered prefix counts per index, at most (a cleared memo only costs a recount)."""
POSTINGS_KEPT = 64
"""Values whose documents an index keeps as a bitset (`postings.py`), the least recently asked
going first: 64 common words of 100,000 documents are 0.8 MB."""
POSTING_FROM = 64
"""A value held by this many documents or more gets a bitset of its own when it is asked with
values that have theirs (below it, a walk of its entries is as cheap as building one)."""


def _length(items: Iterable[Any]) -> int:
    """How many `items` yields, counted without a Python step per item."""
    last = collections.deque(enumerate(items, 1), maxlen=1)
    return last[0][0] if last else 0


def order_key(doc: Mapping[str, Any], sort: Sequence[tuple[str, int]]) -> tuple[bytes, ...]:
    """A document's position under a sort specification (MongoDB order of types)."""
    return tuple(
        _field_key(resolve(doc, tuple(path.split("."))), direction) for path, direction in sort
    )


def _field_key(values: list[Any], direction: int) -> bytes:
    """An array sorts by its smallest element ascending and its largest descending; an empty
    one before null (MongoDB's comparison/sort order of arrays)."""
    if len(values) == 1 and type(values[0]) is not list:
        value = values[0]
        return keys.component(None if value is MISSING else value, direction)
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value or [EMPTY_ARRAY])
        else:
            flat.append(None if value is MISSING else value)
    # Descending components reverse the order: the smallest of them is the largest value.
    return min(keys.component(v, direction) for v in flat)


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
        pairs = tuple((str(p), int(d)) for p, d in doc["keys"])
        return cls(doc["name"], pairs, bool(doc.get("unique")), bool(doc.get("sparse")))


def default_name(pairs: Key) -> str:
    return "_".join(f"{path}_{direction}" for path, direction in pairs)


@dataclass
class Index:
    """One declared index: its spec, its LMDB database, and whether it is multikey."""

    spec: IndexSpec
    db: Any
    array_fields: set[int] = field(default_factory=set)
    """Positions of the fields that held an array of several values in some document."""

    def __post_init__(self) -> None:
        self._paths = [tuple(path.split(".")) for path, _ in self.spec.keys]
        self._directions = [direction for _, direction in self.spec.keys]
        self._tops = [path[0] for path in self._paths]
        self._id_descending = self._directions[-1] < 0
        self.version = next(_VERSIONS)
        """A new number whenever an entry is added or removed (unique across indexes): what is
        remembered of this index's entries holds while it stays."""
        self._tallies: dict[tuple[bytes, int], int] = {}
        """Entry counts by prefix (and cap) until the index's next change: the planner weighs
        the same prefixes on every page of a list, and most writes leave most indexes as
        they were."""
        self._tallied = self.version
        self._postings: collections.OrderedDict[bytes, int] = collections.OrderedDict()
        """Bitsets of sequence numbers of the documents holding a first-field value (by its
        prefix), kept current by `track`."""

    def forget(self, *, everything: bool = False) -> None:
        """After a write: drop the remembered counts if the index changed (`everything`: the
        write was lost, so what its transaction saw is forgotten too)."""
        if everything:
            self.version = next(_VERSIONS)
            self._postings.clear()
        if self._tallies and self._tallied != self.version:
            self._tallies.clear()
        self._tallied = self.version

    @property
    def multikey(self) -> bool:
        return bool(self.array_fields)

    @property
    def tops(self) -> list[str]:
        return self._tops

    @property
    def first_ascending(self) -> bool:
        return self._directions[0] > 0

    def state(self) -> dict[str, Any]:
        return {**self.spec.document(), "arrayFields": sorted(self.array_fields)}

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
            expanded: list[Any] = []
            for value in resolve(doc, path):
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

    def entries_of(self, doc: Mapping[str, Any]) -> tuple[set[bytes], set[int]]:
        """The entry keys of `doc` (one per combination of array elements) and the positions
        of the fields holding several values."""
        if self.skips(doc):
            return set(), set()
        per_field = self._per_field(doc)
        arrays = {n for n, values in enumerate(per_field) if len(values) > 1}
        if not arrays:
            return {keys.index_key([v[0] for v in per_field], self._directions)}, arrays
        rows = itertools.product(*per_field)
        return {keys.index_key(row, self._directions) for row in rows}, arrays

    def posting(
        self,
        txn: lmdb.Transaction,
        value: Any,
        seqs: Callable[[Iterable[bytes]], Iterable[int]],
    ) -> int:
        """The documents whose first field holds `value`, as a bitset of their sequence numbers
        (`seqs` gives those of ids): built from the value's entries once, then kept current by
        every write (`track`) until a write is lost."""
        start = self.prefix([value])
        bits = self._postings.get(start)
        if bits is None:
            bits = self._postings[start] = bitset(seqs(self.ids(self.stored(txn, [value]))))
            self._postings.move_to_end(start)
            while len(self._postings) > POSTINGS_KEPT:
                self._postings.pop(self._least_worth_keeping())
        self._postings.move_to_end(start)
        return bits

    def _least_worth_keeping(self) -> bytes:
        """The least recently asked bitset of a value held by fewer than `WIDTH_CAP` documents
        (rebuilt from a short walk), else the least recently asked one: a common word's bitset
        costs a read of each of its documents to build again."""
        kept = list(self._postings.items())[:-1]  # never the one just built
        for start, bits in kept:
            if bits.bit_count() < WIDTH_CAP:
                return start
        return kept[0][0]

    def holding(self, value: Any) -> int | None:
        """How many documents hold `value` in the first field, when its postings are kept."""
        bits = self._postings.get(self.prefix([value]))
        return None if bits is None else bits.bit_count()

    def track(
        self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, seq: int
    ) -> None:
        """A document (sequence number `seq`) written from `before` to `after` (None: absent):
        the bitsets kept of its first field's values follow."""
        if not self._postings:
            return
        was, now = self._firsts(before), self._firsts(after)
        bit = 1 << seq
        for start in was - now:
            if start in self._postings:
                self._postings[start] &= ~bit
        for start in now - was:
            if start in self._postings:
                self._postings[start] |= bit

    def _firsts(self, doc: Mapping[str, Any] | None) -> set[bytes]:
        """The prefixes of `doc`'s entries' first values."""
        if doc is None or self.skips(doc):
            return set()
        return {self.prefix([value]) for value in self._per_field(doc)[0]}

    def value_of(self, id_key: bytes) -> bytes:
        return keys.invert(id_key) if self._id_descending else id_key

    def id_of(self, value: bytes) -> bytes:
        return keys.invert(value) if self._id_descending else value

    def add(self, txn: lmdb.Transaction, entries: set[bytes], id_key: bytes) -> None:
        if entries:
            self.version = next(_VERSIONS)
        value = self.value_of(id_key)
        for entry in entries:
            txn.put(entry, value, db=self.db, dupdata=True)

    def remove(self, txn: lmdb.Transaction, entries: set[bytes], id_key: bytes) -> None:
        if entries:
            self.version = next(_VERSIONS)
        value = self.value_of(id_key)
        for entry in entries:
            txn.delete(entry, value, db=self.db)

    def conflict(self, txn: lmdb.Transaction, entries: set[bytes], id_key: bytes) -> bool:
        """Whether another document holds one of these (unique) entries."""
        if not self.spec.unique:
            return False
        mine = self.value_of(id_key)
        cursor = txn.cursor(db=self.db)
        for entry in entries:
            if cursor.set_key(entry):
                for value in cursor.iternext_dup():
                    if value != mine:
                        return True
        return False

    def conflicting(
        self, txn: lmdb.Transaction, doc: Mapping[str, Any], id_key: bytes
    ) -> list[Any]:
        """The values of `doc` another document holds in this (unique) index, one per field (an
        array field's conflicting element): what a server's duplicate key error reports."""
        for row in itertools.product(*self._per_field(doc)):
            if self.conflict(txn, {keys.index_key(row, self._directions)}, id_key):
                return list(row)
        return [row[0] for row in self._per_field(doc)]  # not found again: its first values

    def serves(self, sort: Sequence[tuple[str, int]], fixed: int) -> bool | None:
        """Whether walking forward (True) or backward (False) yields `sort`'s order once the
        first `fixed` fields are pinned to one value each; None if it cannot (an array field
        left unpinned would yield a document once per element)."""
        if any(p >= fixed for p in self.array_fields):
            return None
        pairs = [*self.spec.keys[fixed:], ("_id", self._directions[-1])]
        wanted = list(sort)
        if not wanted or len(wanted) > len(pairs):
            return None
        if wanted == pairs[: len(wanted)]:
            return True
        if wanted == [(p, -d) for p, d in pairs[: len(wanted)]]:
            return False
        return None

    def prefix(self, values: Sequence[Any]) -> bytes:
        return keys.index_key(values, self._directions)

    def exact(self, values: Sequence[Any]) -> bool:
        """A lookup on these leading values is exact (its key was not cut)."""
        return len(self.prefix(values)) < keys.KEY_LIMIT

    def walk(self, txn: lmdb.Transaction, prefix: Sequence[Any], forward: bool) -> Iterator[bytes]:
        """Ids in index order (or reversed) within the equality prefix."""
        return self._walk_bytes(txn, self.prefix(prefix), forward)

    def _walk_bytes(self, txn: lmdb.Transaction, start: bytes, forward: bool) -> Iterator[bytes]:
        cursor = txn.cursor(db=self.db)
        id_of = self.id_of
        if forward:
            if not cursor.set_range(start):
                return
            for key, value in cast(_Pairs, cursor.iternext()):
                if not key.startswith(start):
                    return
                yield id_of(value)
            return
        end = keys.after_prefix(start)
        positioned = cursor.set_range(end) if end is not None else False
        if positioned:
            if not cursor.prev():
                return
        elif not cursor.last():
            return
        for key, value in cast(_Pairs, cursor.iterprev()):
            if not key.startswith(start):
                return
            yield id_of(value)

    def width(self, txn: lmdb.Transaction, prefix: Sequence[Any], cap: int = WIDTH_CAP) -> int:
        """How many entries start with `prefix`: counted up to `cap`, past it the index's size
        (unpinned: the index's size)."""
        start = self.prefix(prefix)
        known = self._tallies.get((start, cap))
        if known is None:
            known = self._remember((start, cap), self._width(txn, start, cap))
        return known

    def _remember(self, key: tuple[bytes, int], count: int) -> int:
        if len(self._tallies) >= TALLIES_KEPT:
            self._tallies.clear()
        self._tallies[key] = count
        return count

    def _width(self, txn: lmdb.Transaction, start: bytes, cap: int) -> int:
        total = int(txn.stat(self.db)["entries"])
        if not start:
            return total
        cursor = txn.cursor(db=self.db)
        end = keys.after_prefix(start)
        if end is None or not cursor.set_range(start):
            return total if end is None else 0
        # Counted by LMDB's iterator (every duplicate a step), no Python step per entry.
        entries = itertools.takewhile(
            functools.partial(operator.gt, end), cursor.iternext(keys=True, values=False)
        )
        count = _length(itertools.islice(entries, cap))
        return total if count >= cap else count

    def count(self, txn: lmdb.Transaction, prefix: Sequence[Any]) -> int:
        """Exactly how many entries start with `prefix`."""
        start = self.prefix(prefix)
        end = keys.after_prefix(start)
        if not start or end is None:
            return self.width(txn, prefix, cap=1 << 62)
        known = self._tallies.get((start, 0))
        if known is None:
            known = self._remember((start, 0), self._count(txn, start, end))
        return known

    def _count(self, txn: lmdb.Transaction, start: bytes, end: bytes) -> int:
        cursor = txn.cursor(db=self.db)
        if not cursor.set_range(start):
            return 0
        keys_before_end = itertools.takewhile(
            functools.partial(operator.gt, end), cursor.iternext(keys=True, values=False)
        )
        return _length(keys_before_end)

    def entries(self, txn: lmdb.Transaction, start: bytes) -> Iterator[tuple[bytes, bytes]]:
        """The (key, value) pairs of the entries whose key starts with `start`, in order."""
        cursor = txn.cursor(db=self.db)
        if not cursor.set_range(start):
            return
        for key, value in cast(_Pairs, cursor.iternext()):
            if not key.startswith(start):
                return
            yield key, value

    def holder(self, txn: lmdb.Transaction) -> Callable[[bytes, bytes], bool]:
        """A test of whether the entry (key, value as stored) exists; one cursor for many."""
        return cast(Callable[[bytes, bytes], bool], txn.cursor(db=self.db).set_key_dup)

    def lookup(self, txn: lmdb.Transaction, values: Sequence[Any]) -> set[bytes]:
        """The ids whose first field holds any of `values`."""
        return self.ids(self.stored(txn, values))

    def stored(self, txn: lmdb.Transaction, values: Sequence[Any]) -> set[bytes]:
        """What the entries whose first field holds any of `values` store (`ids` turns them
        into ids): gathered by LMDB's iterator up to the prefix's end, with no Python step per
        entry, since a common word has thousands. Sets of them intersect as the ids do."""
        found: set[bytes] = set()
        cursor = txn.cursor(db=self.db)
        for value in values:
            start = self.prefix([value])
            end = keys.after_prefix(start)
            if end is None:
                found.update(map(self.value_of, self._walk_bytes(txn, start, True)))
            elif cursor.set_range(start):
                before_end = functools.partial(operator.gt, (end,))  # (key, value) < (end,)
                found.update(map(_STORED, itertools.takewhile(before_end, cursor.iternext())))
                if len(values) == 1:  # one entry per id under one value: its exact count
                    self._remember((start, 0), len(found))
        return found

    def known(self, prefix: Sequence[Any]) -> int | None:
        """How many entries start with `prefix`, when counted exactly since the last change."""
        return self._tallies.get((self.prefix(prefix), 0))

    def ids(self, stored: Iterable[bytes]) -> set[bytes]:
        """The ids of what entries store (inverted back when the index's `_id` descends)."""
        return set(map(_INVERTED, stored)) if self._id_descending else set(stored)

    def range_ids(
        self, txn: lmdb.Transaction, low: tuple[Any, bool] | None, high: tuple[Any, bool] | None
    ) -> set[bytes]:
        """Ids whose first field has a value in (low, high) of the bounds' type bracket; each
        bound is (value, inclusive). Only for ascending first fields."""
        assert self._directions[0] > 0
        bound = low if low is not None else high
        assert bound is not None
        floor = bytes((bracket(bound[0]),))
        if low is None:
            start: bytes | None = floor
        elif low[1]:
            start = keys.encode(low[0])
        else:
            start = keys.after_prefix(keys.encode(low[0]))
        if high is None:
            stop = keys.after_prefix(floor)
        elif high[1]:
            stop = keys.after_prefix(keys.encode(high[0]))
        else:
            stop = keys.encode(high[0])
        found: set[bytes] = set()
        cursor = txn.cursor(db=self.db)
        if start is None or not cursor.set_range(start):
            return found
        id_of = self.id_of
        for key, value in cast(_Pairs, cursor.iternext()):
            if stop is not None and key >= stop:
                break
            found.add(id_of(value))
        return found
