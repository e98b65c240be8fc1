"""Customers as integrating systems register them: what an upsert fills in, how one is named."""

from __future__ import annotations

from uts_shared.contracts.tickets import CreateCustomer, Customer

FILLABLE = (("first_name", "firstName"), ("last_name", "lastName"), ("email", "email"))


def display_name(customer: Customer) -> str | None:
    """ "firstName lastName" (either alone if only one is known), or None."""
    return " ".join(n for n in (customer.first_name, customer.last_name) if n) or None


def missing_details(existing: Customer, given: CreateCustomer) -> dict[str, str]:
    """The details `given` adds to a customer registered without them (stored names, wire
    keys); what the customer has already is never overwritten by an upsert."""
    return {
        key: value
        for field, key in FILLABLE
        if getattr(existing, field) is None and (value := getattr(given, field))
    }
