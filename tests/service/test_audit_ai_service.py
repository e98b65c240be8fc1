"""Audit of issue 5 at the service level: what the ai-tools service tests left unasserted.

Reuses the ai-tools service test's environment (real config + tickets services in-process, two
ai-tools replicas, the fake Responses API), started again for this module on its own vhost.

- Tool outputs follow the configured terminology and language, live (no restart).
- A template variable changed in config reaches the next model call's instructions.
- The conversation id from the response's metadata links the ticket; ai.respond passes
  `previousResponseId` and `conversationId` through.
- `response.cancelled` is recorded and published like failed/incomplete.
- A single 429 is retried by the SDK and the turn completes (the tool call ran once).
- A downstream service timing out gives the configured failure output; the RPC still answers.
- Lookups against the real tickets service: 5 most recent, newest first, no internal notes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ai_tools_service.main import AiToolsService
from ai_tools_service.settings import Settings as AiSettings
from tests.service.test_ai_service import AiEnv, env
from tests.support.factories import report_arguments as report
from tests.support.fake_openai import Fail, function_call, message, outputs_of
from tests.support.infra import DEFAULT_RABBIT, vhost
from uts_shared.contracts import ai_tools as ai
from uts_shared.contracts import config as cfg
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty
from uts_shared.messaging import RpcClient, make_broker

__all__ = ["env"]  # the module-scoped fixture, shared with the ai-tools service tests


def calls(*items: tuple[str, Any]) -> list[ai.FunctionCall]:
    return [
        ai.FunctionCall(
            call_id=f"audit-{uuid.uuid4().hex}",
            name=name,
            arguments=args if isinstance(args, str) else json.dumps(args),
        )
        for name, args in items
    ]


async def run_tools(env: AiEnv, phone: str, *items: tuple[str, Any]) -> list[dict[str, Any]]:
    result = await env.rpc.call(
        ai.TOOL_CALLS, ai.ToolCallsRequest(phone=phone, calls=calls(*items))
    )
    return [json.loads(o.output) for o in result.outputs]


async def changed(env: AiEnv, spec: Any, request: Any) -> None:
    """Make a config change and wait until every ai-tools replica dropped its cache."""
    generations = [r.config.generation for r in env.replicas]
    await env.rpc.call(spec, request)
    for replica, generation in zip(env.replicas, generations, strict=True):
        await replica.config.wait_generation(generation + 1, timeout=5)


def terms(terminology: cfg.Terminology) -> cfg.UpdateTerminology:
    return cfg.UpdateTerminology(agent_id="audit", terminology=terminology)


def persona(assistant: cfg.AssistantConfig) -> cfg.UpdateAssistant:
    return cfg.UpdateAssistant(agent_id="audit", config=assistant)


async def test_outputs_follow_the_configured_terminology_and_language_live(env: AiEnv) -> None:
    customer = await env.customer()
    terminology = (await env.rpc.call(cfg.GET_TERMINOLOGY, Empty())).terminology
    assistant = (await env.rpc.call(cfg.GET_ASSISTANT, Empty())).config
    solicitud = terminology.model_copy(
        update={"ticket_singular": "solicitud", "ticket_plural": "solicitudes"}
    )
    try:
        await changed(
            env,
            cfg.UPDATE_TERMINOLOGY,
            cfg.UpdateTerminology(agent_id="audit", terminology=solicitud),
        )
        created, neither = await run_tools(
            env,
            customer.phone_number,
            ("create_ticket_report", report()),
            ("get_ticket_information", {}),
        )
        ticket_id = created["ticketId"]
        assert created["message"] == (
            f"solicitud creada exitosamente. Tu número de solicitud es {ticket_id}."
        )
        assert neither["error"] == (
            "Debes proporcionar un número de solicitud o solicitar las solicitudes recientes."
        )

        english = assistant.model_copy(update={"language": "en", "assistant_name": "AuditBot"})
        await changed(
            env, cfg.UPDATE_ASSISTANT, cfg.UpdateAssistant(agent_id="audit", config=english)
        )
        again, unknown, bad = await run_tools(
            env,
            customer.phone_number,
            ("create_ticket_report", report(subject="Otro")),
            ("nope", {}),
            ("create_ticket_report", "{oops"),
        )
        assert again["message"] == (
            f"Solicitud created successfully. Your solicitud number is {again['ticketId']}."
        )
        assert unknown == {"success": False, "error": "Unknown function"}
        assert bad == {
            "success": False,
            "error": "The function arguments are not a valid JSON object.",
        }

        # The template variable reaches the next model call, no restart.
        env.fake.script([message("Hi")])
        before = len(env.fake.posts())
        await env.rpc.call(
            ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="hello")
        )
        [sent] = env.fake.posts()[before:]
        rendering = await env.rendering()
        assert sent["instructions"] == rendering.instructions
        assert "AuditBot" in sent["instructions"]
    finally:
        await changed(
            env,
            cfg.UPDATE_TERMINOLOGY,
            cfg.UpdateTerminology(agent_id="audit", terminology=terminology),
        )
        await changed(
            env, cfg.UPDATE_ASSISTANT, cfg.UpdateAssistant(agent_id="audit", config=assistant)
        )


async def test_the_conversation_in_the_responses_metadata_links_the_ticket(env: AiEnv) -> None:
    customer = await env.customer()
    named = await env.conversation(customer)
    await env.conversation(customer)  # a newer open one: not the one the response names
    meta = {"phone": customer.phone_number, "conversationId": named.id}
    response_id = env.fake.stored([function_call("create_ticket_report", report())], metadata=meta)
    await env.webhook(response_id)
    body = await env.fake.wait_continuation(response_id)
    assert body["metadata"] == meta
    [output] = outputs_of(body)
    [ticket] = await env.tickets_of(customer)
    assert ticket.ticket_id == output["output"]["ticketId"]
    assert ticket.conversation_id == named.id


async def test_a_cancelled_response_is_recorded_and_published(env: AiEnv) -> None:
    meta = {"phone": "+525512349999", "conversationId": "conv-cancel"}
    cancelled = env.fake.stored([], metadata=meta, status="cancelled")
    await env.webhook(cancelled, "response.cancelled")
    event = await env.events.first(lambda e: e.data.get("responseId") == cancelled)
    assert event.routing_key == "ai.response.cancelled"
    assert (event.data["status"], event.data["phone"], event.data["conversationId"]) == (
        "cancelled",
        meta["phone"],
        "conv-cancel",
    )
    assert env.fake.posts_after(cancelled) == []  # nothing continued


async def test_a_turn_continues_the_given_response_and_links_the_conversation(
    env: AiEnv,
) -> None:
    customer = await env.customer()
    conversation = await env.conversation(customer)
    await env.conversation(customer)  # newer, not the turn's
    env.fake.script(
        [function_call("create_ticket_report", report())], [message("Quedó registrado.")]
    )
    before = len(env.fake.posts())
    result = await env.rpc.call(
        ai.RESPOND,
        ai.RespondRequest(
            phone=customer.phone_number,
            conversation_id=conversation.id,
            message="Sigue sin luz",
            previous_response_id="resp_earlier_turn",
        ),
    )
    first, second = env.fake.posts()[before:]
    assert first["previous_response_id"] == "resp_earlier_turn"
    assert first["metadata"] == {
        "phone": customer.phone_number,
        "conversationId": conversation.id,
    }
    assert second["metadata"] == first["metadata"]
    assert result.text == "Quedó registrado."
    [ticket] = await env.tickets_of(customer)
    assert ticket.conversation_id == conversation.id


async def test_a_rate_limit_once_is_retried_and_the_turn_completes(env: AiEnv) -> None:
    customer = await env.customer()
    call = function_call("create_ticket_report", report())
    env.fake.script(Fail(429, "slow down"), [call], Fail(500, "hiccup"), [message("Listo.")])
    before = len(env.fake.posts())
    result = await env.rpc.call(
        ai.RESPOND, ai.RespondRequest(phone=customer.phone_number, message="No hay luz")
    )
    assert result.text == "Listo."
    assert [r.call_id for r in result.tool_calls] == [call["call_id"]]
    assert len(env.fake.posts()[before:]) == 4  # two refused, each retried once
    [ticket] = await env.tickets_of(customer)
    assert json.loads(result.tool_calls[0].output)["ticketId"] == ticket.ticket_id


async def test_lookups_against_the_tickets_service_show_five_newest_and_no_internal_notes(
    env: AiEnv,
) -> None:
    customer, other = await env.customer(), await env.customer()
    made = [await env.agent_ticket(customer, subject=f"Caso {i}") for i in range(7)]
    await env.agent_ticket(other)
    await env.rpc.call(
        t.ADD_NOTE,
        t.AddNote(ticket_id=made[-1], content="secreto interno: cliente moroso", by="agent-1"),
    )
    recent, one, missing = await run_tools(
        env,
        customer.phone_number,
        ("get_ticket_information", {"lookup_recent": True}),
        ("get_ticket_information", {"ticket_id": made[-1]}),
        ("create_ticket_report", {"category": "billing"}),
    )
    assert [x["ticketId"] for x in recent["tickets"]] == list(reversed(made))[:5]
    assert recent["message"] == "Encontré 5 reportes recientes."
    assert one["success"] is True and one["ticket"]["ticketId"] == made[-1]
    assert "moroso" not in json.dumps([recent, one])
    assert missing == {
        "success": False,
        "error": "Faltan argumentos obligatorios: subject, description.",
    }


async def test_a_downstream_timeout_gives_the_failure_output_and_the_rpc_answers(
    env: AiEnv,
) -> None:
    """An ai-tools instance on a broker where neither config nor tickets answer."""
    with vhost(DEFAULT_RABBIT) as (url, _):
        lonely = AiToolsService(
            AiSettings(rabbitmq_url=url, openai_api_key=None, rpc_timeout=0.2),
            database=env.databases["ai"],
        )
        client = make_broker(url, app_id="audit-lonely")
        rpc = RpcClient(client, timeout=20.0, name="audit-lonely")
        await lonely.start()
        await client.start()
        try:
            result = await rpc.call(
                ai.TOOL_CALLS,
                ai.ToolCallsRequest(
                    phone="+525512340001",
                    calls=calls(
                        ("create_ticket_report", report()),
                        ("get_ticket_information", {"lookup_recent": True}),
                    ),
                ),
            )
        finally:
            await client.stop()
            await lonely.stop()
    create, lookup = (json.loads(o.output) for o in result.outputs)
    assert create == {
        "success": False,
        "error": "No se pudo crear el reporte. Por favor intenta de nuevo o contacta a un agente.",
    }
    assert lookup == {
        "success": False,
        "error": "No se pudo obtener la información del reporte.",
    }


async def test_the_customer_is_found_whatever_the_spelling_of_the_phone(env: AiEnv) -> None:
    """WhatsApp hands over numbers without `+` (and Mexican mobiles with the old `1`)."""
    customer = await env.customer()
    e164 = customer.phone_number  # +5255xxxxxxxx
    spellings = [e164[1:], "521" + e164[3:], f"+52 1 {e164[3:5]} {e164[5:9]} {e164[9:]}"]
    for phone in spellings:
        [out] = await run_tools(env, phone, ("get_ticket_information", {"lookup_recent": True}))
        assert out == {"success": True, "message": "No tienes reportes registrados."}, phone


async def test_the_loop_guard_caps_the_tool_rounds_of_a_webhook_chain(env: AiEnv) -> None:
    """Distinct calls each hop (no repeat): the chain still stops after MAX_TOOL_ROUNDS (4)."""
    customer = await env.customer()
    meta = {"phone": customer.phone_number}

    def hop(i: int) -> list[dict[str, Any]]:
        return [function_call("get_ticket_information", {"ticket_id": f"LUX-1990-{i:06d}"})]

    response_id = env.fake.stored(hop(0), metadata=meta)
    env.fake.script(*(hop(i) for i in range(1, 5)))
    continued = env.count("continued")
    for n in range(5):
        await env.webhook(response_id)
        body = await env.fake.wait_continuation(response_id)
        await env.wait_count("continued", continued + n + 1)
        if n < 4:
            assert "tool_choice" not in body, n
            [ran] = outputs_of(body)
            assert ran["output"]["error"].startswith("No se encontró el reporte"), n
            response_id = env.fake.continued_as(response_id)
    [stopped] = outputs_of(body)
    assert "límite de llamadas a herramientas (4 rondas)" in stopped["output"]["error"]
    assert body["tool_choice"] == "none"
    tripped = await env.events.first(
        lambda e: e.routing_key == "ai.loop_guard_tripped" and e.data["responseId"] == response_id
    )
    assert (tripped.data["reason"], tripped.data["rounds"]) == ("max_rounds", 4)
