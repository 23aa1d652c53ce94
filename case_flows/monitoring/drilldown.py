"""The cases behind a figure: the list a figure's link opens (and exports), with its title
and the filters behind it in words."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import Case, Risk
from ..restriction import hidden_restricted_q
from .figures import FIGURE_PARAMS, FIGURES, duration_text, figure_named, late_clocks
from .filters import DashboardFilters, FigureError, case_scope_q, request_filters, scoped_cases


def figure_cases(
    user: User, filters: DashboardFilters | dict | None, figure: str, params: dict
) -> QuerySet[Case]:
    """The cases behind one figure, within the user's scope and filters, oldest first
    (the overdue figures: most late first, with `overdue_since`, the breached due time).

    Raises FigureError for an unknown figure or value. The page and both exports use
    this same queryset, so they list the same rows in the same order.
    """
    filters = DashboardFilters.coerce(filters)
    definition = figure_named(figure)
    condition = definition.condition(user, filters, params, timezone.now())
    cases = scoped_cases(user, filters).filter(condition)
    if definition.late:
        # How late each case is: its earliest breached deadline behind the figure, one
        # correlated subquery (index sla_clock_subject), most late first.
        earliest = late_clocks(user, filters, figure, params).order_by("due_at").values("due_at")
        return cases.annotate(overdue_since=Subquery(earliest[:1])).order_by(
            F("overdue_since").asc(nulls_last=True), "opened_at", "pk"
        )
    return cases.order_by("opened_at", "pk")


def figure_hidden_count(
    user: User, filters: DashboardFilters | dict | None, figure: str, params: dict
) -> int:
    """How many cases behind the figure are restricted and not the user's to see: the
    figure counts them (a manager sees numbers), the list leaves them out and says so, so
    that the two never disagree silently. One count over the few restricted cases."""
    filters = DashboardFilters.coerce(filters)
    condition = figure_named(figure).condition(user, filters, params, timezone.now())
    return (
        Case.objects.filter(case_scope_q(user, filters), hidden_restricted_q(user))
        .filter(condition)
        .count()
    )


def figure_request(request):
    """(form, filters, figure, params, queryset or None); a bad figure is a message."""
    form, filters = request_filters(request)
    figure = request.GET.get("figure", "")
    params = {key: request.GET[key] for key in FIGURE_PARAMS if request.GET.get(key)}
    try:
        if figure not in FIGURES:
            raise FigureError(_("Unknown figure."))
        cases = figure_cases(request.user, filters, figure, params)
    except FigureError as exc:
        messages.error(
            request,
            _("This list cannot be shown: %(reason)s Go back to the dashboard and choose a figure.")
            % {"reason": exc},
        )
        cases = None
    return form, filters, figure, params, cases


def filter_description(form, filters, figure: str) -> list[str]:
    """The dashboard filters behind a list, in words ("Office: Bekwai", "Risk: High")."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    parts = []
    for key, label in (("office", _("Office")), ("team", _("Team")), ("category", _("Category"))):
        if data.get(key):
            parts.append(_("%(label)s: %(value)s") % {"label": label, "value": data[key]})
    if filters.risk:
        parts.append(
            _("%(label)s: %(value)s") % {"label": _("Risk"), "value": Risk(filters.risk).label}
        )
    if figure in FIGURES and FIGURES[figure].ranged:
        parts.append(
            _("from %(start)s to %(end)s")
            % {
                "start": date_format(filters.date_from, "SHORT_DATE_FORMAT"),
                "end": date_format(filters.date_to, "SHORT_DATE_FORMAT"),
            }
        )
    return parts


def late_text(overdue_since, now) -> str:
    return duration_text(now - overdue_since) if overdue_since else "—"
