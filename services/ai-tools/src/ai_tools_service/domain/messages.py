"""Every text a tool output carries: the plan's Spanish messages (§1.4), English when configured.

The plan writes its messages for the noun "reporte"; here the noun comes from the configured
terminology (`ticketSingular`, `ticketPlural`). Spanish articles and participles agree with the
noun's gender (reporte/caso -> "el ... creado", solicitud/consulta -> "la ... creada"), so the
plan's exact sentences come out for masculine nouns and grammatical ones for the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from uts_shared.contracts.config import BUILT_IN_TERMINOLOGY, Terminology

Language = Literal["es", "en"]

DEFAULT_TERMINOLOGY = BUILT_IN_TERMINOLOGY
"""Used only when the config service cannot be reached and nothing is cached yet."""

_FEMININE_ENDINGS = ("a", "ción", "sión", "dad", "tad", "tud", "umbre")
_MASCULINE_EXCEPTIONS = frozenset({"día", "problema", "sistema", "tema", "mapa", "programa"})


def is_feminine(noun: str) -> bool:
    """Grammatical gender of a Spanish noun phrase's head word, by its ending (good enough for
    the nouns a ticket system uses: reporte, caso, ticket, solicitud, consulta, incidencia)."""
    head = noun.strip().split(" ", 1)[0].lower()
    if head in _MASCULINE_EXCEPTIONS:
        return False
    return head.endswith(_FEMININE_ENDINGS)


@dataclass(frozen=True)
class Messages:
    """The texts for one terminology and language."""

    terminology: Terminology = field(default_factory=lambda: DEFAULT_TERMINOLOGY)
    language: Language = "es"

    # --- grammar helpers ---

    @property
    def _s(self) -> str:
        return self.terminology.ticket_singular

    @property
    def _p(self) -> str:
        return self.terminology.ticket_plural

    @property
    def _fem(self) -> bool:
        return is_feminine(self._s)

    def _el(self) -> str:
        return "la" if self._fem else "el"

    def _del(self) -> str:
        return "de la" if self._fem else "del"

    def _o(self) -> str:
        return "a" if self._fem else "o"

    @property
    def _en(self) -> bool:
        return self.language == "en"

    # --- create_ticket_report ---

    def unknown_customer_create(self) -> str:
        if self._en:
            return "The customer could not be identified. Please contact an agent."
        return "No se pudo identificar al cliente. Por favor contacta a un agente."

    def created(self, ticket_id: str) -> str:
        if self._en:
            return (
                f"{self._s.capitalize()} created successfully. "
                f"Your {self._s} number is {ticket_id}."
            )
        return f"{self._s} cread{self._o()} exitosamente. Tu número de {self._s} es {ticket_id}."

    def known_problem(self, problem_id: str) -> str:
        """A report the tickets service linked to an open problem: the fault is known."""
        if self._en:
            return (
                f"We already have an open {self._s} about this fault: {problem_id}; "
                "we will let you know when it is resolved."
            )
        un = "una" if self._fem else "un"
        return (
            f"Ya tenemos {un} {self._s} abiert{self._o()} sobre esta falla: {problem_id}; "
            "te avisaremos cuando quede resuelta."
        )

    def create_failed(self) -> str:
        if self._en:
            return f"The {self._s} could not be created. Please try again or contact an agent."
        return (
            f"No se pudo crear {self._el()} {self._s}. "
            "Por favor intenta de nuevo o contacta a un agente."
        )

    # --- get_ticket_information ---

    def unknown_customer_lookup(self) -> str:
        if self._en:
            return "The customer could not be identified."
        return "No se pudo identificar al cliente."

    def not_found(self, ticket_id: str) -> str:
        if self._en:
            return f"The {self._s} {ticket_id} was not found or you do not have access to it."
        ello = "ella" if self._fem else "él"
        return f"No se encontró {self._el()} {self._s} {ticket_id} o no tienes acceso a {ello}."

    def none_registered(self) -> str:
        if self._en:
            return f"You have no {self._p} on record."
        return f"No tienes {self._p} registrad{self._o()}s."

    def found_recent(self, count: int) -> str:
        if self._en:
            return f"Found {count} recent {self._p}."
        return f"Encontré {count} {self._p} recientes."

    def lookup_needs_argument(self) -> str:
        if self._en:
            return f"You must provide a {self._s} number or ask for the recent {self._p}."
        las = "las" if self._fem else "los"
        return f"Debes proporcionar un número de {self._s} o solicitar {las} {self._p} recientes."

    def lookup_failed(self) -> str:
        if self._en:
            return f"The {self._s} information could not be retrieved."
        return f"No se pudo obtener la información {self._del()} {self._s}."

    def unassigned(self) -> str:
        return "Not assigned" if self._en else "No asignado"

    def assigned(self) -> str:
        return "Assigned to an agent" if self._en else "Asignado a un agente"

    # --- request_human_agent, add_ticket_comment ---

    def handed_to_agent(self) -> str:
        agent = self.terminology.agent_noun
        if self._en:
            return f"An {agent} will take over this conversation shortly."
        return f"Un {agent} continuará esta conversación en breve."

    def no_conversation(self) -> str:
        if self._en:
            return "There is no open conversation with the customer to hand over."
        return "No hay una conversación abierta con el cliente para transferir."

    def handoff_failed(self) -> str:
        if self._en:
            return f"The conversation could not be handed to an {self.terminology.agent_noun}."
        return f"No se pudo transferir la conversación a un {self.terminology.agent_noun}."

    def comment_added(self, ticket_id: str) -> str:
        if self._en:
            return f"The information was added to {self._s} {ticket_id}."
        to_the = "a la" if self._fem else "al"
        return f"Se agregó la información {to_the} {self._s} {ticket_id}."

    def comment_failed(self) -> str:
        if self._en:
            return f"The information could not be added to the {self._s}."
        return f"No se pudo agregar la información {self._del()} {self._s}."

    # --- rate_ticket ---

    def rated(self, ticket_id: str) -> str:
        if self._en:
            return f"Thank you! Your rating of {self._s} {ticket_id} was recorded."
        return f"¡Gracias! Registramos tu calificación {self._del()} {self._s} {ticket_id}."

    def already_rated(self, ticket_id: str) -> str:
        if self._en:
            return f"{self._s.capitalize()} {ticket_id} was already rated; thank you."
        return f"Ya habías calificado {self._el()} {self._s} {ticket_id}; gracias."

    def not_resolved_yet(self, ticket_id: str) -> str:
        if self._en:
            return f"{self._s.capitalize()} {ticket_id} can be rated once it is resolved."
        done = f"resuelt{self._o()}"
        the = self._el().capitalize()
        return f"{the} {self._s} {ticket_id} se puede calificar cuando esté {done}."

    def bad_rating(self) -> str:
        if self._en:
            return "The rating must be a whole number from 1 to 5."
        return "La calificación debe ser un número entero del 1 al 5."

    def rating_failed(self) -> str:
        if self._en:
            return "The rating could not be recorded."
        return "No se pudo registrar la calificación."

    # --- malformed calls ---

    def unknown_function(self) -> str:
        return "Unknown function" if self._en else "Función desconocida"

    def bad_arguments(self) -> str:
        if self._en:
            return "The function arguments are not a valid JSON object."
        return "Los argumentos de la función no son un objeto JSON válido."

    def missing_arguments(self, names: list[str]) -> str:
        joined = ", ".join(names)
        if self._en:
            return f"Missing required arguments: {joined}."
        return f"Faltan argumentos obligatorios: {joined}."

    def call_id_reused(self) -> str:
        if self._en:
            return "This call id was already used for another customer."
        return "Este identificador de llamada ya se usó para otro cliente."

    # --- loop guard (read by the model) ---

    def loop_repeated(self, name: str, times: int) -> str:
        if self._en:
            return (
                f"Stopped: {name} was called {times} times with the same arguments. "
                "Do not call it again; answer the customer with the information you have."
            )
        return (
            f"Detenido: {name} se llamó {times} veces con los mismos argumentos. "
            "No la vuelvas a llamar; responde al cliente con la información que tienes."
        )

    def loop_rounds(self, rounds: int) -> str:
        if self._en:
            return (
                f"Stopped: the tool-call limit ({rounds} rounds) was reached. "
                "Answer the customer with the information you have."
            )
        return (
            f"Detenido: se alcanzó el límite de llamadas a herramientas ({rounds} rondas). "
            "Responde al cliente con la información que tienes."
        )
