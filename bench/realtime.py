"""Benchmark: Socket.IO fan-out, from a write's HTTP reply to the last connected agent's receipt.

`uv run python bench/realtime.py` (run by `make bench` after the routes). 3,000 authenticated
Socket.IO clients on one gateway (`BENCH_SOCKETS`), then the same number over 2 gateways; 200
tickets created one after another over HTTP; for each, the time from the HTTP reply to the
moment the last of the clients got its `ticket_created`. The clients live in 4 receiver
processes and speak Engine.IO/Socket.IO over a plain websocket, reading only the event's name
and ticket id (a full Socket.IO client per socket spends more CPU than the gateway, on the same
two cores, and the benchmark would measure itself); their clocks are the machine's monotonic
clock. Target: p99 < 250 ms.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.infra import vhost  # noqa: E402
from tests.support.processes import ProcessGroup, free_port, wait_http_ok  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_SOCKETS", "3000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "200"))
RECEIVERS = 4
CREATED = '42["ticket_created",'
TICKET_ID = '"ticketId":"'
ADMIN = {"email": "bench@example.com", "password": "bench-password-123"}


def _ticket_id(frame: str) -> str | None:
    """The ticketId of a `ticket_created` event frame, read without parsing the whole JSON."""
    if not frame.startswith(CREATED):
        return None
    at = frame.find(TICKET_ID)
    if at < 0:
        return None
    at += len(TICKET_ID)
    return frame[at : frame.index('"', at)]


async def _client(
    url: str, token: str, seen: dict[str, list[float]], joined: asyncio.Event
) -> None:
    """One agent's socket, speaking Engine.IO 4 / Socket.IO 5 directly: a lean client, so the
    receivers' own CPU does not become what is measured."""
    import websockets

    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(ws_url, max_queue=None, compression=None) as ws:
        await ws.recv()  # the Engine.IO open packet
        await ws.send("40" + json.dumps({"token": token}))
        async for frame in ws:
            if not isinstance(frame, str):
                continue
            if frame == "2":  # the server's ping
                await ws.send("3")
            elif frame.startswith("40"):
                joined.set()
            elif frame.startswith("44"):
                raise RuntimeError(f"refused: {frame}")
            else:
                ticket = _ticket_id(frame)
                if ticket is not None:
                    seen.setdefault(ticket, []).append(time.monotonic())


def receiver(urls: list[str], count: int, token: str, queues: tuple[Any, Any, Any]) -> None:
    """`count` clients spread over `urls`; reports {ticketId: (receipts, last receipt)}.

    `queues`: (ready, results, done) between this process and the benchmark's."""
    ready, results, done = queues

    async def run() -> None:
        seen: dict[str, list[float]] = {}
        tasks = []
        for i in range(count):
            joined = asyncio.Event()
            tasks.append(asyncio.create_task(_client(urls[i % len(urls)], token, seen, joined)))
            await asyncio.wait_for(joined.wait(), 30)
        ready.put(count)
        await asyncio.to_thread(done.get)
        results.put({k: (len(v), max(v)) for k, v in seen.items()})
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(run())


def fan_out(gateways: list[str], token: str, customer: str) -> list[float]:
    ctx = mp.get_context("spawn")
    ready, results, done = ctx.Queue(), ctx.Queue(), ctx.Queue()
    per = CLIENTS // RECEIVERS
    workers = [
        ctx.Process(target=receiver, args=(gateways, per, token, (ready, results, done)))
        for _ in range(RECEIVERS)
    ]
    for w in workers:
        w.start()
    connected = sum(ready.get(timeout=300) for _ in workers)
    replies: dict[str, float] = {}
    body = {
        "subject": "Poste sin luz",
        "description": "No enciende desde anoche",
        "category": "light_malfunction",
        "customerId": customer,
    }
    with httpx.Client(
        base_url=f"{gateways[0]}/api/v2", headers={"Authorization": f"Bearer {token}"}
    ) as api:
        for _ in range(EVENTS):
            r = api.post("/tickets", json=body)
            replies[r.json()["ticket"]["ticketId"]] = time.monotonic()
            time.sleep(0.05)  # one event at a time: latency, not a queue
    time.sleep(2)
    for _ in workers:
        done.put(True)
    seen: dict[str, tuple[int, float]] = {}
    for _ in workers:
        for ticket_id, (n, last) in results.get(timeout=120).items():
            count, latest = seen.get(ticket_id, (0, 0.0))
            seen[ticket_id] = (count + n, max(latest, last))
    for w in workers:
        w.join(timeout=30)
    missing = sum(1 for t in replies if seen.get(t, (0, 0))[0] < connected)
    if missing:
        print(f"  {missing} event(s) did not reach every one of {connected} clients")
    return [(seen[t][1] - at) * 1000 for t, at in replies.items() if t in seen]


def start(rabbit_url: str, data_dir: str, gateways: int) -> tuple[ProcessGroup, list[str], str]:
    env = {
        "RABBITMQ_URL": rabbit_url,
        "LOG_LEVEL": "WARNING",
        "UTS_DATA_DIR": data_dir,
        "GATEWAY_REQUIRED_SERVICES": "config,tickets",
        "ADMIN_EMAIL": ADMIN["email"],
        "ADMIN_PASSWORD": ADMIN["password"],
        "JWT_SECRET": "bench-secret-bench-secret-bench-secret",
    }
    procs = ProcessGroup(env)
    procs.start("config", "config")
    procs.start("tickets", "tickets")
    urls = []
    for i in range(gateways):
        port = free_port()
        extra = {"UTS_DATA_DIR": f"{data_dir}/gateway-{i}"} if i else {}
        procs.start(f"gateway{i}", "gateway", GATEWAY_PORT=str(port), **extra)
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        wait_http_ok(f"{url}/ready", timeout=60, procs=procs)
    token = httpx.post(f"{urls[0]}/api/v2/auth/login", json=ADMIN).json()["token"]
    customer = httpx.post(
        f"{urls[0]}/api/v2/customers",
        json={"phoneNumber": "+525512340000"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["customer"]["id"]
    return procs, urls, customer


def report(name: str, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    verdict = "ok" if p99 < 250 else "MISSED"
    print(f"{name:<26}{len(ordered):>7}{p50:>10.1f}{p99:>10.1f}   p99 < 250 ms: {verdict}")


def main() -> None:
    broker = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    print(f"Socket.IO fan-out: {CLIENTS} clients, {EVENTS} events, {os.cpu_count()} cores")
    rows = []
    for gateways in (1, 2):
        with vhost(broker) as (rabbit_url, _), tempfile.TemporaryDirectory() as data:
            procs, urls, customer = start(rabbit_url, data, gateways)
            try:
                token = httpx.post(f"{urls[0]}/api/v2/auth/login", json=ADMIN).json()["token"]
                # A gateway checks tokens with the shared secret: one token serves both.
                rows.append(
                    (
                        f"{gateways} gateway(s) x {CLIENTS // gateways}",
                        fan_out(urls, token, customer),
                    )
                )
            finally:
                procs.stop_all()
    print(f"\n{'clients':<26}{'events':>7}{'p50 ms':>10}{'p99 ms':>10}")
    for name, latencies in rows:
        report(name, latencies)


if __name__ == "__main__":
    main()
