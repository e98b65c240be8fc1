"""Config service contracts: settings models, their validation rules, RPCs and the change event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as attribute
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, TypeAdapter
from pydantic.alias_generators import to_camel

from uts_shared.contracts.base import (
    HISTORY_PAGE_MAX,
    MAX_CATEGORIES,
    Empty,
    EventType,
    Id,
    Name,
    Page,
    Pagination,
    Rpc,
    Shape,
    ShortText,
    TemplateText,
    Text,
    WireModel,
    example,
    health_rpc,
    stripped,
)
from uts_shared.contracts.sla import SlaPolicy

SLUG = r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$"


Slug = Annotated[
    str,
    stripped(1, 64),
    Shape(SLUG, "must be a slug: lowercase letters, digits, '_' or '-'"),
]
"""An id made for URLs and enums: lowercase letters and digits, joined by `_` or `-`."""


class SettingKey(StrEnum):
    TICKET_CATEGORIES = "ticket_categories"
    ASSISTANT_CONFIGURATION = "assistant_configuration"
    TICKET_TERMINOLOGY = "ticket_terminology"
    TICKET_ID_FORMAT = "ticket_id_format"
    CONFIGURATION_PRESETS = "configuration_presets"
    ASSISTANT_INSTRUCTIONS_TEMPLATE = "assistant_instructions_template"
    TICKET_VISIBILITY = "ticket_visibility"
    SLA_POLICY = "sla_policy"
    CUSTOMER_UPDATES = "customer_updates"
    HANDOFF_POLICY = "handoff_policy"
    MAP_TILES = "map_tiles"
    SIMILAR_TICKETS = "similar_tickets"
    ATTACHMENT_LIMITS = "attachment_limits"
    SATISFACTION_SURVEY = "satisfaction_survey"


SettingCategory = Literal["tickets", "assistant", "presets", "general"]
MAX_SETTING_KEYS = 64
"""How many keys one `config.updated` may name (all of them, after a first seeding)."""


# --- setting values -------------------------------------------------------------------------


class Category(WireModel):
    """One ticket category; `id` is a slug (lowercase letters, digits, `_` or `-`)."""

    id: Slug
    label: Name
    label_en: ShortText | None = None
    icon: ShortText | None = None
    color: ShortText | None = None
    description: Text | None = None
    is_fallback: bool = Field(default=False, exclude_if=lambda marked: not marked)
    """The assistant's category for a report that fits no other: exactly one category carries
    `isFallback: true` (the others leave it out)."""


DEFAULT_FALLBACK = "other"
"""The fallback category when none is marked: the plans' `other`."""


def fallback_category(categories: Sequence[Category]) -> str | None:
    """The id of the category marked as the fallback, else `other` if there is one, else None
    (several marked: the first; a change with several is refused)."""
    marked = [c.id for c in categories if c.is_fallback]
    if marked:
        return marked[0]
    return DEFAULT_FALLBACK if any(c.id == DEFAULT_FALLBACK for c in categories) else None


def _unique_ids(value: list[Category]) -> list[Category]:
    seen: set[str] = set()
    for cat in value:
        if cat.id in seen:
            raise ValueError(f"duplicate category id '{cat.id}'")
        seen.add(cat.id)
    return value


CategoryItems = Annotated[
    list[Category],
    Field(min_length=1, max_length=MAX_CATEGORIES),
    AfterValidator(_unique_ids),
]


_CATEGORIES_EXAMPLE: dict[str, Any] = {
    "categories": [
        {
            "id": "light_malfunction",
            "label": "Falla de luminaria",
            "labelEn": "Light malfunction",
            "icon": "lightbulb",
            "color": "#f59e0b",
        },
        {"id": "other", "label": "Otro", "labelEn": "Other", "isFallback": True},
    ]
}


class CategoryList(WireModel):
    model_config = example(_CATEGORIES_EXAMPLE)

    categories: CategoryItems


