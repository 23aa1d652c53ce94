"""Reads of the staff pages: the office's people with roles, teams, status, open tasks and
absence in a fixed number of queries; one person's page; whom work and deputyship may go to."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.models import Office, Role, StaffInvitation, Team, User
from workflows.approvals.models import SupervisorAbsence
from workflows.queue import OPEN_STATUSES

from ..models import Case, Stage

PAGE_SIZE = 25
STATUSES = ("active", "invited", "deactivated")


def office_today(office: Office):
    return timezone.localtime(timezone.now(), office.tzinfo).date()


def _open_invitations():
    return StaffInvitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)


def _search(users: QuerySet[User], query: str) -> QuerySet[User]:
    """Every word of the query in a name, the username or the e-mail ("anna now")."""
    for word in query.split():
        users = users.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return users


def staff_of_office(
    office: Office, *, role: str = "", status: str = "", query: str = ""
) -> QuerySet[User]:
    """The office's people, by name, annotated with their open tasks, their current or next
    absence and whether an invitation waits; roles and teams prefetched (see staff_page_rows)."""
    today = office_today(office)
    open_tasks = (
        Task.objects.filter(owner=OuterRef("pk"), status__in=OPEN_STATUSES, flow_task_type="HUMAN")
        .order_by()
        .values("owner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    absence = SupervisorAbsence.objects.filter(
        supervisor=OuterRef("pk"), ends_on__gte=today
    ).order_by("starts_on")
    invitation = _open_invitations().filter(user=OuterRef("pk")).order_by("-created_at")
    users = User.objects.filter(home_office=office).annotate(
        open_task_count=Coalesce(Subquery(open_tasks, output_field=IntegerField()), 0),
        absent_from=Subquery(absence.values("starts_on")[:1]),
        absent_until=Subquery(absence.values("ends_on")[:1]),
        invitation_open=Exists(invitation),
        invited_at=Subquery(invitation.values("created_at")[:1]),
    )
    if role in Role.values:
        users = users.filter(groups__name=role)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "invited":
        users = users.filter(is_active=False, invitation_open=True)
    elif status == "deactivated":
        users = users.filter(is_active=False, invitation_open=False)
    if query:
        users = _search(users, query)
    return users.prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values).order_by("name")),
        Prefetch("teams", queryset=Team.objects.filter(office=office).order_by("name")),
    ).order_by("last_name", "first_name", "username")


def _role_labels(groups) -> list[str]:
    order = {role: n for n, role in enumerate(Role.values)}
    names = sorted((g.name for g in groups), key=lambda name: order.get(name, 99))
    return [str(Role(name).label) for name in names]


def staff_page_rows(users, office: Office) -> list[User]:
    """Give each row of a page its role labels, team names and status (from what
    staff_of_office prefetched and annotated: no further query)."""
    rows = list(users)
    today = office_today(office)
    for person in rows:
        person.role_labels = _role_labels(person.groups.all())
        person.team_names = [team.name for team in person.teams.all()]
        person.is_absent_now = bool(person.absent_from and person.absent_from <= today)
        person.status = _status(person)
    return rows


def _status(person: User) -> str:
    if person.is_active:
        return "active"
    if person.invitation_open:
        return "invited"
    return "deactivated"


# --- one person -----------------------------------------------------------------------------


def absences_of(person: User) -> list[SupervisorAbsence]:
    """Current and future absences, soonest first."""
    today = office_today(person.home_office)
    return list(
        SupervisorAbsence.objects.filter(supervisor=person, ends_on__gte=today)
        .select_related("deputy")
        .order_by("starts_on")
    )


def open_task_count(person: User) -> int:
    return Task.objects.filter(
        owner=person, status__in=OPEN_STATUSES, flow_task_type="HUMAN"
    ).count()


def open_cases_held(person: User) -> int:
    return Case.objects.filter(owner=person).exclude(stage=Stage.CLOSED).count()


def colleagues_for_handover(person: User) -> QuerySet[User]:
    """Active people of the person's office who might take their work (not a service
    provider's account, nor an API client's); whether each task may go to them is decided
    task by task."""
    providers = User.groups.through.objects.filter(group__name=Role.PROVIDER).values("user_id")
    workers = User.groups.through.objects.filter(
        group__name__in=[Role.CASEWORKER, Role.SUPERVISOR, Role.MANAGER]
    ).values("user_id")
    return (
        User.objects.filter(
            home_office_id=person.home_office_id,
            is_active=True,
            is_service_account=False,
            pk__in=workers,
        )
        .exclude(pk=person.pk)
        .exclude(pk__in=providers)
        .order_by("last_name", "first_name", "username")
    )


def deputies_for(person: User) -> QuerySet[User]:
    """Active supervisors of the person's office, the person aside."""
    return (
        User.objects.filter(
            home_office_id=person.home_office_id,
            is_active=True,
            is_service_account=False,
            groups__name=Role.SUPERVISOR,
        )
        .exclude(pk=person.pk)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def office_people(office: Office) -> QuerySet[User]:
    """Everyone of the office, for the audit page's person filter."""
    return User.objects.filter(home_office=office).order_by("last_name", "first_name", "username")
