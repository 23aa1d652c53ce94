"""Decision reads: the kinds an office uses, a case's decisions and its art. 36 notices."""

from django.db.models import Q, QuerySet

from accounts.models import Office

from ..models import Case, Decision, DecisionKind, DelayNotice, DelayNoticeStatus


def kinds_for_office(office: Office) -> list[DecisionKind]:
    """The active kinds of the office's country; a country with none of its own uses the
    kinds for any country (the generic service approval letter)."""
    kinds = list(
        DecisionKind.objects.filter(is_active=True)
        .filter(Q(jurisdiction=office.jurisdiction) | Q(jurisdiction=""))
        .order_by("order", "pk")
    )
    own = [k for k in kinds if k.jurisdiction == office.jurisdiction]
    return own or kinds


def case_decisions(case: Case) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(case=case)
        .select_related("kind", "prepared_by", "approved_by", "document")
        .order_by("-created_at", "-pk")
    )


def decision_of_case(case: Case, decision_id: int) -> Decision | None:
    return (
        Decision.objects.filter(case=case, pk=decision_id)
        .select_related(
            "kind", "prepared_by", "approved_by", "issued_by", "document", "case__office"
        )
        .first()
    )


def delay_notices_to_send(case: Case) -> list[DelayNotice]:
    return list(DelayNotice.objects.filter(case=case, status=DelayNoticeStatus.DRAFT))


def case_delay_notices(case: Case) -> QuerySet[DelayNotice]:
    return DelayNotice.objects.filter(case=case).select_related("sent_by", "document")
