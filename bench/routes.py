"""Benchmark: every main route against floors measured here, in the same run, with 10,000 tickets.

`make bench` (or `uv run python bench/routes.py`). The system runs as `make run` runs it: each
service its own process, on the default store (the embedded engine, keeping its data in a
temporary directory). Two measurements of every route:
- closed loop: wrk, 16 connections, 1 thread (Debian's package, installed if missing):
  throughput against the floors (create >= 0.6x, get >= 0.9x, every other write >= 0.5x the
  multiplexed floor measured just before; list, search and stats >= 0.5x get), with the CPU
  each process spends per request;
- open loop (`bench/openloop.py`): 100 requests a second on a fixed schedule, latency counted
  from each request's scheduled start: p99 < 20 ms on every route.
`BENCH_ROUTES="create,AI tool call"` measures only those routes (with the floors they are
compared with); `BENCH_TICKETS` seeds another number of tickets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Floors, Result, broker_pid  # noqa: E402
from bench.load import measure as measure_load  # noqa: E402
from bench.openloop import Route, open_loop  # noqa: E402
from tests.support.infra import vhost  # noqa: E402
from tests.support.processes import ProcessGroup, free_port, wait_http_ok  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS", "10000"))
OPEN_RATE = float(os.environ.get("BENCH_OPEN_RATE", "100"))
OPEN_SECONDS = float(os.environ.get("BENCH_OPEN_SECONDS", "6"))
OPEN_P99_MS = 20.0
ONLY = [name.strip() for name in os.environ.get("BENCH_ROUTES", "").split(",") if name.strip()]
CUSTOMERS = 300
AGENTS = 6
SERVICE_TOKEN = "bench-service-token-" + uuid.uuid4().hex

WORDS = (
    "poste",
    "luminaria",
    "lampara",
    "calle",
    "avenida",
    "apagada",
    "parpadea",
    "panel",
    "solar",
    "bateria",
    "inversor",
    "factura",
    "cobro",
    "recibo",
    "cable",
    "chispa",
    "sensor",
    "noche",
    "parque",
    "plaza",
    "escuela",
    "hospital",
    "puente",
    "camino",
    "colonia",
    "centro",
    "fuga",
    "voltaje",
    "medidor",
    "tornillo",
    "base",
    "brazo",
    "foco",
    "led",
    "balastro",
    "corto",
    "circuito",
    "tierra",
    "lluvia",
    "viento",
    "arbol",
    "rama",
    "choque",
    "vandalismo",
    "robo",
    "pintura",
    "oxido",
)
CATEGORIES = [
    "solar_installation",
    "light_malfunction",
    "maintenance",
    "electrical_issue",
    "billing",
    "other",
]
PRIORITIES = ["low", "medium", "medium", "high", "urgent"]


@dataclass
class System:
    base: str
    headers: dict[str, str]
    procs: ProcessGroup
    ticket_ids: list[str]
    in_progress: list[str]
    customer_phone: str


def _zipf_words(rnd: random.Random, n: int) -> str:
    """Words with a few common and many rare, as real ticket text has."""
    return " ".join(WORDS[min(int(rnd.paretovariate(1.2)) - 1, len(WORDS) - 1)] for _ in range(n))


async def _seed(base: str, headers: dict[str, str]) -> tuple[list[str], list[str], str]:
    rnd = random.Random(2026)
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(
        base_url=f"{base}/api/v2", headers=headers, timeout=30, limits=limits
    ) as api:
        sem = asyncio.Semaphore(32)

        async def call(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            # A keep-alive connection the loaded server just closed is retried under the same
            # Idempotency-Key: the seed never files a ticket twice.
            key = {"Idempotency-Key": uuid.uuid4().hex}
            async with sem:
                for attempt in range(3):
                    try:
                        r = await api.request(method, path, json=body, headers=key)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                if r.status_code >= 300:
                    raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
                result: dict[str, Any] = r.json()
                return result

        agents = await asyncio.gather(
            *(
                call(
                    "POST",
                    "/agents",
                    {
                        "email": f"agent{i}@bench.example.com",
                        "password": "bench-agent-password",
                        "firstName": f"Agent{i}",
                        "lastName": "Bench",
                    },
                )
                for i in range(AGENTS)
            )
        )
        agent_ids = [a["agent"]["id"] for a in agents]
        phones = [f"+52155{10_000_000 + i:08d}" for i in range(CUSTOMERS)]
        customers = await asyncio.gather(
            *(call("POST", "/customers", {"phoneNumber": p, "firstName": "C"}) for p in phones)
        )
        customer_ids = [c["customer"]["id"] for c in customers]

        async def ticket(i: int) -> str:
            body = {
                "subject": _zipf_words(rnd, 5)[:200],
                "description": _zipf_words(rnd, 25),
                "category": rnd.choice(CATEGORIES),
                "priority": rnd.choice(PRIORITIES),
                "customerId": rnd.choice(customer_ids),
                "tags": rnd.sample(["vip", "noche", "zona-norte", "zona-sur"], rnd.randrange(3)),
            }
            created = await call("POST", "/tickets", body)
            return str(created["ticket"]["ticketId"])

        started = time.monotonic()
        ids = list(await asyncio.gather(*(ticket(i) for i in range(TICKETS))))
        print(f"seeded {len(ids)} tickets in {time.monotonic() - started:.0f} s", flush=True)

        # A helpdesk's mix: a third being worked, some assigned, some resolved.
        working = rnd.sample(ids, len(ids) // 3)
        await asyncio.gather(
            *(call("POST", f"/tickets/{i}/status", {"status": "in_progress"}) for i in working)
        )
        resolved = working[: len(working) // 4]
        await asyncio.gather(
            *(
                call("POST", f"/tickets/{i}/resolve", {"resolutionNotes": "Reparado"})
                for i in resolved
            )
        )
        assigned = rnd.sample(ids, len(ids) // 4)
        await asyncio.gather(
            *(
                call("POST", f"/tickets/{i}/assign", {"agentId": rnd.choice(agent_ids)})
                for i in assigned
            )
        )
        in_progress = sorted(set(working) - set(resolved))
        print(f"seeding done in {time.monotonic() - started:.0f} s", flush=True)
        return ids, in_progress, phones[0]


def start_system(rabbit_url: str, data_dir: str) -> System:
    port = free_port()
    env = {
        "RABBITMQ_URL": rabbit_url,
        "LOG_LEVEL": "WARNING",
        "UTS_DATA_DIR": data_dir,
        "GATEWAY_PORT": str(port),
        "GATEWAY_REQUIRED_SERVICES": "config,tickets,ai-tools",
        "ADMIN_EMAIL": "bench@example.com",
        "ADMIN_PASSWORD": "bench-password-123",
        "JWT_SECRET": "bench-secret-bench-secret-bench-secret",
        "AI_TOOLS_SERVICE_TOKEN": SERVICE_TOKEN,
    }
    procs = ProcessGroup(env)
    for service in ("config", "tickets", "ai-tools", "gateway"):
        procs.start(service, service)
    base = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{base}/ready", timeout=60, procs=procs)
    token = httpx.post(
        f"{base}/api/v2/auth/login",
        json={"email": env["ADMIN_EMAIL"], "password": env["ADMIN_PASSWORD"]},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    ids, in_progress, phone = asyncio.run(_seed(base, headers))
    return System(base, headers, procs, ids, in_progress, phone)


@dataclass(frozen=True)
class Plan:
    closed: dict[str, Route]
    """Measured by wrk (closed loop)."""
    warmups: dict[str, Route]
    """A warm-up of its own, for routes whose requests change state."""
    opened: dict[str, Route]
    """Measured on a fixed schedule (open loop)."""


def measured_routes(system: System) -> Plan:
    """Every measured route, and the warm-up of those that need one of their own; each
    route's open-loop run gets a pool of its own where requests change state (the status
    toggle), so it starts from states the closed loop did not leave half-way."""
    api = f"{system.base}/api/v2"
    h = system.headers
    rnd = random.Random(7)
    ids = system.ticket_ids
    third = len(system.in_progress) // 3
    warm_pool = system.in_progress[:third]
    main_pool = system.in_progress[third : 2 * third]
    customer = httpx.get(f"{api}/tickets/{ids[0]}", headers=h).json()["ticket"]["customerId"]
    status = f"{api}/tickets/{{id}}/status"
    closed = {
        "create": Route(
            "POST",
            f"{api}/tickets",
            h,
            body={
                "subject": "Falla de luminaria en la calle 5",
                "description": "La luminaria parpadea desde ayer por la noche",
                "category": "light_malfunction",
                "priority": "high",
                "customerId": customer,
            },
        ),
        "get": Route("GET", f"{api}/tickets/{{id}}", h, ids=ids),
        "list open": Route("GET", f"{api}/tickets?status=open&limit=20", h),
        "list unassigned": Route(
            "GET", f"{api}/tickets?assignedAgent=unassigned&status=open&sortBy=priority", h
        ),
        "search": Route("GET", f"{api}/tickets?search=poste%20apagada&limit=20", h),
        "stats": Route("GET", f"{api}/tickets/stats/summary", h),
        "status change": Route("POST", status, h, toggle=main_pool),
        "add note": Route(
            "POST",
            f"{api}/tickets/{{id}}/notes",
            h,
            ids=rnd.sample(ids, min(2000, len(ids))),
            body={"content": "Se revisó en sitio; falta la pieza", "isInternal": True},
        ),
        "AI tool call": Route(
            "POST",
            f"{api}/ai/tool-calls",
            {"Authorization": f"Bearer {SERVICE_TOKEN}"},
            tool_call_phone=system.customer_phone,
        ),
    }
    open_pool = system.in_progress[2 * third :]
    return Plan(
        closed=closed,
        warmups={"status change": Route("POST", status, h, toggle=warm_pool)},
        opened={**closed, "status change": Route("POST", status, h, toggle=open_pool)},
    )


def routes(system: System, floors: Floors) -> tuple[dict[str, Result], dict[str, Result]]:
    """Closed loop (wrk, 16 connections: throughput and its latency), then open loop (100
    requests a second on a fixed schedule: latency from each request's scheduled start)."""
    plan = measured_routes(system)
    if ONLY:
        unknown = set(ONLY) - plan.closed.keys()
        if unknown:
            raise SystemExit(f"BENCH_ROUTES: no route {', '.join(sorted(unknown))}")
        plan = dataclasses.replace(
            plan,
            closed={name: plan.closed[name] for name in ONLY},
            opened={name: plan.opened[name] for name in ONLY},
        )
    results: dict[str, Result] = {}
    watched = {name: proc.pid for name, proc in system.procs.procs.items()}
    rabbit = broker_pid()
    if rabbit is not None:
        watched["rabbitmq"] = rabbit
    for name, route in plan.closed.items():
        floor = FLOOR_BEFORE.get(name) or TARGETS[name][0]
        if floor in FLOOR_BEFORE.values() and (name in FLOOR_BEFORE or floor not in results):
            results[floor] = floors.measure("multiplexed")
        warm = plan.warmups.get(name)
        results[name] = measure_load(route.load(), warm.load() if warm else None, watched)
    timed = {
        name: open_loop(route, rate=OPEN_RATE, seconds=OPEN_SECONDS)
        for name, route in plan.opened.items()
    }
    return results, timed


FLOOR_BEFORE = {
    "create": "multiplexed, before create",
    "get": "multiplexed, before get",
    "status change": "multiplexed, before writes",
}
"""The multiplexed floor is measured again just before these (this machine's speed drifts)."""

TARGETS: dict[str, tuple[str, float]] = {
    "create": ("multiplexed, before create", 0.6),
    "get": ("multiplexed, before get", 0.9),
    "list open": ("get", 0.5),
    "list unassigned": ("get", 0.5),
    "search": ("get", 0.5),
    "stats": ("get", 0.5),
    "status change": ("multiplexed, before writes", 0.5),
    "add note": ("multiplexed, before writes", 0.5),
    "AI tool call": ("multiplexed, before writes", 0.5),
}


def report(results: dict[str, Result]) -> None:
    print(f"\n{'path':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}   ratio (target)")
    for name, r in results.items():
        line = f"{name:<28}{r.rps:>9.0f}{r.p50:>9.2f}{r.p99:>9.2f}{r.errors:>9.0f}"
        if name in TARGETS and TARGETS[name][0] in results:
            floor, wanted = TARGETS[name]
            ratio = r.rps / results[floor].rps
            verdict = "ok" if ratio >= wanted else "MISSED"
            line += f"   {ratio:.2f}x {floor} (>= {wanted}) {verdict}"
        print(line)
    cpu_report(results)
    errors = [n for n, r in results.items() if r.errors]
    if errors:
        print(f"non-2xx answers: {', '.join(errors)}")


def open_report(timed: dict[str, Result]) -> None:
    print(
        f"\nOpen loop: {OPEN_RATE:.0f} requests/s on a fixed schedule for {OPEN_SECONDS:.0f} s, "
        "latency from each request's scheduled start"
    )
    head = f"{'path':<28}{'sent':>7}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
    print(f"{head}   p99 < {OPEN_P99_MS:.0f} ms")
    for name, r in timed.items():
        verdict = "ok" if r.p99 < OPEN_P99_MS else "MISSED"
        print(f"{name:<28}{r.requests:>7}{r.p50:>9.2f}{r.p99:>9.2f}{r.errors:>9.0f}   {verdict}")


FLOORS = ("noop", "request", "multiplexed", *FLOOR_BEFORE.values())


def cpu_report(results: dict[str, Result]) -> None:
    """CPU ms per request in each process (the floors' "service" is their echo server): with
    every core busy, a route's throughput is about the cores over its total."""
    names = list(dict.fromkeys(n for r in results.values() for n in r.cpu_ms))
    if not names:
        return
    print(f"\nCPU ms per request ({os.cpu_count()} cores; wrk's own CPU not counted)")
    print(f"{'path':<28}" + "".join(f"{n:>10}" for n in names) + f"{'total':>10}")
    for path, r in results.items():
        cells = "".join(f"{r.cpu_ms[n]:>10.2f}" if n in r.cpu_ms else f"{'':>10}" for n in names)
        print(f"{path:<28}{cells}{sum(r.cpu_ms.values()):>10.2f}")


def main() -> None:
    broker = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with vhost(broker) as (rabbit_url, description), tempfile.TemporaryDirectory() as data:
        print(f"broker: {description}; store: embedded engine kept in {data}")
        print(f"wrk: 1 thread, 16 connections, {os.cpu_count()} cores")
        with Floors(rabbit_url) as floors:
            results: dict[str, Result] = floors.all()
            system = start_system(rabbit_url, data)
            try:
                closed, timed = routes(system, floors)
                results.update(closed)
            finally:
                system.procs.stop_all()
    report(results)
    open_report(timed)
    figures = {"closed": results, "open": timed}
    print(
        json.dumps({k: {n: r.__dict__ for n, r in v.items()} for k, v in figures.items()}),
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
