"""What the fault tests share: a system of their own, real faults, and what survives them.

- `Stack`: services as OS processes (`tests/support/processes.py`) on the test module's own vhost,
  each backend on a database of its own (dropped afterwards on a real server). Processes can be
  frozen (SIGSTOP), killed (SIGKILL) and replaced; their logs are in the run's `LOG_DIR`.
- `durable_event_queue` / `declare_durable`: a durable queue bound on `uts.events` before any
  service starts, so events wait in it while no consumer is connected (or the broker restarts).
- `restart_local_node`: `rabbitmqctl stop_app` / `start_app` on the local RabbitMQ node, always
  started again; `local_node_in_use` says whether the run's broker is that node.
- `ticket_ids_of` lists a customer's tickets over RPC; `created_event_ids` groups the recorded
  `ticket.created` events by ticket.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
import httpx
from faststream.rabbit import RabbitQueue

from tests.support.infra import Infra
from tests.support.processes import ProcessGroup, free_port
from tests.support.tickets_helpers import EventRecorder, Recorded
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EVENTS_EXCHANGE, Empty, HealthStatus, health_rpc
from uts_shared.messaging import RpcClient, declare_topology, make_broker, subscribe_events

START_TIMEOUT = 30.0
JWT_SECRET = "faults-" + uuid.uuid4().hex + uuid.uuid4().hex
ADMIN_EMAIL = "admin@faults.example.com"
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex[:12]
CATEGORY = "light_malfunction"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def vhost_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) or "/"


def unique_phone() -> str:
    """A valid Mexico City mobile number in E.164, random enough for one run."""
    return f"+5255{uuid.uuid4().int % 10**8:08d}"


def unique_phones(n: int) -> list[str]:
    phones: set[str] = set()
    while len(phones) < n:
        phones.add(unique_phone())
    return sorted(phones)


# --- services as OS processes -------------------------------------------------------------------


@dataclass
class Stack:
    """Processes of one test module: their own vhost, their own databases, their own log names."""

    name: str
    rabbit_url: str
    mongo_url: str | None
    log_level: str = "WARNING"
    procs: ProcessGroup = field(init=False)
    databases: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    """process name -> service"""
    frozen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        env = {
            "RABBITMQ_URL": self.rabbit_url,
            "LOG_LEVEL": self.log_level,
            "JWT_SECRET": JWT_SECRET,
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LOGIN_RATE_LIMIT_IP": "1000/minute",
        }
        if self.mongo_url is not None:
            env["MONGODB_URL"] = self.mongo_url
        self.procs = ProcessGroup(env)

    def _full(self, name: str) -> str:
        return f"faults-{self.name}-{name}"

    def database(self, service: str) -> str:
        """The database every process of `service` in this stack shares."""
        if service not in self.databases:
            self.databases[service] = (
                f"uts_{service.replace('-', '_')}_faults_{uuid.uuid4().hex[:10]}"
            )
        return self.databases[service]

    def start(self, name: str, service: str, **env: str) -> subprocess.Popen[bytes]:
        """Start `python -m <service's package>` as process `name` (no waiting)."""
        self.services[name] = service
        return self.procs.start(self._full(name), service, MONGODB_DB=self.database(service), **env)

    async def start_gateway(self, name: str = "gateway", **env: str) -> str:
        """A gateway for this stack's config and tickets; its URL once `/ready`."""
        port = free_port()
        self.start(
            name,
            "gateway",
            GATEWAY_PORT=str(port),
            GATEWAY_REQUIRED_SERVICES="config,tickets",
            **env,
        )
        url = f"http://127.0.0.1:{port}"
        await self.wait_ready(url)
        return url

    def pid(self, name: str) -> int:
        return self.procs.procs[self._full(name)].pid

    def alive(self, name: str) -> bool:
        proc = self.procs.procs.get(self._full(name))
        return proc is not None and proc.poll() is None

    async def freeze(self, name: str) -> None:
        """SIGSTOP: the process holds its connections but does nothing (a hung service)."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGSTOP)
        self.frozen.add(name)
        deadline = time.monotonic() + 5
        while _state(pid) != "T":
            assert time.monotonic() < deadline, f"{name} did not stop"
            await asyncio.sleep(0.01)

    def thaw(self, name: str) -> None:
        if name in self.frozen and self.alive(name):
            os.kill(self.pid(name), signal.SIGCONT)
        self.frozen.discard(name)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown code runs; the kernel closes its sockets."""
        self.frozen.discard(name)
        self.procs.stop(self._full(name), signal.SIGKILL)

    def log(self, name: str) -> str:
        return self.procs.log(self._full(name))

    def logs(self) -> str:
        return "\n".join(f"--- {n} ---\n{self.log(n)[-2500:]}" for n in self.services)

    async def wait_ready(self, url: str, timeout: float = START_TIMEOUT) -> None:
        """Until `url/ready` answers 200 (the gateway's backends answer their health RPC)."""
        deadline = time.monotonic() + timeout
        last = ""
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                self._check_started()
                try:
                    r = await client.get(f"{url}/ready")
                    if r.status_code == 200:
                        return
                    last = f"{r.status_code} {r.text[:300]}"
                except httpx.HTTPError as exc:
                    last = repr(exc)
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{url}/ready not ready after {timeout}s: {last}\n{self.logs()}")

    async def wait_healthy(
        self, rpc: RpcClient, service: str, timeout: float = START_TIMEOUT
    ) -> HealthStatus:
        """Until one instance of `service` answers its health RPC."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            self._check_started()
            try:
                return await rpc.call(health_rpc(service), Empty(), timeout=0.5)
            except Exception as exc:
                last = repr(exc)
        raise TimeoutError(f"{service} silent for {timeout}s ({last})\n{self.logs()}")

    def _check_started(self) -> None:
        dead = [n for n in self.services if self._full(n) in self.procs.procs and not self.alive(n)]
        if dead:
            raise RuntimeError(f"{dead[0]} exited:\n{self.log(dead[0])[-3000:]}")

    def close(self) -> None:
        for name in list(self.frozen):
            self.thaw(name)
        self.procs.stop_all()
        if self.mongo_url is not None and self.databases:
            from pymongo import MongoClient

            client: MongoClient[Any] = MongoClient(self.mongo_url)
            try:
                for db in self.databases.values():
                    client.drop_database(db)
            finally:
                client.close()


def _state(pid: int) -> str:
    """The process's state letter from /proc (`T` = stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[0]


