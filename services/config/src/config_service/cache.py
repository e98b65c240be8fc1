"""The read cache: values by key with a TTL, dropped on every `config.updated`.

A read that started before an invalidation must not store the value it read (it may be the old
one): `version(key)` taken before the read is passed to `put`, which ignores stale fills.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

MISSING: Any = object()
"""Returned by `get` on a miss (None is a valid cached value)."""


class TtlCache:
    def __init__(self, ttl: float, monotonic: Callable[[], float]) -> None:
        """`ttl` seconds (0 disables caching); `monotonic` is the clock that ages entries."""
        self._ttl = ttl
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, Any]] = {}
        self._versions: dict[str, int] = {}
        self._epoch = 0

    def get(self, key: str) -> Any:
        """The cached value of `key`, or MISSING when absent or older than the TTL."""
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        stored_at, value = entry
        if self._monotonic() - stored_at >= self._ttl:
            del self._entries[key]
            return MISSING
        return value

    def version(self, key: str) -> tuple[int, int]:
        """Take this before reading the store; hand it to `put` with what was read."""
        return self._epoch, self._versions.get(key, 0)

    def put(self, key: str, value: Any, *, version: tuple[int, int]) -> bool:
        """Cache `value` unless `key` was invalidated since `version` was taken."""
        if self._ttl <= 0 or version != self.version(key):
            return False
        self._entries[key] = (self._monotonic(), value)
        return True

    def invalidate(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)
            self._versions[key] = self._versions.get(key, 0) + 1

    def clear(self) -> None:
        self._entries.clear()
        self._epoch += 1

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not MISSING
