"""Built-in configuration used when the config service has never answered (plan §0: LUXFREE)."""

from __future__ import annotations

from uts_shared.contracts.config import BUILT_IN_TERMINOLOGY, Category, TicketIdFormat

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(id="solar_installation", label="Instalación Solar", label_en="Solar Installation"),
    Category(id="light_malfunction", label="Falla de Luminaria", label_en="Light Malfunction"),
    Category(id="maintenance", label="Mantenimiento", label_en="Maintenance"),
    Category(id="electrical_issue", label="Problema Eléctrico", label_en="Electrical Issue"),
    Category(id="billing", label="Facturación", label_en="Billing"),
    Category(id="other", label="Otro", label_en="Other"),
)

DEFAULT_ID_FORMAT = TicketIdFormat(prefix="LUX", include_year=True, pad_length=6, separator="-")

DEFAULT_TERMINOLOGY = BUILT_IN_TERMINOLOGY
