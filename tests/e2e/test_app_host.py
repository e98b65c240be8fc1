"""`make run`'s app host (deploy/run_local.py): every service its own process, URLs printed,
a change made through one gateway seen at once through another, Ctrl-C stops everything, and
the default store keeps every record across a restart and a kill."""

from __future__ import annotations

import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.system import AppHost, free_port

ADMIN = {"email": "host-admin@example.com", "password": "host-admin-password"}


def _two_free_ports() -> int:
    for _ in range(50):
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def launch(rabbit_url: str, data_dir: Path, **extra: str) -> AppHost:
    """`make run` as a person starts it, with its data in `data_dir`."""
    return AppHost.launch(
        rabbit_url,
        data_dir,
        _two_free_ports(),
        ADMIN_EMAIL=ADMIN["email"],
        ADMIN_PASSWORD=ADMIN["password"],
        **extra,
    )


@pytest.fixture(scope="module")
def host(rabbit_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppHost]:
    h = launch(
        rabbit_url,
        tmp_path_factory.mktemp("app-host-data"),
        CONFIG_REPLICAS="2",
        GATEWAY_REPLICAS="2",
        JWT_SECRET="app-host-test-secret-app-host-test-secret",
        METRICS_PORT="0",
    )
    try:
        yield h
    finally:
        h.stop()


def test_app_host_prints_docs_asyncapi_login_and_each_services_mongodb(host: AppHost) -> None:
    text = "\n".join(host.seen)
    assert f"API docs:      http://127.0.0.1:{host.port}/docs" in text
    assert f"AsyncAPI:      http://127.0.0.1:{host.port}/asyncapi" in text
    assert "Login:         POST" in text and ADMIN["email"] in text
    for service in ("config", "tickets", "ai-tools"):
        assert any(line.startswith(f"{service}:") and "MongoDB" in line for line in host.seen)
    assert httpx.get(f"http://127.0.0.1:{host.port}/ready", timeout=5).status_code == 200
    assert httpx.get(f"http://127.0.0.1:{host.port}/asyncapi.json", timeout=5).status_code == 200


def _metrics_ports(seen: list[str]) -> dict[str, str]:
    """The banner's `Metrics and probes` lines: process label -> its base URL."""
    start = seen.index("Metrics and probes (/metrics, /health/live, /health/ready):")
    found: dict[str, str] = {}
    for line in seen[start + 1 :]:
        if not line.startswith("  "):
            break
        label, url = line.split()
        found[label] = url
    return found


def test_app_host_gives_every_process_its_own_metrics_and_probes_port(host: AppHost) -> None:
    ports = _metrics_ports(host.seen)
    assert set(ports) == {"config", "tickets", "ai-tools", "gateway#1", "gateway#2"}
    assert len(set(ports.values())) == len(ports)
    pages = {}
    for label, base in ports.items():
        assert httpx.get(f"{base}/health/live", timeout=5).status_code == 200, label
        ready = httpx.get(f"{base}/health/ready", timeout=5)
        assert ready.status_code == 200, (label, ready.text)
        pages[label] = httpx.get(f"{base}/metrics", timeout=5).text
    # Two config replicas in one process (UTS_INSTANCES=2), each ready on its own.
    config_ready = httpx.get(f"{ports['config']}/health/ready", timeout=5).json()
    assert len(config_ready["instances"]) == 2
    # Each process exports its own metrics only, and no label names an instance.
    assert "uts_outbox_pending" in pages["tickets"]
    assert "uts_http_request_seconds" in pages["gateway#1"]
    for label in ("config", "ai-tools"):
        assert "uts_outbox_pending" not in pages[label], label
        assert "uts_socketio_connections" not in pages[label], label
        assert "uts_http_request_seconds" not in pages[label], label
    assert 'app_name="config"' in pages["config"]
    for label, page in pages.items():
        series = {line.split("{")[0].split(" ")[0] for line in page.splitlines()}
        assert not [n for n in series if n.endswith("_created")], label
        assert "rpc.reply." not in page, label
    for instance in config_ready["instances"]:
        assert instance["instance"] not in pages["config"]
    # The gateway's public port no longer serves them: they are on the metrics port.
    assert httpx.get(f"http://127.0.0.1:{host.port}/metrics", timeout=5).status_code == 404


