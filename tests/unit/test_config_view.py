"""How every service remembers configuration: one fetch at a time, reuse for the TTL, drop on
the keys a change names, last good value (else the built-in one) while the config service is
silent, and an error when there is neither."""

from __future__ import annotations

import asyncio

import pytest

from uts_shared.config_view import ConfigView
from uts_shared.errors import Unavailable
from uts_shared.metrics import CONFIG_READS


class Source:
    def __init__(self) -> None:
        self.value = "v1"
        self.calls = 0
        self.silent = False
        self.gate: asyncio.Event | None = None

    async def fetch(self) -> str:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.silent:
            raise Unavailable("config service did not answer")
        return self.value


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def view_of(clock: Clock) -> ConfigView:
    return ConfigView(ttl=30, retry_after=5, monotonic=clock)


async def test_one_fetch_serves_every_waiting_caller_then_the_ttl() -> None:
    clock, source = Clock(), Source()
    value = view_of(clock).remember("x", source.fetch, keys=["x"])
    source.gate = asyncio.Event()
    waiting = [asyncio.create_task(value.get()) for _ in range(5)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*waiting) == ["v1"] * 5 and source.calls == 1
    source.gate = None
    clock.seconds = 29
    assert await value.get() == "v1" and source.calls == 1
    clock.seconds = 31
    source.value = "v2"
    assert await value.get() == "v2" and source.calls == 2


async def test_a_change_drops_only_what_depends_on_its_keys() -> None:
    view, first, second = view_of(Clock()), Source(), Source()
    categories = view.remember("categories", first.fetch, keys=["ticket_categories"])
    everything = view.remember("rendering", second.fetch, keys=None)
    await categories.get(), await everything.get()
    view.invalidate(["ticket_id_format"])
    await categories.get(), await everything.get()
    assert (first.calls, second.calls) == (1, 2)
    view.invalidate(None)
    await categories.get()
    assert first.calls == 2 and view.generation == 2


async def test_a_value_read_before_a_change_is_not_kept_after_it() -> None:
    view, source = view_of(Clock()), Source()
    value = view.remember("x", source.fetch, keys=["x"])
    source.gate = asyncio.Event()
    reading = asyncio.create_task(value.get())
    await asyncio.sleep(0)
    view.invalidate(["x"])
    source.gate.set()
    assert await reading == "v1"
    source.gate, source.value = None, "v2"
    assert await value.get() == "v2"


async def test_silence_gives_the_last_good_value_then_the_built_in_one_then_an_error() -> None:
    clock = Clock()
    view, known, fresh, bare = view_of(clock), Source(), Source(), Source()
    with_history = view.remember("a", known.fetch, keys=["a"], fallback="built-in")
    assert await with_history.get() == "v1"
    clock.seconds = 31
    known.silent = fresh.silent = bare.silent = True
    assert await with_history.get() == "v1"
    calls = known.calls
    clock.seconds = 33  # within retry_after: not asked again
    assert await with_history.get() == "v1" and known.calls == calls
    assert await view.remember("b", fresh.fetch, keys=["b"], fallback="built-in").get() == (
        "built-in"
    )
    with pytest.raises(Unavailable):
        await view.remember("c", bare.fetch, keys=["c"]).get()


async def test_waiting_for_a_change_returns_once_it_is_applied() -> None:
    view = view_of(Clock())
    waiter = asyncio.create_task(view.wait_generation(1, timeout=1))
    await asyncio.sleep(0)
    await view.on_change(["x"])
    await waiter
    with pytest.raises(TimeoutError):
        await view.wait_generation(2, timeout=0.05)


async def test_reads_are_counted_by_where_the_value_came_from() -> None:
    def count(source: str) -> float:
        return CONFIG_READS.labels(source)._value.get()

    before = {s: count(s) for s in ("cache", "service", "fallback")}
    clock, source = Clock(), Source()
    value = view_of(clock).remember("x", source.fetch, keys=["x"], fallback="built-in")
    await value.get(), await value.get()
    clock.seconds, source.silent = 31, True
    await value.get()
    assert {s: count(s) - before[s] for s in before} == {"cache": 1, "service": 1, "fallback": 1}
