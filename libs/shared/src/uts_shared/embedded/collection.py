"""One collection of the embedded engine: documents by `_id` in LMDB, its indexes, the planner.

Every call runs to completion on the caller's thread (the services' event loop). A write is one
LMDB write transaction (the document, its natural-order entry and its index entries), so it is
atomic, as a single-document write is on a server; a read runs in one read transaction.
Documents are decoded from LMDB's pages when read, fresh objects for each caller; those read
often are kept decoded while their stored bytes stay the same (`decoded.py`).
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import json
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import bson
import bson.errors
import lmdb
from bson import ObjectId
from bson.regex import Regex
from pymongo.errors import DuplicateKeyError, OperationFailure

from uts_shared.embedded import keys
from uts_shared.embedded.decoded import DecodedDocuments, clone, owned
from uts_shared.embedded.indexes import (
    POSTING_FROM,
    WIDTH_CAP,
    Index,
    IndexSpec,
    default_name,
    order_key,
)
from uts_shared.embedded.matching import Predicate, compile_filter, is_operator_doc
from uts_shared.embedded.postings import Postings
from uts_shared.embedded.storage import (
    SEQ_KEY,
    DamagedDocument,
    WriteFailed,
    pack,
    seq_of,
    unpack,
)
from uts_shared.embedded.updating import WriteError, apply_update, updater, upsert_seed
from uts_shared.embedded.values import (
    CODEC,
    MISSING,
    OBJECT_ID,
    STRING,
    bracket,
    hash_key,
    identical,
    normalise,
    normalise_document,
)

if TYPE_CHECKING:
    from uts_shared.embedded.engine import Database

Document = dict[str, Any]
Sort = list[tuple[str, int]]

CACHED_QUERIES = 16
RELEASE_AFTER = 5000
"""A scan reading this many documents lets their pages go afterwards (`Environment.release`)."""
WALK_STEP_COST = 0.25
"""A step along an index costs about a quarter of reading a document to sort it."""


def id_key(value: Any) -> bytes:
    """The key of an `_id` in the documents' database."""
    return keys.id_bytes(value)


@dataclass(frozen=True)
class WriteResult:
    matched: int = 0
    modified: int = 0
    upserted_id: Any = None
    before: Document | None = None
    after: Document | None = None


@dataclass
class _Plan:
    candidates: set[bytes] | Postings | None
    """None: every document (or, with `span`, the documents in it)."""
    exact: bool
    """The candidates are exactly the matches (no predicate left to check)."""
    pinned: dict[str, Any]
    """Fields the query fixes to a single value (they let an index serve a sort)."""
    span: tuple[Index, tuple[Any, ...]] | None = None
    """An index whose leading fields are exactly the pinned ones: its entries with those
    values are the matches (counted along the index, walked in its order)."""
    every: dict[str, list[Any]] = field(default_factory=dict)
    """Fields that must hold each of several values (`$all`): any one of them can pin an
    index walk (the matches are among the documents holding it)."""

    scanned: int = 0
    """How many documents a scan of the whole collection read (0: no such scan)."""

    def materialise(self, txn: lmdb.Transaction) -> None:
        if self.span is not None:
            index, prefix = self.span
            self.candidates = set(index.walk(txn, prefix, True))
            self.span = None


