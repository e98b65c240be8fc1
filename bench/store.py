"""Benchmark: the embedded store as a team grows it (tickets of ~40 words and one note each).

For each size (10,000 and 100,000 tickets; `BENCH_STORE_SIZES=1000,5000` to choose others) it
fills a database under a temporary `UTS_DATA_DIR` through the tickets service's own operations
(in-process, on the real broker), then starts the tickets service as its own process on that
directory and prints:
- restart to ready after a clean stop: from the process's start until its health RPC answers
  (imports included); and the store's part of a restart after a crash, measured in-process
  (open, index check, and the tickets' recount that then runs);
- resident memory (VmRSS, with its anonymous and mapped-file parts) of that process once ready
  and after it served pages of reads;
- in-process create (`create_from_agent`) and status update (a `ChangeStatus` command): the
  time spent in the store's calls (every `EmbeddedCollection` call the operation makes, timed
  around it, in thread CPU time so other processes on the machine do not count), median over
  the last 1,000 tickets created and 500 updates; the whole operation's time is printed beside
  it (it includes publishing the events on the broker, which the store does not decide);
- reads over the broker against that process (get, lists, a two-word search), 16 in flight:
  calls a second and the service's CPU per call; a list or search >= 0.5x a get's rate. Before
  each, its 40 distinct calls once, one at a time: the slowest is printed ("first": a search's
  first call of a common word builds that word's postings).
Targets: RSS <= 300 MB and restart <= 3 s at 100,000; create <= 1.83 ms, status update <= 176 µs.

    uv run python bench/store.py
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.factories import unique_phone  # noqa: E402
from tests.support.infra import vhost  # noqa: E402
from tests.support.tickets_helpers import ConfigStub, PublisherDouble, settings_for  # noqa: E402
from tickets_service.main import TicketsService  # noqa: E402
from tickets_service.reports import fact_of  # noqa: E402
from tickets_service.store import TicketStore  # noqa: E402
from tickets_service.store import _ticket as stored_ticket  # noqa: E402
from uts_shared.contracts import tickets as t  # noqa: E402
from uts_shared.contracts.base import Empty, health_rpc  # noqa: E402
from uts_shared.embedded import EmbeddedCollection, EmbeddedDatabase, Engine  # noqa: E402
from uts_shared.embedded.aio import EmbeddedCursor  # noqa: E402
from uts_shared.messaging import (  # noqa: E402
    RpcClient,
    declare_topology,
    make_broker,
)

SIZES = [int(s) for s in os.environ.get("BENCH_STORE_SIZES", "10000,100000").split(",")]
DATABASE = "uts_tickets"
UPDATES = 500
TIMED_CREATES = 1000
TEMPLATES = 500
WORDS = [f"palabra{i}" for i in range(3000)]
CATEGORIES = ["light_malfunction", "maintenance", "billing", "electrical_issue", "other"]
READ_SECONDS = float(os.environ.get("BENCH_READ_SECONDS", "5"))
READ_SHARE = 0.5
"""Lists and searches at every size: at least this share of a get's calls a second."""
TARGETS = {"rss_mb": 300.0, "restart_s": 3.0, "create_ms": 1.83, "status_us": 176.0}


class StoreClock:
    """CPU seconds of the event loop's thread inside the embedded engine's collection calls
    (cursors included); the calls run to completion without awaiting anything."""

    spent = 0.0

    @classmethod
    def install(cls) -> None:
        for name in (
            "find_one",
            "count_documents",
            "insert_one",
            "update_one",
            "update_many",
            "find_one_and_update",
            "find_one_and_delete",
            "delete_one",
            "delete_many",
        ):
            setattr(EmbeddedCollection, name, cls._timed(getattr(EmbeddedCollection, name)))
        EmbeddedCursor.to_list = cls._timed(EmbeddedCursor.to_list)  # type: ignore[method-assign]
        EmbeddedCursor.views = cls._timed(EmbeddedCursor.views)  # type: ignore[method-assign]

    @classmethod
    def _timed(cls, method: Any) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return await method(*args, **kwargs)
            finally:
                cls.spent += time.thread_time() - started

        return timed


