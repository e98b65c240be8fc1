"""Reports and ticket exports as CSV: what Python's csv module reads back (a BOM first, a
header, a row per bucket or agent and the period's total, times in hours)."""

from __future__ import annotations

import csv
import io
from datetime import date

from gateway.routes.reports import report_csv
from uts_shared.contracts import reports as r


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _report(kind: r.ReportKind) -> r.Report:
    day = r.Bucket(
        start=date(2026, 3, 2),
        created=4,
        resolved=2,
        backlog=7,
        first_response=r.Durations(count=2, median_ms=1_800_000, p90_ms=7_200_000),
        resolution_sla=r.Attainment(met=1, breached=1, attainment=0.5),
    )
    return r.Report(
        kind=kind,
        from_=date(2026, 3, 2),
        to=date(2026, 3, 2),
        time_zone="UTC",
        group_by="day",
        totals=day,
        buckets=[day],
        agents=[r.AgentRow(agent_id="ag-1", agent_name="Ana Ruiz", assigned=3, open_now=2)],
    )


def test_a_times_report_is_a_row_per_bucket_and_the_total() -> None:
    rows = _rows(report_csv(_report("times")))
    assert [row["period"] for row in rows] == ["2026-03-02", "total"]
    first = rows[0]
    assert (first["created"], first["backlog"]) == ("4", "7")
    assert (first["first response median h"], first["first response p90 h"]) == ("0.50", "2.00")
    assert first["resolution SLA attainment"] == "0.5000"
    assert first["resolution median h"] == ""


def test_an_agents_report_is_a_row_per_agent() -> None:
    [row] = _rows(report_csv(_report("agents")))
    assert (row["agent"], row["name"], row["assigned"], row["open now"]) == (
        "ag-1",
        "Ana Ruiz",
        "3",
        "2",
    )