class Collection:
    def __init__(self, name: str, database: Database, state: Mapping[str, Any] | None) -> None:
        self.name = name
        self._database = database
        env = database.environment.env
        self._env = env
        self._create = not database.readonly
        self._docs = env.open_db(f"d:{name}".encode(), create=self._create)
        self._order = env.open_db(f"n:{name}".encode(), create=self._create)
        self._generation = 0
        """Bumped by every change: a remembered candidate set of an `_id` query holds within one
        generation (the others follow the versions of the indexes they read)."""
        self._cached: OrderedDict[bytes, tuple[tuple[int, ...], set[bytes]]] = OrderedDict()
        self._decoded = DecodedDocuments()
        self._headers_read = 0
        """Records read for their sequence numbers since their pages were last let go."""
        self._write_txn: lmdb.Transaction | None = None
        """The write under way: what it reads is its own (decoded fresh, never kept)."""
        self.indexes: dict[str, Index] = {}
        self._led_by: dict[frozenset[str], list[tuple[Index, list[str]]]] = {}
        """The indexes not sparse whose leading fields are a set of fields, each with those
        fields in its order (what `_covering` looks among; cleared when an index comes or
        goes)."""
        self._listed = state is not None
        """The catalog names this collection (its first write puts it there)."""
        for doc in (state or {}).get("indexes", []):
            spec = IndexSpec.from_document(doc)
            index = Index(spec, self._index_db(spec.name), set(doc.get("arrayFields", [])))
            self.indexes[spec.name] = index
        with env.begin() as txn:
            cursor = txn.cursor(db=self._order)
            last = cursor.key() if cursor.last() else None
        self._next_seq = SEQ_KEY.unpack(last)[0] + 1 if last else 0

    @property
    def exists(self) -> bool:
        """Created (by a write or an index) and not dropped since, as a server tells: the
        catalog names it."""
        return self._listed

    def _index_db(self, index: str) -> Any:
        return self._env.open_db(
            f"i:{self.name}:{index}".encode(), dupsort=True, create=self._create
        )

    # --- transactions -------------------------------------------------------------------------

    def _reading(self, txn: lmdb.Transaction | None) -> Any:
        """`txn` itself (a write under way), or a new read transaction."""
        return _Within(txn) if txn is not None else self._env.begin(buffers=False)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[lmdb.Transaction]:
        self._changed()
        listed = self._listed
        try:
            with self._env.begin(write=True) as txn:
                self._write_txn = txn
                yield txn
        except BaseException as failed:
            self._changed(lost=True)
            self._listed = listed
            if not isinstance(failed, lmdb.Error):
                raise
            raise WriteFailed(
                f"embedded engine: writing to {self.name} in {self._database.directory} failed "
                f"({failed}); nothing of this write was kept"
            ) from failed
        finally:
            self._write_txn = None
            # What was remembered inside the transaction saw its writes, kept or not.
            self._changed()
        self._database.unchanged_since_clean_stop = False

    def _changed(self, *, lost: bool = False) -> None:
        self._generation += 1
        for index in self.indexes.values():
            index.forget(everything=lost)

    def _stamp(self, query: Mapping[str, Any], read: Sequence[Index]) -> tuple[int, ...]:
        """What a query's candidate set depends on: the indexes it reads (their versions:
        a write that changed none of their entries leaves it valid), or, for `_id`, every
        change."""
        if "_id" in query:
            return (-self._generation,)
        return tuple(index.version for index in read)

    def _catalog(self, txn: lmdb.Transaction) -> None:
        self._listed = True
        state = {"name": self.name, "indexes": [i.state() for i in self.indexes.values()]}
        self._database.put_catalog(txn, self.name, state)

    # --- documents ----------------------------------------------------------------------------

    def _record(
        self, txn: lmdb.Transaction, key: bytes, shared: bool = False
    ) -> tuple[int, Document] | None:
        """The record under `key`: its sequence and document; with `shared`, the document may
        be the kept decoded one (read it, copy what is handed out)."""
        raw = cast(bytes | None, txn.get(key, db=self._docs))
        if raw is None:
            return None
        if txn is self._write_txn:
            return self._decode(key, raw)
        decode = lambda: self._decode(key, raw)[1]  # noqa: E731
        return seq_of(raw), self._decoded.read(key, raw, decode, shared=shared)

    def _decode(self, key: bytes, raw: bytes) -> tuple[int, Document]:
        unpacked = unpack(key, raw)
        if unpacked is None:
            raise DamagedDocument(self.name, _readable_id(key, raw))
        try:
            return unpacked[0], bson.decode(unpacked[1], CODEC)
        except bson.errors.InvalidBSON:
            raise DamagedDocument(self.name, _readable_id(key, raw)) from None

    def _viewer(
        self,
        key: Hashable,
        make: Callable[[Document], Any],
        project: Callable[[Document], Document] | None,
    ) -> Callable[[Document], Any]:
        """What `find` hands out for a `view`: the view of each document's projection (of a
        copy of it: a view may keep parts of it), remembered with a document kept decoded."""
        decoded = self._decoded

        def viewed(doc: Document) -> Any:
            if not decoded.holds(doc):
                return make(doc if project is None else project(doc))
            return decoded.view(doc, key, lambda: make(self._handed(doc, project)))

        return viewed

    def _handed(self, doc: Document, project: Callable[[Document], Document] | None) -> Any:
        """`doc`'s projection, the caller's own (a kept document's fields copied)."""
        if project is None:
            return clone(doc) if self._decoded.holds(doc) else doc
        projected = project(doc)
        return owned(projected) if self._decoded.holds(doc) else projected

    def _load(self, txn: lmdb.Transaction, key: bytes, shared: bool = False) -> Document:
        found = self._record(txn, key, shared)
        if found is None:
            raise KeyError(key)
        return found[1]

    def get(self, _id: Any) -> Document | None:
        with self._reading(None) as txn:
            found = self._record(txn, id_key(_id))
        return None if found is None else found[1]

    def raw_documents(self) -> Iterator[bytes]:
        """Every document's BSON as stored (checksum verified), in natural order."""
        with self._reading(None) as txn:
            for key in cast(Iterator[bytes], txn.cursor(db=self._order).iternext(keys=False)):
                raw = cast(bytes, txn.get(key, db=self._docs))
                unpacked = unpack(key, raw)
                if unpacked is None:
                    raise DamagedDocument(self.name, _readable_id(key, raw))
                yield bytes(unpacked[1])

    def size(self, txn: lmdb.Transaction | None = None) -> int:
        with self._reading(txn) as t:
            return int(t.stat(self._docs)["entries"])

    def verify(self) -> list[str]:
        """What is wrong with the stored documents and index entries (empty: nothing)."""
        problems: list[str] = []
        with self._reading(None) as txn:
            expected: dict[str, set[tuple[bytes, bytes]]] = {n: set() for n in self.indexes}
            listed: dict[bytes, bytes] = {}
            damaged: set[bytes] = set()
            for key in cast(Iterator[bytes], txn.cursor(db=self._docs).iternext(values=False)):
                try:
                    found = self._record(txn, key)
                except DamagedDocument as refused:
                    problems.append(str(refused))
                    damaged.add(key)
                    continue
                assert found is not None
                listed[SEQ_KEY.pack(found[0])] = key
                for name, index in self.indexes.items():
                    entries, _ = index.entries_of(found[1])
                    expected[name].update((e, index.value_of(key)) for e in entries)
            order = dict(cast(Iterator[tuple[bytes, bytes]], txn.cursor(db=self._order)))
            if order != listed and not problems:
                problems.append(f"{self.name}: the natural order does not list every document")
            for name, index in self.indexes.items():
                # A damaged document's entries cannot be checked: it is reported already.
                held = {
                    (entry, value)
                    for entry, value in cast(
                        Iterator[tuple[bytes, bytes]], txn.cursor(db=index.db).iternext()
                    )
                    if index.id_of(value) not in damaged
                }
                if held != expected[name]:
                    missing, extra = len(expected[name] - held), len(held - expected[name])
                    problems.append(
                        f"{self.name}: index {name} has {missing} entries missing and "
                        f"{extra} too many"
                    )
        return problems

    # --- indexes ------------------------------------------------------------------------------

    def create_index(self, spec: IndexSpec) -> str:
        existing = self.indexes.get(spec.name)
        if existing is not None:
            if existing.spec != spec:
                raise OperationFailure(
                    f"Index already exists with a different name or options: {spec.name}",
                    code=85,
                )
            return spec.name
        index = Index(spec, self._index_db(spec.name))
        try:
            with self._writing() as txn:
                txn.drop(index.db, delete=False)
                for key in cast(Iterator[bytes], txn.cursor(db=self._docs).iternext(values=False)):
                    doc = self._load(txn, key)
                    entries, arrays = index.entries_of(doc)
                    if index.conflict(txn, entries, key):
                        raise self._duplicate(txn, index, doc, key)
                    index.array_fields |= arrays
                    index.add(txn, entries, key)
                self.indexes[spec.name] = index
                self._led_by.clear()
                self._catalog(txn)
        except BaseException:
            self.indexes.pop(spec.name, None)
            self._led_by.clear()
            raise
        return spec.name

    @property
    def _namespace(self) -> str:
        return f"{self._database.name}.{self.name}"

    def _duplicate(
        self, txn: lmdb.Transaction, index: Index, doc: Document, key: bytes
    ) -> DuplicateKeyError:
        values = index.conflicting(txn, doc, key)
        return _duplicate(self._namespace, index.spec.name, index.spec.keys, values)

    def rebuild_indexes(self, txn: lmdb.Transaction) -> None:
        """Every index's entries written again from the documents (an earlier key format)."""
        self._changed(lost=True)
        for index in self.indexes.values():
            txn.drop(index.db, delete=False)
        for key in cast(Iterator[bytes], txn.cursor(db=self._docs).iternext(values=False)):
            try:
                doc = self._load(txn, key)
            except DamagedDocument:
                continue  # `verify` names it; its entries cannot be known
            for index in self.indexes.values():
                entries, arrays = index.entries_of(doc)
                index.array_fields |= arrays
                index.add(txn, entries, key)
        self._catalog(txn)

    def drop_index(self, name: str) -> bool:
        """Forget index `name`; False when there is no such index."""
        index = self.indexes.get(name)
        if index is None:
            return False
        with self._writing() as txn:
            txn.drop(index.db, delete=True)
            del self.indexes[name]
            self._led_by.clear()
            self._catalog(txn)
        return True

    def index_specs(self) -> list[IndexSpec]:
        return [index.spec for index in self.indexes.values()]

    # --- reads --------------------------------------------------------------------------------

    def find(
        self,
        query: Mapping[str, Any] | None,
        *,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
        txn: lmdb.Transaction | None = None,
        project: Callable[[Document], Document] | None = None,
        view: tuple[Hashable, Callable[[Document], Any]] | None = None,
    ) -> list[Any]:
        """The matching documents (the caller's own: new dicts and lists), each passed through
        `project` as it is read when given (a new dict of the document's fields: only those
        are copied from a document kept decoded). With `view` (a key and a function of the
        projected document), each document's view instead: made once per document kept decoded
        and key, as long as it is kept (treat it as read-only: later reads get it too)."""
        query = query or {}
        shared = project is not None or view is not None
        hand: Callable[[Document], Any] | None = None
        if view is not None:
            hand = self._viewer(view[0], view[1], project)
        elif project is not None:
            hand = functools.partial(self._handed, project=project)
        with self._reading(txn) as t:
            if "_id" in query and _scalar(query["_id"]):
                # One document by its `_id` (and, for a conditional write, its version): what
                # most calls ask; no plan needed.
                rest = compile_filter(query) if len(query) > 1 else _NO_CHECK
                found = self._record(t, id_key(normalise(query["_id"])), shared)
                one = [] if found is None or skip > 0 or limit < 0 else [found[1]]
                if one and not rest(one[0]):
                    one = []
                return one if hand is None else [hand(d) for d in one]
            plan = self._plan(t, query, sort)
            match = _NO_CHECK if plan.exact else compile_filter(query)
            wanted = None if limit <= 0 else skip + limit
            ordered = (
                self._ordered(t, plan, match, sort, wanted, shared=shared)
                if sort
                else self._natural(t, plan, match, shared)
            )
            page = itertools.islice(ordered, skip, wanted)
            documents = list(page) if hand is None else [hand(d) for d in page]
            if plan.scanned >= RELEASE_AFTER:
                self._database.environment.release()
            return documents

    def count(self, query: Mapping[str, Any] | None) -> int:
        query = query or {}
        with self._reading(None) as txn:
            plan = self._plan(txn, query)
            if plan.span is not None:
                return plan.span[0].count(txn, plan.span[1])
            if plan.exact:
                return self.size(txn) if plan.candidates is None else len(plan.candidates)
            match = compile_filter(query)
            return sum(1 for _ in self._natural(txn, plan, match, shared=True))

    def _natural(
        self, txn: lmdb.Transaction, plan: _Plan, match: Predicate, shared: bool = False
    ) -> Iterable[Document]:
        plan.materialise(txn)
        if plan.candidates is None:
            return (d for d in self._scan(txn, plan, shared) if match(d))
        if len(plan.candidates) == 1:
            (only,) = plan.candidates
            found = self._record(txn, only, shared)
            return [found[1]] if found is not None and match(found[1]) else []
        # In insertion order, read from the records' headers: decoded one by one afterwards.
        keyed = []
        for key in plan.candidates:
            raw = cast(bytes | None, txn.get(key, db=self._docs))
            if raw is not None:
                keyed.append((seq_of(raw), key))
        keyed.sort()
        return (d for d in (self._load(txn, k, shared) for _, k in keyed) if match(d))

    def _scan(self, txn: lmdb.Transaction, plan: _Plan, shared: bool = False) -> Iterator[Document]:
        for key in cast(Iterator[bytes], txn.cursor(db=self._order).iternext(keys=False)):
            plan.scanned += 1
            yield self._load(txn, key, shared)

    def _ordered(
        self,
        txn: lmdb.Transaction,
        plan: _Plan,
        match: Predicate,
        sort: Sort,
        wanted: int | None,
        *,
        shared: bool = False,
    ) -> Iterable[Document]:
        if plan.span is not None:
            index, prefix = plan.span
            forward = index.serves(sort, len(prefix))
            if forward is not None:
                return (self._load(txn, k, shared) for k in index.walk(txn, prefix, forward))
            plan.materialise(txn)
        size = self.size(txn) if plan.candidates is None else len(plan.candidates)
        walk = self._best_walk(txn, plan, sort, size, wanted)
        if walk is not None:
            candidates = plan.candidates
            ids = walk if candidates is None else (k for k in walk if k in candidates)
            return (d for d in (self._load(txn, k, shared) for k in ids) if match(d))
        found = list(self._natural(txn, plan, match, shared))

        def position(doc: Document) -> tuple[bytes, ...]:
            return order_key(doc, sort)

        if wanted is not None and wanted < len(found) // 4:
            return heapq.nsmallest(wanted, found, key=position)
        found.sort(key=position)
        return found

    def _best_walk(
        self, txn: lmdb.Transaction, plan: _Plan, sort: Sort, size: int, wanted: int | None
    ) -> Iterable[bytes] | None:
        """An index walk in `sort` order when it is cheaper than sorting the candidates."""
        best: tuple[float, int, Index, tuple[Any, ...], bool] | None = None
        documents = self.size(txn)
        for index in self.indexes.values():
            if index.spec.sparse:  # it lacks the documents without its fields: they sort too
                continue
            prefix = self._prefix(txn, index, plan)
            fixed = len(prefix)
            for used in range(fixed, -1, -1):
                forward = index.serves(sort, used)
                if forward is None:
                    continue
                span = index.width(txn, prefix[:used])
                if used:
                    # Pinned values hold one entry per document at most (an array field left
                    # unpinned can't serve a sort): past the counting cap, the width of a
                    # multikey index is no measure of the span, a value's postings are.
                    held = index.holding(prefix[0]) if used == 1 else None
                    span = min(span, documents) if held is None else held
                steps = span if wanted is None else min(span, wanted * span / max(size, 1))
                cost = steps * WALK_STEP_COST
                # At equal cost the longer pinned prefix: its entries are a subsequence of the
                # shorter one's holding every candidate, so it never walks further.
                if best is None or (cost, -used) < (best[0], best[1]):
                    best = (cost, -used, index, tuple(prefix[:used]), forward)
                break
        if best is None or best[0] > size:
            return None
        _, _, index, prefix_values, forward = best
        return index.walk(txn, prefix_values, forward)

    @staticmethod
    def _prefix(txn: lmdb.Transaction, index: Index, plan: _Plan) -> list[Any]:
        """The values pinning `index`'s leading fields: a pinned field's value, or, for a
        field that must hold several values, the one held by the fewest entries."""
        prefix: list[Any] = []
        for path, _ in index.spec.keys:
            if path in plan.pinned:
                prefix.append(plan.pinned[path])
            elif path in plan.every:
                # The rarest value; past the counting cap, by the exact counts an intersection
                # of them left behind.
                def rarity(v: Any) -> tuple[int, float]:
                    known = index.known([*prefix, v])
                    if known is None and not prefix:
                        known = index.holding(v)
                    return index.width(txn, [*prefix, v]), math.inf if known is None else known

                prefix.append(min(plan.every[path], key=rarity))
            else:
                break
        return prefix

    def _equality_index(self, path: str, values: list[Any]) -> Index | None:
        """An index answering equality on `path` (its first field) for `values`."""
        for index in self.indexes.values():
            if index.spec.keys[0][0] != path:
                continue
            if index.spec.sparse and any(bracket(v) == bracket(None) for v in values):
                continue
            if all(index.exact([v]) for v in values):
                return index
        return None

    def _plan(
        self, txn: lmdb.Transaction, query: Mapping[str, Any], sort: Sort | None = None
    ) -> _Plan:
        parts: list[Callable[[], set[bytes] | Postings]] = []
        read: list[Index] = []
        pinned: dict[str, Any] = {}
        every_of: dict[str, list[Any]] = {}
        exact = True
        for path, cond in query.items():
            every = _all_values(cond)
            found = None if every is None or path == "_id" else self._equality_index(path, every)
            if every is not None and found is not None:
                if len(set(every)) == 1:  # `$all` of one value is an equality
                    pinned[path] = every[0]
                parts.append(functools.partial(self._holding_all, txn, found, every))
                read.append(found)
                every_of[path] = every
                continue
            values = _equality_values(cond)
            if values is None or path.startswith("$"):
                exact = False
                ranged = self._range_index(path, cond)
                if ranged is not None:
                    parts.append(functools.partial(self._range, txn, path, cond))
                    read.append(ranged)
                continue
            if len(values) == 1:
                pinned[path] = values[0]
            if path == "_id":
                parts.append(functools.partial(self._present, txn, values))
                continue
            index = self._equality_index(path, values)
            if index is not None:
                parts.append(functools.partial(index.lookup, txn, values))
                read.append(index)
            else:
                exact = False
        if query and len(pinned) == len(query) and "_id" not in pinned:
            span = self._covering(pinned, sort)
            if span is not None:
                return _Plan(None, True, pinned, span)
        if not parts:
            return _Plan(None, exact and not query, pinned)
        if len(parts) == 1 and len(query) == 1 and (pinned or "_id" in query):
            # One lookup of one value: nothing to intersect or unite, nothing worth remembering.
            return _Plan(parts[0](), exact, pinned, every=every_of)
        candidates = self._candidates(query, parts, self._stamp(query, read))
        return _Plan(candidates, exact, pinned, every=every_of)

    def _holding_all(
        self, txn: lmdb.Transaction, index: Index, values: list[Any]
    ) -> set[bytes] | Postings:
        """The ids whose entries in `index` (first field) hold every one of `values`: the
        entries of the rarest value, each kept when the others have the same entry (same
        remaining fields and id), so a common word costs lookups, not a walk of its entries;
        when every value is common, or the others have their postings and the rarest is held
        by `POSTING_FROM` documents or more, the intersection of their postings (bitsets the
        index keeps current)."""
        widths = {v: index.width(txn, [v]) for v in set(values)}
        distinct = sorted(widths, key=widths.__getitem__)
        rarest, others = distinct[0], [index.prefix([v]) for v in distinct[1:]]
        if not others:
            return index.lookup(txn, [rarest])
        if widths[rarest] >= WIDTH_CAP or (
            # The others' bitsets are kept (common words): the rarest's is built from its
            # entries once, a walk's worth of reads, and is then kept current like theirs;
            # each search after that is an intersection, not a walk.
            widths[rarest] >= POSTING_FROM
            and all(index.holding(v) is not None for v in distinct[1:])
        ):
            seqs = self._seqs(txn)
            bitsets = [index.posting(txn, v, seqs) for v in distinct]
            return Postings.of_all(bitsets, txn, self._docs, self._order)
        found: set[bytes] = set()
        start = index.prefix([rarest])
        holds = [index.holder(txn) for _ in others]
        for key, value in index.entries(txn, start):
            if len(key) >= keys.KEY_LIMIT:  # cut: the rest of the key is not all there
                return Collection._intersection(txn, index, distinct)
            rest = key[len(start) :]
            if all(held(other + rest, value) for held, other in zip(holds, others, strict=True)):
                found.add(index.id_of(value))
        return found

    @staticmethod
    def _intersection(txn: lmdb.Transaction, index: Index, values: list[Any]) -> set[bytes]:
        """The ids whose entries hold each of `values`: the stored sets intersected smallest
        first, the ids made of what is left."""
        sets = sorted((index.stored(txn, [v]) for v in values), key=len)
        return index.ids(sets[0].intersection(*sets[1:]))

    def _seqs(self, txn: lmdb.Transaction) -> Callable[[Iterable[bytes]], Iterator[int]]:
        """The sequence numbers of documents (by id), read from their records' headers: outside
        a write, through a read of LMDB's pages in place (the same snapshot, nothing copied).
        Every `RELEASE_AFTER` records read so, their pages go, as after a scan."""

        def seqs(ids: Iterable[bytes]) -> Iterator[int]:
            with _Within(txn) if txn is self._write_txn else self._env.begin(buffers=True) as t:
                get = functools.partial(t.get, db=self._docs)
                for raw in map(get, ids):
                    if raw is not None:
                        self._headers_read += 1
                        yield seq_of(cast(bytes, raw))
            if self._headers_read >= RELEASE_AFTER:
                self._headers_read = 0
                self._database.environment.release()

        return seqs

    def _present(self, txn: lmdb.Transaction, values: list[Any]) -> set[bytes]:
        wanted = {id_key(v) for v in values}
        return {k for k in wanted if txn.get(k, db=self._docs) is not None}

    def _candidates(
        self,
        query: Mapping[str, Any],
        parts: list[Callable[[], set[bytes] | Postings]],
        stamp: tuple[int, ...],
    ) -> set[bytes] | Postings:
        """The ids in every one of `parts`; remembered until an index they come from changes,
        since a page is asked as a count and a find of the same query, one after the other,
        and the next page or reader asks it again. Postings alone are not remembered: they
        read through this call's transaction, and the index keeps their bitsets anyway."""
        try:
            key = bson.encode(query)
        except (bson.errors.InvalidDocument, TypeError):
            key = b""
        cached = self._cached.get(key)
        if key and cached is not None and cached[0] == stamp:
            self._cached.move_to_end(key)
            return cached[1]
        sets = sorted((part() for part in parts), key=len)
        plain = [s for s in sets if isinstance(s, set)]
        postings = [s for s in sets if isinstance(s, Postings)]
        if not plain and len(postings) == 1:
            return postings[0]
        found = plain[0].intersection(*plain[1:]) if plain else set(postings.pop(0))
        for posting in postings:
            found = posting.within(found)
        if key:
            # The least recently asked goes: queries naming the time now (due clocks, sweeps)
            # are new every time and must not push out the searches asked again and again.
            self._cached[key] = (stamp, found)
            self._cached.move_to_end(key)
            while len(self._cached) > CACHED_QUERIES:
                self._cached.popitem(last=False)
        return found

    def _covering(
        self, pinned: Mapping[str, Any], sort: Sort | None
    ) -> tuple[Index, tuple[Any, ...]] | None:
        """A single-valued index whose leading fields are exactly `pinned`'s (one that also
        serves `sort` after them, if there is one)."""
        found = None
        names = frozenset(pinned)
        led = self._led_by.get(names)
        if led is None:
            led = self._led_by[names] = []
            for index in self.indexes.values():
                fields = [path for path, _ in index.spec.keys[: len(pinned)]]
                if not index.spec.sparse and set(fields) == names:
                    led.append((index, fields))
        for index, fields in led:
            # An array among the pinned fields still gives each document one entry with those
            # values; an array after them would give several.
            if any(p >= len(pinned) for p in index.array_fields):
                continue
            values = tuple(pinned[f] for f in fields)
            if not index.exact(values):
                continue
            found = index, values
            if sort is None or index.serves(sort, len(pinned)) is not None:
                return found
        return found

    def _range_index(self, path: str, cond: Any) -> Index | None:
        """The index answering `$gt/$gte/$lt/$lte` on `path`: an ascending first field."""
        if not is_operator_doc(cond) or not set(cond) <= _RANGE or path.startswith("$"):
            return None
        if any(isinstance(v, list) for v in cond.values()):
            return None  # an array bound: an empty array's entry sits below null (a scan)
        with_null = any(v is None for v in cond.values())  # a sparse index lacks the missing
        return next(
            (
                i
                for i in self.indexes.values()
                if i.spec.keys[0][0] == path
                and i.first_ascending
                and path != "_id"
                and not (with_null and i.spec.sparse)
            ),
            None,
        )

    def _range(self, txn: lmdb.Transaction, path: str, cond: Any) -> set[bytes]:
        index = self._range_index(path, cond)
        assert index is not None
        low = high = None
        for op, value in cond.items():
            if op in ("$gt", "$gte"):
                low = (normalise(value), op == "$gte")
            else:
                high = (normalise(value), op == "$lte")
        if low is not None and high is not None and bracket(low[0]) != bracket(high[0]):
            return set()
        return index.range_ids(txn, low, high)

    # --- writes -------------------------------------------------------------------------------

    def insert(self, doc: Mapping[str, Any]) -> Document:
        """Store a copy of `doc` (an ObjectId `_id` is added when absent); DuplicateKeyError
        if its `_id` or a unique value is taken."""
        with self._writing() as txn:
            return self._insert(txn, doc)

    def _insert(self, txn: lmdb.Transaction, doc: Mapping[str, Any]) -> Document:
        stored = normalise_document(dict(doc))
        if "_id" not in stored:
            stored = {"_id": ObjectId(), **stored}
        elif next(iter(stored)) != "_id":  # a server moves `_id` to the front
            stored = {"_id": stored.pop("_id"), **stored}
        if isinstance(stored["_id"], (list, re.Pattern, Regex)):
            kind = "array" if isinstance(stored["_id"], list) else "regex"
            raise WriteError(f"The '_id' value cannot be of type {kind}", 2)
        key = id_key(stored["_id"])
        if txn.get(key, db=self._docs) is not None:
            raise _duplicate(self._namespace, "_id_", [("_id", 1)], [stored["_id"]])
        planned = self._entries(txn, stored, key)
        seq = self._next_seq
        self._next_seq += 1
        record = pack(key, seq, bson.encode(stored))
        self._put_document(txn, key, record)
        txn.put(SEQ_KEY.pack(seq), key, db=self._order, append=True)
        grown = not self._listed
        for index, entries, arrays in planned:
            index.add(txn, entries, key)
            index.track(None, stored, seq)
            if not arrays <= index.array_fields:
                index.array_fields |= arrays
                grown = True
        if grown:
            self._catalog(txn)
        return stored

    def _put_document(self, txn: lmdb.Transaction, key: bytes, record: bytes) -> None:
        # Ids that grow (ticket numbers, ObjectIds) are appended: LMDB then fills each page
        # instead of splitting it in half (half the pages for ticket-sized documents).
        cursor = txn.cursor(db=self._docs)
        last = cast(bytes, cursor.key()) if cursor.last() else None
        txn.put(key, record, db=self._docs, append=last is None or key > last)

    def _entries(
        self, txn: lmdb.Transaction, doc: Document, key: bytes, only: Iterable[Index] | None = None
    ) -> list[tuple[Index, set[bytes], set[int]]]:
        """Each index's entries of `doc`, after checking no other document holds a unique one."""
        planned = []
        for index in self.indexes.values() if only is None else only:
            entries, arrays = index.entries_of(doc)
            if index.conflict(txn, entries, key):
                raise self._duplicate(txn, index, doc, key)
            planned.append((index, entries, arrays))
        return planned

    def update(
        self,
        query: Mapping[str, Any],
        update: Mapping[str, Any],
        *,
        upsert: bool = False,
        multi: bool = False,
        sort: Sort | None = None,
        replace: bool = False,
    ) -> WriteResult:
        with self._writing() as txn:
            return self._update(
                txn, query, update, upsert=upsert, multi=multi, sort=sort, replace=replace
            )

    def _update(
        self,
        txn: lmdb.Transaction,
        query: Mapping[str, Any],
        update: Mapping[str, Any],
        *,
        upsert: bool,
        multi: bool,
        sort: Sort | None,
        replace: bool,
    ) -> WriteResult:
        matches = self.find(query, sort=sort, limit=0 if multi else 1, txn=txn)
        if not matches:
            if not upsert:
                return WriteResult()
            seed = upsert_seed(query)
            if replace:
                created = {**({"_id": seed["_id"]} if "_id" in seed else {}), **update}
            else:
                created = apply_update(seed, update, inserting=True)
            stored = self._insert(txn, created)
            return WriteResult(upserted_id=stored["_id"], after=stored)
        modified = 0
        first_before = matches[0]
        first_after = matches[0]
        change = None if replace else updater(update)
        for n, before in enumerate(matches):
            if change is None:
                after = {"_id": before["_id"], **normalise_document(dict(update))}
                if "_id" in update and hash_key(update["_id"]) != hash_key(before["_id"]):
                    raise _immutable_id()
            else:
                after = change(before)
            if n == 0:
                first_after = after
            if identical(after, before):
                continue
            self._replace(txn, before, after)
            modified += 1
        return WriteResult(
            matched=len(matches), modified=modified, before=first_before, after=first_after
        )

    def _replace(self, txn: lmdb.Transaction, before: Document, after: Document) -> None:
        key = id_key(before["_id"])
        # Updates share unchanged top-level values with the old version: `is` finds them.
        changed = {
            k
            for k in before.keys() | after.keys()
            if before.get(k, MISSING) is not after.get(k, MISSING)
        }
        touched = [
            i for i in self.indexes.values() if changed.intersection(i.tops) or "_id" in changed
        ]
        planned = self._entries(txn, after, key, touched)
        seq = seq_of(cast(bytes, txn.get(key, db=self._docs)))
        txn.put(key, pack(key, seq, bson.encode(after)), db=self._docs)
        grown = False
        for index, entries, arrays in planned:
            old, _ = index.entries_of(before)
            index.remove(txn, old - entries, key)
            index.add(txn, entries - old, key)
            index.track(before, after, seq)
            if not arrays <= index.array_fields:
                index.array_fields |= arrays
                grown = True
        if grown:
            self._catalog(txn)

    def delete(
        self, query: Mapping[str, Any], *, multi: bool, sort: Sort | None = None
    ) -> list[Document]:
        with self._writing() as txn:
            removed = self.find(query, sort=sort, limit=0 if multi else 1, txn=txn)
            for doc in removed:
                key = id_key(doc["_id"])
                seq = seq_of(cast(bytes, txn.get(key, db=self._docs)))
                for index in self.indexes.values():
                    index.remove(txn, index.entries_of(doc)[0], key)
                    index.track(doc, None, seq)
                txn.delete(key, db=self._docs)
                txn.delete(SEQ_KEY.pack(seq), db=self._order)
        return removed

    def drop(self) -> None:
        with self._writing() as txn:
            txn.drop(self._docs, delete=False)
            txn.drop(self._order, delete=False)
            for index in self.indexes.values():
                txn.drop(index.db, delete=True)
            self.indexes.clear()
            self._led_by.clear()
            self._database.put_catalog(txn, self.name, None)
            self._listed = False

    def load(self, doc: Document, txn: lmdb.Transaction) -> None:
        """Migration: put a document back as it was (no unique check: it was kept)."""
        self._changed(lost=True)  # its sequence number changes: no bitset of it holds
        key = id_key(doc["_id"])
        existing = self._record(txn, key)
        if existing is not None:
            txn.delete(SEQ_KEY.pack(existing[0]), db=self._order)
            for index in self.indexes.values():
                index.remove(txn, index.entries_of(existing[1])[0], key)
        seq = self._next_seq
        self._next_seq += 1
        self._put_document(txn, key, pack(key, seq, bson.encode(doc)))
        txn.put(SEQ_KEY.pack(seq), key, db=self._order, append=True)
        for index in self.indexes.values():
            entries, arrays = index.entries_of(doc)
            index.array_fields |= arrays
            index.add(txn, entries, key)


