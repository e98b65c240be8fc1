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


async def _embed(env: TicketsEnv, ticket: t.TicketView, vector: list[float]) -> t.EmbeddingStored:
    address = ticket.location.address if ticket.location else None
    text = t.embedding_text(ticket.subject, ticket.description, address)
    request = t.StoreEmbedding(
        ticket_id=ticket.ticket_id, text=text, model="text-embedding-3-small", vector=vector
    )
    return await env.rpc.call(t.STORE_EMBEDDING, request)


async def test_tickets_alike_in_meaning_are_similar_and_cluster_without_shared_words(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        park = [0.8, 0.6, 0.0]
        first = await _report(env, "Parque Morelos a oscuras", "No se ve nada en el parque")
        second = await _report(env, "Columpios sin iluminación", "Los niños juegan en tinieblas")
        third = await _report(env, "Área de juegos negra", "Ni una lámpara funcionando ahí")
        other = await _report(env, "Cobro doble", "Me cobraron dos veces el recibo")
        assert await _similar(env, second.ticket_id) == []  # no words, no place in common

        assert (await _embed(env, first, park)).stored
        assert (await _embed(env, other, [0.0, 0.0, 1.0])).stored
        assert (await _embed(env, second, [0.79, 0.61, 0.02])).stored
        found = await _similar(env, second.ticket_id)
        assert [s.ticket.ticket_id for s in found] == [first.ticket_id]
        assert found[0].meaning is not None and found[0].meaning > 0.99
        assert found[0].words == [] and found[0].distance_meters is None
        assert env.recorder.of("ticket.cluster_detected") == []

        assert (await _embed(env, third, [0.81, 0.58, 0.05])).stored  # the third: a cluster
        detected = await env.recorder.wait_one("ticket.cluster_detected", first.ticket_id)
        members = detected[0].data["ticketIds"]
        assert set(members) == {first.ticket_id, second.ticket_id, third.ticket_id}


async def test_an_embedding_is_kept_only_while_the_ticket_reads_so_and_is_open(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        one = await _report(env, "Parque Morelos a oscuras", "No se ve nada en el parque")
        two = await _report(env, "Columpios sin iluminación", "Los niños juegan en tinieblas")
        assert (await _embed(env, one, [1.0, 0.0])).stored
        assert (await _embed(env, two, [1.0, 0.0])).stored
        assert [s.ticket.ticket_id for s in await _similar(env, two.ticket_id)] == [one.ticket_id]

        await env.rpc.call(
            t.UPDATE,
            t.UpdateTicket(
                ticket_id=one.ticket_id,
                changes=t.TicketChanges(description="Ya hay luz, era otra cosa"),
                by="a1",
            ),
        )
        assert await _similar(env, two.ticket_id) == []  # its old meaning went with its words
        refused = await _embed(env, one, [1.0, 0.0])  # embedded from the old text
        assert (refused.stored, refused.reason) == (False, "text_changed")

        await env.rpc.call(
            t.RESOLVE,
            t.ResolveTicket(ticket_id=two.ticket_id, resolution_notes="Foco nuevo", by="a1"),
        )
        late = await _embed(env, two, [1.0, 0.0])
        assert (late.stored, late.reason) == (False, "not_open")


async def test_overlapping_clusters_seen_at_once_by_two_replicas_are_one_announced_once(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url, instances=2) as env:
        env.config.similar = env.config.similar.model_copy(update={"cluster_size": 10})
        ids = [
            (await _report(env, subject, "Sin más detalle")).ticket_id
            for subject in ("Cobro doble", "Medidor roto", "Poste chueco", "Cable suelto")
        ]
        first, second = (service.operations for service in env.services)
        rules = env.config.similar
        # Each replica sees a different part of one problem at the same moment: both have
        # looked for a cluster of theirs (none yet) before either goes on.
        both_looked = asyncio.Barrier(2)
        looks = [service.store.cluster_of for service in env.services]
        for service, look in zip(env.services, looks, strict=True):

            async def looked(ticket_ids: Any, look: Any = look) -> str | None:
                found: str | None = await look(ticket_ids)
                await both_looked.wait()
                return found

            service.store.cluster_of = looked  # type: ignore[method-assign]
        await asyncio.gather(
            first._announce_cluster(ids[:3], rules), second._announce_cluster(ids[1:], rules)
        )
        for service, look in zip(env.services, looks, strict=True):
            service.store.cluster_of = look  # type: ignore[method-assign]
        await env.recorder.wait_for(
            lambda seen: any(e.routing_key == "ticket.cluster_detected" for e in seen)
        )
        await asyncio.sleep(1.0)  # time for a second (wrong) announcement to arrive
        assert len(env.recorder.of("ticket.cluster_detected")) == 1
        clusters = {await env.service.store.cluster_of([ticket_id]) for ticket_id in ids}
        assert len(clusters) == 1 and None not in clusters
