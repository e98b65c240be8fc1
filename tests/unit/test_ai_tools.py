"""The assistant's tools with in-memory fakes (no broker, no database): the plan's §1.4 outputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ai_tools_service.domain.guard import LoopGuard, signature
from ai_tools_service.domain.messages import Messages, is_feminine
from ai_tools_service.domain.tools import (
    ToolRunner,
    choose_category,
    choose_priority,
    parse_arguments,
)
from uts_shared.contracts.ai_tools import FunctionCall
from uts_shared.contracts.config import Terminology
from uts_shared.contracts.messages import HandOff
from uts_shared.contracts.tickets import (
    AddNote,
    CallerTicket,
    CreateForCaller,
    CreateFromAi,
    CreateTicketResult,
    Customer,
    CustomerTicketSummary,
    CustomerTicketView,
    Note,
    Priority,
    Sla,
    SubmitFeedback,
    TicketSource,
    TicketStatus,
    TicketView,
    UpdateTicket,
)
from uts_shared.errors import Conflict, NotFound, RpcTimeout

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
PHONE = "+5215512345678"
OTHER_PHONE = "+5215587654321"
NOT_YOURS = "No se encontró el reporte {} o no tienes acceso a él."
CATEGORIES = ["solar_installation", "light_malfunction", "billing", "other"]


def customer(cid: str, phone: str) -> Customer:
    return Customer(id=cid, phone_number=phone, created_at=NOW, updated_at=NOW)


class FakeDirectory:
    """The tickets service in memory; records the create requests it got."""

    def __init__(self) -> None:
        self.customers = {
            PHONE: customer("cust-1", PHONE),
            OTHER_PHONE: customer("cust-2", OTHER_PHONE),
        }
        self.conversations = {"cust-1": "conv-1"}
        self.tickets: dict[str, TicketView] = {}
        self.created: list[CreateFromAi] = []
        self.by_key: dict[str, TicketView] = {}
        self.fail: Exception | None = None
        self.handoffs: list[HandOff] = []
        self.updates: list[UpdateTicket] = []
        self.notes: list[AddNote] = []
        self.ratings: list[SubmitFeedback] = []

    async def customer_by_phone(self, phone: str) -> Customer | None:
        if self.fail:
            raise self.fail
        return self.customers.get(phone)

    async def active_conversation(self, customer_id: str) -> str | None:
        return self.conversations.get(customer_id)

    async def create_for_caller(self, request: CreateForCaller) -> CallerTicket:
        """As the tickets service answers it: the phone's customer, the conversation given or
        the customer's active one."""
        if self.fail:
            raise self.fail
        found = self.customers.get(request.phone_number)
        if found is None:
            return CallerTicket()
        fields = request.model_dump(exclude={"phone_number", "conversation_id"})
        conversation = request.conversation_id or self.conversations.get(found.id)
        ticket = self._create(
            CreateFromAi(**fields, customer_id=found.id, conversation_id=conversation)
        )
        return CallerTicket(customer_id=found.id, created=CreateTicketResult(ticket=ticket))

    def _create(self, request: CreateFromAi) -> TicketView:
        if request.idempotency_key in self.by_key:
            return self.by_key[request.idempotency_key]
        self.created.append(request)
        ticket_id = f"LUX-2026-{len(self.tickets) + 1:06d}"
        ticket = TicketView(
            ticket_id=ticket_id,
            subject=request.subject,
            description=request.description,
            category=request.category,
            priority=request.priority,
            status=TicketStatus.NEW,
            customer_id=request.customer_id,
            conversation_id=request.conversation_id,
            source=TicketSource.AI,
            sla=Sla(first_response_target=3_600_000, resolution_target=86_400_000),
            created_at=NOW + timedelta(minutes=len(self.tickets)),
            updated_at=NOW,
            version=1,
        )
        self.tickets[ticket_id] = ticket
        if request.idempotency_key:
            self.by_key[request.idempotency_key] = ticket
        return ticket

    async def ticket_for_customer(
        self, ticket_id: str, customer_id: str
    ) -> CustomerTicketView | None:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.customer_id != customer_id:
            raise NotFound(f"Ticket {ticket_id} not found")
        return CustomerTicketView.model_validate(
            {
                **ticket.model_dump(include=_VIEW_FIELDS),
                "notes": [n for n in ticket.notes if not n.is_internal],
                "expected_resolution_at": ticket.sla.resolution_due_at,
            }
        )

    async def recent_tickets(self, customer_id: str, limit: int) -> list[CustomerTicketSummary]:
        mine = [t for t in self.tickets.values() if t.customer_id == customer_id]
        mine.sort(key=lambda t: t.created_at, reverse=True)
        return [
            CustomerTicketSummary.model_validate(t.model_dump(include=_SUMMARY_FIELDS))
            for t in mine[:limit]
        ]

    async def hand_off(self, request: HandOff) -> None:
        self.handoffs.append(request)

    async def open_tickets(self, conversation_id: str) -> list[TicketView]:
        done = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        return [
            t
            for t in self.tickets.values()
            if t.conversation_id == conversation_id and t.status not in done
        ]

    async def update_ticket(self, request: UpdateTicket) -> None:
        self.updates.append(request)

    async def add_note(self, request: AddNote) -> None:
        ticket = self.tickets.get(request.ticket_id)
        if ticket is None or ticket.customer_id != request.by:
            raise NotFound(f"Ticket {request.ticket_id} not found")
        self.notes.append(request)

    async def submit_feedback(self, request: SubmitFeedback) -> None:
        """The tickets service's rules: the customer's own, resolved, one rating, per key."""
        ticket = self.tickets.get(request.ticket_id)
        if ticket is None or ticket.customer_id != request.customer_id:
            raise NotFound(f"Ticket {request.ticket_id} not found")
        if request.request_key in {r.request_key for r in self.ratings}:
            return
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise Conflict("not resolved")
        if request.first_only and any(r.ticket_id == request.ticket_id for r in self.ratings):
            raise Conflict("rated", reason="already_rated")
        self.ratings.append(request)


