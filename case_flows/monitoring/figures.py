"""The dashboard's figures named once: for each figure its key, the condition that selects
the cases behind it, the title of that list, its drill-down link and whether its lists (and
their export) say how late each case is. The page, the list, the charts and the export all
read this registry; the numbers themselves are computed in `selectors` and `history`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.scope import visible_offices
from workflows.sla.calendar import add_months
from workflows.sla.models import SlaClock, SlaPolicy
from workflows.sla.units import ClockStatus, policy_display_name

from ..models import OPEN_STAGES, Stage
from .filters import STAGE_LABELS, TIMED_STAGES, DashboardFilters, FigureError, day_start
from .history import case_clocks_q, scoped_met_clocks, scoped_stage_exits
from .selectors import AGE_BUCKETS, age_q, escalation_tasks, overdue_task_clocks, pending_approvals

# The drill-down parameters a figure's list may take (besides the filters).
FIGURE_PARAMS = ("stage", "bucket", "owner", "month", "policy", "outcome")


# --- links --------------------------------------------------------------------------------


def page_url(name: str, filters: DashboardFilters, **params) -> str:
    query = {**filters.as_query(), **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse(name)}?{urlencode(query)}"


def cases_url(filters: DashboardFilters, figure: str, **params) -> str:
    """The list of cases behind `figure` (with its parameters), under `filters`."""
    return page_url("dashboard_cases", filters, figure=figure, **params)


class OfficeLinks:
    """The links of the national roll-up: one row per office and eight links a row, built
    from strings (reversing and encoding 2,400 times cost a national view ~250 ms).
    Each link is exactly what page_url/cases_url return for the office's filters."""

    def __init__(self, filters):
        self.filters = filters
        self.dashboard = reverse("dashboard")
        self.cases = reverse("dashboard_cases")

    def for_office(self, office_id: int):
        office_filters = DashboardFilters(**{**self.filters.__dict__, "office_id": office_id})
        base = urlencode(office_filters.as_query())
        page = f"{self.dashboard}?{base}"

        def cases(figure, **params):
            extra = urlencode({"figure": figure, **params})
            return f"{self.cases}?{base}&{extra}" if base else f"{self.cases}?{extra}"

        return page, cases


