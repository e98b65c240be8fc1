"""Every level of tests runs against the real broker and the MongoDB chosen as docs/STORAGE.md says.

The run sets both up once (its own RabbitMQ vhost, or testcontainers when a Docker engine
answers) and says which it used, at the top and at the end of the report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.support.infra import Infra, infra, own_vhost
from tests.support.tracing import spans  # noqa: F401 (a fixture for every test)
from uts_shared.mongo import reset_embedded

_stack = contextlib.ExitStack()
_infra: Infra | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _infra
    if _infra is None and not config.option.collectonly:
        _infra = _stack.enter_context(infra())


def pytest_unconfigure(config: pytest.Config) -> None:
    _stack.close()


def _describe() -> list[str]:
    if _infra is None:
        return []
    return [f"broker: {_infra.rabbit_description}", f"mongodb: {_infra.mongo_description}"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    return _describe()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _describe():
        terminalreporter.write_line(line)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _infra is not None and _infra.real_mongo:
        return
    skip = pytest.mark.skip(
        reason="needs a real MongoDB server (set MONGODB_URL or run a Docker engine); "
        "this run uses the in-process engine"
    )
    for item in items:
        if "real_mongo" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def infra_env() -> Infra:
    assert _infra is not None
    return _infra


@pytest.fixture(scope="module")
def rabbit_url(infra_env: Infra) -> Iterator[str]:
    """A vhost of this test module's own: in-process services of one module never compete for
    queues with another module's (or with the end-to-end system's processes)."""
    with own_vhost(infra_env) as url:
        yield url


@pytest.fixture
def fresh_vhost(infra_env: Infra) -> Iterator[str]:
    """A vhost of this test's own (e.g. a broker on which no service ever ran)."""
    with own_vhost(infra_env) as url:
        yield url


@pytest.fixture(scope="session")
def mongo_url(infra_env: Infra) -> str | None:
    return infra_env.mongo_url


@pytest.fixture
def fresh_store() -> Iterator[None]:
    """A clean in-process engine for one test (a real server's databases are named per test)."""
    reset_embedded()
    yield
    reset_embedded()
