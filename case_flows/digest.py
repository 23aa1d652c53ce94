"""Sections of the daily digest for supervisors and managers: the team queue, what is
overdue, and approvals waiting (registered with notifications.digest in AppConfig.ready)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.digest import DigestSection

from .cases import selectors as case_selectors
from .permissions import CasePerm, has_lead_role
from .work import selectors as work_selectors


def team_queue_section(user):
    if not has_lead_role(user):
        return None
    waiting = work_selectors.inbox_counts(user)["queue"]
    if not waiting:
        return None
    line = ngettext(
        "%(count)s task waits unclaimed in your queue.",
        "%(count)s tasks wait unclaimed in your queue.",
        waiting,
    ) % {"count": waiting}
    return DigestSection(title=_("Team queue"), lines=[line], link=reverse("inbox") + "?tab=queue")


def overdue_section(user):
    if not has_lead_role(user):
        return None
    overdue = (
        case_selectors.cases_visible_to(user)
        .filter(is_overdue=True)
        .exclude(stage="closed")
        .count()
    )
    if not overdue:
        return None
    line = ngettext(
        "%(count)s open case has missed a deadline.",
        "%(count)s open cases have missed a deadline.",
        overdue,
    ) % {"count": overdue}
    return DigestSection(title=_("Overdue"), lines=[line], link=reverse("case_list"))


def approvals_section(user):
    if not user.has_perm(CasePerm.APPROVE_CASE):
        return None
    pending = list(
        work_selectors.approvals_pending_for(user).values_list("requested_at", flat=True)
    )
    if not pending:
        return None
    oldest_days = (timezone.now() - min(pending)).days
    line = ngettext(
        "%(count)s approval waits for you; the oldest for %(days)s days.",
        "%(count)s approvals wait for you; the oldest for %(days)s days.",
        len(pending),
    ) % {"count": len(pending), "days": oldest_days}
    return DigestSection(title=_("Approvals"), lines=[line], link=reverse("approvals"))
