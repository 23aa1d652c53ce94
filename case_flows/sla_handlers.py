"""What an SLA escalation does to a case: notify the ladder's recipients, flag the case
overdue, write the timeline, and at the manager step put a review task in the managers' queue.

Runs once per sweep batch inside the batch transaction, with a fixed number of queries per
batch plus one short process per manager-step escalation (the rare, last step).
"""

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import View

from notifications.models import Event
from notifications.outbox import NotificationRequest, notify_bulk

from . import timeline
from .flows import CaseFlow
from .models import Case, CaseProcess, Stage

EVENT_BY_KEY = {"warning": Event.SLA_WARNING, "breach": Event.SLA_BREACH}

# Deadlines that are not a flow task: a stage, the statutory decision, a provider's answer.
DEADLINE_TITLES = {
    "decision": _("Decision on the case"),
    "referral_response": _("Provider's answer to a referral"),
    "referral_response_urgent": _("Provider's answer to an urgent referral"),
    Stage.INTAKE: _("Intake stage"),
    Stage.ASSESSMENT: _("Assessment stage"),
    Stage.PLANNING: _("Planning stage"),
    Stage.REFERRAL: _("Referral stage"),
    Stage.FOLLOW_UP: _("Follow-up stage"),
    Stage.CLOSING: _("Closing stage"),
}


@cache
def _task_titles() -> dict:
    return {
        node.name: node.task_title for node in CaseFlow.instance.nodes() if isinstance(node, View)
    }


def deadline_title(*, kind: str, name: str):
    """What a deadline times, as a lazy translatable title ("Assess", "Decision on the case")."""
    if kind in ("task", "unclaimed") and name in _task_titles():
        return _task_titles()[name]
    return DEADLINE_TITLES.get(name, _("Case deadline"))


def deadline_params(clock, step_key: str) -> dict:
    """The notification's details. The title is kept as its English source text (the msgid)
    and translated when shown, so each recipient reads it in their own language; the due
    time is kept in UTC and shown in the recipient's office time zone."""
    with translation.override("en"):
        title = str(deadline_title(kind=clock.kind, name=clock.name))
    return {
        "task": title,
        "due": clock.due_at.isoformat() if clock.due_at else "",
        "deadline": clock.name,
        "kind": clock.kind,
        "step": step_key,
    }


def sla_notifications_send(
    requests: list[tuple[NotificationRequest, int | None]], batch, *, scope: str | None = None
) -> int:
    """Send one sweep batch's deadline notifications; returns how many were new.

    `requests` pairs each request with the owner of its deadline. When one recipient gets
    more than NOTIFICATIONS_SLA_GROUP_THRESHOLD notifications of one kind in the batch (the
    first sweep after an outage, or after demo data was loaded), they get one grouped
    notification instead ("12 of your tasks became overdue"), linked to the overdue list.
    Its key names the sweep batch, which runs once: a redelivered sweep repeats nothing.
    `scope` names what the deadlines are when they are not tasks ("referral").
    """
    threshold = settings.NOTIFICATIONS_SLA_GROUP_THRESHOLD
    by_recipient: dict[tuple[int, str], list[tuple[NotificationRequest, int | None]]]
    by_recipient = defaultdict(list)
    for request, owner_id in requests:
        by_recipient[(request.recipient_id, request.event)].append((request, owner_id))
    out: list[NotificationRequest] = []
    for (recipient_id, event), items in by_recipient.items():
        if threshold <= 0 or len(items) <= threshold:
            out.extend(request for request, _owner in items)
            continue
        group_scope = scope
        if group_scope is None:
            own = all(owner_id == recipient_id for _request, owner_id in items)
            group_scope = "own" if own and event != Event.SLA_ESCALATION else "team"
        out.append(
            NotificationRequest(
                recipient_id=recipient_id,
                event=event,
                dedupe_key=f"sla-group:{batch}:{event}:{group_scope}:{recipient_id}",
                link=_overdue_link(group_scope, event),
                params={
                    "count": len(items),
                    "scope": group_scope,
                    "step": items[0][0].params.get("step", ""),
                },
            )
        )
    return notify_bulk(out)


def _overdue_link(scope: str, event: str) -> str:
    if scope == "referral":
        return reverse("case_list")  # no list of late referrals yet: the person's cases
    if scope == "own":
        # The caseworker's own inbox, overdue only (a warning: the inbox, soonest first).
        return reverse("inbox") + ("?overdue=on" if event == Event.SLA_BREACH else "")
    return reverse("dashboard_cases") + "?figure=overdue_tasks"


