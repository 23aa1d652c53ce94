"""Writes of the staff pages that cross layers: a person's open work handed over (the kernel's
tasks_hand_over, linking the receiver's notification to their inbox), and deactivation with
the hand-over in the same transaction (both or neither)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.staff import staff_deactivate
from workflows.handover import Handover, tasks_hand_over
from workflows.queue import conflicts_as_errors


def staff_hand_over(
    *,
    actor: User,
    person: User,
    to_user: User | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Handover:
    """Every open task of the person to a colleague of the same office, or back to the
    queue; the cases they held follow to the colleague (case_flows.handover)."""
    return tasks_hand_over(
        from_user=person,
        to_user=to_user,
        actor=actor,
        reason=reason,
        request=request,
        link=reverse("inbox"),
    )


def staff_leave(
    *,
    actor: User,
    person: User,
    to_user: User | None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Handover:
    """Deactivate the account and hand over its open work, in one transaction."""
    with conflicts_as_errors(), transaction.atomic():
        handover = staff_hand_over(
            actor=actor, person=person, to_user=to_user, reason=reason, request=request
        )
        staff_deactivate(actor=actor, person=person, request=request)
    return handover