@contextlib.contextmanager
def stack(name: str, rabbit_url: str, mongo_url: str | None, **kwargs: Any) -> Iterator[Stack]:
    s = Stack(name, rabbit_url, mongo_url, **kwargs)
    try:
        yield s
    finally:
        s.close()


# --- the test's own broker connection -----------------------------------------------------------


@contextlib.asynccontextmanager
async def observer(
    rabbit_url: str, events: RabbitQueue, *, name: str, timeout: float
) -> AsyncIterator[tuple[RpcClient, EventRecorder]]:
    """The test's own connection: an RpcClient and a recorder of the events reaching `events`."""
    broker = make_broker(rabbit_url, app_id=name)
    rpc = RpcClient(broker, timeout=timeout, name=name)
    recorder = EventRecorder()
    subscribe_events(broker, events, recorder.on_event)
    await broker.connect()
    await declare_topology(broker)
    await broker.start()
    try:
        yield rpc, recorder
    finally:
        await broker.stop()


def durable_event_queue(name: str, routing_key: str) -> RabbitQueue:
    """A durable, non-exclusive queue: it keeps events while nobody consumes it."""
    return RabbitQueue(name, durable=True, routing_key=routing_key)


async def declare_durable(rabbit_url: str, queue: RabbitQueue) -> None:
    """Declare the exchanges and `queue`, bound on `uts.events`, then disconnect."""
    broker = make_broker(rabbit_url, app_id="faults-setup")
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
    deadline = time.monotonic() + timeout
    while True:
        state = await queue_state(rabbit_url, name)
        if state.ready == ready and state.consumers == consumers:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}: {state}, expected ready={ready} consumers={consumers}")
        await asyncio.sleep(0.1)


async def ticket_ids_of(rpc: RpcClient, customer_id: str) -> set[str]:
    """Every ticket of `customer_id`, page by page (100 a page, by ticketId)."""
    ids: set[str] = set()
    page = 1
    while True:
        result = await rpc.call(
            t.LIST,
            t.ListTickets(
                customer_id=customer_id, page=page, limit=100, sort_by="ticketId", sort_order="asc"
            ),
            timeout=30.0,
        )
        ids.update(ticket.ticket_id for ticket in result.tickets)
        if page >= result.pagination.pages:
            assert len(ids) == result.pagination.total, (len(ids), result.pagination)
            return ids
        page += 1


def created_event_ids(recorder: EventRecorder) -> dict[str, set[str]]:
    """ticketId -> the distinct eventIds of its `ticket.created` events."""
    by_ticket: dict[str, set[str]] = defaultdict(set)
    for event in recorder.of(t.TICKET_CREATED.routing_key):
        by_ticket[_created_ticket_id(event)].add(event.event_id)
    return dict(by_ticket)


def _created_ticket_id(event: Recorded) -> str:
    return str(event.data["ticket"]["ticketId"])


async def wait_created_events(
    recorder: EventRecorder, ticket_ids: set[str], timeout: float
) -> dict[str, set[str]]:
    """Until every ticket in `ticket_ids` has a `ticket.created` event (woken per arrival)."""

    def complete(_: list[Recorded]) -> bool:
        return ticket_ids <= created_event_ids(recorder).keys()

    try:
        await recorder.wait_for(complete, timeout)
    except TimeoutError:
        missing = sorted(ticket_ids - created_event_ids(recorder).keys())
        raise AssertionError(
            f"{len(missing)} of {len(ticket_ids)} tickets have no ticket.created event after "
            f"{timeout}s: {missing[:20]}"
        ) from None
    return created_event_ids(recorder)


# --- the local RabbitMQ node --------------------------------------------------------------------


def local_node_in_use(infra: Infra, rabbit_url: str) -> str | None:
    """Why the run's broker cannot be restarted here, or None when it is the local node."""
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl not found"
    if not infra.rabbit_description.startswith("RabbitMQ at"):
        return f"the broker is not the local node ({infra.rabbit_description})"
    if urlsplit(rabbit_url).hostname not in LOCAL_HOSTS:
        return f"the broker at {urlsplit(rabbit_url).hostname} is not the local node"
    return None


async def rabbitmqctl(*args: str, timeout: float = 60.0) -> str:
    proc = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "-q",
        *args,
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
    deadline = time.monotonic() + timeout
    while (count := await unacked(vhost, queue)) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"{queue}: {count} unacknowledged, expected {at_least}")
        await asyncio.sleep(0.05)
    return count


def port_answers(host: str = "127.0.0.1", port: int = 5672) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1.0):
        return True
    return False


async def wait_port(host: str = "127.0.0.1", port: int = 5672, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(port_answers, host, port):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{host}:{port} still closed after {timeout}s")
        await asyncio.sleep(0.1)


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
    """Last resort for a test torn down mid-restart (e.g. by a timeout): start the node again."""
    for args in (["start_app"], ["await_startup"]):
        subprocess.run(["rabbitmqctl", "-q", *args], check=False, capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    while not port_answers() and time.monotonic() < deadline:
        time.sleep(0.2)