_SUMMARY_FIELDS = set(CustomerTicketSummary.model_fields)
_VIEW_FIELDS = set(CustomerTicketView.model_fields) - {
    "status_history",
    "notes",
    "expected_resolution_at",
}


class FakeConfig:
    def __init__(self, messages: Messages | None = None) -> None:
        self._messages = messages or Messages()
        self.categories = list(CATEGORIES)
        self.fallback = "other"
        self.raises = False

    async def category_ids(self) -> list[str]:
        return self.categories

    async def fallback_category(self) -> str:
        return self.fallback

    async def messages(self) -> Messages:
        return self._messages

    async def handoff_raises_priority(self) -> bool:
        return self.raises


@pytest.fixture
def directory() -> FakeDirectory:
    return FakeDirectory()


@pytest.fixture
def runner(directory: FakeDirectory) -> ToolRunner:
    return ToolRunner(directory, FakeConfig())


def call(name: str, args: Any, call_id: str = "call_1") -> FunctionCall:
    raw = args if isinstance(args, str) else json.dumps(args)
    return FunctionCall(call_id=call_id, name=name, arguments=raw)


def report(**over: Any) -> dict[str, Any]:
    return {
        "subject": "Luminaria apagada",
        "description": "La luminaria de la calle 5 no enciende desde ayer",
        "category": "light_malfunction",
        **over,
    }


async def output(runner: ToolRunner, c: FunctionCall, phone: str | None = PHONE) -> dict[str, Any]:
    outcome = await runner.run(c, phone, None)
    value: dict[str, Any] = json.loads(outcome.output)
    return value


# --- create_ticket_report ---------------------------------------------------------------------


