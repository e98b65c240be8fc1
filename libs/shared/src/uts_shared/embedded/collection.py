"""One collection of the embedded engine: documents by `_id`, indexes, and the query planner.

Every call runs to completion on the caller's thread (the services' event loop), so each write
is atomic, as a single-document write is on a server. Stored documents are never changed in
place (see `updating`); a write replaces the stored version and tells the journal.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import bson
import bson.errors
from bson import ObjectId
from bson.regex import Regex
from pymongo.errors import DuplicateKeyError, OperationFailure

from uts_shared.embedded.indexes import Index, IndexSpec, Postings, default_name, order_key
from uts_shared.embedded.matching import Predicate, compile_filter, is_operator_doc
from uts_shared.embedded.updating import WriteError, apply_update, upsert_seed
from uts_shared.embedded.values import (
    MISSING,
    bracket,
    hash_key,
    identical,
    normalise,
    normalise_document,
)

Document = dict[str, Any]
Sort = list[tuple[str, int]]
SortKey = tuple[tuple[str, int], ...]
Journal = Callable[[str, Sequence[tuple[str, Any]]], None]
"""(collection, [(op, payload)]) with op one of put/delete/index/drop."""

CACHED_QUERIES = 16
WALK_STEP_COST = 0.25
MAX_REMEMBERED_SORTS = 32
"""A step along an index costs about a quarter of reading a document to sort it."""


def id_key(value: Any) -> Hashable:
    """The key of an `_id` in the documents map (strings and ObjectIds as themselves)."""
    if isinstance(value, (str, ObjectId)):
        return value
    return hash_key(value)


@dataclass(frozen=True)
class WriteResult:
    matched: int = 0
    modified: int = 0
    upserted_id: Any = None
    before: Document | None = None
    after: Document | None = None


@dataclass
class _Plan:
    candidates: set[Hashable] | None
    """None: every document (or, with `span`, the documents in it)."""
    exact: bool
    """The candidates are exactly the matches (no predicate left to check)."""
    pinned: dict[str, Any]
    """Fields the query fixes to a single value (they let an index serve a sort)."""
    span: tuple[Index, tuple[Any, ...]] | None = None
    """An index whose leading fields are exactly the pinned ones: its entries with those
    values are the matches (counted by two bisections, walked in its order)."""
    every: dict[str, list[Any]] = field(default_factory=dict)
    """Fields that must hold each of several values (`$all`): any one of them can pin an
    index walk (the matches are among the documents holding it)."""

    def materialise(self) -> None:
        if self.span is not None:
            index, prefix = self.span
            self.candidates = set(index.walk(prefix, True))
            self.span = None


class Collection:
    def __init__(self, name: str, journal: Journal | None = None) -> None:
        self.name = name
        self.docs: dict[Hashable, Document] = {}
        self._seq: dict[Hashable, int] = {}
        self._counter = itertools.count()
        self._generation = 0
        """Bumped by every change: cached candidate sets are valid within one generation."""
        self._cached: dict[bytes, tuple[int, set[Hashable]]] = {}
        self._order_keys: dict[SortKey, dict[Hashable, tuple[Document, tuple[Any, ...]]]] = {}
        """Per sort, each document's position, remembered with the version it was computed
        for (stored versions are never modified in place, so `is` tells a stale one)."""
        self.indexes: dict[str, Index] = {}
        self._postings: dict[str, Postings] = {}
        self._journal = journal
        self.exists = False
        """Created (by a write or an index) and not dropped since, as a server tells."""

    # --- indexes ----------------------------------------------------------------------------

    def create_index(self, spec: IndexSpec, *, log: bool = True) -> str:
        existing = self.indexes.get(spec.name)
        if existing is not None:
            if existing.spec != spec:
                raise OperationFailure(
                    f"Index already exists with a different name or options: {spec.name}",
                    code=85,
                )
            return spec.name
        self._generation += 1
        self.exists = True
        index = Index(spec)
        for key, doc in self.docs.items():
            if index.conflict(doc, key) is not None:
                raise _duplicate(self.name, spec.name, doc)
            index.add(doc, key)
        self.indexes[spec.name] = index
        first = spec.keys[0][0]
        if first != "_id" and first not in self._postings:
            postings = Postings(first)
            for key, doc in self.docs.items():
                postings.add(doc, key)
            self._postings[first] = postings
        if log:
            self._log([("index", spec.document())])
        return spec.name

    def drop_index(self, name: str, *, log: bool = True) -> bool:
        """Forget index `name` (and its first field's postings, unless another index begins
        with that field); False when there is no such index."""
        index = self.indexes.pop(name, None)
        if index is None:
            return False
        self._generation += 1
        first = index.spec.keys[0][0]
        if all(other.spec.keys[0][0] != first for other in self.indexes.values()):
            self._postings.pop(first, None)
        if log:
            self._log([("unindex", name)])
        return True

    def index_specs(self) -> list[IndexSpec]:
        return [index.spec for index in self.indexes.values()]

    # --- reads ------------------------------------------------------------------------------

    def get(self, _id: Any) -> Document | None:
        return self.docs.get(id_key(_id))

    def find(
        self,
        query: Mapping[str, Any] | None,
        *,
        sort: Sort | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        """The matching documents (the stored versions: callers copy what they hand out)."""
        query = query or {}
        plan = self._plan(query, sort)
        match = _NO_CHECK if plan.exact else compile_filter(query)
        wanted = None if limit <= 0 else skip + limit
        ordered = self._ordered(plan, match, sort, wanted) if sort else self._natural(plan, match)
        return list(itertools.islice(ordered, skip, wanted))

    def count(self, query: Mapping[str, Any] | None) -> int:
        query = query or {}
        plan = self._plan(query)
        if plan.span is not None:
            lo, hi = plan.span[0].span(plan.span[1])
            return hi - lo
        if plan.exact:
            return len(self.docs) if plan.candidates is None else len(plan.candidates)
        match = compile_filter(query)
        return sum(1 for _ in self._natural(plan, match))

    def _natural(self, plan: _Plan, match: Predicate) -> Iterable[Document]:
        plan.materialise()
        docs = self.docs
        if plan.candidates is None:
            return (d for d in list(docs.values()) if match(d))
        keys = sorted(plan.candidates, key=self._seq.__getitem__)
        return (d for d in (docs[k] for k in keys) if match(d))

    def _ordered(
        self, plan: _Plan, match: Predicate, sort: Sort, wanted: int | None
    ) -> Iterable[Document]:
        docs = self.docs
        if plan.span is not None:
            index, prefix = plan.span
            forward = index.serves(sort, len(prefix))
            if forward is not None:
                return (docs[k] for k in index.walk(prefix, forward))
            plan.materialise()
        size = len(docs) if plan.candidates is None else len(plan.candidates)
        walk = self._best_walk(plan, sort, size, wanted)
        if walk is not None:
            candidates = plan.candidates
            keys = walk if candidates is None else (k for k in walk if k in candidates)
            return (d for d in (docs[k] for k in keys) if match(d))
        found = [d for d in self._natural(plan, match)]
        position = self._positions(sort)
        if wanted is not None and wanted < len(found) // 4:
            return heapq.nsmallest(wanted, found, key=position)
        found.sort(key=position)
        return found

    def _positions(self, sort: Sort) -> Callable[[Document], tuple[Any, ...]]:
        """`order_key` under `sort`, computed once per stored version of a document."""
        shape: SortKey = tuple(sort)
        known = self._order_keys.get(shape)
        if known is None or len(known) > 2 * len(self.docs) + 64:
            if len(self._order_keys) >= MAX_REMEMBERED_SORTS:
                self._order_keys.clear()
            known = self._order_keys[shape] = {}

        def position(doc: Document) -> tuple[Any, ...]:
            key = id_key(doc["_id"])
            seen = known.get(key)
            if seen is not None and seen[0] is doc:
                return seen[1]
            computed = order_key(doc, sort)
            known[key] = (doc, computed)
            return computed

        return position

    def _best_walk(
        self, plan: _Plan, sort: Sort, size: int, wanted: int | None
    ) -> Iterable[Hashable] | None:
        """An index walk in `sort` order when it is cheaper than sorting the candidates."""
        best: tuple[float, Index, tuple[Any, ...], bool] | None = None
        for index in self.indexes.values():
            if index.spec.sparse:  # it lacks the documents without its fields: they sort too
                continue
            prefix = self._prefix(index, plan)
            fixed = len(prefix)
            for used in range(fixed, -1, -1):
                forward = index.serves(sort, used)
                if forward is None:
                    continue
                lo, hi = index.span(prefix[:used])
                span = hi - lo
                steps = span if wanted is None else min(span, wanted * span / max(size, 1))
                cost = steps * WALK_STEP_COST
                if best is None or cost < best[0]:
                    best = (cost, index, tuple(prefix[:used]), forward)
                break
        if best is None or best[0] > size:
            return None
        _, index, prefix_values, forward = best
        return index.walk(prefix_values, forward)

    @staticmethod
    def _prefix(index: Index, plan: _Plan) -> list[Any]:
        """The values pinning `index`'s leading fields: a pinned field's value, or, for a
        field that must hold several values, the one held by the fewest entries."""
        prefix: list[Any] = []
        for path, _ in index.spec.keys:
            if path in plan.pinned:
                prefix.append(plan.pinned[path])
            elif path in plan.every and index.entries is not None:
                prefix.append(min(plan.every[path], key=lambda v: _width(index, [*prefix, v])))
            else:
                break
        return prefix

    def _plan(self, query: Mapping[str, Any], sort: Sort | None = None) -> _Plan:
        parts: list[Callable[[], set[Hashable]]] = []
        pinned: dict[str, Any] = {}
        every_of: dict[str, list[Any]] = {}
        exact = True
        costly = False
        """A union or an intersection is to be computed (cheap ones are an index's own set)."""
        for path, cond in query.items():
            every = _all_values(cond)
            if every is not None and path in self._postings:
                postings = self._postings[path]
                parts.extend(functools.partial(postings.lookup, [v]) for v in every)
                if every:
                    every_of[path] = every
                continue
            values = _equality_values(cond)
            if values is None or path.startswith("$"):
                exact = False
                if self._range_index(path, cond) is not None:
                    parts.append(functools.partial(self._range, path, cond))
                    costly = True
                continue
            if len(values) == 1:
                pinned[path] = values[0]
            if path == "_id":
                parts.append(functools.partial(self._present, {id_key(v) for v in values}))
            elif path in self._postings:
                parts.append(functools.partial(self._postings[path].lookup, values))
                costly = costly or len(values) > 1
            else:
                exact = False
        if query and len(pinned) == len(query) and "_id" not in pinned:
            span = self._covering(pinned, sort)
            if span is not None:
                return _Plan(None, True, pinned, span)
        if not parts:
            return _Plan(None, exact and not query, pinned)
        if len(parts) == 1 and not costly:
            # read-only: may be an index's own set
            return _Plan(parts[0](), exact, pinned, every=every_of)
        return _Plan(self._candidates(query, parts), exact, pinned, every=every_of)

    def _present(self, keys: set[Hashable]) -> set[Hashable]:
        return {k for k in keys if k in self.docs}

    def _candidates(
        self, query: Mapping[str, Any], parts: list[Callable[[], set[Hashable]]]
    ) -> set[Hashable]:
        """The ids in every one of `parts`; remembered until the next change, since a page is
        asked as a count and a find of the same query, one after the other."""
        try:
            key = bson.encode(query)
        except (bson.errors.InvalidDocument, TypeError):
            key = b""
        cached = self._cached.get(key)
        if key and cached is not None and cached[0] == self._generation:
            return cached[1]
        sets = sorted((part() for part in parts), key=len)
        found = sets[0].intersection(*sets[1:]) if len(sets) > 1 else sets[0]
        if key:
            if len(self._cached) >= CACHED_QUERIES:
                self._cached.clear()
            self._cached[key] = (self._generation, found)
        return found

    def _covering(
        self, pinned: Mapping[str, Any], sort: Sort | None
    ) -> tuple[Index, tuple[Any, ...]] | None:
        """A single-valued index whose leading fields are exactly `pinned`'s (one that also
        serves `sort` after them, if there is one)."""
        found = None
        for index in self.indexes.values():
            fields = [path for path, _ in index.spec.keys[: len(pinned)]]
            if index.multikey or index.spec.sparse or set(fields) != set(pinned):
                continue
            found = index, tuple(pinned[f] for f in fields)
            if sort is None or index.serves(sort, len(pinned)) is not None:
                return found
        return found

    def _range_index(self, path: str, cond: Any) -> Index | None:
        """The index answering `$gt/$gte/$lt/$lte` on `path`: an ascending first field."""
        if not is_operator_doc(cond) or not set(cond) <= _RANGE or path.startswith("$"):
            return None
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

    def _range(self, path: str, cond: Any) -> set[Hashable]:
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
        return index.range_ids(self.docs, low, high)

    # --- writes -----------------------------------------------------------------------------

    def insert(self, doc: Mapping[str, Any]) -> Document:
        """Store a copy of `doc` (an ObjectId `_id` is added when absent); DuplicateKeyError
        if its `_id` or a unique value is taken."""
        stored = normalise_document(dict(doc))
        if "_id" not in stored:
            stored = {"_id": ObjectId(), **stored}
        elif next(iter(stored)) != "_id":  # a server moves `_id` to the front
            stored = {"_id": stored.pop("_id"), **stored}
        if isinstance(stored["_id"], (list, re.Pattern, Regex)):
            kind = "array" if isinstance(stored["_id"], list) else "regex"
            raise WriteError(f"The '_id' value cannot be of type {kind}", 2)
        key = id_key(stored["_id"])
        if key in self.docs:
            raise _duplicate(self.name, "_id_", stored)
        self._check_unique(stored, key)
        self._store(key, None, stored)
        return stored

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
        matches = self.find(query, sort=sort, limit=0 if multi else 1)
        if not matches:
            if not upsert:
                return WriteResult()
            seed = upsert_seed(query)
            if replace:
                created = {**({"_id": seed["_id"]} if "_id" in seed else {}), **update}
            else:
                created = apply_update(seed, update, inserting=True)
            stored = self.insert(created)
            return WriteResult(upserted_id=stored["_id"], after=stored)
        modified = 0
        first_before = matches[0]
        first_after = matches[0]
        for n, before in enumerate(matches):
            if replace:
                after = {"_id": before["_id"], **normalise_document(dict(update))}
                if "_id" in update and hash_key(update["_id"]) != hash_key(before["_id"]):
                    raise _immutable_id()
            else:
                after = apply_update(before, update)
            if n == 0:
                first_after = after
            if identical(after, before):
                continue
            key = id_key(before["_id"])
            self._check_unique(after, key)
            self._store(key, before, after)
            modified += 1
        return WriteResult(
            matched=len(matches), modified=modified, before=first_before, after=first_after
        )

    def delete(
        self, query: Mapping[str, Any], *, multi: bool, sort: Sort | None = None
    ) -> list[Document]:
        removed = self.find(query, sort=sort, limit=0 if multi else 1)
        self._generation += 1
        for doc in removed:
            key = id_key(doc["_id"])
            self._unindex(key, doc)
            del self.docs[key]
            del self._seq[key]
        if removed:
            self._log([("delete", doc["_id"]) for doc in removed])
        return removed

    def drop(self) -> None:
        self.clear()
        self._log([("drop", None)])

    def clear(self) -> None:
        self._generation += 1
        self.exists = False
        self.docs.clear()
        self._seq.clear()
        self.indexes.clear()
        self._postings.clear()

    def _check_unique(self, doc: Document, key: Hashable) -> None:
        for index in self.indexes.values():
            if index.conflict(doc, key) is not None:
                raise _duplicate(self.name, index.spec.name, doc)

    def _store(self, key: Hashable, before: Document | None, after: Document) -> None:
        self._generation += 1
        self.exists = True
        if before is not None:
            self._reindex(key, before, after)
        else:
            self._seq[key] = next(self._counter)
            for index in self.indexes.values():
                index.add(after, key)
            for postings in self._postings.values():
                postings.add(after, key)
        self.docs[key] = after
        self._log([("put", after)])

    def _reindex(self, key: Hashable, before: Document, after: Document) -> None:
        # Updates share unchanged top-level values with the old version: `is` finds them.
        changed = {
            k
            for k in before.keys() | after.keys()
            if before.get(k, MISSING) is not after.get(k, MISSING)
        }
        for index in self.indexes.values():
            if changed.intersection(index.tops) or "_id" in changed:
                index.remove(before, key)
                index.add(after, key)
        for path, postings in self._postings.items():
            if path.split(".", 1)[0] in changed:
                postings.remove(before, key)
                postings.add(after, key)

    def _unindex(self, key: Hashable, doc: Document) -> None:
        for index in self.indexes.values():
            index.remove(doc, key)
        for postings in self._postings.values():
            postings.remove(doc, key)

    def load(self, doc: Document) -> None:
        """Recovery: put a journalled version back without logging it again."""
        self._generation += 1
        self.exists = True
        key = id_key(doc["_id"])
        before = self.docs.get(key)
        if before is not None:
            self._unindex(key, before)
        else:
            self._seq[key] = next(self._counter)
        for index in self.indexes.values():
            index.add(doc, key)
        for postings in self._postings.values():
            postings.add(doc, key)
        self.docs[key] = doc

    def unload(self, _id: Any) -> None:
        self._generation += 1
        key = id_key(_id)
        doc = self.docs.pop(key, None)
        if doc is not None:
            self._unindex(key, doc)
            del self._seq[key]

    def _log(self, records: Sequence[tuple[str, Any]]) -> None:
        if self._journal is not None:
            self._journal(self.name, records)


_RANGE = frozenset({"$gt", "$gte", "$lt", "$lte"})


def _width(index: Index, prefix: list[Any]) -> int:
    lo, hi = index.span(prefix)
    return hi - lo


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


def _duplicate(collection: str, index: str, doc: Mapping[str, Any]) -> DuplicateKeyError:
    return DuplicateKeyError(
        f"E11000 duplicate key error collection: {collection} index: {index} "
        f"dup key: {{_id: {doc.get('_id')!r}}}",
        11000,
    )


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