class AssistantConfig(WireModel):
    model_config = example(
        {
            "assistantName": "Lúmen",
            "companyName": "LUXFREE",
            "ticketNoun": "reporte",
            "ticketNounPlural": "reportes",
            "primaryServiceIssue": "fallas de alumbrado público",
            "serviceType": "alumbrado público",
            "language": "es",
        }
    )

    assistant_name: Name
    company_name: Name
    ticket_noun: Name
    ticket_noun_plural: Name
    primary_service_issue: Text = ""
    service_type: ShortText = ""
    greeting_message: Text | None = None
    language: Literal["es", "en"] = "es"


class Terminology(WireModel):
    model_config = example(
        {
            "ticketSingular": "reporte",
            "ticketPlural": "reportes",
            "createVerb": "levantar",
            "customerNoun": "usuario",
            "agentNoun": "agente",
            "resolveVerb": "resolver",
        }
    )

    ticket_singular: Name
    ticket_plural: Name
    create_verb: Name
    customer_noun: Name
    agent_noun: Name
    resolve_verb: Name


BUILT_IN_TERMINOLOGY = Terminology(
    ticket_singular="reporte",
    ticket_plural="reportes",
    create_verb="reportar",
    customer_noun="usuario",
    agent_noun="agente",
    resolve_verb="resolver",
)
"""The words a service uses while the config service cannot be reached and nothing is cached
yet (LUXFREE's)."""


UPDATE_VARIABLES = ("ticketSingular", "ticketPlural", "ticketId", "subject", "agentNoun")
"""What a customer update's template may say in braces (`{ticketId}`); anything else stays as
written."""
UpdateTemplate = Annotated[str, stripped(1, 1_000)]


class CustomerUpdate(WireModel):
    """One status change told to the customer: off unless switched on."""

    enabled: bool = False
    template: UpdateTemplate


class CustomerUpdates(WireModel):
    """Messages to the customer's conversation when their ticket is received (created), taken
    in progress or resolved, worded from a template in the configured terminology."""

    model_config = example(
        {
            "received": {
                "enabled": True,
                "template": "Recibimos tu {ticketSingular} {ticketId}: {subject}.",
            },
            "inProgress": {
                "enabled": True,
                "template": "Estamos trabajando en tu {ticketSingular} {ticketId}.",
            },
            "resolved": {
                "enabled": False,
                "template": "Resolvimos tu {ticketSingular} {ticketId}.",
            },
        }
    )

    received: CustomerUpdate = Field(
        default_factory=lambda: CustomerUpdate(
            template="Recibimos tu {ticketSingular} {ticketId} ({subject}). "
            "Te avisaremos de cada avance."
        )
    )
    in_progress: CustomerUpdate = Field(
        default_factory=lambda: CustomerUpdate(
            template="Estamos trabajando en tu {ticketSingular} {ticketId}."
        )
    )
    resolved: CustomerUpdate = Field(
        default_factory=lambda: CustomerUpdate(
            template="Resolvimos tu {ticketSingular} {ticketId}. ¡Gracias por avisarnos!"
        )
    )

    @property
    def any_enabled(self) -> bool:
        return self.received.enabled or self.in_progress.enabled or self.resolved.enabled


SurveyChannel = Literal["whatsapp", "web", "mobile_app", "email", "phone"]
SurveySource = Literal["ai", "agent", "whatsapp", "web", "mobile_app"]


