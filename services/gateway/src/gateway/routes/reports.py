"""`GET /reports/{kind}`: the admins' reports (times, volume, agents, satisfaction) over a
period, as JSON or as CSV (`format=csv`). Admins only: API tokens are refused here."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import Field

from gateway.auth import admin_agent
from gateway.routes.envelope import SEVERAL, FilterValues, Ok, answer, unique_query_keys_but
from gateway.routes.exports import BOM
from gateway.rpc import RpcDep
from uts_shared.contracts import reports as r
from uts_shared.contracts.base import WireModel
from uts_shared.contracts.tickets import Priority

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(admin_agent)])

MULTI = ("agent", "category", "priority", "channel", "source")
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "Admins only"}}


class ReportParams(WireModel):
    """The period (`from`..`to`, local dates, both included; at most 366 days), its time zone
    (default: the SLA calendar's), grouped by day or week, the tickets' filters (several values
    each: any matches), and `format` (`csv` for a spreadsheet)."""

    from_: date = Field(alias="from")
    to: date
    time_zone: Annotated[str, Query(min_length=1, max_length=64)] | None = None
    group_by: r.GroupBy = "day"
    agent: FilterValues | None = None
    category: FilterValues | None = None
    priority: Annotated[list[Priority], *SEVERAL] | None = None
    channel: FilterValues | None = None
    source: FilterValues | None = None
    format: Literal["json", "csv"] = "json"


class ReportOut(Ok):
    report: r.Report


def _hours(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 3_600_000:.2f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


BUCKET_HEADER = (
    "period", "created", "resolved", "reopened", "backlog",
    "first response median h", "first response p90 h",
    "first response business median h", "first response business p90 h",
    "resolution median h", "resolution p90 h",
    "resolution business median h", "resolution business p90 h",
    "first response SLA met", "first response SLA breached", "first response SLA attainment",
    "resolution SLA met", "resolution SLA breached", "resolution SLA attainment",
    "breaches", "ratings", "rating average",
)  # fmt: skip
AGENT_HEADER = (
    "agent", "name", "assigned", "resolved", "first response median h",
    "resolution median h", "open now",
)  # fmt: skip


def _bucket_row(label: str, b: r.Bucket) -> list[Any]:
    fr, res = b.first_response, b.resolution
    return [
        label, b.created, b.resolved, b.reopened, b.backlog,
        _hours(fr.median_ms), _hours(fr.p90_ms),
        _hours(fr.business_median_ms), _hours(fr.business_p90_ms),
        _hours(res.median_ms), _hours(res.p90_ms),
        _hours(res.business_median_ms), _hours(res.business_p90_ms),
        b.first_response_sla.met, b.first_response_sla.breached,
        _share(b.first_response_sla.attainment),
        b.resolution_sla.met, b.resolution_sla.breached, _share(b.resolution_sla.attainment),
        b.breaches, b.ratings, _share(b.rating_average),
    ]  # fmt: skip


def report_csv(report: r.Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if report.kind == "agents":
        writer.writerow(AGENT_HEADER)
        for a in report.agents:
            writer.writerow(
                [
                    a.agent_id, a.agent_name or "", a.assigned, a.resolved,
                    _hours(a.first_response.median_ms), _hours(a.resolution.median_ms),
                    a.open_now,
                ]
            )  # fmt: skip
    else:
        writer.writerow(BUCKET_HEADER)
        for bucket in report.buckets:
            writer.writerow(_bucket_row(bucket.start.isoformat(), bucket))
        writer.writerow(_bucket_row("total", report.totals))
    if report.kind == "satisfaction":
        writer.writerow([])
        writer.writerow(["ticket", "rating", "comment", "submitted"])
        for c in report.satisfaction.comments:
            writer.writerow([c.ticket_id, c.rating, c.comment, c.submitted_at.isoformat()])
    return BOM + out.getvalue()


@router.get(
    "/{kind}",
    response_model=None,
    dependencies=[Depends(unique_query_keys_but(*MULTI))],
    responses={
        200: {
            "model": ReportOut,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The report (`format=csv`: as CSV, UTF-8 with BOM)",
        },
        **ADMIN_ONLY,
    },
)
async def get_report(
    kind: Annotated[r.ReportKind, Path()],
    query: Annotated[ReportParams, Query()],
    rpc: RpcDep,
) -> Response:
    """`times` (first response and resolution: median and 90th percentile, wall clock and
    business time; SLA attainment and breaches), `volume` (created, resolved, reopened, backlog
    at the end of each day or week), `agents` (assigned, resolved, median times, open now),
    `satisfaction` (ratings, average, share of 4-5, comments). Every kind answers every
    figure; `kind` names what the console shows and what the CSV holds."""
    request = r.ReportQuery.model_validate(
        {**query.model_dump(exclude={"format"}, exclude_none=True, by_alias=True), "kind": kind}
    )
    report = await rpc.call(r.REPORT, request)
    if query.format == "csv":
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="report-{kind}.csv"'},
        )
    return answer("report", report)
