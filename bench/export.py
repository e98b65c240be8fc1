"""Benchmark: the CSV export of 100,000 tickets holds one page at a time.

Fills an embedded database under a temporary directory (a few tickets made by the tickets
service's own operations, then copies of them with new ids and times written straight into
the collection), then exports every ticket the way `GET /tickets/export` does: the tickets
service's export pages (each answer serialised and parsed again, as over the broker) and the
gateway's CSV rows, the text thrown away as a response body would be sent. Prints the rows,
the time, and the memory the export held: the Python heap's peak during the export
(tracemalloc) and the growth of the process's own resident memory (RssAnon).
Target: < 100 MB.

    uv run python bench/export.py          # BENCH_EXPORT_ROWS=20000 for a quicker run
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seeding  # noqa: E402
from gateway.routes.exports import BATCH, Rows, export_rows  # noqa: E402
from tests.support.infra import vhost  # noqa: E402
from tests.support.tickets_helpers import LUXFREE  # noqa: E402
from tickets_service.exports import ExportOperations  # noqa: E402
from uts_shared.contracts import reports as r  # noqa: E402
from uts_shared.embedded import EmbeddedDatabase, Engine  # noqa: E402

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
TARGET_MB = 100.0
DATABASE = "uts_tickets"
TEMPLATES = 50
CHUNK = 2_000


def rss_anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


class OverTheWire:
    """The export RPC as the gateway's `RpcClient` sees it: the answer serialised and parsed."""

    def __init__(self, exports: ExportOperations) -> None:
        self.exports = exports

    async def call(self, spec: Any, request: r.ExportTickets) -> r.ExportPage:
        page = await self.exports.page(
            r.ExportTickets.model_validate_json(request.model_dump_json())
        )
        return r.ExportPage.model_validate_json(page.model_dump_json())


async def fill(rabbit_url: str, database: EmbeddedDatabase, count: int) -> None:
    rnd = random.Random(2026)
    made = await seeding.templates(
        rabbit_url,
        database,
        rnd,
        TEMPLATES,
        subject="Poste {n} sin luz, calle {street}",
        self_assign_half=True,
    )
    for first in range(TEMPLATES, count, CHUNK):
        numbers = range(first, min(first + CHUNK, count))
        await database["tickets"].insert_many(list(seeding.copies(made, rnd, numbers)))


async def export(database: EmbeddedDatabase) -> tuple[int, int, float]:
    from tickets_service.store import TicketStore

    rpc: Any = OverTheWire(ExportOperations(TicketStore(database)))
    rows = Rows("es", LUXFREE)
    started = time.perf_counter()
    head, rest = await export_rows(rpc, r.ExportTickets(batch=BATCH), rows)
    lines = head.count("\r\n") - 1
    size = len(head.encode())
    async for chunk in rest:
        lines += chunk.count("\r\n")
        size += len(chunk.encode())
    return lines, size, time.perf_counter() - started


async def main() -> None:
    base = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with vhost(base) as (rabbit_url, _), tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        engine = Engine(Path(tmp))
        database = EmbeddedDatabase(engine.database(DATABASE))
        filled = time.perf_counter()
        await fill(rabbit_url, database, ROWS)
        print(f"{ROWS} tickets filled in {time.perf_counter() - filled:.0f} s")
        gc.collect()
        before = rss_anon_mb()
        lines, size, seconds = await export(database)
        grown = rss_anon_mb() - before
        print(f"  untraced: {lines} rows, {size / 1e6:.1f} MB of CSV in {seconds:.1f} s")
        gc.collect()
        tracemalloc.start()
        lines, size, _ = await export(database)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.close()
    peak_mb = peak / 1e6
    ok = "ok" if peak_mb < TARGET_MB and grown < TARGET_MB else "MISSED"
    print(f"  rows read back {lines} (expected {ROWS})")
    print(f"  memory held by the export: Python heap peak {peak_mb:.1f} MB, resident memory")
    print(f"  grown {grown:.1f} MB (target < {TARGET_MB:.0f} MB) {ok}")


if __name__ == "__main__":
    asyncio.run(main())