def _text(rnd: random.Random, n: int) -> str:
    """Words with a few common and many rare, as real ticket text has."""
    return " ".join(WORDS[min(int(rnd.paretovariate(1.2)) - 1, len(WORDS) - 1)] for _ in range(n))


class Unheard(PublisherDouble):
    """Events published nowhere: filling the database needs no broker round trips (the last
    tickets, the timed ones, go through the real publisher)."""


def _copy(template: dict[str, Any], n: int, start: datetime) -> dict[str, Any]:
    copy = dict(template)
    copy["_id"] = copy["ticketId"] = f"LUX-1999-{n:06d}"
    copy["createdAt"] = copy["updatedAt"] = start + timedelta(seconds=n)
    copy["outbox"] = []
    return copy


def _request(rnd: random.Random, customers: list[str]) -> t.CreateFromAgent:
    return t.CreateFromAgent(
        subject=_text(rnd, 6)[:200],
        description=_text(rnd, 34),
        category=rnd.choice(CATEGORIES),
        customer_id=rnd.choice(customers),
        agent_id=f"agent-{rnd.randrange(6)}",
        tags=rnd.sample(["vip", "noche", "zona-norte", "zona-sur"], rnd.randrange(3)),
    )


async def _insert_copy(service: TicketsService, copy: dict[str, Any]) -> None:
    """A copied ticket and its report fact, as a create writes them."""
    await service.store.tickets.insert_one(copy)
    fact = {"_id": copy["_id"], **fact_of(stored_ticket(copy)), "v": copy["version"]}
    await service.report_facts.facts.insert_one({**fact, "channel": None})


