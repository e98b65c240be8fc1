"""The read cache: TTL, invalidation, and no stale fills after an invalidation."""

from config_service.cache import MISSING, TtlCache


class Ticker:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_cached_value_expires_after_the_ttl() -> None:
    clock = Ticker()
    cache = TtlCache(300, clock)
    cache.put("k", 1, version=cache.version("k"))
    clock.t = 299.9
    assert cache.get("k") == 1
    clock.t = 300
    assert cache.get("k") is MISSING


def test_invalidation_drops_only_the_named_keys() -> None:
    cache = TtlCache(300, Ticker())
    cache.put("a", 1, version=cache.version("a"))
    cache.put("b", 2, version=cache.version("b"))
    cache.invalidate(["a"])
    assert cache.get("a") is MISSING
    assert cache.get("b") == 2


def test_a_read_started_before_an_invalidation_is_not_cached() -> None:
    cache = TtlCache(300, Ticker())
    version = cache.version("k")  # read of the old value starts
    cache.invalidate(["k"])  # config.updated arrives meanwhile
    assert cache.put("k", "old", version=version) is False
    assert cache.get("k") is MISSING


def test_clear_drops_everything_and_stale_fills() -> None:
    cache = TtlCache(300, Ticker())
    version = cache.version("k")
    cache.put("a", 1, version=cache.version("a"))
    cache.clear()
    assert cache.get("a") is MISSING
    assert cache.put("k", 1, version=version) is False


def test_zero_ttl_disables_caching() -> None:
    cache = TtlCache(0, Ticker())
    assert cache.put("k", 1, version=cache.version("k")) is False
    assert "k" not in cache


def test_none_is_a_cacheable_value() -> None:
    cache = TtlCache(10, Ticker())
    cache.put("k", None, version=cache.version("k"))
    assert "k" in cache
    assert cache.get("k") is None
