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


def test_json_lines_carry_the_instance_id_the_traces_and_probes_show(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", fmt="json", service="tickets", instance="tickets-7f3a")
    logging.getLogger("tickets_service.tickets").info("started")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["service"], line["instance"]) == ("tickets", "tickets-7f3a")


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


def test_text_lines_escape_control_characters_so_no_value_can_forge_a_line(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", service="gateway")
    forged = "/x\n2026-12-06 20:59:59,000 INFO gateway.agents [-]: agent FORGED created\x00\x1b[31m"
    logging.getLogger("gateway.access").info("GET %s 404", forged)
    out = capsys.readouterr().err
    assert out.count("\n") == 1, out
    assert "\\n2026-12-06" in out and "\\x00" in out and "\\x1b" in out
    assert "\x00" not in out and "\x1b" not in out


def test_tracebacks_keep_their_lines(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", service="gateway")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("gateway").exception("failed\nforged")
    out = capsys.readouterr().err
    assert "failed\\nforged" in out
    assert "Traceback (most recent call last):\n" in out


def test_debug_turns_on_our_loggers_and_leaves_libraries_at_warning(restore_root: object) -> None:
    configure_logging("DEBUG", service="tickets")
    for ours in ("tickets_service.tickets", "uts_shared.messaging", "gateway.access"):
        assert logging.getLogger(ours).isEnabledFor(logging.DEBUG), ours
    for library in ("aiormq.connection", "aio_pika", "faststream", "pymongo"):
        assert not logging.getLogger(library).isEnabledFor(logging.INFO), library
        assert logging.getLogger(library).isEnabledFor(logging.WARNING), library


def test_a_library_logs_at_debug_only_when_asked_by_name(restore_root: object) -> None:
    configure_logging("DEBUG", service="tickets", levels="aiormq=debug, faststream=INFO")
    assert logging.getLogger("aiormq.connection").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("faststream").isEnabledFor(logging.INFO)
    assert not logging.getLogger("faststream").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("aio_pika").isEnabledFor(logging.INFO)
    configure_logging("INFO", service="tickets")
    assert not logging.getLogger("aiormq.connection").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("tickets_service").isEnabledFor(logging.DEBUG)


def test_an_unknown_level_in_levels_is_refused_by_name(restore_root: object) -> None:
    with pytest.raises(ValueError, match="aiormq"):
        configure_logging("INFO", levels="aiormq=loud")