async def test_create_ticket_report_files_a_new_ai_ticket_for_the_phones_customer(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    out = await output(runner, call("create_ticket_report", report(priority="high")))
    assert out == {
        "success": True,
        "ticketId": "LUX-2026-000001",
        "message": "reporte creado exitosamente. Tu número de reporte es LUX-2026-000001.",
    }
    [created] = directory.created
    assert created.customer_id == "cust-1"
    assert created.conversation_id == "conv-1"  # the customer's open conversation
    assert created.category == "light_malfunction"
    assert created.priority is Priority.HIGH
    assert created.idempotency_key == "call_1"


async def test_a_given_conversation_id_is_linked_instead_of_the_open_one(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), PHONE, "conv-given")
    assert directory.created[0].conversation_id == "conv-given"


async def test_unknown_customer_gets_the_plans_error(runner: ToolRunner) -> None:
    out = await output(runner, call("create_ticket_report", report()), phone="+5210000000000")
    assert out == {
        "success": False,
        "error": "No se pudo identificar al cliente. Por favor contacta a un agente.",
    }


async def test_unconfigured_category_falls_back_to_other(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    out = await output(runner, call("create_ticket_report", report(category="plumbing")))
    assert out["success"] is True
    assert directory.created[0].category == "other"


async def test_unconfigured_category_goes_to_the_configured_fallback(
    directory: FakeDirectory,
) -> None:
    config = FakeConfig()
    config.categories = ["solar_installation", "billing", "misc"]
    config.fallback = "misc"
    runner = ToolRunner(directory, config)
    out = await output(runner, call("create_ticket_report", report(category="other")))
    assert out["success"] is True
    assert directory.created[0].category == "misc"


async def test_invalid_priority_falls_back_to_medium(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await output(runner, call("create_ticket_report", report(priority="critical")))
    assert directory.created[0].priority is Priority.MEDIUM


async def test_location_is_kept_when_it_is_an_object(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    location = {"address": "Calle 5 #10", "description": "frente al parque"}
    await output(runner, call("create_ticket_report", report(location=location)))
    created_location = directory.created[0].location
    assert created_location is not None
    assert created_location.address == "Calle 5 #10"


async def test_missing_required_arguments_are_named(runner: ToolRunner) -> None:
    out = await output(runner, call("create_ticket_report", {"category": "billing"}))
    assert out == {
        "success": False,
        "error": "Faltan argumentos obligatorios: subject, description.",
    }


async def test_a_downstream_timeout_is_the_plans_creation_failure_and_transient(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    directory.fail = RpcTimeout("tickets did not answer")
    outcome = await runner.run(call("create_ticket_report", report()), PHONE, None)
    assert json.loads(outcome.output) == {
        "success": False,
        "error": "No se pudo crear el reporte. Por favor intenta de nuevo o contacta a un agente.",
    }
    assert outcome.transient


async def test_a_call_id_that_created_another_customers_ticket_shows_nothing_of_it(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report(), "call_x"), OTHER_PHONE, None)
    out = await output(runner, call("create_ticket_report", report(), "call_x"))
    assert out["success"] is False
    assert "LUX-" not in json.dumps(out)


# --- get_ticket_information -------------------------------------------------------------------


async def test_lookup_by_id_answers_the_plans_ticket_shape(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), PHONE, None)
    out = await output(runner, call("get_ticket_information", {"ticket_id": "LUX-2026-000001"}))
    assert out == {
        "success": True,
        "ticket": {
            "ticketId": "LUX-2026-000001",
            "subject": "Luminaria apagada",
            "description": "La luminaria de la calle 5 no enciende desde ayer",
            "status": "new",
            "priority": "medium",
            "createdAt": "2026-01-05T10:00:00.000Z",
            "assignedAgent": "No asignado",
            "resolutionNotes": None,
            "expectedResolutionAt": None,
            "notes": [],
        },
    }


async def test_lookup_tells_public_notes_and_the_expected_resolution_never_internal_ones(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), PHONE, None)
    ticket = directory.tickets["LUX-2026-000001"]
    due = NOW + timedelta(hours=72)
    directory.tickets["LUX-2026-000001"] = ticket.model_copy(
        update={
            "sla": ticket.sla.model_copy(update={"resolution_due_at": due}),
            "notes": [
                Note(
                    id="n1",
                    agent_id="a7",
                    agent_name="Ana Ruiz",
                    content="Cuadrilla mañana a las 9",
                    is_internal=False,
                    timestamp=NOW,
                ),
                Note(id="n2", agent_id="a7", content="Cliente molesto", timestamp=NOW),
            ],
        }
    )
    out = await output(runner, call("get_ticket_information", {"ticket_id": "LUX-2026-000001"}))
    assert out["ticket"]["expectedResolutionAt"] == "2026-01-08T10:00:00.000Z"
    assert out["ticket"]["notes"] == [
        {
            "content": "Cuadrilla mañana a las 9",
            "author": "Ana Ruiz",
            "at": "2026-01-05T10:00:00.000Z",
        }
    ]
    assert "Cliente molesto" not in json.dumps(out)


# --- request_human_agent, add_ticket_comment --------------------------------------------------


async def test_request_human_agent_hands_the_customers_conversation_to_agents(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    out = await output(runner, call("request_human_agent", {"reason": "Quiere hablar con alguien"}))
    assert out == {
        "success": True,
        "handedOff": True,
        "message": "Un agente continuará esta conversación en breve.",
    }
    [handoff] = directory.handoffs
    assert (handoff.conversation_id, handoff.to.value, handoff.by) == (
        "conv-1",
        "agent",
        "assistant",
    )
    assert handoff.reason == "Quiere hablar con alguien"


async def test_a_handoff_raises_the_conversations_open_tickets_when_configured(
    directory: FakeDirectory,
) -> None:
    config = FakeConfig()
    runner = ToolRunner(directory, config)
    await runner.run(call("create_ticket_report", report(priority="high"), "c1"), PHONE, None)
    await runner.run(call("request_human_agent", {"reason": "x"}, "c2"), PHONE, None)
    assert directory.updates == []  # off by default
    config.raises = True
    await runner.run(call("request_human_agent", {"reason": "x"}, "c3"), PHONE, None)
    [update] = directory.updates
    assert (update.ticket_id, update.changes.priority) == ("LUX-2026-000001", Priority.URGENT)
    assert (update.by, update.request_key) == ("assistant", "c3:LUX-2026-000001")


async def test_request_human_agent_without_a_conversation_says_so(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    out = await output(runner, call("request_human_agent", {"reason": "x"}), OTHER_PHONE)
    assert out["success"] is False and "conversación" in out["error"]
    assert directory.handoffs == []


async def test_add_ticket_comment_adds_a_public_note_by_the_customer_once_per_call(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), PHONE, None)
    comment = {"ticketId": "LUX-2026-000001", "comment": "Ahora parpadea también el de enfrente"}
    out = await output(runner, call("add_ticket_comment", comment, call_id="call_7"))
    assert out == {
        "success": True,
        "ticketId": "LUX-2026-000001",
        "message": "Se agregó la información al reporte LUX-2026-000001.",
    }
    [note] = directory.notes
    assert (note.by, note.by_customer, note.is_internal) == ("cust-1", True, False)
    assert note.request_key == "call_7"
    assert note.content == "Ahora parpadea también el de enfrente"


async def test_add_ticket_comment_on_someone_elses_ticket_is_not_found(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), OTHER_PHONE, None)
    comment = {"ticketId": "LUX-2026-000001", "comment": "hola"}
    out = await output(runner, call("add_ticket_comment", comment))
    assert out == {"success": False, "error": NOT_YOURS.format("LUX-2026-000001")}
    out = await output(runner, call("add_ticket_comment", {"ticketId": "LUX-2026-000001"}))
    assert out == {"success": False, "error": "Faltan argumentos obligatorios: comment."}
    assert directory.notes == []


async def test_rate_ticket_records_the_customers_one_rating_of_a_resolved_ticket(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), PHONE, None)
    tid = "LUX-2026-000001"
    rating = {"ticketId": tid, "rating": 5, "comment": "Muy rápido"}
    out = await output(runner, call("rate_ticket", rating, call_id="call_9"))
    assert out == {
        "success": False,
        "error": f"El reporte {tid} se puede calificar cuando esté resuelto.",
    }
    directory.tickets[tid] = directory.tickets[tid].model_copy(
        update={"status": TicketStatus.RESOLVED}
    )
    out = await output(runner, call("rate_ticket", rating, call_id="call_9"))
    assert out == {
        "success": True,
        "ticketId": tid,
        "message": f"¡Gracias! Registramos tu calificación del reporte {tid}.",
    }
    [recorded] = directory.ratings
    assert (recorded.customer_id, recorded.rating, recorded.comment) == ("cust-1", 5, "Muy rápido")
    assert (recorded.first_only, recorded.request_key) == (True, "call_9")
    again = await output(runner, call("rate_ticket", rating, call_id="call_9"))
    assert again["success"] is True  # the same call: recorded once
    other = await output(runner, call("rate_ticket", {"ticketId": tid, "rating": "2"}, "call_10"))
    assert other == {"success": False, "error": f"Ya habías calificado el reporte {tid}; gracias."}
    assert len(directory.ratings) == 1


