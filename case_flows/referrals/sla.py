"""The SLA escalation handler of referrals (registered in case_flows.apps): a provider's
answer is late."""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .. import timeline
from ..models import Referral
from ..sla_handlers import escalation_requests, sla_notifications_send


def referral_escalations(escalations) -> None:
    """A provider's answer is late: tell the ladder's recipients and write the case timeline."""
    referral_type_id = ContentType.objects.get_for_model(Referral).pk
    mine = [e for e in escalations if e.clock.subject_type_id == referral_type_id]
    if not mine:
        return
    rows = list(
        Referral.objects.filter(pk__in={e.clock.subject_id for e in mine}).values_list(
            "pk",
            "case_id",
            "case__reference",
            "case__stage",
            "provider_name",
            "case__is_restricted",
        )
    )
    referrals = {
        pk: (case_id, ref, stage, provider) for pk, case_id, ref, stage, provider, _r in rows
    }
    restricted = frozenset(row[0] for row in rows if row[5])
    mine = [e for e in mine if e.clock.subject_id in referrals]
    if not mine:
        return
    sla_notifications_send(
        escalation_requests(
            mine,
            references={pk: row[1] for pk, row in referrals.items()},
            links={pk: reverse("case_referrals", args=[row[0]]) for pk, row in referrals.items()},
            restricted=restricted,
        ),
        mine[0].batch,
        scope="referral",  # grouped as referrals: the answer is the provider's work
    )
    events = []
    for escalation in mine:
        clock = escalation.clock
        case_id, reference, stage, provider = referrals[clock.subject_id]
        events.append(
            (case_id, stage, escalation, {"referral": clock.subject_id, "provider": provider})
        )
    timeline.deadlines_escalated(events)
