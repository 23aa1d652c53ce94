"""What an SLA escalation does to a case: notify the ladder's recipients, flag the case
overdue, write the timeline, and at the manager step put a review task in the managers' queue.

Runs once per sweep batch inside the batch transaction, with a fixed number of queries per
batch plus one short process per manager-step escalation (the rare, last step).
"""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from notifications.models import Event
from notifications.services import NotificationRequest, notify_bulk

from .models import Case, CaseEvent, EventKind

EVENT_BY_KEY = {"warning": Event.SLA_WARNING, "breach": Event.SLA_BREACH}


def case_escalations(escalations) -> None:
    case_type_id = ContentType.objects.get_for_model(Case).pk
    mine = [e for e in escalations if e.clock.subject_type_id == case_type_id]
    if not mine:
        return
    cases = {
        pk: (reference, stage)
        for pk, reference, stage in Case.objects.filter(
            pk__in={e.clock.subject_id for e in mine}
        ).values_list("pk", "reference", "stage")
    }
    requests, events, breached, reviews = [], [], set(), []
    for escalation in mine:
        clock = escalation.clock
        reference, stage = cases.get(clock.subject_id, ("", ""))
        event = EVENT_BY_KEY.get(escalation.key, Event.SLA_ESCALATION)
        link = reverse("case_detail", args=[clock.subject_id])
        for user_id in escalation.recipient_ids:
            requests.append(
                NotificationRequest(
                    recipient_id=user_id,
                    event=event,
                    dedupe_key=f"sla:{clock.pk}:{escalation.step}:{user_id}",
                    case_reference=reference,
                    link=link,
                    params={"deadline": clock.name, "step": escalation.key},
                )
            )
        if escalation.breach:
            breached.add(clock.subject_id)
        events.append(
            CaseEvent(
                case_id=clock.subject_id,
                kind=EventKind.SLA,
                from_stage=stage,
                to_stage=stage,
                comment="",
                data={
                    "clock": clock.pk,
                    "deadline": clock.name,
                    "kind": clock.kind,
                    "step": escalation.key,
                    "recipients": escalation.recipient_ids,
                },
            )
        )
        if "manager" in escalation.roles and clock.name != "review_overdue":
            reviews.append(clock.subject_id)
    notify_bulk(requests)
    if breached:
        Case.objects.filter(pk__in=breached, is_overdue=False).update(is_overdue=True)
    CaseEvent.objects.bulk_create(events)
    if reviews:
        from .flows import CaseFlow

        for case in Case.objects.filter(pk__in=set(reviews)).select_related("office", "team"):
            CaseFlow.start_overdue_review.run(case=case, actor=None)