class SatisfactionSurvey(WireModel):
    """The question put to the customer when their ticket is resolved: off unless switched on,
    for the conversation channels and ticket sources listed (none listed: every one), worded
    from a template in the configured terminology (`{ticketSingular}`, `{ticketId}`, ...)."""

    model_config = example(
        {
            "enabled": True,
            "channels": ["whatsapp"],
            "sources": [],
            "template": "¿Cómo calificarías la atención a tu {ticketSingular} {ticketId}? "
            "Responde con un número del 1 al 5.",
        }
    )

    enabled: bool = False
    channels: Annotated[list[SurveyChannel], Field(max_length=5)] = Field(default_factory=list)
    sources: Annotated[list[SurveySource], Field(max_length=5)] = Field(default_factory=list)
    template: UpdateTemplate = (
        "¿Cómo calificarías la atención a tu {ticketSingular} {ticketId}? "
        "Responde con un número del 1 (mala) al 5 (excelente) y, si quieres, un comentario."
    )

    def asks(self, channel: str | None, source: str) -> bool:
        """Whether a ticket of `source` resolved on a conversation of `channel` gets it."""
        if not self.enabled or channel is None:
            return False
        return (not self.channels or channel in self.channels) and (
            not self.sources or source in self.sources
        )


class HandoffPolicy(WireModel):
    """What the assistant's handoff to the agents (`request_human_agent`) does besides."""

    model_config = example({"raisePriority": True})

    raise_priority: bool = False
    """The conversation's open tickets go up one priority level (urgent stays urgent)."""


def _tile_placeholders(url: str) -> str:
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ValueError("must contain {z}, {x} and {y}")
    return url


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"
# Spelled out rather than \S: Python's and ECMAScript's \s disagree on control characters,
# and the document's pattern must accept exactly what the server does.
_URL_CHAR = r"[^\x00-\x20\x7f-\x9f]"
_TILE_ORDERS = "|".join(
    rf"{_URL_CHAR}*".join(rf"\{{{axis}\}}" for axis in order)
    for order in ("zxy", "zyx", "xzy", "xyz", "yzx", "yxz")
)
TileUrl = Annotated[
    str,
    stripped(1, 500),
    # {z}, {x} and {y} in any order (ArcGIS' servers take {z}/{y}/{x}), stated as alternatives
    # so a generator of valid data can make one.
    Shape(
        rf"^(https?:)?//{_URL_CHAR}*({_TILE_ORDERS}){_URL_CHAR}*$",
        "must be an http(s) URL template with {z}, {x} and {y}",
    ),
    AfterValidator(_tile_placeholders),
]


class MapTiles(WireModel):
    """Where the console's maps take their tiles from (a Leaflet URL template); the maps work
    without tiles (markers on a blank background) when the server cannot be reached."""

    model_config = example({"tileUrl": OSM_TILES, "attribution": OSM_ATTRIBUTION, "maxZoom": 19})

    tile_url: TileUrl = OSM_TILES
    attribution: Annotated[str, stripped(0, 300)] = OSM_ATTRIBUTION
    max_zoom: int = Field(default=19, ge=1, le=22)


class SimilarTickets(WireModel):
    """How the tickets service tells two open tickets are the same problem, and when a cluster
    of them is worth a problem ticket."""

    model_config = example(
        {
            "radiusMeters": 150,
            "minWordsScore": 0.5,
            "minWordsScoreNear": 0.15,
            "clusterSize": 3,
            "windowHours": 24,
            "createProblem": False,
        }
    )

    enabled: bool = True
    radius_meters: int = Field(default=150, ge=10, le=2000)
    """Coordinates this close are the same place (farther apart: never the same problem)."""
    min_words_score: float = Field(default=0.5, ge=0, le=1)
    """How alike the words of two reports with no place in common must be (0-1)."""
    min_words_score_near: float = Field(default=0.15, ge=0, le=1)
    """How alike the words of two reports from the same place must be (0-1)."""
    cluster_size: int = Field(default=3, ge=2, le=50)
    """This many similar open tickets within the window are a cluster
    (`ticket.cluster_detected`)."""
    window_hours: int = Field(default=24, ge=1, le=720)
    min_meaning_score: float = Field(default=0.8, ge=0.5, le=1)
    """How close the meanings of two reports must be (the cosine of their embeddings, when the
    assistant's OpenAI key is configured) to be the same problem without their words."""
    create_problem: bool = False
    """Create the cluster's problem ticket and link its reports as incidents (else proposed)."""


