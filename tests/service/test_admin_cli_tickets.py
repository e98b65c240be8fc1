"""`uts-admin tickets …` against a real tickets service on the real broker: search terms
recomputed, the outbox published now, the counts rebuilt; an absent service or broker in one
line, exit 2."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.admin_cli import CLOSED_PORT_URL, admin, one_line_error
from tests.support.factories import unique_word
from tests.support.tickets_helpers import (
    BrokerDown,
    TicketsEnv,
    kept_scopes,
    recounted_scopes,
    tickets_env,
)
from tickets_service.domain import tally
from uts_shared.contracts import tickets as t

pytestmark = pytest.mark.usefixtures("fresh_store")


@pytest.fixture
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    # No relay of its own during the test: only the command publishes what is left.
    async with tickets_env(
        rabbit_url,
        mongo_url,
        outbox_grace=0.0,
        outbox_relay_interval=3600.0,
        outbox_sweep_interval=3600.0,
    ) as tickets:
        yield tickets


async def _found(env: TicketsEnv, customer: t.Customer, q: str) -> set[str]:
    page = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id, q=q))
    return {s.ticket_id for s in page.tickets}


async def test_reindex_search_makes_a_ticket_with_wiped_terms_findable_again(
    env: TicketsEnv, rabbit_url: str
) -> None:
    word = unique_word()
    customer = await env.customer()
    ticket = await env.ticket(customer, subject=f"Fuga de agua {word}")
    untouched = await env.ticket(customer, subject="Poste caído")
    assert await _found(env, customer, word) == {ticket.ticket_id}
    await env.service.store.tickets.update_one(
        {"_id": ticket.ticket_id}, {"$set": {"searchTerms": []}}
    )
    assert await _found(env, customer, word) == set()

    result = await admin("tickets", "reindex-search", RABBITMQ_URL=rabbit_url)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "reindexed 1 ticket(s)"
    assert await _found(env, customer, word) == {ticket.ticket_id}
    assert await _found(env, customer, "poste") == {untouched.ticket_id}
    again = await admin("tickets", "reindex-search", RABBITMQ_URL=rabbit_url)
    assert again.stdout.strip() == "reindexed 0 ticket(s)"  # nothing differs any more


async def test_terms_of_an_earlier_recipe_are_reindexed_on_the_next_start(
    env: TicketsEnv,
) -> None:
    """A store whose tickets were indexed before the search's rules changed (no mark of the
    current recipe) is reindexed once when the service starts, and only then."""
    word = unique_word()
    customer = await env.customer()
    ticket = await env.ticket(customer, subject=f"Fuga de agua {word}")
    store = env.service.store
    await store.tickets.update_one({"_id": ticket.ticket_id}, {"$set": {"searchTerms": []}})
    await store.counters.delete_one({"_id": "searchTerms"})

    await env.service.prepare()
    assert await _found(env, customer, word) == {ticket.ticket_id}

    await store.tickets.update_one({"_id": ticket.ticket_id}, {"$set": {"searchTerms": []}})
    await env.service.prepare()  # marked current: no reindex (a repair is uts-admin's)
    assert await _found(env, customer, word) == set()


async def test_replay_outbox_publishes_an_event_left_in_a_tickets_outbox(
    env: TicketsEnv, rabbit_url: str
) -> None:
    customer = await env.customer()
    real = env.service.outbox.publisher
    env.service.outbox.publisher = BrokerDown()
    ticket = await env.ticket(customer)
    [entry] = await env.service.store.outbox_of(ticket.ticket_id)
    env.service.outbox.publisher = real  # the broker is back; nothing has relayed it yet
    assert env.recorder.of("ticket.created", ticket.ticket_id) == []

    result = await admin("tickets", "replay-outbox", RABBITMQ_URL=rabbit_url)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "published 1 event(s) from the outbox"
    [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert event.event_id == entry.event_id
    assert await env.service.store.outbox_of(ticket.ticket_id) == []
    again = await admin("tickets", "replay-outbox", RABBITMQ_URL=rabbit_url)
    assert again.stdout.strip() == "published 0 event(s) from the outbox"


async def test_rebuild_counts_makes_damaged_counts_equal_the_tickets_again(
    env: TicketsEnv, rabbit_url: str
) -> None:
    customer = await env.customer()
    await env.ticket(customer)
    await env.ticket(customer, priority=t.Priority.URGENT)
    counts = env.database["ticket_counts"]
    await counts.update_one({"_id": tally.ALL}, {"$inc": {"total": 5, "open": -1}})
    await counts.delete_many({"_id": tally.customer_scope(customer.id)})
    assert await kept_scopes(env.database) != await recounted_scopes(env.database)

    result = await admin("tickets", "rebuild-counts", RABBITMQ_URL=rabbit_url)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("counts rebuilt from ")
    assert await kept_scopes(env.database) == await recounted_scopes(env.database)
    shown = await env.rpc.call(t.GET_CUSTOMER, t.GetCustomer(customer_id=customer.id))
    assert shown.statistics.total_tickets == 2


@pytest.mark.parametrize("command", ["reindex-search", "replay-outbox", "rebuild-counts"])
async def test_no_tickets_service_is_exit_2_saying_it_did_not_answer(
    fresh_vhost: str, command: str
) -> None:
    result = await admin("tickets", command, "--timeout", "1", RABBITMQ_URL=fresh_vhost)

    assert result.exit_code == 2
    assert "did not answer" in one_line_error(result)


@pytest.mark.parametrize("command", ["reindex-search", "replay-outbox", "rebuild-counts"])
async def test_a_broker_that_is_down_is_exit_2_naming_rabbitmq_url(command: str) -> None:
    result = await admin("tickets", command, RABBITMQ_URL=CLOSED_PORT_URL)

    assert result.exit_code == 2
    assert "RABBITMQ_URL=amqp://guest:***@127.0.0.1:1/" in one_line_error(result)
