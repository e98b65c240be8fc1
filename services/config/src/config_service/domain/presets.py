"""Industry presets: the built-in ones (LUXFREE = the defaults) and the rules for custom ones.

LUXFREE follows the 2025-12-21 plan exactly; restaurant, e-commerce and healthcare follow the
2025-12-18 plan's examples, with the fields those examples omit (English labels, descriptions,
terminology, padding, separator) filled in the same spirit; professional services is designed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from uts_shared.contracts.base import MAX_CUSTOM_PRESETS
from uts_shared.contracts.config import (
    AssistantConfig,
    Category,
    Preset,
    Terminology,
    TicketIdFormat,
)
from uts_shared.errors import Conflict, Forbidden, NotFound

LUXFREE_ID = "luxfree"
DEFAULT_COMPANY_NAME = "LUXFREE"

LUXFREE_CATEGORIES: tuple[Category, ...] = (
    Category(
        id="solar_installation",
        label="Instalación Solar",
        label_en="Solar Installation",
        icon="sun",
        color="#F59E0B",
        description="Instalación de paneles solares y sistemas fotovoltaicos",
    ),
    Category(
        id="light_malfunction",
        label="Falla de Luminaria",
        label_en="Light Malfunction",
        icon="lightbulb-off",
        color="#EF4444",
        description="Problemas con luminarias o alumbrado público",
    ),
    Category(
        id="maintenance",
        label="Mantenimiento",
        label_en="Maintenance",
        icon="wrench",
        color="#10B981",
        description="Mantenimiento preventivo o correctivo",
    ),
    Category(
        id="electrical_issue",
        label="Problema Eléctrico",
        label_en="Electrical Issue",
        icon="zap",
        color="#DC2626",
        description="Fallas eléctricas, cortocircuitos o problemas de instalación",
    ),
    Category(
        id="billing",
        label="Facturación",
        label_en="Billing",
        icon="dollar-sign",
        color="#6366F1",
        description="Consultas sobre pagos, facturas o presupuestos",
    ),
    Category(
        id="other",
        label="Otro",
        label_en="Other",
        icon="more-horizontal",
        color="#9CA3AF",
        description="Otros temas no clasificados",
    ),
)

LUXFREE_TERMINOLOGY = Terminology(
    ticket_singular="reporte",
    ticket_plural="reportes",
    create_verb="reportar",
    customer_noun="usuario",
    agent_noun="agente",
    resolve_verb="resolver",
)

LUXFREE_ID_FORMAT = TicketIdFormat(prefix="LUX", include_year=True, pad_length=6, separator="-")


def luxfree_assistant(company_name: str | None = None) -> AssistantConfig:
    """The default assistant: company name from `COMPANY_NAME`, else 'LUXFREE' (2025-12-21 plan)."""
    return AssistantConfig(
        assistant_name="Lúmen",
        company_name=company_name or DEFAULT_COMPANY_NAME,
        primary_service_issue="instalaciones solares, luminarias y servicios eléctricos",
        service_type="instalación y mantenimiento eléctrico",
        ticket_noun="reporte",
        ticket_noun_plural="reportes",
        language="es",
    )


def _other(description: str = "Otros temas no clasificados") -> Category:
    return Category(
        id="other",
        label="Otro",
        label_en="Other",
        icon="more-horizontal",
        color="#9CA3AF",
        description=description,
    )


RESTAURANT = Preset(
    id="restaurant",
    name="Restaurante / Entrega de comida",
    description="Pedidos, entregas, calidad de la comida y dudas del menú.",
    builtin=True,
    ticket_categories=[
        Category(
            id="order_issue",
            label="Problema con Pedido",
            label_en="Order Issue",
            icon="shopping-bag",
            color="#EF4444",
            description="Pedidos incompletos, equivocados o no recibidos",
        ),
        Category(
            id="delivery_issue",
            label="Problema de Entrega",
            label_en="Delivery Issue",
            icon="truck",
            color="#F59E0B",
            description="Retrasos, entregas en la dirección equivocada o trato del repartidor",
        ),
        Category(
            id="food_quality",
            label="Calidad de Comida",
            label_en="Food Quality",
            icon="alert-circle",
            color="#DC2626",
            description="Comida fría, en mal estado, o que no corresponde a lo pedido",
        ),
        Category(
            id="menu_question",
            label="Consulta de Menú",
            label_en="Menu Question",
            icon="book-open",
            color="#3B82F6",
            description="Ingredientes, alérgenos, precios y disponibilidad de platillos",
        ),
        Category(
            id="billing",
            label="Facturación",
            label_en="Billing",
            icon="credit-card",
            color="#10B981",
            description="Cobros, reembolsos y facturas",
        ),
        _other(),
    ],
    assistant_configuration=AssistantConfig(
        assistant_name="FoodBot",
        company_name="Pizzería Roma",
        primary_service_issue="problemas con pedidos, entregas o calidad",
        service_type="servicio de comida",
        ticket_noun="caso",
        ticket_noun_plural="casos",
        language="es",
    ),
    ticket_terminology=Terminology(
        ticket_singular="caso",
        ticket_plural="casos",
        create_verb="reportar",
        customer_noun="cliente",
        agent_noun="agente",
        resolve_verb="resolver",
    ),
    ticket_id_format=TicketIdFormat(prefix="FOOD", include_year=False, pad_length=6, separator="-"),
)

ECOMMERCE = Preset(
    id="e-commerce",
    name="Comercio electrónico / Retail",
    description="Productos, envíos, devoluciones y pagos de una tienda en línea.",
    builtin=True,
    ticket_categories=[
        Category(
            id="product_inquiry",
            label="Consulta de Producto",
            label_en="Product Inquiry",
            icon="package",
            color="#3B82F6",
            description="Características, existencias y precios de productos",
        ),
        Category(
            id="return_exchange",
            label="Devolución/Cambio",
            label_en="Return/Exchange",
            icon="repeat",
            color="#F59E0B",
            description="Devoluciones, cambios de talla o modelo y reembolsos",
        ),
        Category(
            id="shipping_issue",
            label="Problema de Envío",
            label_en="Shipping Issue",
            icon="truck",
            color="#EF4444",
            description="Envíos retrasados, perdidos o entregados en otra dirección",
        ),
        Category(
            id="payment_issue",
            label="Problema de Pago",
            label_en="Payment Issue",
            icon="credit-card",
            color="#DC2626",
            description="Pagos rechazados, cargos duplicados o facturas",
        ),
        Category(
            id="product_defect",
            label="Producto Defectuoso",
            label_en="Product Defect",
            icon="alert-triangle",
            color="#B91C1C",
            description="Productos dañados, incompletos o que no funcionan",
        ),
        _other(),
    ],
    assistant_configuration=AssistantConfig(
        assistant_name="ShopAssist",
        company_name="TiendaOnline",
        primary_service_issue="problemas con productos, envíos o devoluciones",
        service_type="compras en línea",
        ticket_noun="solicitud",
        ticket_noun_plural="solicitudes",
        language="es",
    ),
    ticket_terminology=Terminology(
        ticket_singular="solicitud",
        ticket_plural="solicitudes",
        create_verb="registrar",
        customer_noun="cliente",
        agent_noun="agente",
        resolve_verb="resolver",
    ),
    ticket_id_format=TicketIdFormat(prefix="ORD", include_year=True, pad_length=6, separator="-"),
)

HEALTHCARE = Preset(
    id="healthcare",
    name="Salud / Clínica",
    description="Citas, recetas, resultados de estudios y facturación de seguros.",
    builtin=True,
    ticket_categories=[
        Category(
            id="appointment",
            label="Cita Médica",
            label_en="Appointment",
            icon="calendar",
            color="#3B82F6",
            description="Agendar, cambiar o cancelar citas",
        ),
        Category(
            id="prescription",
            label="Receta Médica",
            label_en="Prescription",
            icon="file-text",
            color="#10B981",
            description="Renovación o dudas sobre recetas y medicamentos",
        ),
        Category(
            id="test_results",
            label="Resultados de Estudios",
            label_en="Test Results",
            icon="activity",
            color="#8B5CF6",
            description="Entrega y seguimiento de resultados de laboratorio o imagen",
        ),
        Category(
            id="billing_insurance",
            label="Facturación/Seguro",
            label_en="Billing/Insurance",
            icon="shield",
            color="#F59E0B",
            description="Pagos, facturas y trámites con aseguradoras",
        ),
        Category(
            id="general_inquiry",
            label="Consulta General",
            label_en="General Inquiry",
            icon="help-circle",
            color="#6B7280",
            description="Horarios, ubicación, servicios y preguntas generales",
        ),
        _other("Otros temas"),
    ],
    assistant_configuration=AssistantConfig(
        assistant_name="MediAssist",
        company_name="Clínica Salud",
        primary_service_issue="consultas médicas, citas o recetas",
        service_type="servicios médicos",
        ticket_noun="consulta",
        ticket_noun_plural="consultas",
        language="es",
    ),
    ticket_terminology=Terminology(
        ticket_singular="consulta",
        ticket_plural="consultas",
        create_verb="registrar",
        customer_noun="paciente",
        agent_noun="coordinador",
        resolve_verb="atender",
    ),
    ticket_id_format=TicketIdFormat(prefix="MED", include_year=True, pad_length=6, separator="-"),
)

PROFESSIONAL_SERVICES = Preset(
    id="professional-services",
    name="Servicios profesionales",
    description="Despachos de asesoría, contabilidad, legal o consultoría.",
    builtin=True,
    ticket_categories=[
        Category(
            id="consultation",
            label="Asesoría",
            label_en="Consultation",
            icon="message-circle",
            color="#3B82F6",
            description="Dudas sobre un servicio o solicitud de asesoría",
        ),
        Category(
            id="appointment",
            label="Cita con Asesor",
            label_en="Appointment",
            icon="calendar",
            color="#8B5CF6",
            description="Agendar, cambiar o cancelar reuniones",
        ),
        Category(
            id="document_request",
            label="Documentos",
            label_en="Document Request",
            icon="file-text",
            color="#10B981",
            description="Envío, revisión o entrega de documentos",
        ),
        Category(
            id="project_followup",
            label="Seguimiento de Proyecto",
            label_en="Project Follow-up",
            icon="clipboard",
            color="#F59E0B",
            description="Avance, entregables y plazos de un trabajo en curso",
        ),
        Category(
            id="billing",
            label="Facturación",
            label_en="Billing",
            icon="dollar-sign",
            color="#6366F1",
            description="Honorarios, pagos y facturas",
        ),
        _other(),
    ],
    assistant_configuration=AssistantConfig(
        assistant_name="ProAssist",
        company_name="Asesores Asociados",
        primary_service_issue="consultas sobre servicios, citas con asesores o documentos",
        service_type="servicios profesionales",
        ticket_noun="solicitud",
        ticket_noun_plural="solicitudes",
        language="es",
    ),
    ticket_terminology=Terminology(
        ticket_singular="solicitud",
        ticket_plural="solicitudes",
        create_verb="registrar",
        customer_noun="cliente",
        agent_noun="asesor",
        resolve_verb="atender",
    ),
    ticket_id_format=TicketIdFormat(prefix="PRO", include_year=True, pad_length=6, separator="-"),
)


def luxfree_preset(company_name: str | None = None) -> Preset:
    """The LUXFREE preset: exactly the built-in defaults."""
    return Preset(
        id=LUXFREE_ID,
        name="LUXFREE (energía solar e iluminación)",
        description="Instalación solar, luminarias, mantenimiento y servicios eléctricos.",
        builtin=True,
        ticket_categories=list(LUXFREE_CATEGORIES),
        assistant_configuration=luxfree_assistant(company_name),
        ticket_terminology=LUXFREE_TERMINOLOGY,
        ticket_id_format=LUXFREE_ID_FORMAT,
    )


def builtin_presets(company_name: str | None = None) -> list[Preset]:
    """Every built-in preset, LUXFREE first; fresh copies (callers may not share instances)."""
    fixed = (RESTAURANT, ECOMMERCE, HEALTHCARE, PROFESSIONAL_SERVICES)
    return [luxfree_preset(company_name), *(p.model_copy(deep=True) for p in fixed)]


BUILTIN_IDS: frozenset[str] = frozenset(p.id for p in builtin_presets())


def custom_only(stored: Iterable[Preset]) -> list[Preset]:
    """The custom presets among stored ones: built-ins always come from code, never the store."""
    return [p for p in stored if not p.builtin and p.id not in BUILTIN_IDS]


def merged(builtins: Sequence[Preset], stored: Iterable[Preset]) -> list[Preset]:
    """What LIST_PRESETS shows: built-ins (from code) then custom presets in saving order."""
    return [*builtins, *custom_only(stored)]


def find(presets: Iterable[Preset], preset_id: str) -> Preset:
    """The preset with `preset_id`, else NotFound naming the ones that exist."""
    available = []
    for preset in presets:
        if preset.id == preset_id:
            return preset
        available.append(preset.id)
    raise NotFound(
        f"preset '{preset_id}' not found",
        context={"presetId": preset_id, "available": available},
    )


def check_new_id(preset_id: str, existing: Sequence[Preset]) -> None:
    """A custom preset may neither shadow a built-in nor reuse a custom preset's id, nor be one
    too many (Conflict)."""
    if len(existing) >= MAX_CUSTOM_PRESETS:
        raise Conflict(
            f"there are already {MAX_CUSTOM_PRESETS} custom presets, the most kept; "
            "delete one first",
            context={"limit": MAX_CUSTOM_PRESETS},
        )
    if preset_id in BUILTIN_IDS:
        raise Conflict(
            f"'{preset_id}' is a built-in preset id; choose another id",
            context={"presetId": preset_id, "builtin": sorted(BUILTIN_IDS)},
        )
    if any(p.id == preset_id for p in existing):
        raise Conflict(
            f"a preset with id '{preset_id}' already exists", context={"presetId": preset_id}
        )


def check_deletable(preset_id: str) -> None:
    """Built-in presets cannot be deleted (Forbidden)."""
    if preset_id in BUILTIN_IDS:
        raise Forbidden(
            f"'{preset_id}' is a built-in preset and cannot be deleted",
            context={"presetId": preset_id},
        )
