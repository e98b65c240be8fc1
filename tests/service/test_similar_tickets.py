"""Similar open tickets, by words and place, and the cluster they make: detected once however
many tickets-service replicas take the creates (a module of its own: it runs its own
services)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from uts_shared.contracts import tickets as t

JUAREZ = t.Coordinates(latitude=19.43260, longitude=-99.13320)
NEAR_JUAREZ = t.Coordinates(latitude=19.43300, longitude=-99.13300)  # about 50 m away
FAR = t.Coordinates(latitude=19.45000, longitude=-99.10000)  # a few km away


async def _report(env: TicketsEnv, subject: str, description: str, **fields: Any) -> t.TicketView:
    customer = await env.customer()
    return await env.ticket(customer, subject=subject, description=description, **fields)


async def _similar(env: TicketsEnv, ticket_id: str) -> list[t.SimilarTicket]:
    return (await env.rpc.call(t.SIMILAR, t.FindSimilar(ticket_id=ticket_id))).tickets


async def test_similar_tickets_are_found_by_stemmed_words_and_by_place(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        env.config.similar = env.config.similar.model_copy(update={"cluster_size": 10})
        first = await _report(
            env,
            "Luminaria apagada frente al mercado Hidalgo",
            "La lámpara del poste frente al mercado Hidalgo no enciende",
        )
        worded = await _report(
            env, "Luminarias apagadas", "Junto al Mercado Hidalgo las luminarias no prenden"
        )
        placed = await _report(
            env,
            "Sin luz",
            "El foco no sirve",
            location=t.Location(coordinates=NEAR_JUAREZ),
        )
        at_juarez = await _report(
            env, "Poste sin luz", "No prende", location=t.Location(coordinates=JUAREZ)
        )
        elsewhere = await _report(
            env,
            "Poste sin luz",
            "No prende el foco",
            location=t.Location(coordinates=FAR),
        )
        unrelated = await _report(env, "Cobro doble", "Me cobraron dos veces el recibo de luz")

        found = await _similar(env, worded.ticket_id)
        assert [s.ticket.ticket_id for s in found] == [first.ticket_id]
        assert {"hidalg", "merc"} <= set(found[0].words)

        near = await _similar(env, at_juarez.ticket_id)
        assert [s.ticket.ticket_id for s in near] == [placed.ticket_id]
        assert near[0].distance_meters is not None and near[0].distance_meters < 150
        assert elsewhere.ticket_id not in {s.ticket.ticket_id for s in near}
        assert await _similar(env, unrelated.ticket_id) == []

        await env.rpc.call(
            t.RESOLVE,
            t.ResolveTicket(ticket_id=first.ticket_id, resolution_notes="Foco nuevo", by="a1"),
        )
        assert await _similar(env, worded.ticket_id) == []  # only open tickets


async def test_a_cluster_is_detected_once_across_two_replicas(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as env:
        first = await _report(
            env,
            "Cable caído en la calle Morelos",
            "Hay un cable caído en Morelos esquina Allende",
            location=t.Location(coordinates=JUAREZ),
        )
        await _report(
            env,
            "Cable tirado",
            "Cable de luz en el piso en Morelos y Allende",
            location=t.Location(coordinates=NEAR_JUAREZ),
        )
        # The third and fourth reports arrive together: each replica may take one of them.
        await asyncio.gather(
            *(
                _report(
                    env,
                    f"Cable colgando {n}",
                    "Un cable cuelga en Morelos esquina con Allende",
                    location=t.Location(coordinates=JUAREZ),
                )
                for n in range(4)
            )
        )

        detected = await env.recorder.wait_one("ticket.cluster_detected", first.ticket_id)
        await asyncio.sleep(1.0)  # time for a second (wrong) announcement to arrive
        assert len(env.recorder.of("ticket.cluster_detected")) == 1
        data = detected[0].data
        assert data["clusterId"] == first.ticket_id
        assert len(data["ticketIds"]) >= 3
        assert data["problemCreated"] is False
