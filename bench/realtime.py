"""Benchmark: Socket.IO fan-out, from a write's HTTP reply to the last connected agent's receipt.

`uv run python bench/realtime.py` (run by `make bench` after the routes). 1,000 authenticated
Socket.IO clients on one gateway, then 2 gateways x 500; 200 tickets created one after another
over HTTP; for each, the time from the HTTP reply to the moment the last of the clients got its
`ticket_created`. The clients live in 4 receiver processes (one Python process cannot parse a
thousand sockets' frames fast enough to measure the gateway instead of itself); their clocks
are the machine's monotonic clock. Target: p99 < 250 ms.
"""

from __future__ import annotations

import asyncio
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

CLIENTS = int(os.environ.get("BENCH_SOCKETS", "1000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "200"))
RECEIVERS = 4
ADMIN = {"email": "bench@example.com", "password": "bench-password-123"}


def receiver(urls: list[str], count: int, token: str, queues: tuple[Any, Any, Any]) -> None:
    """`count` clients spread over `urls`; reports {ticketId: (receipts, last receipt)}.

    `queues`: (ready, results, done) between this process and the benchmark's."""
    ready, results, done = queues
    import socketio

    async def run() -> None:
        seen: dict[str, list[float]] = {}
        clients = []
        for i in range(count):
            client = socketio.AsyncClient(reconnection=False)

            async def on_created(data: dict[str, Any]) -> None:
                ticket = data.get("ticket") or {}
                seen.setdefault(str(ticket.get("ticketId")), []).append(time.monotonic())

            client.on("ticket_created", on_created)
            await client.connect(urls[i % len(urls)], auth={"token": token}, wait_timeout=30)
            clients.append(client)
        ready.put(count)
        await asyncio.to_thread(done.get)
        results.put({k: (len(v), max(v)) for k, v in seen.items()})
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)

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
