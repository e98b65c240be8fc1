"""Postings: the documents holding a common value, as a bitset of their sequence numbers.

An `$all` of common values (two frequent search words) matches tens of thousands of documents;
its exact count is the size of an intersection. As sets of ids that costs a walk of every entry
of each value on every search (42 ms at 100,000 tickets). Each document has a sequence number
(its natural order, kept for life), so a value's documents are a bitset of them: built once
from the value's index entries, then kept current by every write of the index (`Index.track`),
and intersected and counted in microseconds. 100,000 documents are 12.5 kB a value.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from uts_shared.embedded.storage import SEQ_KEY, seq_of


def bitset(seqs: Iterable[int]) -> int:
    """The bitset (bit n: sequence number n) of `seqs`."""
    found = list(seqs)
    if not found:
        return 0
    buf = bytearray(max(found) // 8 + 1)
    for seq in found:
        buf[seq >> 3] |= 1 << (seq & 7)
    return int.from_bytes(buf, "little")


def members(bits: int) -> Iterator[int]:
    """The sequence numbers in `bits`, ascending."""
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for byte_at, byte in enumerate(raw):
        left = byte
        while left:
            low = left & -left
            yield byte_at * 8 + low.bit_length() - 1
            left ^= low


class Postings:
    """The documents whose sequence numbers are in a bitset, read through one transaction: to
    the planner a set of ids (length, membership, iteration in natural order). Only valid while
    that transaction is: never remembered past the call that made it."""

    __slots__ = ("_bits", "_count", "_docs", "_order", "_txn")

    def __init__(self, bits: int, txn: Any, docs: Any, order: Any) -> None:
        self._bits = bits
        self._count = bits.bit_count()
        self._txn = txn
        self._docs = docs
        self._order = order

    @classmethod
    def of_all(cls, bitsets: Sequence[int], txn: Any, docs: Any, order: Any) -> Postings:
        """The documents in every one of `bitsets`."""
        return cls(functools.reduce(operator.and_, bitsets), txn, docs, order)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: object) -> bool:
        raw = self._txn.get(key, db=self._docs)
        return raw is not None and (self._bits >> seq_of(raw)) & 1 == 1

    def __iter__(self) -> Iterator[bytes]:
        get = self._txn.get
        for seq in members(self._bits):
            key = get(SEQ_KEY.pack(seq), db=self._order)
            if key is not None:
                yield cast(bytes, key)

    def within(self, ids: Iterable[bytes]) -> set[bytes]:
        """Those of `ids` that are here."""
        return {key for key in ids if key in self}
