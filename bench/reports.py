"""Benchmark: a 90-day report over 100,000 tickets.

Seeds `report_facts` straight through the store (facts as the tickets' writes keep them:
created over 120 days, three in four resolved, some reopened and rated) in an embedded
database under a temporary directory, builds the daily rollups from them (America/Mexico_City),
then asks the reports (`volume` by day, `times` by week, `agents`, `satisfaction`, one agent's
`volume`, and `volume` over 366 days) for the last 90 days, 30 times each, and prints the
median and p99 of each. Target: p99 < 300 ms (the 90-day reports over every ticket). Then the
ids of the tickets behind a few figures (what a report's link lists; `created` of one channel,
since without one the list reads the tickets' own creation index), with how many they are.

    uv run python bench/reports.py          # --quick: 10,000 tickets, 5 runs each
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tickets_service.figures import FigureTickets  # noqa: E402
from tickets_service.reports import STILL_OPEN, ReportFacts, ReportOperations  # noqa: E402
from tickets_service.rollups import ReportRollups  # noqa: E402
from uts_shared.contracts import reports as r  # noqa: E402
from uts_shared.contracts import tickets as t  # noqa: E402
from uts_shared.embedded import EmbeddedDatabase, Engine  # noqa: E402

QUICK = "--quick" in sys.argv
TICKETS = int(os.environ.get("BENCH_REPORT_TICKETS", "10000" if QUICK else "100000"))
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "5" if QUICK else "30"))
ZONE = "America/Mexico_City"
TARGET_MS = 300.0
END = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 120


def fact(rnd: random.Random, n: int) -> dict[str, Any]:
    created = END - timedelta(seconds=rnd.randrange(DAYS * 86_400))
    responded = created + timedelta(minutes=rnd.randrange(1, 600))
    done = rnd.random() < 0.75
    resolved = responded + timedelta(minutes=rnd.randrange(10, 5_000)) if done else None
    rated = resolved + timedelta(hours=2) if resolved and rnd.random() < 0.3 else None
    reopened = [resolved + timedelta(hours=1)] if resolved and rnd.random() < 0.05 else []
    spans = [[resolved, reopened[0] if reopened else None]] if resolved else []
    if reopened and resolved:
        resolved = reopened[0] + timedelta(hours=3)
        spans.append([resolved, None])
    last = [x for x in (created, responded, resolved, rated) if x]
    return {
        "_id": f"LUX-2026-{n:06d}",
        "createdAt": created,
        "category": rnd.choice(["light_malfunction", "billing", "maintenance", "other"]),
        "priority": rnd.choice(["low", "medium", "high", "urgent"]),
        "source": rnd.choice(["ai", "agent"]),
        "channel": rnd.choice(["whatsapp", "web", None]),
        "agent": f"agent-{rnd.randrange(12)}",
        "agentName": "Agente",
        "assignedAt": created + timedelta(minutes=5),
        "open": resolved is None,
        "firstResponseAt": responded,
        "firstResponseMs": int((responded - created).total_seconds() * 1000),
        "firstResponseBusinessMs": int((responded - created).total_seconds() * 500),
        "firstResponseMet": rnd.random() < 0.8,
        "resolvedAt": resolved,
        "resolutionMs": int((resolved - created).total_seconds() * 1000) if resolved else None,
        "resolutionBusinessMs": int((resolved - created).total_seconds() * 400)
        if resolved
        else None,
        "resolutionMet": (rnd.random() < 0.7) if resolved else None,
        "breachedAt": [responded] if rnd.random() < 0.1 else [],
        "doneSpans": spans,
        "reopenedAt": reopened,
        "rating": rnd.randint(1, 5) if rated else None,
        "ratingComment": "bien" if rated and rnd.random() < 0.3 else None,
        "ratedAt": rated,
        "lastAt": STILL_OPEN if resolved is None else max(last),
    }


class Calendar:
    async def sla_policy(self) -> Any:
        raise AssertionError("the bench names its time zone")


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        engine = Engine(Path(tmp))
        database = EmbeddedDatabase(engine.database("uts_tickets"))
        facts = ReportFacts(database, ReportRollups(database))
        await facts.ensure_indexes()
        rnd = random.Random(90)
        started = time.perf_counter()
        for first in range(0, TICKETS, 2_000):
            batch = [fact(rnd, n) for n in range(first, min(first + 2_000, TICKETS))]
            await facts.facts.insert_many(batch)
        print(f"{TICKETS} report facts seeded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        built = await facts.rebuild_rollups(ZONE)
        print(f"{built} rollup documents built in {time.perf_counter() - started:.0f} s")
        reports = ReportOperations(facts, Calendar())  # type: ignore[arg-type]
        last = date(2026, 11, 30)
        worst = 0.0
        for kind, group, days, more in (
            ("volume", "day", 90, {}),
            ("times", "week", 90, {}),
            ("agents", "day", 90, {}),
            ("satisfaction", "day", 90, {}),
            ("volume", "day", 90, {"agent": ["agent-3"]}),
            ("volume", "day", 366, {}),
        ):
            query = r.ReportQuery.model_validate(
                {
                    "kind": kind,
                    "from": last - timedelta(days=days - 1),
                    "to": last,
                    "timeZone": ZONE,
                    "groupBy": group,
                    **more,
                }
            )
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                await reports.report(query)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
            if days == 90 and not more:
                worst = max(worst, p99)
            median = statistics.median(times)
            label = f"{kind} by {group}, {days} days" + (" (one agent)" if more else "")
            print(f"  {label:<36}: median {median:7.1f} ms, p99 {p99:7.1f} ms")
        t0 = time.perf_counter()
        await reports.report(
            r.ReportQuery.model_validate(
                {"kind": "volume", "from": last - timedelta(days=89), "to": last, "timeZone": ZONE}
            ),
            from_facts=True,
        )
        print(
            f"  the same 90 days from the facts (once): {(time.perf_counter() - t0) * 1000:.0f} ms"
        )
        await behind(FigureTickets(facts))
        engine.close()
    verdict = "ok" if worst < TARGET_MS else "MISSED"
    print(
        f"  worst p99 of the 90-day reports {worst:.1f} ms (target < {TARGET_MS:.0f} ms) {verdict}"
    )


FIGURE_TARGET_MS = 300.0


async def behind(figures: FigureTickets) -> None:
    """The tickets behind a figure (a report's link to the list): their ids from the facts."""
    day_end = END - timedelta(milliseconds=1)
    for figure, days, more in (
        ("created", 1, {"channel": ["whatsapp"]}),
        ("reopened", 1, {}),
        ("resolutionBreached", 7, {"channel": ["whatsapp"]}),
        ("reopened", 30, {}),
        ("backlog", 1, {}),
        ("resolved", 90, {}),
    ):
        query = t.ListTickets.model_validate(
            {
                "figure": figure,
                "figureFrom": END - timedelta(days=days),
                "figureTo": day_end,
                **more,
            }
        )
        times, found = [], 0
        for _ in range(max(RUNS // 3, 3)):
            t0 = time.perf_counter()
            found = len(await figures.ids(query) or ())
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        label = f"tickets behind {figure}, {days} day(s)" + (" (one channel)" if more else "")
        print(
            f"  {label:<44}: median {statistics.median(times):7.1f} ms, max {times[-1]:7.1f} ms,"
            f" {found} tickets"
        )


if __name__ == "__main__":
    asyncio.run(main())
