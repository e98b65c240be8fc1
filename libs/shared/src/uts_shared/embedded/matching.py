"""Query filters compiled once into predicates over documents (MongoDB semantics).

Supported: equality (with array-contains; a regular expression as the value matches), `$eq $ne
$gt $gte $lt $lte $in $nin $exists $all $size $elemMatch $regex $not`, and `$and $or $nor`.
Anything else raises NotImplementedError naming the operator, so a store never silently gets a
different answer than a server gives; a malformed filter raises `BadQuery` (the server's
OperationFailure, code 2). The subset is written down in docs/STORAGE.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bson.regex import Regex
from pymongo.errors import OperationFailure

from uts_shared.embedded.values import MISSING, compare, equal, resolve


class BadQuery(OperationFailure, ValueError):
    """A filter a server refuses (BadValue, code 2), with the server's reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 2)


Predicate = Callable[[Mapping[str, Any]], bool]
ValueTest = Callable[[list[Any]], bool]


def _always(doc: Mapping[str, Any]) -> bool:
    return True


def compile_filter(query: Mapping[str, Any] | None) -> Predicate:
    """A predicate answering whether a document matches `query`."""
    if not query:
        return _always
    tests: list[Predicate] = [_clause(key, cond) for key, cond in query.items()]
    if len(tests) == 1:
        return tests[0]
    return lambda doc: all(test(doc) for test in tests)


def _clause(key: str, cond: Any) -> Predicate:
    if key == "$and":
        parts = [compile_filter(q) for q in _filters(key, cond)]
        return lambda doc: all(p(doc) for p in parts)
    if key == "$or":
        parts = [compile_filter(q) for q in _filters(key, cond)]
        return lambda doc: any(p(doc) for p in parts)
    if key == "$nor":
        parts = [compile_filter(q) for q in _filters(key, cond)]
        return lambda doc: not any(p(doc) for p in parts)
    if key.startswith("$"):
        raise NotImplementedError(f"embedded engine: query operator {key} is not supported")
    path = tuple(key.split("."))
    test = value_test(cond)
    return lambda doc: test(resolve(doc, path))


def _filters(op: str, cond: Any) -> list[Mapping[str, Any]]:
    if not isinstance(cond, list) or not cond:
        raise BadQuery(f"{op} must be a nonempty array")
    return cond


def is_operator_doc(cond: Any) -> bool:
    return isinstance(cond, Mapping) and bool(cond) and all(str(k).startswith("$") for k in cond)


def _pattern(value: Any) -> re.Pattern[str] | None:
    """A regular expression given as a value (Python's or BSON's), else None."""
    if isinstance(value, re.Pattern):
        return value
    if isinstance(value, Regex):
        compiled: re.Pattern[str] = value.try_compile()
        return compiled
    return None


def value_test(cond: Any) -> ValueTest:
    """A test over the values a path reached (see `values.resolve`)."""
    pattern = _pattern(cond)
    if pattern is not None:  # {field: /re/} matches strings, as {$regex: /re/} does
        return _regex(pattern)
    if not is_operator_doc(cond):
        if isinstance(cond, Mapping) and cond and str(next(iter(cond))).startswith("$"):
            unknown = next(k for k in cond if not str(k).startswith("$"))
            raise BadQuery(f"unknown operator: {unknown}")
        return lambda values: _eq(values, cond)
    options = cond.get("$options", "")
    tests = [_operator(op, arg, options) for op, arg in cond.items() if op != "$options"]
    if len(tests) == 1:
        return tests[0]
    return lambda values: all(t(values) for t in tests)


def _eq(values: list[Any], target: Any) -> bool:
    for value in values:
        if value is MISSING:
            if target is None:
                return True
            continue
        if equal(value, target):
            return True
        if isinstance(value, list) and any(equal(element, target) for element in value):
            return True
    return False


def _expanded(values: list[Any]) -> list[Any]:
    """Values and, for arrays, their elements (range operators match either)."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, list):
            out.extend(value)
        out.append(value)
    return out


def _range(accept: Callable[[int], bool], target: Any) -> ValueTest:
    def test(values: list[Any]) -> bool:
        for value in _expanded(values):
            order = compare(None if value is MISSING else value, target)
            if order is not None and accept(order):
                return True
        return False

    return test


def _operator(op: str, arg: Any, options: str) -> ValueTest:
    if op == "$eq":
        return lambda values: _eq(values, arg)
    if op == "$ne":
        return lambda values: not _eq(values, arg)
    if op == "$gt":
        return _range(lambda o: o > 0, arg)
    if op == "$gte":
        return _range(lambda o: o >= 0, arg)
    if op == "$lt":
        return _range(lambda o: o < 0, arg)
    if op == "$lte":
        return _range(lambda o: o <= 0, arg)
    if op in ("$in", "$nin"):
        if not isinstance(arg, (list, tuple)):
            raise BadQuery(f"{op} needs an array")
        # A regular expression in the list matches as $regex does, a value as equality.
        tests = [_regex(p) if (p := _pattern(item)) is not None else _equals(item) for item in arg]
        if op == "$in":
            return lambda values: any(test(values) for test in tests)
        return lambda values: not any(test(values) for test in tests)
    if op == "$exists":
        wanted = bool(arg)
        return lambda values: any(v is not MISSING for v in values) == wanted
    if op == "$all":
        if not isinstance(arg, (list, tuple)):
            raise BadQuery("$all needs an array")
        items = list(arg)
        return lambda values: bool(items) and all(_eq(values, item) for item in items)
    if op == "$size":
        if isinstance(arg, bool) or not isinstance(arg, (int, float)) or arg != int(arg) or arg < 0:
            raise BadQuery(f"$size needs a whole non-negative number, found {arg!r}")
        size = int(arg)
        return lambda values: any(isinstance(v, list) and len(v) == size for v in values)
    if op == "$elemMatch":
        return _elem_match(arg)
    if op == "$regex":
        given = _pattern(arg)
        if given is None and not isinstance(arg, str):
            raise BadQuery("$regex has to be a string")
        return _regex(given if given is not None else re.compile(arg, _flags(options)))
    if op == "$not":
        if _pattern(arg) is None and not is_operator_doc(arg):
            raise BadQuery("$not needs a regex or a document")
        inner = value_test(arg)
        return lambda values: not inner(values)
    raise NotImplementedError(f"embedded engine: query operator {op} is not supported")


def _equals(item: Any) -> ValueTest:
    return lambda values: _eq(values, item)


def _regex(pattern: re.Pattern[str]) -> ValueTest:
    return lambda values: any(
        isinstance(v, str) and pattern.search(v) is not None for v in _expanded(values)
    )


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def _flags(options: str) -> int:
    flags = 0
    for letter in options:
        if letter not in _FLAGS:
            raise BadQuery(f"invalid flag in regex options: {letter}")
        flags |= _FLAGS[letter]
    return flags


def _elem_match(arg: Mapping[str, Any]) -> ValueTest:
    if is_operator_doc(arg):
        on_value = value_test(arg)
        return lambda values: any(
            isinstance(v, list) and any(on_value([e]) for e in v) for v in values
        )
    on_doc = compile_filter(arg)
    return lambda values: any(
        isinstance(v, list) and any(isinstance(e, dict) and on_doc(e) for e in v) for v in values
    )