# --- figures in words ---------------------------------------------------------------------


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return "—"
    hours = int(value.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days:
        return ngettext("%(days)s day", "%(days)s days", days) % {"days": days} + (
            " " + ngettext("%(hours)s hour", "%(hours)s hours", hours) % {"hours": hours}
            if hours
            else ""
        )
    minutes = int(value.total_seconds() // 60)
    if hours:
        return ngettext("%(hours)s hour", "%(hours)s hours", hours) % {"hours": hours}
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


def percent_text(value: float | None) -> str:
    """87.5 as "87.5%" in English, "87,5 %" in Polish (the number and the sign per language)."""
    if value is None:
        return "—"
    number = int(value) if float(value).is_integer() else value
    return _("%(number)s%%") % {"number": number_format(number, use_l10n=True)}


def compliance_text(row: dict) -> str:
    if row["percent"] is None:
        return "—"
    return _("%(percent)s (%(on_time)s of %(total)s)") % {
        "percent": percent_text(row["percent"]),
        "on_time": row["on_time"],
        "total": row["total"],
    }


def month_text(value: str | None) -> str | None:
    """ "2026-03" as "March 2026" in the user's language."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")
    except ValueError:
        return value or None


def _owner_name(user, owner: str | None) -> str | None:
    """The name of a caseworker of the offices the user may see (one query)."""
    if not owner or not owner.isdigit():
        return None
    row = (
        User.objects.filter(pk=int(owner), home_office__in=visible_offices(user).values("pk"))
        .values_list("first_name", "last_name", "username")
        .first()
    )
    return User.display_name(*row) if row else _("an unknown caseworker")


def _policy_name(key: str | None) -> str | None:
    if not key:
        return None
    name = (
        SlaPolicy.objects.filter(key=key).order_by("-is_current", "-version").values_list("name")
    ).first()
    return policy_display_name(name[0]) if name else key


# --- parameters ---------------------------------------------------------------------------


def _choice(value, allowed, message):
    if value not in allowed:
        raise FigureError(message)
    return value


def _stage(params: dict, allowed=OPEN_STAGES) -> str:
    return _choice(params.get("stage"), allowed, _("Unknown stage."))


def _int(value, message) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FigureError(message) from None


def _month_start(value: str) -> datetime:
    try:
        year, month = (int(part) for part in value.split("-"))
        return day_start(date(year, month, 1))
    except (ValueError, TypeError):
        raise FigureError(_("Unknown month.")) from None


def _next_month(start: datetime) -> datetime:
    return day_start(add_months(start.date(), 1))


# --- the conditions: which cases a figure counts (on Case, within scope and filters) -------


def late_clocks(
    user: User, filters: DashboardFilters, figure: str, params: dict
) -> QuerySet[SlaClock]:
    """The breached deadlines that put a case (OuterRef "pk") in an overdue figure."""
    if figure == "overdue_tasks":
        clocks = overdue_task_clocks(user, filters).filter(subject_id=OuterRef("pk"))
        owner = params.get("owner")
        if owner == "none":
            clocks = clocks.filter(task__owner__isnull=True)
        elif owner:
            clocks = clocks.filter(task__owner_id=_int(owner, _("Unknown caseworker.")))
        return clocks
    # overdue_cases: the same rule as Case.is_overdue (task_hooks.refresh_overdue)
    return SlaClock.objects.filter(
        case_clocks_q(),
        subject_id=OuterRef("pk"),
        status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED],
        breached=True,
    )


def _overdue_tasks_condition(user, filters, params, now) -> Q | Exists:
    late = Exists(late_clocks(user, filters, "overdue_tasks", params))
    if params.get("stage"):
        return Q(stage=_stage(params)) & Q(late)
    return late


def _sla_condition(user, filters, params, now) -> Exists:
    clocks = scoped_met_clocks(user, filters).filter(subject_id=OuterRef("pk"))
    if params.get("month"):
        start = _month_start(params["month"])
        clocks = clocks.filter(stopped_at__gte=start, stopped_at__lt=_next_month(start))
    if params.get("policy"):
        clocks = clocks.filter(policy__key=params["policy"])
    outcome = params.get("outcome")
    if outcome:
        late = _choice(outcome, ["on_time", "late"], _("Unknown outcome.")) == "late"
        clocks = clocks.filter(breached=late)
    return Exists(clocks)


def _stage_time_condition(user, filters, params, now) -> Exists:
    stage = _stage(params, TIMED_STAGES)
    exits = scoped_stage_exits(user, filters).filter(from_stage=stage, case_id=OuterRef("pk"))
    return Exists(exits)


# --- the titles: the list's title, what the figure and its parameters select in words ------


def _stage_label(params: dict):
    return STAGE_LABELS.get(params.get("stage", ""))


def _age_title(user, params) -> str:
    ages = {key: label for key, label, _low, _high in AGE_BUCKETS}
    return _("Open cases aged %(age)s") % {"age": ages.get(params.get("bucket"), "")}


def _overdue_tasks_title(user, params) -> str:
    owner = params.get("owner")
    if owner == "none":
        title = _("Cases with overdue tasks waiting unclaimed in a team queue")
    elif owner:
        title = _("Cases with overdue tasks of %(name)s") % {"name": _owner_name(user, owner)}
    else:
        title = _("Cases with overdue tasks")
    stage = _stage_label(params)
    if stage:
        title = _("%(title)s, in the stage: %(stage)s") % {"title": title, "stage": stage}
    return title


def _sla_title(user, params) -> str:
    month = month_text(params.get("month"))
    outcome = params.get("outcome")
    if month:
        title = {
            "late": _("Cases with deadlines met late in %(month)s"),
            "on_time": _("Cases with deadlines met on time in %(month)s"),
        }.get(outcome, _("Cases with deadlines met in %(month)s")) % {"month": month}
    else:
        title = {
            "late": _("Cases with deadlines met late in the date range"),
            "on_time": _("Cases with deadlines met on time in the date range"),
        }.get(outcome, _("Cases with deadlines met in the date range"))
    policy = _policy_name(params.get("policy"))
    if policy:
        title = _("%(title)s, deadline: %(deadline)s") % {"title": title, "deadline": policy}
    return title


# --- the registry -------------------------------------------------------------------------

Condition = Callable[[User, DashboardFilters, dict, datetime], Q | Exists]
Title = Callable[[User, dict], str]


@dataclass(frozen=True)
class Figure:
    key: str
    # The filter on Case that selects the cases behind the figure (user, filters, params, now).
    condition: Condition
    # The title of that list of cases (user, params); read when the request runs (gettext).
    title: Title
    # Overdue work: its lists say how late each case is and sort by it (most late first),
    # and its export adds the column "Overdue by (days)".
    late: bool = False
    # A history figure: the date range applies to it (every other figure is the state now).
    ranged: bool = False

    def link(self, filters: DashboardFilters, **params) -> str:
        """The drill-down link: the list of the cases behind this figure."""
        return cases_url(filters, self.key, **params)


FIGURES: dict[str, Figure] = {
    figure.key: figure
    for figure in (
        Figure(
            "open",
            condition=lambda user, filters, params, now: ~Q(stage=Stage.CLOSED),
            title=lambda user, params: _("Open cases"),
        ),
        Figure(
            "open_stage",
            condition=lambda user, filters, params, now: Q(stage=_stage(params)),
            title=lambda user, params: (
                _("Open cases in the stage: %(stage)s") % {"stage": _stage_label(params)}
            ),
        ),
        Figure(
            "age",
            condition=lambda user, filters, params, now: (
                ~Q(stage=Stage.CLOSED) & age_q(params.get("bucket", ""), now)
            ),
            title=_age_title,
        ),
        Figure(
            "overdue_cases",
            condition=lambda user, filters, params, now: (
                ~Q(stage=Stage.CLOSED) & Q(is_overdue=True)
            ),
            title=lambda user, params: _("Overdue cases"),
            late=True,
        ),
        Figure(
            "overdue_tasks",
            condition=_overdue_tasks_condition,
            title=_overdue_tasks_title,
            late=True,
        ),
        Figure(
            "caseload",
            condition=lambda user, filters, params, now: (
                ~Q(stage=Stage.CLOSED)
                & Q(owner_id=_int(params.get("owner"), _("Unknown caseworker.")))
            ),
            title=lambda user, params: (
                _("Open cases of %(name)s") % {"name": _owner_name(user, params.get("owner"))}
            ),
        ),
        Figure("sla", condition=_sla_condition, title=_sla_title, ranged=True),
        Figure(
            "stage_time",
            condition=_stage_time_condition,
            title=lambda user, params: (
                _("Cases that left the stage %(stage)s in the date range")
                % {"stage": _stage_label(params)}
            ),
            ranged=True,
        ),
        Figure(
            "escalations",
            condition=lambda user, filters, params, now: Exists(
                escalation_tasks(user, filters).filter(process__caseprocess__case=OuterRef("pk"))
            ),
            title=lambda user, params: _("Cases escalated for review"),
        ),
        Figure(
            "approvals",
            condition=lambda user, filters, params, now: Exists(
                pending_approvals(user, filters).filter(subject_id=OuterRef("pk"))
            ),
            title=lambda user, params: _("Cases waiting for approval"),
        ),
    )
}


def figure_named(key: str) -> Figure:
    """The figure `key`; FigureError (safe to show) for an unknown one."""
    try:
        return FIGURES[key]
    except KeyError:
        raise FigureError(_("Unknown figure.")) from None
