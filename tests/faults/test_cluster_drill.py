"""The cluster drill as a test (RABBITMQ_CLUSTER=1): three RabbitMQ nodes of its own, the
system on them with all three addresses and quorum queues, the first node stopped while the
tickets service holds 16 concurrent creates; nothing lost, nothing duplicated, every
`ticket.created` relayed (`scripts/drill_cluster.py`, `make drill-cluster`)."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from tests.support.system import ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("RABBITMQ_CLUSTER") != "1",
    reason="starts three RabbitMQ nodes of its own (a minute or two): set RABBITMQ_CLUSTER=1",
)


async def test_a_node_stopped_during_concurrent_creates_loses_and_duplicates_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "scripts" / "drill_cluster.py"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=600)
    report = out.decode()
    with capsys.disabled():
        print(
            "\n"
            + "\n".join(
                line for line in report.splitlines() if "drill" in line or line.startswith("  ")
            )
        )

    assert proc.returncode == 0, report
    assert "0 lost, 0 duplicated, 0 answered but not stored" in report
    assert "16 tickets stored, 16 with their ticket.created event (0 missing" in report
    assert "cluster drill: passed" in report