async def test_rate_ticket_refuses_a_rating_outside_one_to_five_and_other_customers_tickets(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), OTHER_PHONE, None)
    tid = "LUX-2026-000001"
    for bad in (0, 6, 4.5, True, "cinco"):
        out = await output(runner, call("rate_ticket", {"ticketId": tid, "rating": bad}))
        assert out == {
            "success": False,
            "error": "La calificación debe ser un número entero del 1 al 5.",
        }, bad
    out = await output(runner, call("rate_ticket", {"ticketId": tid, "rating": 4}))
    assert out == {"success": False, "error": NOT_YOURS.format(tid)}
    assert directory.ratings == []


async def test_lookup_names_the_assigned_agent_as_first_and_last_name(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), PHONE, None)
    ticket = directory.tickets["LUX-2026-000001"]
    directory.tickets["LUX-2026-000001"] = ticket.model_copy(
        update={"assigned_agent": "a7", "assigned_agent_name": "Ana Ruiz"}
    )
    out = await output(runner, call("get_ticket_information", {"ticket_id": "LUX-2026-000001"}))
    assert out["ticket"]["assignedAgent"] == "Ana Ruiz"
    directory.tickets["LUX-2026-000001"] = ticket.model_copy(update={"assigned_agent": "a7"})
    out = await output(runner, call("get_ticket_information", {"ticket_id": "LUX-2026-000001"}))
    assert out["ticket"]["assignedAgent"] == "Asignado a un agente"  # stored before names were


