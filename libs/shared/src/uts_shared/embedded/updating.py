"""Update documents applied without touching the stored original (MongoDB semantics).

An update never changes the document it is given: it copies the containers on the paths it
writes and shares the rest, so the version read from LMDB stays as it was (an update's
"before", as find_one_and_update returns it), the writer finds the changed fields by identity
(only their indexes are rewritten), and an update leaving the same BSON (`values.identical`) is
no write. Supported: `$set $unset $inc $min $max $setOnInsert $push $addToSet $pull $pullAll
$pop`; update pipelines and positional paths are refused (they computed wrong values on the
previous engine, and the stores do not need them).
What a server refuses (conflicting paths, a changed `_id`, wrong types) raises `WriteError` with
the server's code. The subset is written down in docs/STORAGE.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from bson.regex import Regex
from pymongo.errors import WriteError as ServerWriteError

from uts_shared.embedded.matching import compile_filter, is_operator_doc, value_test
from uts_shared.embedded.values import MISSING, bracket, equal, normalise, sort_key

OPERATORS = frozenset(
    {
        "$set",
        "$unset",
        "$inc",
        "$min",
        "$max",
        "$setOnInsert",
        "$push",
        "$addToSet",
        "$pull",
        "$pullAll",
        "$pop",
    }
)


BAD_VALUE = 2
FAILED_TO_PARSE = 9
TYPE_MISMATCH = 14
PATH_NOT_VIABLE = 28
CONFLICTING_UPDATE_OPERATORS = 40
IMMUTABLE_FIELD = 66


class WriteError(ServerWriteError, ValueError):
    """An update that a server would refuse (bad path, wrong type, changed `_id`), with the
    server's error code."""

    def __init__(self, message: str, code: int = BAD_VALUE) -> None:
        super().__init__(message, code)


class _Draft:
    """A new version of a document; containers are copied the first time a path writes them."""

    def __init__(self, original: dict[str, Any]) -> None:
        self.root: dict[str, Any] = dict(original)
        self._own: set[int] = {id(self.root)}

    def _owned(self, container: Any) -> Any:
        if id(container) in self._own:
            return container
        copy: Any = dict(container) if isinstance(container, dict) else list(container)
        self._own.add(id(copy))
        return copy

    def parent(self, path: str, *, create: bool) -> tuple[Any, str] | None:
        """The (owned) container holding the last part of `path`, creating dicts if asked."""
        parts = path.split(".")
        node: Any = self.root
        for depth, part in enumerate(parts[:-1]):
            child = _child(node, part)
            if child is MISSING:
                if not create:
                    return None
                child = {}
            elif not isinstance(child, (dict, list)):
                if not create:
                    return None
                raise WriteError(
                    f"Cannot create field '{parts[depth + 1]}' in element {{{part}: {child!r}}}",
                    PATH_NOT_VIABLE,
                )
            child = self._owned(child)
            _put(node, part, child)
            node = child
        return node, parts[-1]

    def get(self, path: str) -> Any:
        node: Any = self.root
        for part in path.split("."):
            node = _child(node, part)
            if node is MISSING:
                return MISSING
        return node

    def set(self, path: str, value: Any) -> None:
        found = self.parent(path, create=True)
        assert found is not None
        node, last = found
        _put(node, last, value)

    def unset(self, path: str) -> None:
        found = self.parent(path, create=False)
        if found is None:
            return
        node, last = found
        if isinstance(node, dict):
            node.pop(last, None)
        elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = None

    def array(self, path: str, op: str) -> list[Any]:
        """An owned copy of the array at `path` (a new empty one when absent)."""
        current = self.get(path)
        if current is MISSING:
            fresh: list[Any] = []
            self.set(path, fresh)
            self._own.add(id(fresh))
            return fresh
        if not isinstance(current, list):
            raise WriteError(
                f"{op} needs an array at '{path}', found {type(current).__name__}", BAD_VALUE
            )
        owned: list[Any] = self._owned(current)
        self.set(path, owned)
        return owned


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part, MISSING)
    if isinstance(node, list) and part.isdigit():
        index = int(part)
        return node[index] if index < len(node) else MISSING
    return MISSING


def _put(node: Any, part: str, value: Any) -> None:
    if isinstance(node, dict):
        node[part] = value
        return
    if not part.isdigit():
        raise WriteError(f"Cannot create field '{part}' in element {node!r}", PATH_NOT_VIABLE)
    index = int(part)
    while len(node) <= index:
        node.append(None)
    node[index] = value


