"""The RabbitMQ side of the fault tests: queues that outlive consumers, their depth, the node.

- `durable_event_queue` / `declare_durable`: a durable queue bound on `uts.events` before any
  service starts, so events wait in it while no consumer is connected (or the broker restarts).
- `queue_state` / `wait_queue`: ready messages and consumers of a queue; `unacked` /
  `wait_unacked`: deliveries a consumer holds (through `rabbitmqctl`).
- `node_stopped` / `start_local_node` / `ensure_local_node_started`: `rabbitmqctl stop_app` /
  `start_app` on the local node, always started again; `local_node_in_use` says whether the
  run's broker is that node.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
from faststream.rabbit import RabbitQueue

from tests.support.infra import Infra
from tests.support.waiting import poll_until
from uts_shared.contracts.base import EVENTS_EXCHANGE
from uts_shared.messaging import declare_topology, make_broker

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def vhost_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "/"


# --- queues -------------------------------------------------------------------------------------


def durable_event_queue(name: str, routing_key: str) -> RabbitQueue:
    """A durable, non-exclusive queue: it keeps events while nobody consumes it."""
    return RabbitQueue(name, durable=True, routing_key=routing_key)


async def declare_durable(rabbit_url: str, queue: RabbitQueue) -> None:
    """Declare the exchanges and `queue`, bound on `uts.events`, then disconnect."""
    broker = make_broker(rabbit_url, app_id="tests-setup")
    await broker.connect()
    try:
        await declare_topology(broker)
        declared = await broker.declare_queue(queue)
        await declared.bind(EVENTS_EXCHANGE, routing_key=queue.routing_key)
    finally:
        await broker.stop()


@dataclass
class QueueState:
    ready: int
    consumers: int


async def queue_state(rabbit_url: str, name: str) -> QueueState:
    """Ready messages and consumers of a queue (a passive declare on a short connection)."""
    connection = await aio_pika.connect(rabbit_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        result = queue.declaration_result
        return QueueState(ready=result.message_count or 0, consumers=result.consumer_count or 0)
    finally:
        await connection.close()


async def wait_queue(
    rabbit_url: str, name: str, *, ready: int, consumers: int, timeout: float = 10.0
) -> QueueState:
    """Until `name` holds `ready` messages and has `consumers` consumers."""
    state = QueueState(-1, -1)

    async def reached() -> bool:
        nonlocal state
        state = await queue_state(rabbit_url, name)
        return state == QueueState(ready, consumers)

    try:
        await poll_until(reached, what=name, timeout=timeout, interval=0.1)
    except AssertionError:
        raise AssertionError(
            f"{name}: {state}, expected ready={ready} consumers={consumers}"
        ) from None
    return state


async def rabbitmqctl(
    *args: str,
    timeout: float = 60.0,
    program: str = "rabbitmqctl",
    env: dict[str, str] | None = None,
) -> str:
    """`rabbitmqctl -q ARGS`' output; RuntimeError with its error when it fails."""
    proc = await asyncio.create_subprocess_exec(
        program,
        "-q",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {err.decode()[-500:]}")
    return out.decode()


async def listed(what: str, vhost: str, *columns: str) -> list[dict[str, Any]]:
    """`rabbitmqctl list_<what> -p VHOST <columns>` as rows (queues, exchanges, bindings)."""
    out = await rabbitmqctl(f"list_{what}", "-p", vhost, *columns, "--formatter", "json")
    rows: list[dict[str, Any]] = json.loads(out or "[]")
    return rows


async def queue_types(vhost: str) -> dict[str, str]:
    """Each queue of `vhost` by name: its type (`classic`, `quorum`); exclusive ones
    `classic (exclusive)`."""
    rows = await listed("queues", vhost, "name", "type", "exclusive")
    return {row["name"]: row["type"] + (" (exclusive)" if row["exclusive"] else "") for row in rows}


async def unacked(vhost: str, queue: str) -> int:
    """Messages of `queue` delivered to a consumer and not yet acknowledged."""
    out = await rabbitmqctl(
        "list_queues", "-p", vhost, "name", "messages_unacknowledged", "--no-table-headers"
    )
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == queue:
            return int(parts[1])
    raise AssertionError(f"no queue {queue} in vhost {vhost}: {out}")


async def wait_unacked(vhost: str, queue: str, at_least: int, timeout: float = 10.0) -> int:
    """Until a consumer holds at least `at_least` unacknowledged messages of `queue`."""
    count = 0

    async def held() -> bool:
        nonlocal count
        count = await unacked(vhost, queue)
        return count >= at_least

    try:
        await poll_until(held, what=queue, timeout=timeout)
    except AssertionError:
        raise AssertionError(f"{queue}: {count} unacknowledged, expected {at_least}") from None
    return count


# --- the local node -----------------------------------------------------------------------------


def local_node_in_use(infra: Infra, rabbit_url: str) -> str | None:
    """Why the run's broker cannot be restarted here, or None when it is the local node."""
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl not found"
    if not infra.rabbit_description.startswith("RabbitMQ at"):
        return f"the broker is not the local node ({infra.rabbit_description})"
    if urlsplit(rabbit_url).hostname not in LOCAL_HOSTS:
        return f"the broker at {urlsplit(rabbit_url).hostname} is not the local node"
    return None


def port_answers(host: str = "127.0.0.1", port: int = 5672) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1.0):
        return True
    return False


async def wait_port(host: str = "127.0.0.1", port: int = 5672, timeout: float = 60.0) -> None:
    await poll_until(
        lambda: asyncio.to_thread(port_answers, host, port),
        what=f"{host}:{port} answering",
        timeout=timeout,
        interval=0.1,
    )


@dataclass
class Restart:
    stopped_at: float = 0.0
    """monotonic time `stop_app` returned (the node no longer accepts connections)"""
    started_at: float = 0.0
    """monotonic time the node answered again (`start_app`, `await_startup`, port 5672)"""


@contextlib.asynccontextmanager
async def node_stopped() -> AsyncIterator[Restart]:
    """The local RabbitMQ node's app stopped for the body; started again whatever happens."""
    times = Restart()
    try:
        await rabbitmqctl("stop_app")
        times.stopped_at = time.monotonic()
        yield times
    finally:
        await start_local_node()
        times.started_at = time.monotonic()


async def start_local_node() -> None:
    """`start_app` (a no-op on a running node), then wait until it serves AMQP again."""
    await rabbitmqctl("start_app", timeout=120.0)
    await rabbitmqctl("await_startup", timeout=120.0)
    await wait_port()


def ensure_local_node_started() -> None:
    """Last resort for a test torn down mid-restart (e.g. by a timeout): start the node again.
    (Synchronous: it runs in a fixture's teardown, whatever state the event loop is in.)"""
    for args in (["start_app"], ["await_startup"]):
        subprocess.run(["rabbitmqctl", "-q", *args], check=False, capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    while not port_answers() and time.monotonic() < deadline:
        time.sleep(0.2)