async def test_another_customers_ticket_is_not_found_or_not_yours(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    await runner.run(call("create_ticket_report", report()), OTHER_PHONE, None)
    out = await output(runner, call("get_ticket_information", {"ticket_id": "LUX-2026-000001"}))
    assert out == {
        "success": False,
        "error": "No se encontró el reporte LUX-2026-000001 o no tienes acceso a él.",
    }


async def test_recent_lists_the_customers_five_newest(
    runner: ToolRunner, directory: FakeDirectory
) -> None:
    for i in range(7):
        await runner.run(call("create_ticket_report", report(), f"c{i}"), PHONE, None)
    await runner.run(call("create_ticket_report", report(), "other"), OTHER_PHONE, None)
    out = await output(runner, call("get_ticket_information", {"lookup_recent": True}))
    assert out["success"] is True
    assert out["message"] == "Encontré 5 reportes recientes."
    assert [t["ticketId"] for t in out["tickets"]] == [f"LUX-2026-{n:06d}" for n in (7, 6, 5, 4, 3)]
    assert set(out["tickets"][0]) == {"ticketId", "subject", "status", "createdAt"}


async def test_recent_with_no_tickets_says_so(runner: ToolRunner) -> None:
    out = await output(runner, call("get_ticket_information", {"lookup_recent": True}))
    assert out == {"success": True, "message": "No tienes reportes registrados."}


async def test_lookup_with_neither_argument_is_the_plans_error(runner: ToolRunner) -> None:
    out = await output(runner, call("get_ticket_information", {}))
    assert out == {
        "success": False,
        "error": "Debes proporcionar un número de reporte o solicitar los reportes recientes.",
    }


async def test_lookup_for_an_unknown_customer(runner: ToolRunner) -> None:
    out = await output(
        runner, call("get_ticket_information", {"lookup_recent": True}), phone="+5210000000000"
    )
    assert out == {"success": False, "error": "No se pudo identificar al cliente."}


# --- malformed calls --------------------------------------------------------------------------


async def test_unknown_function_is_the_plans_error(runner: ToolRunner) -> None:
    out = await output(runner, call("delete_everything", {}))
    assert out == {"success": False, "error": "Función desconocida"}


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[1, 2]", '"text"', '{"subject": ' + "[" * 5_000 + "]" * 5_000 + "}"],
    ids=["not-json", "array", "string", "nested-5000-deep"],
)
async def test_malformed_arguments_are_an_error_output(runner: ToolRunner, raw: str) -> None:
    out = await output(runner, call("create_ticket_report", raw))
    assert out == {
        "success": False,
        "error": "Los argumentos de la función no son un objeto JSON válido.",
    }