class _Within:
    """A transaction already open, used as a context that leaves it open."""

    __slots__ = ("txn",)

    def __init__(self, txn: lmdb.Transaction) -> None:
        self.txn = txn

    def __enter__(self) -> lmdb.Transaction:
        return self.txn

    def __exit__(self, *_: object) -> None:
        return None


def _readable_id(key: bytes, raw: bytes) -> Any:
    """The `_id` a damaged record was stored under, as well as its key tells it."""
    if key[:1] == bytes((STRING,)) and key.endswith(b"\x00\x00"):
        with contextlib.suppress(UnicodeDecodeError):
            return key[1:-2].replace(b"\x00\xff", b"\x00").decode()
    if len(key) == 13 and key[0] == OBJECT_ID:
        return ObjectId(key[1:])
    return key.hex()


_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})


def _no_check(doc: Mapping[str, Any]) -> bool:
    return True


_NO_CHECK: Predicate = _no_check


def _equality_values(cond: Any) -> list[Any] | None:
    """The values an equality or `$in` condition accepts; None for anything else."""
    if is_operator_doc(cond):
        if set(cond) == {"$eq"}:
            cond = cond["$eq"]
        elif set(cond) == {"$in"} and isinstance(cond["$in"], (list, tuple)):
            items = list(cond["$in"])
            return items if all(_scalar(v) for v in items) else None
        else:
            return None
    return [normalise(cond)] if _scalar(cond) else None