def test_restaurant_preset_applied_through_one_gateway_shows_through_the_other(
    host: AppHost,
) -> None:
    first, second = (f"http://127.0.0.1:{host.port + i}/api/v2" for i in (0, 1))
    token = httpx.post(f"{first}/auth/login", json=ADMIN, timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    applied = httpx.post(f"{first}/config/presets/restaurant/apply", headers=auth, timeout=10)
    assert applied.status_code == 200, applied.text

    for _ in range(4):  # both config replicas answer in turn
        cats = httpx.get(f"{second}/config/ticket-categories", headers=auth, timeout=10).json()
        assert "order_issue" in [c["id"] for c in cats["categories"]]
        fmt = httpx.get(f"{second}/config/ticket-id-format", headers=auth, timeout=10).json()
        assert fmt["format"]["prefix"] == "FOOD"
        terms = httpx.get(f"{second}/config/terminology", headers=auth, timeout=10).json()
        assert terms["terminology"]["ticketSingular"] == "caso"
        rendered = httpx.get(f"{second}/config/assistant/rendered", headers=auth, timeout=10)
        tool = next(t for t in rendered.json()["tools"] if t["name"] == "create_ticket_report")
        assert "order_issue" in tool["parameters"]["properties"]["category"]["enum"]


def test_ctrl_c_stops_everything_the_host_started(host: AppHost) -> None:
    children = host.children()
    assert len(children) >= 5  # config, tickets, ai-tools, two gateways
    host.proc.send_signal(signal.SIGINT)
    assert host.proc.wait(timeout=30) == 0
    assert not host.wait_gone(children, timeout=10)


def _api(h: AppHost, credentials: dict[str, str] = ADMIN) -> httpx.Client:
    base = f"http://127.0.0.1:{h.port}/api/v2"
    token = httpx.post(f"{base}/auth/login", json=credentials, timeout=10).json()["token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _new_ticket(api: httpx.Client, customer_id: str, subject: str) -> dict[str, object]:
    r = api.post(
        "/tickets",
        json={
            "subject": subject,
            "description": "Se apagó anoche",
            "category": "light_malfunction",
            "customerId": customer_id,
        },
    )
    assert r.status_code == 201, r.text
    ticket: dict[str, object] = r.json()["ticket"]
    return ticket


def _sequence(ticket_id: object) -> int:
    return int(str(ticket_id).rsplit("-", 1)[1])


def test_a_restarted_host_keeps_every_record_and_the_next_id_follows(
    rabbit_url: str, tmp_path: Path
) -> None:
    h = launch(rabbit_url, tmp_path)
    try:
        with _api(h) as api:
            agent = {"email": "kept@example.com", "password": "kept-agent-password-1"}
            r = api.post("/agents", json={**agent, "firstName": "Kept", "lastName": "Agent"})
            assert r.status_code == 201, r.text
            customer = api.post(
                "/customers", json={"phoneNumber": "+525511112222", "firstName": "Rosa"}
            ).json()["customer"]
            conversation = api.post(
                "/conversations", json={"customerId": customer["id"], "channel": "whatsapp"}
            ).json()["conversation"]
            ticket = _new_ticket(api, customer["id"], "Poste apagado en la esquina")
            path = f"/tickets/{ticket['ticketId']}"
            assert api.post(f"{path}/notes", json={"content": "Visita mañana"}).status_code == 200
            assert api.post(f"{path}/status", json={"status": "in_progress"}).status_code == 200
            terms = api.get("/config/terminology").json()["terminology"]
            changed = api.put("/config/terminology", json={**terms, "ticketSingular": "folio"})
            assert changed.status_code == 200, changed.text
    finally:
        h.stop()

    h = launch(rabbit_url, tmp_path)
    try:
        with _api(h) as api, _api(h, agent) as as_agent:
            assert as_agent.get("/auth/me").status_code == 200
            kept = api.get(path).json()["ticket"]
            assert kept["status"] == "in_progress"
            assert [n["content"] for n in kept["notes"]] == ["Visita mañana"]
            assert api.get(f"/customers/{customer['id']}").json()["customer"]["firstName"] == "Rosa"
            assert api.get(f"/conversations/{conversation['id']}").status_code == 200
            assert api.get("/config/terminology").json()["terminology"]["ticketSingular"] == "folio"
            assert api.get("/tickets/stats/summary").json()["stats"]["inProgress"] == 1
            following = _new_ticket(api, customer["id"], "Otro poste")
            assert _sequence(following["ticketId"]) == _sequence(ticket["ticketId"]) + 1
    finally:
        h.stop()


def test_a_killed_host_loses_no_acknowledged_ticket(rabbit_url: str, tmp_path: Path) -> None:
    h = launch(rabbit_url, tmp_path)
    try:
        with _api(h) as api:
            customer = api.post("/customers", json={"phoneNumber": "+525533334444"}).json()
            created = [
                _new_ticket(api, customer["customer"]["id"], f"Falla {i}")["ticketId"]
                for i in range(30)
            ]
    finally:
        h.stop(signal.SIGKILL)

    h = launch(rabbit_url, tmp_path)
    try:
        with _api(h) as api:
            for ticket_id in created:
                assert api.get(f"/tickets/{ticket_id}").status_code == 200, ticket_id
            assert api.get("/tickets/stats/summary").json()["stats"]["total"] == len(created)
            following = _new_ticket(api, customer["customer"]["id"], "Después del corte")
            assert _sequence(following["ticketId"]) == _sequence(created[-1]) + 1
    finally:
        h.stop()
