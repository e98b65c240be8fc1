"""Composition root: settings, agents store, tokens (agents' and API tokens), limiter, broker
link, routes, Socket.IO."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import socketio
import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from gateway import console, errors, openapi
from gateway.access import RequestContext, trace_requests
from gateway.agent_events import AgentEvents
from gateway.agents import Agents, AgentStore
from gateway.api_token_events import ApiTokenEvents
from gateway.api_tokens import ApiTokens, ApiTokenStore
from gateway.attachments import UPLOAD_OVERHEAD, AttachmentPolicy, attachment_store
from gateway.auth import Passwords, Tokens, resolve_secret
from gateway.bodylimit import BodyLimit
from gateway.config_relay import ConfigRelay
from gateway.directory import Directory
from gateway.notification_events import (
    MentionDirectory,
    NotificationConsumer,
    Notifications,
    broker_publisher,
    tickets_of_conversation,
)
from gateway.notification_store import NotificationStore
from gateway.proxies import TrustedProxies
from gateway.ratelimit import AccountAttempts, LoginLimiter
from gateway.realtime import Realtime
from gateway.relay import TicketRelay
from gateway.routes import API_PREFIX, health, routers
from gateway.routes.attachments import UPLOAD_PATH
from gateway.rpc import BrokerLink
from gateway.sessions import Sessions
from gateway.settings import GatewaySettings
from gateway.visibility import Visibility
from uts_shared import runtime
from uts_shared.contracts import agents as agents_contract
from uts_shared.contracts import ai_tools
from uts_shared.contracts.config import REGISTRY, Setting
from uts_shared.embedded import EmbeddedDatabase
from uts_shared.logs import configure_logging
from uts_shared.messaging import declare_work_queue
from uts_shared.mongo import describe_store, open_database
from uts_shared.probes import CHECK_TIMEOUT, ProbesApp, ProbeServer, answers
from uts_shared.tracing import configure_tracing

log = logging.getLogger(__name__)


class Gateway:
    """Everything one gateway process holds; `start`/`stop` run in the app's lifespan."""

    def __init__(self, settings: GatewaySettings, *, database: Any = None) -> None:
        self.settings = settings
        self.instance = settings.instance_id
        db = (
            database
            if database is not None
            else open_database(
                settings.mongodb_url,
                settings.mongodb_db,
                data_dir=settings.data_dir,
                read_preference=settings.mongodb_read_preference,
            )
        )
        self.database = db
        agent_store = AgentStore(db)
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        self.tokens = Tokens(
            resolve_secret(secret),
            previous=[key.get_secret_value() for key in settings.jwt_previous_secrets],
            expires_minutes=settings.jwt_expires_minutes,
        )
        self.sessions = Sessions(self.tokens, agent_store, recheck=settings.session_recheck)
        self.directory = Directory(agent_store)
        self.login_limiter = LoginLimiter(
            per_account=settings.login_rate_limit_account,
            per_ip=settings.login_rate_limit_ip,
            accounts=AccountAttempts(db, settings.login_rate_limit_account_all_ips),
            storage=settings.login_rate_limit_storage,
        )
        self.trusted_proxies = TrustedProxies(settings.forwarded_allow_ips)
        self.broker_link = BrokerLink(
            settings.rabbitmq_url,
            name=f"gateway-{settings.instance_id}",
            timeout=settings.rpc_timeout,
            queue_type=settings.rabbitmq_queue_type,
        )
        self.visibility = Visibility(self.broker_link.client)
        self.realtime = Realtime(
            self.sessions,
            self.broker_link.client,
            cors_origins=settings.cors_origins,
            visibility=self.visibility,
        )
        self.sessions.on_revoked(self.realtime.disconnect_agent)
        self.agent_events = AgentEvents(
            self.broker_link.broker,
            self.sessions,
            self.directory,
            instance_id=settings.instance_id,
        )
        self.agents = Agents(agent_store, Passwords(), announcer=self.agent_events)
        self.api_tokens = ApiTokens(ApiTokenStore(db), cache_ttl=settings.api_token_cache_ttl)
        self.api_tokens.announce_to(
            ApiTokenEvents(
                self.broker_link.broker, self.api_tokens, instance_id=settings.instance_id
            )
        )
        self.relay = TicketRelay(
            self.broker_link.broker, self.realtime, instance_id=settings.instance_id
        )
        self.attachments = attachment_store(
            db, real_server=not isinstance(db, EmbeddedDatabase), data_dir=settings.data_dir
        )
        self.attachment_policy = AttachmentPolicy(
            self.broker_link.client, ceiling=settings.attachment_max_bytes
        )
        self.attachment_policy.subscribe(
            self.broker_link.broker, "gateway.attachments", settings.instance_id
        )
        self.notifications = Notifications(
            NotificationStore(db),
            directory=MentionDirectory(agent_store),
            linked_tickets=tickets_of_conversation(self.broker_link.client),
            publish=broker_publisher(self.broker_link.broker),
        )
        self.notification_consumer = NotificationConsumer(
            self.broker_link.broker, self.notifications
        )
        self.config_relay = ConfigRelay(
            self.broker_link.broker,
            self.realtime,
            instance_id=settings.instance_id,
            visibility=self.visibility,
        )

    async def start(self) -> None:
        s = self.settings
        log.info(
            "gateway %s: agents in %s, database %s",
            s.instance_id,
            describe_store(s.mongodb_url, s.data_dir),
            s.mongodb_db,
        )
        await self.agents.store.ensure_indexes()
        await self.notifications.store.ensure_indexes()
        generated = await self.agents.ensure_admin(
            email=s.admin_email,
            password=s.admin_password.get_secret_value() if s.admin_password else None,
            first_name=s.admin_first_name,
            last_name=s.admin_last_name,
        )
        if generated is not None:
            _announce_admin(s.admin_email, generated)
        await self.broker_link.start()
        await self.relay.start()
        await self.notification_consumer.start()
        # Webhooks answered 200 must wait for an ai-tools replica even if none has started yet.
        await declare_work_queue(
            self.broker_link.broker, ai_tools.WEBHOOK_QUEUE, ai_tools.WEBHOOK_BINDING
        )
        # Renames made while the tickets service is down wait for it there.
        await declare_work_queue(
            self.broker_link.broker,
            agents_contract.AGENT_NAMES_QUEUE,
            agents_contract.AGENT_UPDATED.routing_key,
        )
        log.info(
            "gateway %s connected to the broker, serving http://%s:%d (docs at /docs)",
            s.instance_id,
            s.gateway_host,
            s.gateway_port,
        )

    async def readiness(self) -> dict[str, str]:
        """The metrics port's `/health/ready` checks (`uts_shared.probes`): this process's
        broker connection and database; `/ready` on the public port also asks the services."""
        broker, store = await asyncio.gather(
            answers(lambda: self.broker_link.connected(CHECK_TIMEOUT)),
            answers(lambda: self.database.command("ping")),
        )
        return {"broker": broker, "store": store}

    async def stop(self) -> None:
        await self.broker_link.stop()
        log.info("gateway %s stopped", self.settings.instance_id)


