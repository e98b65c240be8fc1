"""How `@name` in an internal note resolves to an agent: email local part or first and last
name joined, else a first name only one active agent has; without case or accents."""

from __future__ import annotations

from gateway.notifications import DirectoryAgent, fold, mentioned_names, resolve_mentions

AGENTS = [
    DirectoryAgent("jose", "jperez@example.com", "José", "Pérez"),
    DirectoryAgent("ana-r", "ana.ruiz@example.com", "Ana", "Ruiz"),
    DirectoryAgent("ana-g", "agomez@example.com", "Ana", "Gómez"),
    DirectoryAgent("mc", "mc@example.com", "María José", "Núñez de Arco"),
]


def test_folding_drops_case_and_accents() -> None:
    assert fold("JOSÉ Núñez") == "jose nunez"


def test_mentions_are_read_after_an_at_sign_not_inside_an_email() -> None:
    text = "@Ana.Ruiz, mira esto (cc @jperez.) y escribe a x@example.com @@nadie"
    assert mentioned_names(text) == ["ana.ruiz", "jperez"]


def test_a_mention_resolves_by_email_local_part_or_full_name_whatever_the_accents() -> None:
    assert resolve_mentions("@jperez", AGENTS) == ["jose"]
    assert resolve_mentions("@jose", AGENTS) == ["jose"]
    assert resolve_mentions("@AGOMEZ y @ana_ruiz", AGENTS) == ["ana-g", "ana-r"]
    assert resolve_mentions("@ana-gomez", AGENTS) == ["ana-g"]
    assert resolve_mentions("@mariajose.nunezdearco", AGENTS) == ["mc"]


def test_a_first_name_two_agents_share_mentions_nobody() -> None:
    assert resolve_mentions("@ana ¿puedes?", AGENTS) == []
    assert resolve_mentions("sin menciones", AGENTS) == []
    assert resolve_mentions("@nadie", AGENTS) == []
