"""`/notifications` over HTTP on the real gateway app (no broker): the caller's own, newest
first with the unread count and tickets; marking one, a ticket's or all read; another agent's
notification is a 404; an unknown query key a 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.gateway_app import PASSWORD, gateway_app
from uts_shared.contracts.notifications import Notification, NotificationKind

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_an_agent_reads_and_marks_its_own_notifications_only() -> None:
    async with gateway_app() as gw, gw.client() as api:
        ana = await gw.agent("ana@example.com")
        jose = await gw.agent("jose@example.com")
        store = gw.gateway.notifications.store
        await store.ensure_indexes()
        for n, (agent, ticket) in enumerate(
            [(ana.id, "LUX-1"), (ana.id, "LUX-2"), (ana.id, "LUX-2"), (jose.id, "LUX-3")]
        ):
            note = Notification(
                id=f"e{n}:{agent}",
                agent_id=agent,
                kind=NotificationKind.ASSIGNED,
                ticket_id=ticket,
                created_at=T0 + timedelta(minutes=n),
            )
            assert await store.insert(note, f"e{n}")
        login = await api.post("/auth/login", json={"email": ana.email, "password": PASSWORD})
        api.headers["Authorization"] = f"Bearer {login.json()['token']}"

        r = await api.get("/notifications", params={"limit": 2})
        assert r.status_code == 200, r.text
        body = r.json()
        assert [n["id"] for n in body["notifications"]] == [f"e2:{ana.id}", f"e1:{ana.id}"]
        assert (body["unread"], body["pagination"]["total"]) == (3, 3)
        assert body["unreadTicketIds"] == ["LUX-2", "LUX-1"]

        r = await api.post(f"/notifications/e3:{jose.id}/read")
        assert r.status_code == 404, r.text
        r = await api.post(f"/notifications/e0:{ana.id}/read")
        assert r.json() == {"success": True, "unread": 2}
        r = await api.post("/notifications/read", json={"ticketId": "LUX-2"})
        assert r.json() == {"success": True, "unread": 0}
        r = await api.get("/notifications", params={"unread": "true"})
        assert r.json()["notifications"] == [] and r.json()["unreadTicketIds"] == []
        assert await store.unread(jose.id) == 1

        r = await api.get("/notifications", params={"agentId": jose.id})
        assert r.status_code == 422, r.text
