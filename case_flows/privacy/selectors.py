"""Reads for retention and erasure: which policy applies to a case, which closed cases are
past their retention period, the erasure requests a supervisor may decide."""

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Jurisdiction, User
from workflows.sla.calendar import add_months

from ..cases.selectors import cases_visible_to
from ..models import Case, Category, ErasureRequest, ErasureStatus, RetentionPolicy, Stage

PolicyTable = dict[tuple[str, int | None], RetentionPolicy]


def policy_table() -> PolicyTable:
    """Every policy by (country, category id); one query (the table has a few dozen rows)."""
    return {
        (policy.jurisdiction, policy.category_id): policy
        for policy in RetentionPolicy.objects.all()
    }


def policy_for(
    table: PolicyTable, *, jurisdiction: str, category_id: int | None
) -> RetentionPolicy | None:
    """The most specific rule: category and country, category, country, the default."""
    for key in (
        (jurisdiction, category_id),
        ("", category_id),
        (jurisdiction, None),
        ("", None),
    ):
        if key in table:
            return table[key]
    return None


def retention_ends(case: Case, policy: RetentionPolicy) -> date | None:
    """The day the case's retention ends (None while it is open)."""
    if case.closed_at is None:
        return None
    closed_on = timezone.localdate(case.closed_at)
    return add_months(closed_on, 12 * policy.years_after_closure)


def _cutoff(today: date, years: int) -> datetime:
    """Cases closed before this moment are past a retention of `years` on `today`."""
    return timezone.make_aware(datetime.combine(add_months(today, -12 * years), time.min))


def cases_past_retention(today: date) -> QuerySet[Case]:
    """Closed, not yet anonymised cases whose retention has ended: one condition per
    (country, years) with the categories it covers, so the database does the filtering.
    A case no policy covers is kept."""
    table = policy_table()
    category_ids = list(Category.objects.values_list("pk", flat=True))
    by_rule: dict[tuple[str, int], list[int]] = {}
    for jurisdiction in Jurisdiction.values:
        for category_id in category_ids:
            policy = policy_for(table, jurisdiction=jurisdiction, category_id=category_id)
            if policy is not None:
                by_rule.setdefault((jurisdiction, policy.years_after_closure), []).append(
                    category_id
                )
    due = Q(pk__in=[])
    for (jurisdiction, years), categories in by_rule.items():
        due |= Q(
            office__jurisdiction=jurisdiction,
            category_id__in=categories,
            closed_at__lt=_cutoff(today, years),
        )
    return Case.objects.filter(due, stage=Stage.CLOSED, anonymised_at__isnull=True)


def erasure_requests_pending_for(user: User) -> QuerySet[ErasureRequest]:
    """The approvals page's erasure section: pending requests on cases the user sees, made
    by someone else (maker-checker), oldest first."""
    return (
        ErasureRequest.objects.filter(
            status=ErasureStatus.PENDING, case__in=cases_visible_to(user).values("pk")
        )
        .exclude(requested_by=user)
        .select_related("case", "person", "requested_by")
        .order_by("requested_at", "pk")
    )


def erasure_requests_of(person_id: int) -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.filter(person_id=person_id)
        .select_related("requested_by", "decided_by", "case")
        .order_by("-requested_at", "-pk")
    )


def erasure_request_for_user(user: User, request_id: int) -> ErasureRequest | None:
    return (
        ErasureRequest.objects.filter(pk=request_id, case__in=cases_visible_to(user).values("pk"))
        .select_related("case", "case__category", "person", "requested_by", "decided_by")
        .first()
    )