AttachmentKind = Literal["image", "pdf", "audio"]
"""What files may be attached, as their bytes say (never their names): images, PDF, audio."""
ATTACHMENT_KINDS: tuple[AttachmentKind, ...] = ("image", "pdf", "audio")
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024
"""The most a configured limit may be (the gateway's ATTACHMENT_MAX_BYTES caps it further)."""


def _unique_kinds(value: list[AttachmentKind]) -> list[AttachmentKind]:
    return list(dict.fromkeys(value))


class AttachmentLimits(WireModel):
    """How large an uploaded attachment may be and what it may be (413 and 415 otherwise)."""

    model_config = example({"maxBytes": 10 * 1024 * 1024, "allowedTypes": ["image", "pdf"]})

    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=MAX_ATTACHMENT_BYTES)
    allowed_types: Annotated[
        list[AttachmentKind], Field(min_length=1, max_length=3), AfterValidator(_unique_kinds)
    ] = Field(default_factory=lambda: list(ATTACHMENT_KINDS))


TicketVisibility = Literal["all", "assigned_and_unassigned"]
"""Which tickets agents who are not admins see: every ticket, or only those assigned to them and
those assigned to nobody (seed 001 §2.2). Admins always see every ticket."""
DEFAULT_VISIBILITY: TicketVisibility = "all"

Separator = Literal["-", "_", ".", ""]


class TicketIdFormat(WireModel):
    """`LUX-2026-000001`: prefix, optional year, zero-padded sequence, joined by the separator."""

    model_config = example({"prefix": "LUX", "includeYear": True, "padLength": 6, "separator": "-"})

    prefix: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=16, pattern=r"^[A-Za-z0-9]+$"
        ),
    ]
    include_year: bool = True
    pad_length: int = Field(default=6, ge=1, le=12)
    separator: Separator = "-"


class PresetValues(WireModel):
    ticket_categories: CategoryItems
    assistant_configuration: AssistantConfig
    ticket_terminology: Terminology
    ticket_id_format: TicketIdFormat
    sla_policy: SlaPolicy | None = None
    """A saved setup's SLA policy, applied with it; the built-in industry presets leave the
    SLA policy as it is."""


class Preset(PresetValues):
    id: Slug
    name: Name
    description: Text = ""
    builtin: bool = False


class AllConfig(WireModel):
    ticket_categories: list[Category]
    assistant_configuration: AssistantConfig
    terminology: Terminology
    ticket_id_format: TicketIdFormat


class SettingRecord(WireModel):
    """A SystemSettings document as stored (value kept as plain JSON)."""

    key: str
    value: Any
    category: SettingCategory = "general"
    description: str = ""
    is_editable: bool = True
    updated_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ChangeRecord(WireModel):
    key: str
    old_value: Any = None
    new_value: Any = None
    changed_by: str | None = None
    changed_at: datetime
    action: str = "update"


# --- requests ---------------------------------------------------------------------------------


class ByAgent(WireModel):
    """Every change names the agent making it (audit trail)."""

    agent_id: Id


class PreviewTemplate(WireModel):
    """A template as it would render with the current configuration (nothing is saved)."""

    model_config = example({"template": "Eres {assistantName}, asistente de {companyName}."})

    template: TemplateText


class ResetSetting(ByAgent):
    key: Id


class ApplyPreset(ByAgent):
    preset_id: Id


class SavePreset(ByAgent):
    id: Slug
    name: Name
    description: Text = ""


class DeletePreset(ByAgent):
    preset_id: Id


class HistoryQuery(WireModel):
    """One page of the change history, newest first (optionally for one key)."""

    key: Id | None = None
    page: Page = 1
    limit: int = Field(default=20, ge=1, le=HISTORY_PAGE_MAX)


# --- results ----------------------------------------------------------------------------------


class ResetResult(WireModel):
    key: str
    value: Any


class Presets(WireModel):
    presets: list[Preset]


class PresetApplied(WireModel):
    preset: Preset
    configurations: AllConfig