def _all_values(cond: Any) -> list[Any] | None:
    """The values of an `$all` of scalars (each must be present: one lookup per value)."""
    if is_operator_doc(cond) and set(cond) == {"$all"} and isinstance(cond["$all"], list):
        items = [normalise(v) for v in cond["$all"]]
        return items if items and all(_scalar(v) for v in items) else None
    return None


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list, tuple)) and not hasattr(value, "pattern")


def _duplicate(
    namespace: str, index: str, pairs: Sequence[tuple[str, int]], values: Sequence[Any]
) -> DuplicateKeyError:
    """A server's duplicate key error: the message names the index and the key, and `details`
    carries `keyPattern` and `keyValue` (what a store tells unique indexes apart by)."""
    pattern = {path: direction for path, direction in pairs}
    value = {path: v for (path, _), v in zip(pairs, values, strict=True)}
    shown = ", ".join(f"{path}: {_shown(v)}" for path, v in value.items())
    message = (
        f"E11000 duplicate key error collection: {namespace} index: {index} dup key: {{ {shown} }}"
    )
    details = {
        "index": 0,
        "code": 11000,
        "errmsg": message,
        "keyPattern": pattern,
        "keyValue": value,
    }
    return DuplicateKeyError(message, 11000, details)


def _shown(value: Any) -> str:
    """A key's value as a server's error message writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    return repr(value) if isinstance(value, (list, dict)) else str(value)


def _immutable_id() -> Exception:
    return WriteError("the (immutable) field '_id' was found to have been altered", 66)


def spec_from(keys: Any, **options: Any) -> IndexSpec:
    """An IndexSpec from PyMongo's index arguments (a field name, or [(field, direction)])."""
    if isinstance(keys, str):
        pairs: tuple[tuple[str, int], ...] = ((keys, 1),)
    elif isinstance(keys, Mapping):
        pairs = tuple((str(k), int(v)) for k, v in keys.items())
    else:
        pairs = tuple((str(k), int(v)) for k, v in keys)
    unknown = set(options) - {"name", "unique", "sparse", "background"}
    if unknown:
        raise NotImplementedError(f"embedded engine: index options {sorted(unknown)}")
    return IndexSpec(
        name=options.get("name") or default_name(pairs),
        keys=pairs,
        unique=bool(options.get("unique", False)),
        sparse=bool(options.get("sparse", False)),
    )