async def fill(rabbit_url: str, data_dir: Path, count: int) -> dict[str, float]:
    """`count` tickets through the tickets operations in-process; create and update times."""
    engine = Engine(data_dir)
    database = EmbeddedDatabase(engine.database(DATABASE))
    settings = settings_for(rabbit_url, None, DATABASE, outbox_relay_interval=0.5)
    config = ConfigStub(rabbit_url)
    service = TicketsService(settings, database=database)
    await config.broker.start()
    await service.start()
    rnd = random.Random(2026)
    ops = service.operations
    customers = [
        await service.customers.create(t.CreateCustomer(phone_number=unique_phone()))
        for _ in range(200)
    ]
    creates: list[float] = []
    create_store: list[float] = []
    real_publisher = service.outbox.publisher
    service.outbox.publisher = Unheard()
    ids: list[str] = []
    templates: list[dict[str, Any]] = []
    started_at = datetime.now(UTC)
    try:
        for i in range(count):
            if TEMPLATES <= i < count - TIMED_CREATES:
                # Past the first tickets, copies of them (new ids, times) go straight into the
                # collection, each with its report fact as a create writes it: the database
                # grows to `count` in minutes, not hours.
                if not templates:
                    templates = await database["tickets"].find({}).to_list(None)
                await _insert_copy(service, _copy(rnd.choice(templates), i, started_at))
                if i % 500 == 0:
                    # The engine's calls never yield: let the loop send the broker's heartbeats
                    # (a minute without them and the broker closes the connection).
                    await asyncio.sleep(0)
                continue
            request = _request(rnd, [c.id for c in customers])
            if i == count - TIMED_CREATES:
                service.outbox.publisher = real_publisher
            started, spent = time.perf_counter(), StoreClock.spent
            created = await ops.create_from_agent(request)
            if i >= count - TIMED_CREATES:
                creates.append(time.perf_counter() - started)
                create_store.append(StoreClock.spent - spent)
            ticket_id = created.ticket.ticket_id
            ids.append(ticket_id)
            note = t.AddNote(ticket_id=ticket_id, content=_text(rnd, 12), by="agent-1")
            await ops.write_note(note)
        updates: list[float] = []
        update_store: list[float] = []
        for ticket_id in rnd.sample(ids, UPDATES):
            request = t.ChangeStatus(
                ticket_id=ticket_id, status=t.TicketStatus.IN_PROGRESS, by="a1"
            )
            started, spent = time.perf_counter(), StoreClock.spent
            await ops.write(request)
            updates.append(time.perf_counter() - started)
            update_store.append(StoreClock.spent - spent)
    finally:
        await service.stop()
        await config.broker.stop()
        engine.close()
    return {
        "create_ms": statistics.median(create_store) * 1000,
        "status_us": statistics.median(update_store) * 1e6,
        "whole_create_ms": statistics.median(creates) * 1000,
        "whole_status_ms": statistics.median(updates) * 1000,
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid` so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spawn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tickets_service"], env=env)


def _megabytes_on_disk(directory: Path) -> float:
    return sum(p.stat().st_blocks * 512 for p in directory.rglob("*") if p.is_file()) / 2**20


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS, and its parts: RssAnon (the process's own) and RssFile (mapped file pages:
    LMDB's, which the kernel drops under pressure)."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            found[name] = int(rest.split()[0]) / 1024
    return found


async def restart(rabbit_url: str, data_dir: Path) -> dict[str, float]:
    """Start the tickets service on `data_dir`; seconds until it answers, its RSS."""
    client = make_broker(rabbit_url, app_id="bench-store")
    rpc = RpcClient(client, timeout=5.0, name="bench-store")
    await client.connect()
    await declare_topology(client)
    await client.start()
    config = ConfigStub(rabbit_url)
    await config.broker.start()
    env = {
        **os.environ,
        "RABBITMQ_URL": rabbit_url,
        "UTS_DATA_DIR": str(data_dir),
        "MONGODB_DB": DATABASE,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("MONGODB_URL", None)
    started = time.perf_counter()
    process = _spawn(env)
    try:
        while True:
            try:
                await rpc.call(health_rpc("tickets"), Empty(), timeout=0.2)
                break
            except Exception:
                if process.poll() is not None:
                    raise RuntimeError("the tickets service exited") from None
        ready = time.perf_counter() - started
        ready_cpu = cpu_seconds(process.pid)
        for page in range(1, 6):
            await rpc.call(t.LIST, t.ListTickets(page=page, limit=20))
            await rpc.call(t.LIST, t.ListTickets(page=page, limit=20, status=[t.TicketStatus.OPEN]))
        memory = memory_mb(process.pid)
        return {
            "restart_s": ready,
            "restart_cpu_s": ready_cpu,
            "rss_mb": memory["VmRSS"],
            "anon_mb": memory["RssAnon"],
            "file_mb": memory["RssFile"],
            **await reads(rpc, process.pid),
        }
    finally:
        process.terminate()
        process.wait(30)
        await client.stop()
        await config.broker.stop()


async def reads(rpc: RpcClient, pid: int) -> dict[str, float]:
    """Reads over the broker against the service process at this size, closed loop (16 calls
    in flight for `READ_SECONDS` each): calls a second and the service's CPU per call. The
    gateway adds the same to every route, so a list's share of a get here is its floor."""
    recent = await rpc.call(t.LIST, t.ListTickets(limit=100))
    ids = [s.ticket_id for s in recent.tickets]
    calls: dict[str, Any] = {
        "get": lambda n: rpc.call(t.GET, t.GetTicket(ticket_id=ids[n % len(ids)])),
        "list open": lambda n: rpc.call(
            t.LIST, t.ListTickets(limit=20, status=[t.TicketStatus.OPEN])
        ),
        "list unassigned": lambda n: rpc.call(
            t.LIST,
            t.ListTickets(unassigned=True, status=[t.TicketStatus.OPEN], sort_by="priority"),
        ),
        "search": lambda n: rpc.call(t.LIST, t.ListTickets(q=f"{WORDS[n % 40]} {WORDS[7]}")),
    }
    figures: dict[str, float] = {}
    for name, call in calls.items():
        # First, each of its 40 distinct calls once: what the first reader after a start waits
        # (a search of common words builds their postings then), apart from the timed rate.
        slowest = 0.0
        for n in range(40):
            started = time.perf_counter()
            await call(n)
            slowest = max(slowest, time.perf_counter() - started)
        figures[f"read first {name}"] = slowest * 1000
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        counts = await asyncio.gather(
            *(_calls_until(call, i, started + READ_SECONDS) for i in range(16))
        )
        done = sum(counts)
        figures[f"read {name}"] = done / (time.perf_counter() - started)
        figures[f"read cpu {name}"] = (cpu_seconds(pid) - cpu) / done * 1000
    return figures


async def _calls_until(call: Any, first: int, deadline: float) -> int:
    """Calls `call(n)` one after another until `deadline`; how many it made."""
    n, done = first, 0
    while time.perf_counter() < deadline:
        await call(n)
        n, done = n + 16, done + 1
    return done


async def store_restart(data_dir: Path) -> dict[str, float]:
    """The store's part of a restart after a crash, in-process: open the database, the
    indexes' check and the tickets' recount the service then runs before it serves (seconds;
    CPU seconds). After a clean stop (the restart measured as a process) there is no recount."""
    started, cpu = time.perf_counter(), time.process_time()
    engine = Engine(data_dir)
    store = TicketStore(EmbeddedDatabase(engine.database(DATABASE)))
    await store.ensure_indexes()
    await store.rebuild_counts()
    figures = {
        "store_restart_s": time.perf_counter() - started,
        "store_restart_cpu_s": time.process_time() - cpu,
    }
    engine.close()
    return figures


def verdict(name: str, value: float) -> str:
    return "ok" if value <= TARGETS[name] else "MISSED"


async def main() -> None:
    StoreClock.install()
    base = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with vhost(base) as (rabbit_url, _):
        for size in SIZES:
            with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
                data_dir = Path(tmp)
                filled = time.perf_counter()
                timings = await fill(rabbit_url, data_dir, size)
                filled = time.perf_counter() - filled
                figures: dict[str, Any] = {
                    **timings,
                    **await store_restart(data_dir),
                    **await restart(rabbit_url, data_dir),
                }
                on_disk = _megabytes_on_disk(data_dir)
                print(f"{size:>7} tickets (filled in {filled:.0f} s, {on_disk:.0f} MB on disk)")
                for name, unit in (
                    ("rss_mb", "MB"),
                    ("restart_s", "s"),
                    ("create_ms", "ms"),
                    ("status_us", "µs"),
                ):
                    value = figures[name]
                    print(
                        f"  {name:<10} {value:>9.2f} {unit:<3} (target <= {TARGETS[name]}) "
                        f"{verdict(name, value)}"
                    )
                print(
                    f"  resident memory: {figures['anon_mb']:.0f} MB the process's own, "
                    f"{figures['file_mb']:.0f} MB mapped file pages (LMDB's, reclaimable)"
                )
                print(
                    f"  the restart took {figures['restart_cpu_s']:.2f} s of the process's CPU "
                    "(the rest of its wall time: waiting for a core on this machine)"
                )
                print(
                    f"  the store's part of a restart after a crash (open, indexes, recount): "
                    f"{figures['store_restart_s']:.2f} s "
                    f"({figures['store_restart_cpu_s']:.2f} s CPU)"
                )
                print(
                    f"  whole operations (with the broker publish): create "
                    f"{figures['whole_create_ms']:.2f} ms, status update "
                    f"{figures['whole_status_ms']:.2f} ms"
                )
                get = figures["read get"]
                print(
                    "  reads over the broker (16 in flight; service CPU per call; the slowest "
                    "of its first 40 calls after the start):"
                )
                for name in ("get", "list open", "list unassigned", "search"):
                    rate, cpu = figures[f"read {name}"], figures[f"read cpu {name}"]
                    share = rate / get
                    first = figures[f"read first {name}"]
                    line = f"    {name:<16}{rate:>8.0f}/s {cpu:>7.2f} ms CPU {first:>7.1f} ms first"
                    if name != "get":
                        ok = "ok" if share >= READ_SHARE else "MISSED"
                        line += f"   {share:.2f}x get (>= {READ_SHARE}) {ok}"
                    print(line)
                sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
