"""Escalation handlers: code outside the kernel (notifications, the case app) plugs in here.

A handler is called once per sweep batch, inside the batch transaction, with the list of
SlaEscalation rows that batch newly inserted (each with `.clock` loaded). Handlers must
not call the sweep; they may enqueue work with transaction.on_commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.conf import settings
from django.utils.module_loading import import_string

EscalationHandler = Callable[[Sequence], None]

_handlers: list[EscalationHandler] = []


def register_escalation_handler(handler: EscalationHandler) -> EscalationHandler:
    """Register `handler` (idempotent); usable as a decorator."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def unregister_escalation_handler(handler: EscalationHandler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def escalation_handlers() -> tuple[EscalationHandler, ...]:
    return tuple(_handlers)


def run_escalation_handlers(escalations: Sequence) -> None:
    if not escalations:
        return
    for handler in tuple(_handlers):
        handler(escalations)


def load_configured_handlers() -> None:
    """Register the dotted paths listed in settings.SLA_ESCALATION_HANDLERS (app ready)."""
    for path in getattr(settings, "SLA_ESCALATION_HANDLERS", ()):
        register_escalation_handler(import_string(path))
