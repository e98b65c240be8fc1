"""Aligned columns for the commands that list things: a header, then one row a line, each
column as wide as its widest cell (the last one left ragged: a body or a name may be long)."""

from __future__ import annotations

from collections.abc import Sequence

GAP = "  "


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """`header` and `rows` as lines whose columns start at the same place."""
    table = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    return [
        GAP.join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in table
    ]
