"""Presence on tickets: who views (once per agent, whatever its tabs), who types (for a few
seconds after each ping), gone with the socket."""

from __future__ import annotations

from gateway.presence import TYPING_SECONDS, Presence
from tests.support.clocks import SteppedClock


def test_viewers_are_listed_once_per_agent_and_leave_with_their_last_socket() -> None:
    presence = Presence()
    assert presence.join("T-1", "s1", "ana", "Ana Ruiz")
    assert not presence.join("T-1", "s2", "ana", "Ana Ruiz")  # a second tab: no change
    assert presence.join("T-1", "s3", "jose", "José Pérez")
    assert presence.viewers("T-1") == [
        {"agentId": "ana", "name": "Ana Ruiz", "typing": False},
        {"agentId": "jose", "name": "José Pérez", "typing": False},
    ]
    assert not presence.leave("T-1", "s1")
    assert presence.drop("s2") == ["T-1"]
    assert [v["agentId"] for v in presence.viewers("T-1")] == ["jose"]
    assert presence.drop("s3") == ["T-1"]
    assert presence.everywhere() == {}


def test_typing_lasts_a_few_seconds_after_each_ping_and_only_for_a_viewer() -> None:
    clock = SteppedClock()
    presence = Presence(clock=clock.monotonic)
    presence.join("T-1", "s1", "ana", "Ana")
    assert not presence.typing("T-2", "s1")
    assert presence.typing("T-1", "s1")
    assert presence.viewers("T-1")[0]["typing"] is True
    clock.tick(TYPING_SECONDS + 0.1)
    assert presence.viewers("T-1")[0]["typing"] is False
