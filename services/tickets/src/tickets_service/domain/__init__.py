"""Ticket rules as pure functions: no I/O, time and ids passed in."""
