"""One log format for every process: text by default, one JSON object per line on request,
both carrying the service and the request being handled."""

from __future__ import annotations

import json
import logging

import pytest

from uts_shared.logs import accepted_request_id, configure_logging, handling


@pytest.fixture
def restore_root() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_service_and_the_request_id(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", fmt="json", service="tickets")
    with handling("req-42"):
        logging.getLogger("tickets_service.tickets").info("ticket %s created", "LUX-2026-000001")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "ticket LUX-2026-000001 created"
    assert (line["service"], line["request_id"], line["level"]) == ("tickets", "req-42", "INFO")
    assert line["logger"] == "tickets_service.tickets" and "time" in line


def test_text_lines_show_the_request_id(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", service="gateway")
    logging.getLogger("gateway").warning("no request here")
    with handling("req-7"):
        logging.getLogger("gateway").warning("inside one")
    first, second = capsys.readouterr().err.strip().splitlines()[-2:]
    assert "[-]: no request here" in first and "[req-7]: inside one" in second


def test_only_sensible_request_ids_are_kept() -> None:
    assert accepted_request_id("abc-123_x.y:z") == "abc-123_x.y:z"
    for junk in (None, "", "with space", "x" * 129, "new\nline"):
        made = accepted_request_id(junk)
        assert made != junk and len(made) == 32
