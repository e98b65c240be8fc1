"""JSON nested deeper than any message of ours is refused before `json` recurses into it."""

from __future__ import annotations

import pytest

from uts_shared.json_depth import MAX_JSON_DEPTH, loads, too_deep


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_depth_is_counted_in_arrays_and_objects() -> None:
    assert not too_deep(nested(MAX_JSON_DEPTH))
    assert too_deep(nested(MAX_JSON_DEPTH + 1))
    assert too_deep('{"a":' * 70 + "1" + "}" * 70)
    assert not too_deep(b'{"a": [1, {"b": [2, 3]}], "c": {"d": []}}', limit=4)
    assert too_deep(b'{"a": [1, {"b": [2, 3]}], "c": {"d": []}}', limit=3)


def test_brackets_inside_strings_and_escaped_quotes_do_not_count() -> None:
    text = '["' + "[{" * 100 + '", "\\"[[[[", "\\\\", ["ok"]]'
    assert not too_deep(text, limit=2)
    assert loads(text)[3] == ["ok"]


def test_loads_refuses_a_hundred_thousand_levels_with_a_value_error() -> None:
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        loads(b'{"data": ' + nested(100_000).encode() + b"}")