# --- terminology and language -----------------------------------------------------------------


def test_messages_follow_the_configured_terminology_and_gender() -> None:
    solicitud = Terminology(
        ticket_singular="solicitud",
        ticket_plural="solicitudes",
        create_verb="registrar",
        customer_noun="cliente",
        agent_noun="agente",
        resolve_verb="resolver",
    )
    m = Messages(solicitud)
    assert m.created("ORD-1") == "solicitud creada exitosamente. Tu número de solicitud es ORD-1."
    assert m.not_found("ORD-9") == "No se encontró la solicitud ORD-9 o no tienes acceso a ella."
    assert m.none_registered() == "No tienes solicitudes registradas."
    assert is_feminine("consulta") and not is_feminine("reporte") and not is_feminine("caso")


async def test_english_assistants_get_english_outputs(directory: FakeDirectory) -> None:
    ticket = Terminology(
        ticket_singular="ticket",
        ticket_plural="tickets",
        create_verb="create",
        customer_noun="customer",
        agent_noun="agent",
        resolve_verb="resolve",
    )
    runner = ToolRunner(directory, FakeConfig(Messages(ticket, "en")))
    out = await output(runner, call("create_ticket_report", report()))
    assert out["message"] == "Ticket created successfully. Your ticket number is LUX-2026-000001."
    out = await output(runner, call("get_ticket_information", {}))
    assert out["error"] == "You must provide a ticket number or ask for the recent tickets."


# --- small rules ------------------------------------------------------------------------------


def test_argument_and_choice_rules() -> None:
    assert parse_arguments("") == {}
    assert parse_arguments("{bad") is None
    assert choose_category(" Billing ", CATEGORIES) == "billing"
    assert choose_category(None, CATEGORIES) == "other"
    assert choose_priority("URGENT") is Priority.URGENT
    assert choose_priority(3) is Priority.MEDIUM


def test_loop_guard_trips_on_the_third_identical_call_and_on_rounds() -> None:
    guard = LoopGuard(max_rounds=2, max_repeats=3)
    same = call("get_ticket_information", '{"lookup_recent": true}')
    spaced = call("get_ticket_information", '{ "lookup_recent" : true }', "call_2")
    assert guard.admit(same) is None
    assert guard.admit(spaced) is None  # same arguments, other spelling: same call
    assert guard.admit(same) == 3
    assert signature(same) == signature(spaced)
    guard.rounds = 2
    assert guard.rounds_exhausted()