def apply_update(
    doc: dict[str, Any], update: Mapping[str, Any], *, inserting: bool = False
) -> dict[str, Any]:
    """The document after `update` (a new dict; `doc` is left as it was)."""
    return updater(update, inserting=inserting)(doc)


def updater(
    update: Mapping[str, Any], *, inserting: bool = False
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`apply_update` of `update` as a function of the document: the update is checked and its
    steps ordered once, for every document an `update_many` changes."""
    if isinstance(update, list):
        raise NotImplementedError("embedded engine: update pipelines are not supported")
    if not update or not all(k.startswith("$") for k in update):
        raise ValueError("update only works with $ operators")
    for op in update:
        if op not in OPERATORS:
            raise NotImplementedError(f"embedded engine: update operator {op} is not supported")
    steps = _steps(update, inserting)

    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        draft = _Draft(doc)
        for path, op, arg in steps:
            if path == "_id" or path.startswith("_id."):
                if op in ("$set", "$setOnInsert") and equal(doc.get("_id", MISSING), arg):
                    continue
                if not (inserting and "_id" not in doc):
                    raise WriteError(
                        "Performing an update on the path '_id' would modify the immutable "
                        "field '_id'",
                        IMMUTABLE_FIELD,
                    )
            _APPLY[op](draft, path, arg)
        return draft.root

    return apply


def _steps(update: Mapping[str, Any], inserting: bool) -> list[tuple[str, str, Any]]:
    """(path, operator, argument) in the order a server applies them: field-name order
    (numeric names in numeric order) whatever the operators, so new fields are appended in
    that order. Refuses first what a server refuses before touching a document: two paths of
    which one is the other or lies inside it, and positional paths the engine lacks."""
    whole: set[str] = set()
    inner: set[str] = set()
    steps: list[tuple[str, str, Any]] = []
    numeric = False
    for op, fields in update.items():
        if not isinstance(fields, Mapping):
            raise WriteError(f"Modifiers operate on fields but we found {fields!r} for {op}")
        for path, arg in fields.items():
            if "." in path or "$" in path or not path or path.isdigit():
                parts = _checked(path)
                numeric = numeric or any(part.isdigit() for part in parts)
                prefixes = [".".join(parts[:n]) for n in range(1, len(parts))]
            else:  # the common case: one plain field name
                prefixes = []
            if path in inner:
                raise _conflict(path, path)
            for prefix in (*prefixes, path):
                if prefix in whole:
                    raise _conflict(path, prefix)
            whole.add(path)
            inner.update(prefixes)
            if inserting or op != "$setOnInsert":
                steps.append((path, op, arg))
    if len(steps) > 1:
        steps.sort(key=_NUMERIC_ORDER if numeric else _components)
    return steps


def _checked(path: str) -> list[str]:
    parts = path.split(".")
    for part in parts:
        if not part:
            raise WriteError(f"The update path '{path}' contains an empty field name")
        if part[0] == "$":
            raise NotImplementedError(
                f"embedded engine: positional update path {path} ({part}) is not supported"
            )
    return parts


def _components(step: tuple[str, str, Any]) -> list[str]:
    return step[0].split(".")


def _compare_steps(a: tuple[str, str, Any], b: tuple[str, str, Any]) -> int:
    for x, y in zip(a[0].split("."), b[0].split("."), strict=False):
        if x != y:
            if x.isdigit() and y.isdigit():
                return -1 if int(x) < int(y) else 1
            return -1 if x < y else 1
    return 0  # one path inside the other is a conflict, refused before


_NUMERIC_ORDER = functools.cmp_to_key(_compare_steps)


def _conflict(path: str, at: str) -> WriteError:
    return WriteError(
        f"Updating the path '{path}' would create a conflict at '{at}'",
        CONFLICTING_UPDATE_OPERATORS,
    )


def _set(draft: _Draft, path: str, arg: Any) -> None:
    draft.set(path, normalise(arg))


def _unset(draft: _Draft, path: str, arg: Any) -> None:
    draft.unset(path)


def _inc(draft: _Draft, path: str, arg: Any) -> None:
    current = draft.get(path)
    if bracket(arg) != bracket(0):
        raise WriteError(
            f"Cannot increment with non-numeric argument: {{{path}: {arg!r}}}", TYPE_MISMATCH
        )
    if current is MISSING:
        draft.set(path, arg)
    elif bracket(current) != bracket(0):
        raise WriteError(
            f"Cannot apply $inc to a value of non-numeric type at '{path}'", TYPE_MISMATCH
        )
    else:
        draft.set(path, current + arg)


def _extreme(keep_new: int) -> Any:
    # $min/$max compare across types by the BSON comparison order (no type bracketing).
    def apply(draft: _Draft, path: str, arg: Any) -> None:
        current = draft.get(path)
        if current is MISSING:
            draft.set(path, normalise(arg))
            return
        new, old = sort_key(arg), sort_key(current)
        if ((new > old) - (new < old)) == keep_new:
            draft.set(path, normalise(arg))

    return apply


def _each(arg: Any) -> tuple[list[Any], Mapping[str, Any]]:
    if isinstance(arg, Mapping) and arg and str(next(iter(arg))).startswith("$"):
        if "$each" not in arg:
            raise WriteError(f"{sorted(arg)} without $each: the value is not storable", BAD_VALUE)
        if not isinstance(arg["$each"], (list, tuple)):
            raise WriteError("The argument to $each must be an array", BAD_VALUE)
        return [normalise(v) for v in arg["$each"]], arg
    return [normalise(arg)], {}


def _push(draft: _Draft, path: str, arg: Any) -> None:
    items, modifiers = _each(arg)
    unknown = set(modifiers) - {"$each", "$slice", "$position"}
    if unknown:
        raise NotImplementedError(f"embedded engine: $push modifiers {sorted(unknown)}")
    array = draft.array(path, "$push")
    position = modifiers.get("$position")
    if position is None:
        array.extend(items)
    else:
        array[position:position] = items
    if "$slice" in modifiers:
        n = int(modifiers["$slice"])
        kept = array[n:] if n < 0 else array[:n]
        array[:] = kept


def _add_to_set(draft: _Draft, path: str, arg: Any) -> None:
    items, _ = _each(arg)
    array = draft.array(path, "$addToSet")
    for item in items:
        if not any(equal(item, existing) for existing in array):
            array.append(item)


def _pull(draft: _Draft, path: str, arg: Any) -> None:
    if draft.get(path) is MISSING:
        return
    array = draft.array(path, "$pull")
    if is_operator_doc(arg):
        on_value = value_test(arg)
        array[:] = [e for e in array if not on_value([e])]
    elif isinstance(arg, Mapping):
        on_doc = compile_filter(arg)
        array[:] = [e for e in array if not (isinstance(e, dict) and on_doc(e))]
    else:
        array[:] = [e for e in array if not equal(e, arg)]


def _pull_all(draft: _Draft, path: str, arg: Any) -> None:
    if draft.get(path) is MISSING:
        return
    array = draft.array(path, "$pullAll")
    array[:] = [e for e in array if not any(equal(e, v) for v in arg)]


def _pop(draft: _Draft, path: str, arg: Any) -> None:
    if arg not in (1, -1) or isinstance(arg, bool):
        raise WriteError(f"$pop expects 1 or -1, found: {arg!r}", FAILED_TO_PARSE)
    if draft.get(path) is MISSING:
        return
    array = draft.array(path, "$pop")
    if array:
        array.pop(0 if arg == -1 else -1)


_APPLY: dict[str, Any] = {
    "$set": _set,
    "$setOnInsert": _set,
    "$unset": _unset,
    "$inc": _inc,
    "$min": _extreme(-1),
    "$max": _extreme(1),
    "$push": _push,
    "$addToSet": _add_to_set,
    "$pull": _pull,
    "$pullAll": _pull_all,
    "$pop": _pop,
}


def upsert_seed(query: Mapping[str, Any]) -> dict[str, Any]:
    """The document an upsert starts from: the query's equality fields (MongoDB rules)."""
    seed = _Draft({})
    for key, cond in query.items():
        if key == "$and":
            for part in cond:
                for path, value in upsert_seed(part).items():
                    seed.set(path, value)
        elif key.startswith("$"):
            continue
        elif is_operator_doc(cond):
            if "$eq" in cond:
                seed.set(key, normalise(cond["$eq"]))
        elif not isinstance(cond, (re.Pattern, Regex)):  # a regex matches, it is no value
            seed.set(key, normalise(cond))
    return seed.root
