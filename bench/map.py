"""Benchmark: `GET /tickets/map` beside `GET /tickets/{id}` at 10,000 tickets, 2,000 located.

Fills an embedded database under a temporary `UTS_DATA_DIR` (a few tickets made by the tickets
service's own operations, then copies of them with new ids, times, statuses and places written
straight into the collection: 2,000 of the 10,000 with coordinates, most of them open), starts
config, tickets and the gateway as `make run` does, and measures both routes closed loop with
wrk (16 connections). Also the time of one map answer read afresh (a ticket changed just
before: the kept answer no longer serves). Target: map >= 0.5x get.

    uv run python bench/map.py
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import seeding
from bench.load import CONNECTIONS, broker_pid, lua_request, measure
from tests.support.infra import vhost
from tests.support.processes import ProcessGroup, free_port, wait_http_ok
from uts_shared.contracts import tickets as t
from uts_shared.embedded import EmbeddedDatabase, Engine

TICKETS = int(os.environ.get("BENCH_MAP_TICKETS", "10000"))
LOCATED = int(os.environ.get("BENCH_MAP_LOCATED", "2000"))
TARGET = 0.5
DATABASE = "uts_tickets"
TEMPLATES = 40
OPEN = ["new", "open", "open", "in_progress", "pending_customer"]
HOME = (19.4326, -99.1332)


async def fill(rabbit_url: str, database: EmbeddedDatabase) -> list[str]:
    """TICKETS tickets, LOCATED of them with coordinates (a fifth of those resolved)."""
    rnd = random.Random(2026)
    subject = "Poste {n} sin luz frente al parque, calle {street}"
    made = await seeding.templates(rabbit_url, database, rnd, TEMPLATES, subject=subject)
    located = set(rnd.sample(range(TICKETS), LOCATED))
    batch, ids = [], []
    numbers = range(TICKETS)
    for n, copy in zip(numbers, seeding.copies(made, rnd, numbers), strict=True):
        priority = rnd.choice(list(t.Priority))
        copy["priority"], copy["priorityRank"] = priority.value, t.PRIORITY_RANK[priority]
        copy["status"] = "resolved" if rnd.random() < 0.2 else rnd.choice(OPEN)
        if n in located:
            point = {
                "latitude": round(HOME[0] + rnd.uniform(-0.15, 0.15), 6),
                "longitude": round(HOME[1] + rnd.uniform(-0.15, 0.15), 6),
            }
            copy["location"] = {"address": f"Calle {n}", "coordinates": point}
        copy["located"] = n in located
        batch.append(copy)
        ids.append(copy["_id"])
    await database["tickets"].delete_many({})
    await database["tickets"].insert_many(batch)
    return ids


def start(rabbit_url: str, data_dir: str) -> tuple[ProcessGroup, str, dict[str, str]]:
    port = free_port()
    env = {
        "RABBITMQ_URL": rabbit_url,
        "LOG_LEVEL": "WARNING",
        "UTS_DATA_DIR": data_dir,
        "GATEWAY_PORT": str(port),
        "GATEWAY_REQUIRED_SERVICES": "config,tickets",
        "ADMIN_EMAIL": "bench@example.com",
        "ADMIN_PASSWORD": "bench-password-123",
        "JWT_SECRET": "bench-secret-bench-secret-bench-secret",
    }
    procs = ProcessGroup(env)
    for service in ("config", "tickets", "gateway"):
        procs.start(service, service)
    base = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{base}/ready", timeout=120, procs=procs)
    token = httpx.post(
        f"{base}/api/v2/auth/login",
        json={"email": env["ADMIN_EMAIL"], "password": env["ADMIN_PASSWORD"]},
    ).json()["token"]
    return procs, base, {"Authorization": f"Bearer {token}"}


def afresh(base: str, headers: dict[str, str], ids: list[str]) -> tuple[float, int, int]:
    """Median ms of a map answer read after a change (and its points and bytes)."""
    times, points, size = [], 0, 0
    with httpx.Client(base_url=f"{base}/api/v2", headers=headers, timeout=60) as api:
        for i in range(7):
            r = api.put(f"/tickets/{ids[i]}", json={"tags": [f"bench-{i}"]})
            assert r.status_code == 200, r.text
            started = time.perf_counter()
            r = api.get("/tickets/map")
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
            points, size = len(r.json()["points"]), len(r.content)
    return statistics.median(times), points, size


def main() -> None:
    broker = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with vhost(broker) as (rabbit_url, description), tempfile.TemporaryDirectory() as data:
        print(f"broker: {description}; store: embedded engine kept in {data}")
        engine = Engine(Path(data))
        ids = asyncio.run(fill(rabbit_url, EmbeddedDatabase(engine.database(DATABASE))))
        engine.close()
        print(f"{TICKETS} tickets, {LOCATED} with coordinates")
        procs, base, headers = start(rabbit_url, data)
        try:
            api = f"{base}/api/v2"
            ms, points, size = afresh(base, headers, ids)
            print(f"map read afresh: {ms:.1f} ms (median of 7), {points} points, {size} bytes")
            watched = {name: proc.pid for name, proc in procs.procs.items()}
            if (rabbit := broker_pid()) is not None:
                watched["rabbitmq"] = rabbit
            get_load = lua_request("GET", f"{api}/tickets/{{id}}", headers, ids=ids)
            get = measure(get_load, watched=watched)
            shown = measure(lua_request("GET", f"{api}/tickets/map", headers), watched=watched)
        finally:
            procs.stop_all()
    ratio = shown.rps / get.rps
    print(f"wrk: 1 thread, {CONNECTIONS} connections, {os.cpu_count()} cores")
    names = list(get.cpu_ms)
    print(f"| route | req/s | p50 ms | p99 ms | CPU ms per request: {', '.join(names)} |")
    print("|---|---|---|---|---|")
    for name, result in (("get", get), ("map (open, located)", shown)):
        cpu = ", ".join(f"{result.cpu_ms.get(n, 0):.2f}" for n in names)
        print(f"| {name} | {result.rps:.0f} | {result.p50:.1f} | {result.p99:.1f} | {cpu} |")
    verdict = "ok" if ratio >= TARGET else "missed"
    print(f"map / get: {ratio:.2f}x (target {TARGET}x): {verdict}")


if __name__ == "__main__":
    main()