def _announce_admin(email: str, password: str) -> None:
    # Printed once, to stdout only (never logged): the only copy of a generated password.
    bar = "=" * 72
    print(
        f"\n{bar}\nFirst admin created: {email}\nGenerated password (shown only now): "
        f"{password}\nSet ADMIN_PASSWORD to choose it yourself.\n{bar}\n",
        flush=True,
    )


def create_app(
    settings: GatewaySettings,
    *,
    database: Any = None,
    config_settings: Sequence[Setting] = REGISTRY,
    serve_probes: bool = False,
) -> socketio.ASGIApp:
    """The gateway's ASGI app: Socket.IO at `/socket.io/`, FastAPI for everything else (the
    configuration's routes from the settings table `config_settings`); `serve_probes`: also
    metrics and probes on `METRICS_PORT`, from start-up to shutdown (the process's `main`)."""
    gateway = Gateway(settings, database=database)

    probes = (
        None
        if settings.metrics_port is None or not serve_probes
        else ProbeServer(
            ProbesApp("gateway", lambda: [gateway]), settings.metrics_host, settings.metrics_port
        )
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if probes is not None:
            await probes.start()
        try:
            await gateway.start()
            runtime.freeze_startup_objects()
            yield
        finally:
            await gateway.stop()
            if probes is not None:
                await probes.stop()

    app = FastAPI(
        title="Universal Ticket System gateway",
        version="2.0.0",
        description="HTTP API of the Universal Ticket System. Broker API: [/asyncapi](/asyncapi).",
        servers=openapi.SERVERS,
        contact=openapi.CONTACT,
        lifespan=lifespan,
        openapi_tags=openapi.TAGS,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.gateway = gateway
    app.state.settings = settings
    app.state.instance = settings.instance_id
    app.state.agents = gateway.agents
    app.state.api_tokens = gateway.api_tokens
    app.state.tokens = gateway.tokens
    app.state.sessions = gateway.sessions
    app.state.directory = gateway.directory
    app.state.visibility = gateway.visibility
    app.state.login_limiter = gateway.login_limiter
    app.state.trusted_proxies = gateway.trusted_proxies
    app.state.broker_link = gateway.broker_link
    app.state.realtime = gateway.realtime
    app.state.attachments = gateway.attachments
    app.state.attachment_policy = gateway.attachment_policy
    app.state.notifications = gateway.notifications

    errors.install(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger=[(UPLOAD_PATH, settings.attachment_max_bytes + UPLOAD_OVERHEAD)],
    )
    app.add_middleware(RequestContext)  # outermost: every answer has its id and access line
    trace_requests(app)  # tracing on: a server span around all of it
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    for router in routers(config_settings):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    openapi.install(app)
    console.install(app, settings.console_dir)  # last: its catch-all must not shadow a route
    return gateway.realtime.asgi(app)


def main() -> None:
    settings = GatewaySettings()
    configure_logging(
        settings.log_level,
        fmt=settings.log_format,
        service="gateway",
        levels=settings.log_levels,
        instance=settings.instance_id,
    )
    configure_tracing("gateway", settings.instance_id)
    runtime.tune_gc()
    # METRICS_PORT unset: `/metrics` on the gateway's own port, no probes but /health, /ready.
    app = create_app(settings, serve_probes=True)
    uvicorn.run(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        loop="uvloop",
        http="httptools",
        log_config=None,  # keep configure_logging's format
        log_level="warning",
        access_log=False,
        # The client's address is worked out by the app, from FORWARDED_ALLOW_IPS only.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
