"""JSON nested deeper than any message of ours is refused before it is parsed.

Python's `json` recurses once per level: a body of 100,000 `[` ends in `RecursionError`, which
no `except ValueError` catches (a 500, a traceback in the log). Every place that parses bytes
from outside with `json.loads` (events, OpenAI's webhooks, the model's tool arguments) asks
`loads` here instead. (pydantic's JSON parser has its own limit and reports a ValidationError.)
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 64
"""Deeper than any message this system sends or reads (a ticket event is about 5 levels)."""

_STRUCTURE = re.compile(rb'[\[\]{}"\\]')
_OPEN, _CLOSE, _QUOTE, _ESCAPE = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


def too_deep(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `data` nests arrays and objects more than `limit` levels (brackets inside strings
    don't count); a scan of the structural characters only, no parse."""
    raw = data.encode() if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth, in_string, skip_to = 0, False, -1
    for match in _STRUCTURE.finditer(raw):
        at = match.start()
        if at < skip_to:
            continue
        char = raw[at]
        if in_string:
            if char == _ESCAPE:
                skip_to = at + 2
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False


def loads(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing (ValueError) what nests deeper than `limit` levels."""
    if too_deep(data, limit):
        raise ValueError(f"JSON nested deeper than {limit} levels")
    return json.loads(data)
