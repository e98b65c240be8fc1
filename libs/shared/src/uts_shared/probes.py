"""A process's own HTTP port for operators (`METRICS_HOST`:`METRICS_PORT`): `/metrics`,
`/health/live` and `/health/ready`.

Probes of one pod, not of the service: the broker's health RPC goes to a queue every replica
shares, so any replica may answer it for a dead one. Here each process answers for itself:

- `/health/live`: 200 while the process's event loop answers (it serves this page); nothing
  outside the process is asked, so a broker outage never gets a pod restarted.
- `/health/ready`: 200 when every instance in the process is started, its broker connection
  answers and its store answers a ping; 503 naming what does not, while starting or stopping.
- `/metrics`: prometheus_client's ASGI app (Prometheus text or OpenMetrics, as asked).

Port 0 picks a free port; the one chosen is logged and printed (`make run` shows it too).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol

import uvicorn

from uts_shared.metrics import metrics_app

log = logging.getLogger(__name__)

LIVE = "/health/live"
READY = "/health/ready"
CHECK_TIMEOUT = 2.0
"""Seconds each readiness check may take (a probe's own timeout is longer)."""

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Probed(Protocol):
    """What the probes ask of each instance in the process."""

    @property
    def instance(self) -> str: ...

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state (`ok` or why not); the instance is ready when all are ok."""
        ...


class ProbesApp:
    """The tiny ASGI app behind the port."""

    def __init__(self, service: str, instances: Callable[[], Sequence[Probed]]) -> None:
        self.service = service
        self._instances = instances
        self._metrics = metrics_app()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/metrics":
            await self._metrics(scope, receive, send)
        elif path == LIVE:
            await _json(send, 200, {"status": "live", "service": self.service, **self._ids()})
        elif path == READY:
            status, body = await self.ready()
            await _json(send, status, body)
        else:
            await _json(send, 404, {"error": f"no page {path[:80]!r}: /metrics, {LIVE}, {READY}"})

    def _ids(self) -> dict[str, list[str]]:
        return {"instances": [i.instance for i in self._instances()]}

    async def ready(self) -> tuple[int, dict[str, Any]]:
        instances = self._instances()
        checks = await asyncio.gather(*(_checked(i) for i in instances))
        report = [{"instance": i.instance, **c} for i, c in zip(instances, checks, strict=True)]
        ready = bool(report) and all(v == "ok" for c in checks for v in c.values())
        body = {"status": "ready" if ready else "unavailable", "service": self.service}
        return (200 if ready else 503), {**body, "instances": report}


async def _checked(instance: Probed) -> dict[str, str]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT * 2):
            return await instance.readiness()
    except TimeoutError:
        return {"checks": f"no answer within {CHECK_TIMEOUT * 2:g} s"}


async def _json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


async def answers(check: Callable[[], Awaitable[Any]]) -> str:
    """`ok` when `check` returns within CHECK_TIMEOUT, else why not (for `readiness`)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            result = await check()
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT:g} s"
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    return "ok" if result is not False else "down"


class _Server(uvicorn.Server):
    """Uvicorn without signal handlers of its own: the process's handlers stop it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ProbeServer:
    """The port, served on the running loop from `start` to `stop`."""

    def __init__(self, app: ProbesApp, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.socket = bind(host, port)
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", log_level="warning"
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{'127.0.0.1' if self.host in ('0.0.0.0', '') else self.host}:{self.port}"

    async def start(self) -> None:
        # The socket listens already: a probe that comes before uvicorn accepts waits in its
        # backlog.
        self._task = asyncio.create_task(self._server.serve(sockets=[self.socket]))
        log.info(
            "%s: metrics at %s/metrics, probes at %s and %s",
            self.app.service,
            self.url,
            LIVE,
            READY,
        )
        print(f"{self.app.service}: metrics and probes at {self.url}", flush=True)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
        self._task = None
        self.socket.close()


class PortRefused(SystemExit):
    """The metrics port could not be had: one line saying which and why, exit 2."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host`:`port` (0: a free port), or exit naming the setting."""
    try:
        return socket.create_server((host, port), reuse_port=False)
    except OSError as exc:
        print(
            f"METRICS_HOST={host} METRICS_PORT={port}: cannot listen there ({exc.strerror}); "
            "choose another port, or 0 for any free one",
            file=sys.stderr,
        )
        raise PortRefused(2) from None
