"""Reads that matter: the inbox and team queue, case search, the case page, approvals.

Every list goes through the access scope, loads its rows with a fixed number of queries
whatever their number (query-count tests guard this), and pages at PAGE_SIZE.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Role, User
from accounts.scope import can_see, registered_awaiting_allocation_q, scope_for, scope_q

from .. import timeline_text
from ..flows import CaseFlow
from ..formdefs.search import answers_match_q
from ..models import (
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    CaseTransfer,
    Closure,
    FollowUp,
    HouseholdMember,
    PersonRelation,
    Referral,
    TransferStatus,
)
from ..permissions import in_ordinary_scope, on_access_list
from ..restriction import visible_q
from ..text import digits, fold

PAGE_SIZE = 25


OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def cases_visible_to(user: User) -> QuerySet[Case]:
    return Case.objects.filter(
        visible_q(user, scope_q(user, office="office", team="team", owner="owner"))
    )


def _scope_or(user: User, extra: Q) -> QuerySet[Case]:
    """Cases in the user's scope or matching `extra`, restricted ones only to their access
    list. An unrestricted scope is an empty Q, and `Q() | extra` is `extra` alone: it must
    stay unrestricted instead."""
    if scope_for(user).all_offices:
        return Case.objects.filter(visible_q(user, Q()))
    scope = scope_q(user, office="office", team="team", owner="owner") | extra
    return Case.objects.filter(visible_q(user, scope))


def cases_findable_by(user: User) -> QuerySet[Case]:
    """The case list and search: the scope, plus the cases the user registered that still
    await allocation (shown so marked; they may read, not work on them)."""
    return _scope_or(user, registered_awaiting_allocation_q(user))


def _assigned_case_ids(user: User):
    """Cases where the user holds an open task given to them (a deputy's routed approval,
    a reassigned task): they may open that work even outside their team."""
    return open_case_tasks().filter(owner=user).values("process__caseprocess__case_id")


def cases_workable_by(user: User) -> QuerySet[Case]:
    """The scope, plus cases with an open task assigned to the user (single-case pages)."""
    return _scope_or(user, Q(pk__in=_assigned_case_ids(user)))


def open_case_tasks() -> QuerySet[Task]:
    return Task.objects.filter(
        flow_task_type="HUMAN", process__flow_class=CaseFlow, status__in=OPEN_TASK_STATUSES
    )


# The case list pages through this many matches at most (a count that stays cheap for a
# national manager's empty search); beyond them, the page asks for a narrower search.
SEARCH_CAP = 1000


def case_search(user: User, query: str) -> QuerySet[Case]:
    """By reference, client name (accent-insensitive), phone or a searchable configured
    answer (case_flows.formdefs.search), within the user's scope
    (and the cases they registered that await allocation), newest first, at most
    SEARCH_CAP of them (the list pages through them)."""
    return case_search_unbounded(user, query)[:SEARCH_CAP]


def case_search_unbounded(user: User, query: str) -> QuerySet[Case]:
    """`case_search` without its cap, still ordered newest first ("-opened_at", "-pk"): for
    a list that pages by cursor (the API) and never counts the whole result."""
    qs = cases_findable_by(user).select_related("person", "owner", "category")
    query = (query or "").strip()
    if not query:
        return qs.order_by("-opened_at", "-pk")
    condition = Q(reference__iexact=query) | Q(reference__istartswith=query)
    words = fold(query).split()
    if words:
        # every word somewhere in the name, in any order ("agyeman esi" finds Esi Agyeman)
        name = Q()
        for word in words:
            name &= Q(person__search_name__contains=word)
        condition |= name
    phone = digits(query)
    if len(phone) >= 5:
        condition |= Q(person__phone_digits__contains=phone)
    condition |= answers_match_q(query)
    return qs.filter(condition).order_by("-opened_at", "-pk")


def case_for_user(user: User, case_id: int, *, to_read: bool = False) -> Case | None:
    """The case if the user may work on it (every action goes through this), else None.

    With `to_read` (the case page), also a case the user registered that awaits allocation:
    it comes back with `read_only` set, and the page offers no action on it."""
    related = ("person", "office", "team", "owner", "category", "intake__form_version")
    case = cases_workable_by(user).select_related(*related).filter(pk=case_id).first()
    if case is not None:
        # On a restricted case's list by a grant alone (outside the ordinary scope): read.
        case.read_only = case.is_restricted and not in_ordinary_scope(user, case)  # type: ignore[attr-defined]  # read by the case page
        return case
    if not to_read:
        return None
    case = (
        Case.objects.filter(visible_q(user, registered_awaiting_allocation_q(user)), pk=case_id)
        .select_related(*related)
        .first()
    )
    if case is not None:
        case.read_only = True
    return case


def case_history_for_user(user: User, case_id: int) -> tuple[Case, CaseTransfer] | None:
    """A sending office's read access to a case it transferred away: the case and the time
    of the transfer (its history ends there), or None.

    Only when settings.CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY is on (default: no); then a
    user who could see the case before an accepted transfer (same office/team/owner rule as
    the access scope) may read its history up to that transfer, never what came after.
    """
    if not settings.CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY:
        return None
    transfers = CaseTransfer.objects.filter(
        case_id=case_id, status=TransferStatus.ACCEPTED
    ).order_by("-decided_at")
    for transfer in transfers:
        if can_see(
            user,
            office_id=transfer.from_office_id,
            team_id=transfer.from_team_id,
            owner_id=transfer.from_owner_id,
        ):
            case = Case.objects.select_related("person", "category").get(pk=case_id)
            if case.is_restricted and not on_access_list(user, case):
                return None  # a restricted case's history too is for its list only
            return case, transfer
    return None


def case_history_until(case: Case, until: datetime.datetime, limit: int = 100) -> list[CaseEvent]:
    return timeline_text.describe(
        list(
            CaseEvent.objects.filter(case=case, created_at__lte=until)
            .select_related("actor")
            .order_by("-created_at", "-pk")[:limit]
        )
    )


def case_timeline(case: Case, limit: int = 100) -> list[CaseEvent]:
    """The newest events, each with its words (`what`, `detail`) in the reader's language."""
    return timeline_text.describe(
        list(
            CaseEvent.objects.filter(case=case)
            .select_related("actor")
            .order_by("-created_at", "-pk")[:limit]
        )
    )


