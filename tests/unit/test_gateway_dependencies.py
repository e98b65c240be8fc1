"""The gateway's route dependencies run on the event loop: FastAPI hands a plain `def`
dependency to a worker thread on every request (a thread switch each way, measured as a tenth
of the gateway's CPU on the assistant's tool calls)."""

from __future__ import annotations

import inspect
from typing import Any

from tests.support.gateway_app import api_routes, gateway_app


def _runs_on_the_loop(call: Any) -> bool:
    if inspect.isfunction(call) or inspect.ismethod(call):
        return inspect.iscoroutinefunction(call)
    return inspect.iscoroutinefunction(type(call).__call__)  # a security scheme's instance


async def test_every_dependency_of_every_route_runs_on_the_event_loop() -> None:
    threaded: set[str] = set()
    async with gateway_app() as gw:
        routes = api_routes(gw.app.routes)
        assert len(routes) > 100
        for route in routes:
            pending = list(route.dependant.dependencies)
            while pending:
                dependency = pending.pop()
                pending.extend(dependency.dependencies)
                call = dependency.call
                if call is not None and not _runs_on_the_loop(call):
                    threaded.add(f"{route.path}: {getattr(call, '__qualname__', call)}")
    assert not threaded, sorted(threaded)
