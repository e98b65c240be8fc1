"""`uts-admin`'s pure parts: its commands, dead letters read from their `x-death` header, an
export checked before anything is imported, URLs shown without passwords."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from gateway.cli.app import app
from gateway.cli.common import CliFailure, redact
from gateway.cli.config import NOT_EXPORTED, SETTINGS, writes_in
from gateway.cli.dead_letters import DeadLetter
from uts_shared.contracts.config import SettingKey, UpdateVisibility

FIRST_DEATH = datetime(2026, 3, 14, 9, 30)


def _died(queue: str, reason: str, *, exchange: str, key: str, count: int = 1) -> dict[str, object]:
    return {
        "queue": queue,
        "reason": reason,
        "exchange": exchange,
        "routing-keys": [key],
        "time": FIRST_DEATH,
        "count": count,
    }


# --- the commands ---------------------------------------------------------------------------------


def test_uts_admin_offers_agents_config_dead_letters_tickets_and_jwt() -> None:
    result = CliRunner().invoke(app, ["--help"])

    assert result.exit_code == 0
    for group in ("agents", "config", "dead-letters", "tickets", "jwt"):
        assert group in result.stdout
    for group, commands in {
        "agents": ("list", "create", "deactivate", "reset-password"),
        "config": ("export", "import", "apply-preset"),
        "dead-letters": ("list", "replay"),
        "tickets": ("reindex-search", "replay-outbox", "rebuild-counts"),
        "jwt": ("rotate",),
    }.items():
        shown = CliRunner().invoke(app, [group, "--help"]).stdout
        assert all(command in shown for command in commands), shown


def test_uts_admin_offers_the_store_commands() -> None:
    shown = CliRunner().invoke(app, ["store", "--help"]).stdout
    for command in ("verify", "backup", "restore", "export"):
        assert command in shown, shown


def test_replay_needs_all_or_one_id() -> None:
    for args in ([], ["--all", "--id", "x"]):
        result = CliRunner().invoke(app, ["dead-letters", "replay", *args])

        assert result.exit_code == 1
        assert result.stderr.strip() == "uts-admin: give --all or --id MESSAGE_ID (one of them)"


# --- dead letters -------------------------------------------------------------------------------


def test_a_dead_letter_is_where_it_first_died_and_how_often() -> None:
    headers = {
        # newest first: it was replayed once and refused again, then expired elsewhere
        "x-death": [
            _died("tickets.outbox", "expired", exchange="uts.events", key="retry"),
            _died(
                "config.categories.update",
                "rejected",
                exchange="",
                key="config.categories.update",
                count=2,
            ),
        ],
        "x-first-death-queue": "config.categories.update",
        "x-first-death-reason": "rejected",
        "x-first-death-exchange": "",
    }

    letter = DeadLetter.parse(b'{"agentId": "a", "categories": [', headers, "m-1")

    assert letter.id == "m-1"
    assert (letter.exchange, letter.routing_key) == ("", "config.categories.update")
    assert (letter.queue, letter.reason, letter.deaths) == (
        "config.categories.update",
        "rejected",
        3,
    )
    assert letter.first_death == FIRST_DEATH.replace(tzinfo=UTC)
    assert letter.line().startswith(
        "m-1  config.categories.update  rejected  2026-03-14 09:30:00Z  x3"
    )


def test_an_event_names_its_routing_key_and_the_queue_that_refused_it() -> None:
    headers = {
        "x-death": [
            _died("gateway.relay.ab12", "rejected", exchange="uts.events", key="ticket.created")
        ],
        "x-first-death-queue": "gateway.relay.ab12",
        "x-first-death-reason": "rejected",
    }

    letter = DeadLetter.parse(b"{}", headers, None)

    assert (letter.exchange, letter.routing_key) == ("uts.events", "ticket.created")
    assert "ticket.created (gateway.relay.ab12)" in letter.line()


def test_a_dead_letter_without_a_message_id_gets_a_stable_one_of_its_own() -> None:
    headers = {"x-death": [_died("q", "rejected", exchange="", key="q")]}

    first = DeadLetter.parse(b"body", headers, None)
    again = DeadLetter.parse(b"body", headers, None)
    other = DeadLetter.parse(b"other body", headers, None)

    assert first.id == again.id != other.id
    assert len(first.id) == 16


def test_a_long_body_is_shown_as_a_short_excerpt_on_one_line() -> None:
    letter = DeadLetter.parse(b"line one\n" + b"x" * 500, {}, "m")

    line = letter.line()
    assert "\n" not in line and len(line) < 150 and line.endswith("…")


# --- configuration exports ----------------------------------------------------------------------


def test_every_setting_is_exported_or_says_why_not() -> None:
    exported = {s.key for s in SETTINGS}

    assert exported | set(NOT_EXPORTED) == set(SettingKey)
    assert not exported & set(NOT_EXPORTED)


def test_an_import_becomes_one_update_request_per_key_by_the_cli_user() -> None:
    document = {
        "format": "uts-config/1",
        "settings": {"ticket_visibility": "assigned_and_unassigned"},
    }

    [(setting, request)] = writes_in(document, by="cli:ana")

    assert setting.key is SettingKey.TICKET_VISIBILITY
    assert request == UpdateVisibility(agent_id="cli:ana", visibility="assigned_and_unassigned")


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ([], "not a configuration export"),
        ({"format": "uts-config/9", "settings": {}}, "unsupported format 'uts-config/9'"),
        ({"settings": {"configuration_presets": []}}, "unknown setting(s) configuration_presets"),
        (
            {"settings": {"ticket_visibility": "everyone", "ticket_id_format": {"prefix": ""}}},
            "ticket_id_format.prefix",
        ),
        ({"settings": {"ticket_visibility": "everyone"}}, "ticket_visibility: "),
    ],
)
def test_a_bad_export_is_refused_whole_naming_the_problem(document: object, named: str) -> None:
    with pytest.raises(CliFailure) as refused:
        writes_in(document, by="cli:ana")

    assert named in refused.value.message
    assert refused.value.code == 1


def test_urls_are_shown_without_their_password() -> None:
    assert redact("amqp://uts:s3cret@rabbit:5672/uts") == "amqp://uts:***@rabbit:5672/uts"
    assert redact("amqp://rabbit:5672/") == "amqp://rabbit:5672/"