def case_open_tasks(case: Case) -> list[Task]:
    return list(
        open_case_tasks()
        .filter(process__caseprocess__case=case)
        # The case rides along so queue checks (user_may_take) need no query per task.
        .select_related("owner", "process__caseprocess__case")
        .order_by("created")
    )


def _latest(model, case: Case):
    # The form version rides along: the record's configured answers show with its labels.
    return (
        model.objects.filter(case=case, episode=case.episode)
        .select_related("form_version")
        .order_by("-pk")
        .first()
    )


def latest_assessment(case: Case) -> Assessment | None:
    return _latest(Assessment, case)


def latest_closure(case: Case) -> Closure | None:
    return _latest(Closure, case)


def latest_plan(case: Case) -> CasePlan | None:
    """The current episode's latest case plan with its goals and actions loaded."""
    return (
        CasePlan.objects.filter(case=case, episode=case.episode)
        .select_related("form_version")
        .prefetch_related("goals", "actions")
        .order_by("-pk")
        .first()
    )


def case_records(case: Case) -> dict:
    """The current episode's stage records for the case page: a fixed number of queries."""
    return {
        "intake": getattr(case, "intake", None),
        "assessment": _latest(Assessment, case),
        "plan": latest_plan(case),
        "referrals": list(
            Referral.objects.filter(case=case, episode=case.episode).order_by("created_at", "pk")
        ),
        "follow_ups": list(
            FollowUp.objects.filter(case=case, episode=case.episode)
            .select_related("form_version")
            .order_by("-date", "-pk")
        ),
        "closure": _latest(Closure, case),
        "relatives": _relatives(case),
    }


def _relatives(case: Case) -> list[PersonRelation]:
    """The client's relatives, each with `lives_with_client`: one truth on the case page. When
    the client has a household it says (a current member living there); else the relation's
    own flag. One query."""
    current = HouseholdMember.objects.filter(to_date__isnull=True)
    client_households = current.filter(person_id=case.person_id).values("household_id")
    relatives: list[PersonRelation] = list(
        PersonRelation.objects.filter(person_id=case.person_id)
        .select_related("relative")
        .annotate(
            client_has_household=Exists(client_households),
            in_client_household=Exists(
                current.filter(
                    person_id=OuterRef("relative_id"),
                    lives_here=True,
                    household_id__in=client_households,
                )
            ),
        )
        .order_by("-is_primary_caregiver", "pk")
    )
    for relation in relatives:
        relation.lives_with_client = (  # type: ignore[attr-defined]
            relation.in_client_household  # type: ignore[attr-defined]
            if relation.client_has_household  # type: ignore[attr-defined]
            else relation.same_household
        )
    return relatives


def caseworkers_for_allocation(case: Case) -> QuerySet[User]:
    """Active caseworkers of the case's office teams, for the allocation form."""
    return (
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            groups__name=Role.CASEWORKER,
            teams__office_id=case.office_id,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