class History(WireModel):
    changes: list[ChangeRecord]
    pagination: Pagination


class Settings(WireModel):
    settings: list[SettingRecord]


class RenderedAssistant(WireModel):
    """Exactly what the ai-tools service sends to the model: instructions and tool definitions."""

    instructions: str
    tools: list[dict[str, Any]]
    unknown_variables: list[str] = Field(default_factory=list)


# --- the settings table -----------------------------------------------------------------------

Role = Literal["agent", "admin"]
"""Who may: every signed-in agent, or admins only."""


class TemplateBody(WireModel):
    model_config = example({"template": "Eres {assistantName}, asistente de {companyName}. ..."})

    template: TemplateText


class VisibilityBody(WireModel):
    model_config = example({"ticketVisibility": "assigned_and_unassigned"})

    ticket_visibility: TicketVisibility


def _model(name: str, base: type[WireModel], fields: dict[str, Any], **config: Any) -> Any:
    namespace: dict[str, Any] = {"__annotations__": fields, "__module__": __name__}
    if config:
        namespace["model_config"] = config
    return type(name, (base,), namespace)


@dataclass(frozen=True, eq=False)
class Setting:
    """One configuration key, declared once. Its RPCs (`read`, `write`: queues
    `config.<name>.get|update`, request `Update<title>` = `{agentId, <field>}`, result
    `<title>Result` = `{<field>}`), the config service's handlers and the gateway's
    `GET|PUT /config/<path>` routes are all made from this entry."""

    key: str
    value: Any
    """The value's type as stored, read and replied."""
    label: str
    """Its name in answers: "<label> updated successfully"."""
    description: str
    category: SettingCategory
    name: str = ""
    """Its queues' middle part; empty: no get/set of its own (the presets have their own)."""
    path: str = ""
    """Its route under `/config`; default: `name` with dashes."""
    field: str = "value"
    """The value's field in the RPC request and result."""
    accepts: Any = None
    """What a write accepts, when stricter than `value` (a write is checked, a stored value is
    served as it is)."""
    body: type[WireModel] | None = None
    """The PUT body when it is not the value itself: a model of one field holding it."""
    read_by: Role = "admin"
    write_by: Role = "admin"
    default: Callable[[], Any] | None = None
    """The built-in value; None: the config service's built-in preset holds it."""
    example: Any = None
    """A value, shown in the write request's documentation."""
    title: str = ""
    """Its models' names; default: `name` in CamelCase."""
    operation: str = ""
    """Its routes' names (operationIds `get<Operation>`, `update<Operation>`); default: `path`."""
    read_doc: str = ""
    """The GET route's description in the OpenAPI document."""
    write_doc: str = ""
    """The PUT route's description."""
    read: Rpc[Empty, Any] = attribute(init=False, repr=False)
    write: Rpc[Any, Any] = attribute(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name:
            return
        title = self.title or "".join(w.capitalize() for w in self.name.split("_"))
        accepts = self.value if self.accepts is None else self.accepts
        examples = (
            {}
            if self.example is None
            else example({"agentId": "admin-1", to_camel(self.field): self.example})
        )
        request = _model(f"Update{title}", ByAgent, {self.field: accepts}, **examples)
        result = _model(f"{title}Result", WireModel, {self.field: self.value})
        queue = f"config.{self.name}"
        set_ = object.__setattr__
        set_(self, "title", title)
        set_(self, "path", self.path or self.name.replace("_", "-"))
        set_(self, "operation", self.operation or self.path.replace("-", "_"))
        set_(self, "read", Rpc(f"{queue}.get", Empty, result, self.description))
        set_(self, "write", Rpc(f"{queue}.update", request, result, f"Change: {self.label}"))

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        """Parses a stored value."""
        return TypeAdapter(self.value)

    @property
    def served(self) -> bool:
        """Whether it has a get and a set of its own (RPCs and routes)."""
        return bool(self.name)

    @property
    def body_field(self) -> str:
        """The value's field in the PUT body and in the HTTP answers."""
        return next(iter(self.body.model_fields)) if self.body else self.field

    def value_of(self, model: BaseModel) -> Any:
        """The value in a read's result or a write's request."""
        return getattr(model, self.field)

    def request(self, value: Any, *, by: str) -> Any:
        """The write request setting `value` (`ValidationError` if it is not one)."""
        return self.write.request.model_validate({"agentId": by, to_camel(self.field): value})

    def result(self, value: Any) -> Any:
        return self.read.result.model_validate({self.field: value})


CATEGORIES = Setting(
    SettingKey.TICKET_CATEGORIES,
    list[Category],
    "Ticket categories",
    "Available ticket categories",
    "tickets",
    name="categories",
    path="ticket-categories",
    field="categories",
    accepts=CategoryItems,
    body=CategoryList,
    read_by="agent",
    example=_CATEGORIES_EXAMPLE["categories"],
)
ASSISTANT = Setting(
    SettingKey.ASSISTANT_CONFIGURATION,
    AssistantConfig,
    "Assistant configuration",
    "AI assistant configuration and terminology",
    "assistant",
    name="assistant",
    field="config",
)
TERMINOLOGY = Setting(
    SettingKey.TICKET_TERMINOLOGY,
    Terminology,
    "Terminology",
    "Ticket system terminology in Spanish",
    "tickets",
    name="terminology",
    field="terminology",
    read_by="agent",
)
ID_FORMAT = Setting(
    SettingKey.TICKET_ID_FORMAT,
    TicketIdFormat,
    "Ticket ID format",
    "Ticket ID generation format",
    "tickets",
    name="id_format",
    path="ticket-id-format",
    field="format",
    read_by="agent",
)
PRESETS = Setting(
    SettingKey.CONFIGURATION_PRESETS,
    list[Preset],
    "Configuration presets",
    "Industry configuration presets",
    "presets",
)
TEMPLATE = Setting(
    SettingKey.ASSISTANT_INSTRUCTIONS_TEMPLATE,
    str,
    "Instructions template",
    "AI assistant instructions template",
    "assistant",
    name="template",
    path="instructions-template",
    field="template",
    accepts=TemplateText,
    body=TemplateBody,
)
VISIBILITY = Setting(
    SettingKey.TICKET_VISIBILITY,
    TicketVisibility,
    "Ticket visibility",
    "Which tickets agents see: all, or assigned_and_unassigned (theirs and nobody's)",
    "tickets",
    name="ticket_visibility",
    field="visibility",
    body=VisibilityBody,
    read_by="agent",
    default=lambda: DEFAULT_VISIBILITY,
    example="assigned_and_unassigned",
    title="Visibility",
    read_doc="Which tickets agents who are not admins see: `all`, or `assigned_and_unassigned`.",
    write_doc="Let agents see every ticket (`all`) or only theirs and the unassigned ones "
    "(`assigned_and_unassigned`); admins always see every ticket.",
)
SLA = Setting(
    SettingKey.SLA_POLICY,
    SlaPolicy,
    "SLA policy",
    "SLA policy: targets per priority, business calendar, pausing statuses, warnings, "
    "breach actions",
    "tickets",
    name="sla",
    field="policy",
    read_by="agent",
    default=SlaPolicy,
    operation="sla_policy",
    read_doc="The SLA policy: targets per priority, business calendar, pausing statuses, "
    "warning share, and what a breach does.",
    write_doc="Replace the SLA policy (the body is the policy; priorities left out keep the "
    "built-in targets).",
)

CUSTOMER_UPDATES = Setting(
    SettingKey.CUSTOMER_UPDATES,
    CustomerUpdates,
    "Customer updates",
    "Messages to the customer when their ticket is received, in progress or resolved",
    "tickets",
    name="customer_updates",
    field="updates",
    default=CustomerUpdates,
    read_doc="What the customer is told when their ticket is received, taken in progress or "
    "resolved: each switched on or off, with its template ({ticketSingular}, {ticketPlural}, "
    "{ticketId}, {subject}, {agentNoun}).",
    write_doc="Switch the customer updates on or off and word them (all off by default).",
)

HANDOFF = Setting(
    SettingKey.HANDOFF_POLICY,
    HandoffPolicy,
    "Handoff policy",
    "What the assistant's handoff to the agents does besides: raise the tickets' priority",
    "assistant",
    name="handoff",
    field="policy",
    default=HandoffPolicy,
    title="Handoff",
    read_doc="What the assistant's handoff to the agents does besides handing over.",
    write_doc="Whether the assistant's handoff raises the conversation's open tickets one "
    "priority level (off by default).",
)

MAP = Setting(
    SettingKey.MAP_TILES,
    MapTiles,
    "Map tiles",
    "Where the console's maps take their tiles from",
    "general",
    name="map",
    field="tiles",
    read_by="agent",
    default=MapTiles,
    title="MapTiles",
    read_doc="The map tile server the console's maps use (OpenStreetMap's by default).",
    write_doc="Point the console's maps at another tile server (a URL template with {z}, {x} "
    "and {y}, and its attribution).",
)

SIMILAR = Setting(
    SettingKey.SIMILAR_TICKETS,
    SimilarTickets,
    "Similar tickets",
    "When two open tickets are the same problem (words, place) and when a cluster is one",
    "tickets",
    name="similar",
    field="similar",
    read_by="agent",
    default=SimilarTickets,
    title="SimilarTickets",
    read_doc="How similar open tickets are found (radius, word thresholds) and clustered.",
    write_doc="Tune how similar open tickets are found and when a cluster proposes (or creates) "
    "a problem ticket.",
)

ATTACHMENTS = Setting(
    SettingKey.ATTACHMENT_LIMITS,
    AttachmentLimits,
    "Attachment limits",
    "How large an uploaded attachment may be and which kinds are taken",
    "tickets",
    name="attachments",
    field="limits",
    read_by="agent",
    default=AttachmentLimits,
    title="AttachmentLimits",
    read_doc="The largest attachment an upload may carry (bytes; 10 MB by default) and the "
    "kinds taken (image, pdf, audio).",
    write_doc="Change the attachments' size limit and kinds (the gateway's "
    "ATTACHMENT_MAX_BYTES stays the hard ceiling above any configured size).",
)

SURVEY = Setting(
    SettingKey.SATISFACTION_SURVEY,
    SatisfactionSurvey,
    "Satisfaction survey",
    "The question put to the customer when their ticket is resolved",
    "tickets",
    name="survey",
    path="satisfaction-survey",
    field="survey",
    default=SatisfactionSurvey,
    title="SatisfactionSurvey",
    read_doc="Whether the customer is asked to rate a resolved ticket (1 to 5), on which "
    "channels and for which sources, and the question's wording ({ticketSingular}, "
    "{ticketPlural}, {ticketId}, {subject}, {agentNoun}).",
    write_doc="Switch the satisfaction survey on or off (off by default), choose its channels "
    "and sources (none listed: every one) and word it.",
)

REGISTRY: tuple[Setting, ...] = (
    CATEGORIES,
    ASSISTANT,
    TERMINOLOGY,
    ID_FORMAT,
    PRESETS,
    TEMPLATE,
    VISIBILITY,
    SLA,
    CUSTOMER_UPDATES,
    HANDOFF,
    MAP,
    SIMILAR,
    ATTACHMENTS,
    SURVEY,
)
"""Every configuration key; adding one is one entry here."""

# The names other services and tests call these by.
GET_CATEGORIES, UPDATE_CATEGORIES = CATEGORIES.read, CATEGORIES.write
GET_ASSISTANT, UPDATE_ASSISTANT = ASSISTANT.read, ASSISTANT.write
GET_TERMINOLOGY, UPDATE_TERMINOLOGY = TERMINOLOGY.read, TERMINOLOGY.write
GET_ID_FORMAT, UPDATE_ID_FORMAT = ID_FORMAT.read, ID_FORMAT.write
GET_TEMPLATE, UPDATE_TEMPLATE = TEMPLATE.read, TEMPLATE.write
GET_VISIBILITY, UPDATE_VISIBILITY = VISIBILITY.read, VISIBILITY.write
GET_SLA, UPDATE_SLA = SLA.read, SLA.write
GET_CUSTOMER_UPDATES, UPDATE_CUSTOMER_UPDATES = CUSTOMER_UPDATES.read, CUSTOMER_UPDATES.write
GET_HANDOFF, UPDATE_HANDOFF = HANDOFF.read, HANDOFF.write
GET_SIMILAR, UPDATE_SIMILAR = SIMILAR.read, SIMILAR.write
GET_SURVEY, UPDATE_SURVEY = SURVEY.read, SURVEY.write
UpdateCategories, Categories = UPDATE_CATEGORIES.request, GET_CATEGORIES.result
UpdateAssistant, AssistantResult = UPDATE_ASSISTANT.request, GET_ASSISTANT.result
UpdateTerminology, TerminologyResult = UPDATE_TERMINOLOGY.request, GET_TERMINOLOGY.result
UpdateIdFormat, IdFormatResult = UPDATE_ID_FORMAT.request, GET_ID_FORMAT.result
UpdateTemplate, TemplateResult = UPDATE_TEMPLATE.request, GET_TEMPLATE.result
UpdateVisibility, VisibilityResult = UPDATE_VISIBILITY.request, GET_VISIBILITY.result
UpdateSla, SlaResult = UPDATE_SLA.request, GET_SLA.result


# --- operations -------------------------------------------------------------------------------

GET_ALL = Rpc("config.all.get", Empty, AllConfig, "All ticket-system configurations")
GET_SETTINGS = Rpc("config.settings.list", Empty, Settings, "Raw SystemSettings documents")
RESET = Rpc("config.reset", ResetSetting, ResetResult, "Reset one key to its built-in default")
LIST_PRESETS = Rpc("config.presets.list", Empty, Presets, "Built-in and custom presets")
APPLY_PRESET = Rpc("config.presets.apply", ApplyPreset, PresetApplied)
SAVE_PRESET = Rpc("config.presets.save", SavePreset, Preset, "Save current config as a preset")
DELETE_PRESET = Rpc("config.presets.delete", DeletePreset, Presets, "Delete a custom preset")
RENDER_ASSISTANT = Rpc(
    "config.assistant.render", Empty, RenderedAssistant, "Instructions + tool definitions"
)
PREVIEW_TEMPLATE = Rpc(
    "config.template.preview",
    PreviewTemplate,
    RenderedAssistant,
    "A template not yet saved, rendered with the current configuration",
)
GET_HISTORY = Rpc("config.history.list", HistoryQuery, History, "Change history (who, when)")


def setting_rpcs(registry: Sequence[Setting]) -> tuple[Rpc[Any, Any], ...]:
    """The get and the set of every served setting in `registry`."""
    return tuple(rpc for s in registry if s.served for rpc in (s.read, s.write))


RPCS: tuple[Rpc[Any, Any], ...] = (
    GET_ALL,
    GET_SETTINGS,
    *setting_rpcs(REGISTRY),
    PREVIEW_TEMPLATE,
    RESET,
    LIST_PRESETS,
    APPLY_PRESET,
    SAVE_PRESET,
    DELETE_PRESET,
    RENDER_ASSISTANT,
    GET_HISTORY,
)


# --- events -----------------------------------------------------------------------------------


class ConfigUpdated(WireModel):
    """Published after every change; every replica (and every cache elsewhere) drops these keys."""

    keys: Annotated[list[Id], Field(max_length=MAX_SETTING_KEYS)]
    updated_by: Id | None = None


CONFIG_UPDATED = EventType("config.updated", ConfigUpdated, "Configuration keys changed")

HEALTH = health_rpc("config")