def _warning_is_late(escalation, clock) -> bool:
    """A warning reached only after the deadline itself passed (the sweep catching up) is
    not worth a notification: the breach follows in the same sweep."""
    return (
        escalation.key == "warning"
        and clock.due_at is not None
        and (clock.due_at <= escalation.created_at)
    )


def escalation_requests(
    escalations: Iterable,
    *,
    references: dict[int, str],
    links: dict[int, str],
    restricted: frozenset[int] = frozenset(),
) -> list[tuple[NotificationRequest, int | None]]:
    """One request per recipient of each escalation: (request, owner of the deadline). A
    subject in `restricted` (a restricted case) is never named (restriction.case_notice)."""
    requests = []
    for escalation in escalations:
        clock = escalation.clock
        if _warning_is_late(escalation, clock):
            continue
        event = EVENT_BY_KEY.get(escalation.key, Event.SLA_ESCALATION)
        params = deadline_params(clock, escalation.key)
        if clock.subject_id in restricted:
            params = {**params, "restricted": True}
        for user_id in escalation.recipient_ids:
            requests.append(
                (
                    NotificationRequest(
                        recipient_id=user_id,
                        event=event,
                        dedupe_key=f"sla:{clock.pk}:{escalation.step}:{user_id}",
                        case_reference=""
                        if clock.subject_id in restricted
                        else references.get(clock.subject_id, ""),
                        link=links.get(clock.subject_id, ""),
                        params=params,
                    ),
                    clock.owner_id,
                )
            )
    return requests


def case_escalations(escalations) -> None:
    case_type_id = ContentType.objects.get_for_model(Case).pk
    mine = [e for e in escalations if e.clock.subject_type_id == case_type_id]
    if not mine:
        return
    rows = list(
        Case.objects.filter(pk__in={e.clock.subject_id for e in mine}).values_list(
            "pk", "reference", "stage", "is_restricted"
        )
    )
    cases = {pk: (reference, stage) for pk, reference, stage, _restricted in rows}
    sla_notifications_send(
        escalation_requests(
            mine,
            references={pk: reference for pk, (reference, _stage) in cases.items()},
            links={pk: reverse("case_detail", args=[pk]) for pk in cases},
            restricted=frozenset(pk for pk, _ref, _stage, restricted in rows if restricted),
        ),
        mine[0].batch,
    )
    events: list[tuple[int, str, Any, dict]] = []  # (case id, stage, escalation, extra data)
    breached: set[int] = set()
    reviews: list[int] = []
    for escalation in mine:
        clock = escalation.clock
        reference, stage = cases.get(clock.subject_id, ("", ""))
        if escalation.breach:
            breached.add(clock.subject_id)
        events.append((clock.subject_id, stage, escalation, {}))
        if "manager" in escalation.roles and clock.name != "review_overdue":
            reviews.append(clock.subject_id)
    if breached:
        _flag_overdue(breached)
    timeline.deadlines_escalated(events)
    if reviews:
        _start_overdue_reviews(set(reviews))


def _flag_overdue(case_ids: set[int]) -> None:
    """Mark the cases overdue without waiting for a case row while the batch holds its clock
    rows: a task completion holds its case row and then stops that case's clocks, so waiting
    here would deadlock with it (docs/architecture.md, "Lock order"). Free rows are marked
    now; busy ones right after the batch commits, when its clock locks are gone."""
    free = list(
        Case.objects.filter(pk__in=case_ids, is_overdue=False)
        .select_for_update(skip_locked=True, no_key=True)
        .values_list("pk", flat=True)
    )
    Case.objects.filter(pk__in=free).update(is_overdue=True)
    busy = set(case_ids) - set(free)
    if busy:
        transaction.on_commit(
            lambda: Case.objects.filter(pk__in=busy, is_overdue=False).update(is_overdue=True)
        )


def _start_overdue_reviews(case_ids: set[int]) -> None:
    """One open manager review per case: skip cases that have one (started by an earlier
    batch or sweep), and let the database refuse a second started by a concurrent sweep."""
    already = set(
        CaseProcess.objects.filter(overdue_review_open_for__in=case_ids).values_list(
            "overdue_review_open_for", flat=True
        )
    )
    for case in Case.objects.filter(pk__in=case_ids - already).select_related("office", "team"):
        try:
            with transaction.atomic():  # a savepoint: a refused review leaves the batch whole
                CaseFlow.start_overdue_review.run(case=case, actor=None)
        except IntegrityError:
            continue  # another sweep started this case's review a moment ago
