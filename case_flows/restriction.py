"""Restricted cases in queries: the access list as a filter, for every list that shows cases.

The rule itself is `case_flows.permissions.on_access_list` (one case in memory); this is the
same rule as a `Q`, so that lists, search, counts with drill-down, exports and digests leave
out a restricted case for everyone not on its list with one `Exists` and no query per row.
"""

from django.db.models import Exists, OuterRef, Q

from accounts.models import Team, User
from accounts.scope import supervised_office_ids

from .models import CaseAccessGrant
from .permissions import deputising_q, live_grant_q


def on_access_list_q(user: User, prefix: str = "") -> Q:
    """Cases (reached through `prefix`, e.g. "case__") whose access list holds the user:
    owner, team supervisor (no team yet: the office's supervisors) and their deputy while
    they are away, live grant."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}owner_id": user.pk})
    # A subquery, not a list read first: the lists keep their query counts.
    supervised = Team.objects.filter(supervisor_id=user.pk).values("pk")
    condition |= Q(**{f"{prefix}team_id__in": supervised})
    # The deputy of an absent supervisor takes their approvals, so their restricted cases.
    deputised = Team.objects.filter(deputising_q(user)).values("pk")
    condition |= Q(**{f"{prefix}team_id__in": deputised})
    offices = supervised_office_ids(user)
    if offices:
        condition |= Q(**{f"{prefix}team__isnull": True, f"{prefix}office_id__in": offices})
    grants = CaseAccessGrant.objects.filter(
        live_grant_q(), user_id=user.pk, case_id=OuterRef(f"{prefix}pk")
    )
    return condition | Q(Exists(grants))


def visible_q(user: User, scope: Q, prefix: str = "") -> Q:
    """`scope` (the ordinary access scope of a list, e.g. `scope_q(...)`) for unrestricted
    cases, the access list for restricted ones. An empty `scope` (all offices) stays "every
    unrestricted case"."""
    return (Q(**{f"{prefix}is_restricted": False}) & scope) | (
        Q(**{f"{prefix}is_restricted": True}) & on_access_list_q(user, prefix)
    )


def hidden_restricted_q(user: User, prefix: str = "") -> Q:
    """Restricted cases the user is not on the list of (the "counted, not listed" figure)."""
    return Q(**{f"{prefix}is_restricted": True}) & ~on_access_list_q(user, prefix)


def case_notice(case, **params) -> dict:
    """The case's part of a notification (`notify(**case_notice(case, task=...), ...)`).

    A restricted case is never named in a notification, to anyone: no reference (e-mail, SMS,
    digest), and the text says "a restricted case" (the `restricted` flag, read by
    notifications.rendering). The link still leads there, for those on its list."""
    if getattr(case, "is_restricted", False):
        return {"case_reference": "", "params": {**params, "restricted": True}}
    return {"case_reference": case.reference, "params": params}
