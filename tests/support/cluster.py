"""A RabbitMQ cluster of three nodes of its own on this machine, for the cluster drill.

Each node has its own name (`uts-drill<N>-<pid>@localhost`), AMQP and distribution ports (free
ones), configuration, data and log directories under one temporary directory, and the cluster's
Erlang cookie (a `.erlang.cookie` in that directory, its HOME). Nodes 2 and 3 join node 1.
Only these nodes are ever stopped, by name: the machine's own node (:5672) is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.broker import rabbitmqctl

SBIN = Path("/usr/lib/rabbitmq/bin")
"""The scripts themselves (/usr/sbin's wrappers switch to the rabbitmq user and its HOME)."""
START_TIMEOUT = 120.0


def rabbitmq_bin(name: str) -> str:
    direct = SBIN / name
    found = str(direct) if direct.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: the drill needs a RabbitMQ server installed")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Node:
    name: str
    port: int
    dist_port: int
    base: Path
    running: bool = False

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"


class Cluster:
    def __init__(self, home: Path, size: int = 3) -> None:
        self.home = home
        tag = os.getpid()
        self.nodes = [
            Node(f"uts-drill{n}-{tag}@localhost", free_port(), free_port(), home / f"node{n}")
            for n in range(1, size + 1)
        ]
        self.env = {**os.environ, "HOME": str(home), "ERL_EPMD_ADDRESS": "127.0.0.1"}
        self.log: list[str] = []

    @property
    def urls(self) -> str:
        """The RABBITMQ_URL naming every node."""
        return ",".join(node.url for node in self.nodes)

    async def ctl(self, node: Node, *args: str, timeout: float = 120.0) -> str:
        return await rabbitmqctl(
            "-n",
            node.name,
            *args,
            timeout=timeout,
            program=rabbitmq_bin("rabbitmqctl"),
            env=self.env,
        )

    async def start(self, node: Node) -> None:
        node.base.mkdir(parents=True, exist_ok=True)
        config = node.base / "rabbitmq.conf"
        config.write_text(f"listeners.tcp.local = 127.0.0.1:{node.port}\n")
        (node.base / "enabled_plugins").write_text("[].\n")
        (node.base / "rabbitmq-env.conf").write_text("")
        env = {
            **self.env,
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_PORT": str(node.port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(node.base / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.base / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(node.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.base / "log"),
            "RABBITMQ_PID_FILE": str(node.base / "pid"),
        }
        proc = await asyncio.create_subprocess_exec(
            rabbitmq_bin("rabbitmq-server"),
            "-detached",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await proc.wait()
        node.running = True
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                await self.ctl(node, "await_startup", "--timeout", "60")
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1.0)

    async def stop(self, node: Node) -> None:
        """Stop the node's Erlang VM (this node only, by name)."""
        if not node.running:
            return
        try:
            await self.ctl(node, "stop", timeout=60.0)
        except (RuntimeError, TimeoutError):
            pid = node.base / "pid"
            if pid.exists():  # the VM this drill started, and no other
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid.read_text().strip()), signal.SIGKILL)
        node.running = False

    async def form(self) -> None:
        (self.home / ".erlang.cookie").write_text(secrets.token_hex(20))
        (self.home / ".erlang.cookie").chmod(0o400)
        await asyncio.gather(*(self.start(node) for node in self.nodes))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            await self.ctl(node, "stop_app")
            await self.ctl(node, "join_cluster", first.name)
            await self.ctl(node, "start_app")
        status = await self.ctl(first, "cluster_status", "--formatter", "json")
        running = [n.name for n in self.nodes if n.name in status]
        if len(running) != len(self.nodes):
            raise RuntimeError(f"cluster did not form: {status}")


@contextlib.asynccontextmanager
async def cluster(size: int = 3) -> AsyncIterator[Cluster]:
    """`size` nodes clustered, stopped (only they) and their directory removed at the end."""
    home = Path(tempfile.mkdtemp(prefix="uts-cluster-"))
    nodes = Cluster(home, size)
    try:
        await nodes.form()
        yield nodes
    finally:
        for node in nodes.nodes:
            with contextlib.suppress(Exception):
                await nodes.stop(node)
        shutil.rmtree(home, ignore_errors=True)
