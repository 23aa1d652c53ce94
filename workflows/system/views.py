"""The system status page (Staff → System status): superusers and administrators."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache

from accounts.models import Role
from config import __version__

from .alerts import alert_text
from .status import system_status


def may_see_system_status(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or Role.ADMINISTRATOR in user.role_names)
    )


@login_required
@never_cache
def system_status_page(request):
    if not may_see_system_status(request.user):
        raise PermissionDenied(_("Only administrators see the system status."))
    status = system_status()
    for alert in status.alerts:
        alert.text = alert_text(alert)  # type: ignore[attr-defined]
    context = {
        "status": status,
        "beat": [(job, interval_text(job.interval)) for job in status.beat],
        "dependencies": [(d, DEPENDENCY_LABELS.get(d.name, d.name)) for d in status.dependencies],
        "office_query": "",  # the Staff tabs of one office: this page is the whole system's
        "version": __version__,
    }
    return render(request, "workflows/system_status.html", context)


DEPENDENCY_LABELS = {
    "database": gettext_lazy("Database"),
    "migrations": gettext_lazy("Migrations"),
    "broker": gettext_lazy("Celery broker"),
    "redis": gettext_lazy("Redis"),
    "cache": gettext_lazy("Cache"),
}


def interval_text(interval: datetime.timedelta) -> str:
    """In the largest whole unit: every 10 minutes, every 1 hour, every 1 day."""
    minutes = max(1, round(interval.total_seconds() / 60))
    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("every %(count)d day", "every %(count)d days", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("every %(count)d hour", "every %(count)d hours", hours) % {"count": hours}
    return ngettext("every %(count)d minute", "every %(count)d minutes", minutes) % {
        "count": minutes
    }
