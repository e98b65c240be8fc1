"""What tickets take from the config service: id format (and its yearly sequence) and categories,
cached, with fallbacks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tickets_service.main import TicketsService
from uts_shared.contracts import config as cfg
from uts_shared.contracts import tickets as t
from uts_shared.errors import ValidationFailed

YEAR = datetime.now(UTC).year


class SteppedClock:
    """A clock the test moves by hand (the service reads time only through it)."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


async def _announce(env: TicketsEnv, *keys: cfg.SettingKey) -> None:
    """Publish `config.updated` and wait until every instance dropped its cache."""
    seen = [service.config.generation for service in env.services]
    await env.config.announce(*keys)
    for service, generation in zip(env.services, seen, strict=True):
        await service.config.wait_generation(generation + 1, timeout=5)


async def test_ticket_ids_follow_the_configured_format(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        env.config.id_format = cfg.TicketIdFormat(prefix="RPT", include_year=False, pad_length=4)
        customer = await env.customer()
        first, second = await env.ticket(customer), await env.ticket(customer)
        assert (first.ticket_id, second.ticket_id) == ("RPT-0001", "RPT-0002")


async def test_a_new_year_starts_the_sequence_at_one_without_any_job(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        clock = SteppedClock(datetime(2031, 12, 31, 23, 59, 58, tzinfo=UTC))
        await env.service.stop()
        service = TicketsService(env.service.settings, database=env.database, clock=clock)
        env.services[0] = service
        await service.start()
        customer = await env.customer()
        late = [(await env.ticket(customer)).ticket_id for _ in range(3)]
        clock.current += timedelta(seconds=3)  # 2032-01-01 00:00:01
        early = [(await env.ticket(customer)).ticket_id for _ in range(2)]
        assert late == ["LUX-2031-000001", "LUX-2031-000002", "LUX-2031-000003"]
        assert early == ["LUX-2032-000001", "LUX-2032-000002"]
        clock.current -= timedelta(seconds=3)  # a late writer still in the old year
        assert (await env.ticket(customer)).ticket_id == "LUX-2031-000004"


async def test_config_changes_reach_every_instance_through_config_updated(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as env:
        customer = await env.customer()
        before = [await env.ticket(customer) for _ in range(2)]
        for service in env.services:  # whichever instance answered, both have cached values now
            await service.config.id_format()
            await service.config.categories()
        asked = env.config.calls

        env.config.id_format = cfg.TicketIdFormat(prefix="NEW", pad_length=3)
        env.config.categories = [*env.config.categories, cfg.Category(id="plumbing", label="P")]
        cached = [await env.ticket(customer) for _ in range(2)]
        assert all(c.ticket_id.startswith(f"LUX-{YEAR}-") for c in cached)  # not asked again
        assert env.config.calls == asked

        await _announce(env, cfg.SettingKey.TICKET_ID_FORMAT, cfg.SettingKey.TICKET_CATEGORIES)
        after = [await env.ticket(customer, category="plumbing") for _ in range(2)]
        assert {a.ticket_id for a in after} == {f"NEW-{YEAR}-001", f"NEW-{YEAR}-002"}
        assert all(b.ticket_id.startswith("LUX-") for b in before)


async def test_silent_config_service_falls_back_to_builtin_defaults_and_warns(
    rabbit_url: str, mongo_url: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    async with tickets_env(rabbit_url, mongo_url, config_timeout=0.3) as env:
        env.config.answering.clear()
        try:
            customer = await env.customer()
            with caplog.at_level(logging.WARNING, logger="tickets_service.configuration"):
                ticket = await env.ticket(customer, category="billing")
            assert ticket.ticket_id == f"LUX-{YEAR}-000001"
            assert "built-in" in caplog.text
            with pytest.raises(ValidationFailed) as caught:
                await env.ticket(customer, category="plumbing")
            assert "solar_installation" in caught.value.message  # the LUXFREE six
        finally:
            env.config.answering.set()


async def test_silent_config_service_falls_back_to_the_last_known_value(
    rabbit_url: str, mongo_url: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    async with tickets_env(rabbit_url, mongo_url, config_timeout=0.3) as env:
        env.config.id_format = cfg.TicketIdFormat(prefix="ACME", pad_length=2)
        env.config.categories = [cfg.Category(id="pedido", label="Pedido")]
        customer = await env.customer()
        assert (await env.ticket(customer, category="pedido")).ticket_id == f"ACME-{YEAR}-01"

        env.config.id_format = cfg.TicketIdFormat(prefix="ZZZ")
        env.config.answering.clear()
        try:
            await _announce(env, cfg.SettingKey.TICKET_ID_FORMAT, cfg.SettingKey.TICKET_CATEGORIES)
            with caplog.at_level(logging.WARNING, logger="tickets_service.configuration"):
                ticket = await env.ticket(customer, category="pedido")
            assert ticket.ticket_id == f"ACME-{YEAR}-02"
            assert "last known" in caplog.text
        finally:
            env.config.answering.set()


async def test_ai_created_ticket_for_a_customer_found_by_phone(
    rabbit_url: str, mongo_url: str | None
) -> None:
    """The assistant's path: customer by phone, active conversation, create with the call id."""
    async with tickets_env(rabbit_url, mongo_url) as env:
        created = await env.customer(phone_number="+52 1 33 1234 5678")
        customer = await env.rpc.call(
            t.GET_CUSTOMER_BY_PHONE, t.GetCustomerByPhone(phone_number="5213312345678")
        )
        assert customer.id == created.id
        conversation = await env.rpc.call(
            t.CREATE_CONVERSATION, t.CreateConversation(customer_id=customer.id)
        )
        active = await env.rpc.call(
            t.FIND_ACTIVE_CONVERSATION, t.FindActiveConversation(customer_id=customer.id)
        )
        assert active.conversation is not None and active.conversation.id == conversation.id
        result = await env.rpc.call(
            t.CREATE_FROM_AI,
            t.CreateFromAi(
                subject="Panel solar dañado",
                description="Granizo rompió dos paneles",
                category="solar_installation",
                priority=t.Priority.HIGH,
                customer_id=customer.id,
                conversation_id=active.conversation.id,
                idempotency_key="call_XYZ",
            ),
        )
        assert result.ticket.ticket_id == f"LUX-{YEAR}-000001"
        recent = await env.rpc.call(
            t.LIST_FOR_CUSTOMER, t.ListByCustomer(customer_id=customer.id, limit=5)
        )
        assert [r.ticket_id for r in recent.tickets] == [result.ticket.ticket_id]


async def test_an_ai_ticket_in_an_unknown_category_goes_to_the_fallback(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        customer = await env.customer()

        async def filed_under(category: str) -> str:
            request = t.CreateFromAi(
                subject="s", description="d", category=category, customer_id=customer.id
            )
            return (await env.rpc.call(t.CREATE_FROM_AI, request)).ticket.category

        assert await filed_under("plumbing") == "other"
        env.config.categories = [
            cfg.Category(id="pedido", label="Pedido"),
            cfg.Category(id="varios", label="Varios", is_fallback=True),
        ]
        await _announce(env, cfg.SettingKey.TICKET_CATEGORIES)
        assert await filed_under("other") == "varios"
        assert await filed_under("pedido") == "pedido"
        with pytest.raises(ValidationFailed):  # agents still name a configured category
            await env.ticket(customer, category="plumbing")
