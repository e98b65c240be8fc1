"""Benchmark: what keeping the report rollups costs a ticket's write.

Seeds 20,000 facts as `bench/reports.py` does, builds the rollups, then resolves 200 open
tickets near the end of the period (today's documents: the biggest and most written) twice:
each change carried into the rollups at once, one by one, and handed to the background
settler (up to 64 changes a batch). Prints the CPU per change of the fact's write and the
rollups' (the settler's work included).

    uv run python bench/report_writes.py
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import reports as seeded  # noqa: E402
from tickets_service.reports import PENDING, WAS, ReportFacts  # noqa: E402
from tickets_service.rollups import ReportRollups  # noqa: E402
from uts_shared.embedded import EmbeddedDatabase, Engine  # noqa: E402

FACTS = 20_000
CHANGES = 200


async def cost(batched: bool) -> float:
    """CPU milliseconds per change."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp))
        db = EmbeddedDatabase(engine.database("bench"))
        facts = ReportFacts(db, ReportRollups(db))
        await facts.ensure_indexes()
        draw = random.Random(90)
        for first in range(0, FACTS, 2000):
            batch = [seeded.fact(draw, i) for i in range(first, first + 2000)]
            await facts.facts.insert_many(batch)
        await facts.rebuild_rollups(seeded.ZONE)
        if batched:
            facts.start()
        opened = await facts.facts.find({"open": True}).to_list(CHANGES)
        at = seeded.END - timedelta(minutes=5)
        started = time.process_time()
        for old in opened:
            new = {
                **old,
                "open": False,
                "resolvedAt": at,
                "resolutionMs": 1000,
                "resolutionBusinessMs": 500,
                "resolutionMet": True,
                "doneSpans": [[at, None]],
                "lastAt": at,
                "v": 2,
            }
            fields = {k: v for k, v in new.items() if k != "_id"}
            await facts.facts.update_one(
                {"_id": old["_id"]}, {"$set": {**fields, PENDING: True, WAS: old}}
            )
            if batched:
                facts.hand_over(old["_id"])
            else:
                await facts.rollups_apply(old, new)
        await facts.settled()
        spent = (time.process_time() - started) * 1000 / len(opened)
        await facts.stop()
        engine.close()
        return spent


def main() -> None:
    one_by_one = asyncio.run(cost(batched=False))
    batched = asyncio.run(cost(batched=True))
    print(f"report rollups, {CHANGES} resolutions at {FACTS:,} tickets (CPU per change):")
    print(f"  one by one     {one_by_one:6.2f} ms")
    print(f"  batched        {batched:6.2f} ms")


if __name__ == "__main__":
    main()
