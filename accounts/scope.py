"""The access scope: the one place that answers what a user may see.

Every selector that lists cases, tasks or figures filters through `scope_q` or the
office/team helpers here. The rules:
- administrator and national manager: every office;
- manager: their home office;
- supervisor: the teams they supervise or belong to (and anything they own);
- caseworker: what they own, and their teams' work.
A user with several roles sees the union.

Besides the scope, whoever registered a case may find and read it while it waits for a
supervisor to allocate it (`registered_awaiting_allocation_q`); that grants no right to work
on it: every service still checks `can_see`.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import Office, Role, Team, User


@dataclass(frozen=True)
class AccessScope:
    user_id: int
    all_offices: bool
    office_ids: frozenset[int]
    team_ids: frozenset[int]

    @property
    def is_empty(self) -> bool:
        return not (self.all_offices or self.office_ids or self.team_ids)


def scope_for(user: User) -> AccessScope:
    """Compute (once per request, cached on the user object) what this user may see."""
    cached = getattr(user, "_access_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = AccessScope(0, False, frozenset(), frozenset())
    else:
        roles = user.role_names
        # national managers and administrators (an administrator of no office is a national
        # one) see every office; an office's own administrator, as its manager, that office
        # only, as the Staff pages scope them
        all_offices = (
            user.is_superuser
            or (Role.MANAGER in roles and user.is_national)
            or (Role.ADMINISTRATOR in roles and (user.is_national or not user.home_office_id))
        )
        office_ids: set[int] = set()
        team_ids: set[int] = set()
        if not all_offices:
            if bool({Role.MANAGER, Role.ADMINISTRATOR} & roles) and user.home_office_id:
                office_ids.add(user.home_office_id)
            if Role.SUPERVISOR in roles or Role.CASEWORKER in roles:
                team_ids.update(
                    Team.objects.filter(Q(supervisor=user) | Q(members=user))
                    .values_list("id", flat=True)
                    .distinct()
                )
        scope = AccessScope(user.pk, all_offices, frozenset(office_ids), frozenset(team_ids))
    user._access_scope = scope  # type: ignore[attr-defined]  # per-request cache on the user
    return scope


def scope_q(
    user: User,
    *,
    office: str | None = "office",
    team: str | None = "team",
    owner: str | None = "owner",
) -> Q:
    """A filter for any model reachable through office/team/owner lookups.

    Pass the lookup paths as seen from the queried model (e.g. office="case__office").
    Returns a filter that matches nothing for a user with no scope. Work with no team yet
    (a new intake) is visible to the supervisors of its office, who allocate it.
    """
    scope = scope_for(user)
    if scope.all_offices:
        return Q()
    condition = Q(pk__in=[])
    if office and scope.office_ids:
        condition |= Q(**{f"{office}__in": scope.office_ids})
    if team and scope.team_ids:
        condition |= Q(**{f"{team}__in": scope.team_ids})
    if owner and scope.user_id:
        condition |= Q(**{owner: scope.user_id})
    if office and team:
        unallocated_offices = supervised_office_ids(user)
        if unallocated_offices:
            condition |= Q(**{f"{team}__isnull": True, f"{office}__in": unallocated_offices})
    return condition


def visible_offices(user: User) -> QuerySet[Office]:
    scope = scope_for(user)
    offices = Office.objects.all()
    if scope.all_offices:
        return offices
    return offices.filter(Q(pk__in=scope.office_ids) | Q(teams__in=scope.team_ids)).distinct()


def visible_teams(user: User) -> QuerySet[Team]:
    scope = scope_for(user)
    teams = Team.objects.select_related("office", "supervisor")
    if scope.all_offices:
        return teams
    return teams.filter(Q(office__in=scope.office_ids) | Q(pk__in=scope.team_ids))


def can_see(
    user: User, *, office_id: int | None, team_id: int | None, owner_id: int | None
) -> bool:
    """The same rule as `scope_q`, for one object already in memory (no query once cached)."""
    scope = scope_for(user)
    if scope.all_offices:
        return True
    if owner_id is not None and owner_id == scope.user_id:
        return True
    if team_id is not None and team_id in scope.team_ids:
        return True
    if office_id is not None and office_id in scope.office_ids:
        return True
    # Work not yet given to a team waits for the supervisors of its office.
    return team_id is None and office_id is not None and office_id in supervised_office_ids(user)


def registered_awaiting_allocation_q(
    user: User, *, creator: str = "created_by", owner: str = "owner", office: str = "office"
) -> Q:
    """The cases this user registered in their own office that no caseworker holds yet.

    They may find them (case list and search) and read their page, marked "awaiting
    allocation", so what they just registered does not vanish; not work on them. Once a
    supervisor allocates the case, the scope alone decides. Pass lookup paths as `scope_q`.
    """
    if not user.is_authenticated or not user.is_active or not user.home_office_id:
        return Q(pk__in=[])
    return Q(**{creator: user.pk, f"{owner}__isnull": True, office: user.home_office_id})


def supervised_office_ids(user: User) -> frozenset[int]:
    """Offices whose unallocated work (no team yet) this user handles as a supervisor."""
    if not user.is_authenticated or Role.SUPERVISOR not in user.role_names:
        return frozenset()
    return frozenset([user.home_office_id]) if user.home_office_id else frozenset()
