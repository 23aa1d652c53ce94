"""The manager dashboard, the list of cases behind each figure and its CSV/XLSX export.

Thin views: validate the filters, call `case_flows.dashboard`, render. Charts are inline
SVG bars computed here (no JavaScript), each followed by a table with the same numbers.
"""

import csv
import tempfile
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.scope import visible_offices
from workflows.sla.models import SlaPolicy
from workflows.sla.units import policy_display_name

from ..models import ExportFormat, ExportLog, Risk, Stage
from ..selectors import PAGE_SIZE
from . import selectors as dashboard
from .filters import DashboardFilterForm

FILTER_KEYS = ("office", "team", "risk", "category", "date_from", "date_to")
FIGURE_PARAMS = ("stage", "bucket", "owner", "month", "policy", "outcome")
DASHBOARD_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}


def may_see_dashboard(user) -> bool:
    return user.is_superuser or bool(DASHBOARD_ROLES & user.role_names)


def _require_dashboard(user) -> None:
    if not may_see_dashboard(user):
        raise PermissionDenied(_("The dashboard is for supervisors and managers."))


def _filters(request):
    """The validated filters; bad input is reported and the defaults are used instead."""
    data = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key, "") != ""}
    if not data:
        return DashboardFilterForm(user=request.user), dashboard.DashboardFilters.coerce(None)
    form = DashboardFilterForm(data, user=request.user)
    if form.is_valid():
        return form, form.filters()
    messages.error(
        request,
        _("Some filters could not be used, so the defaults are shown. %(errors)s")
        % {"errors": form.error_text()},
    )
    return DashboardFilterForm(user=request.user), dashboard.DashboardFilters.coerce(None)


def _url(name: str, filters, **params) -> str:
    query = {**filters.as_query(), **{k: v for k, v in params.items() if v not in (None, "")}}
    return f"{reverse(name)}?{urlencode(query)}"


def _cases_url(filters, figure: str, **params) -> str:
    return _url("dashboard_cases", filters, figure=figure, **params)


class _OfficeLinks:
    """The links of the national roll-up: one row per office and eight links a row, built
    from strings (reversing and encoding 2,400 times cost a national view ~250 ms).
    Each link is exactly what _url/_cases_url return for the office's filters."""

    def __init__(self, filters):
        self.filters = filters
        self.dashboard = reverse("dashboard")
        self.cases = reverse("dashboard_cases")

    def for_office(self, office_id: int):
        office_filters = dashboard.DashboardFilters(
            **{**self.filters.__dict__, "office_id": office_id}
        )
        base = urlencode(office_filters.as_query())
        page = f"{self.dashboard}?{base}"

        def cases(figure, **params):
            extra = urlencode({"figure": figure, **params})
            return f"{self.cases}?{base}&{extra}" if base else f"{self.cases}?{extra}"

        return page, cases


# --- charts ------------------------------------------------------------------------------

CHART_WIDTH, LABEL_WIDTH, BAR_SPACE, ROW_HEIGHT, BAR_HEIGHT = 320, 118, 130, 26, 18


def bar_chart(label: str, bars: list[dict], *, scale: float | None = None) -> dict:
    """Horizontal bars for an inline SVG: each bar has label, value, text, url, alert.

    Geometry is formatted here as plain strings so no locale ever turns 12.5 into 12,5.
    """
    top = scale or max([b["value"] for b in bars] + [0]) or 1
    # Labels are shown whole (a cut label would not match the link's name): the label
    # column grows to the longest (about 6.5 units a character), the bars keep their room.
    label_width = max(LABEL_WIDTH, max([len(str(b["label"])) for b in bars] + [0]) * 6.5 + 12)
    rows = []
    for index, bar in enumerate(bars):
        width = BAR_SPACE * max(bar["value"], 0) / top
        y = index * ROW_HEIGHT + 4
        rows.append(
            {
                **bar,
                "y": f"{y}",
                "text_y": f"{y + 14}",
                "width": f"{width:.1f}",
                "value_x": f"{label_width + width + 4:.1f}",
            }
        )
    # Room after the longest bar for the longest value text.
    text_room = max([len(str(b["text"])) for b in bars] + [4]) * 6.5 + 8
    return {
        "label": label,
        "bars": rows,
        "height": f"{max(len(rows), 1) * ROW_HEIGHT + 4}",
        "label_width": f"{label_width:.1f}",
        "label_x": f"{label_width - 6:.1f}",
        "width": f"{max(CHART_WIDTH, label_width + BAR_SPACE + text_room):.0f}",
    }


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


def _percent_text(row: dict) -> str:
    if row["percent"] is None:
        return "—"
    return _("%(percent)s (%(on_time)s of %(total)s)") % {
        "percent": percent_text(row["percent"]),
        "on_time": row["on_time"],
        "total": row["total"],
    }


def _charts(figures: dict) -> dict:
    f = figures["filters"]
    open_cases, overdue = figures["open_cases"], figures["overdue_tasks"]
    caseload, sla, stage_time = figures["caseload"], figures["sla"], figures["stage_time"]
    for row in overdue["by_owner"]:
        row["url"] = _cases_url(f, "overdue_tasks", owner=row["owner_id"] or "none")
    for row in caseload["caseworkers"]:
        row["url"] = _cases_url(f, "caseload", owner=row["owner_id"])
    for row in sla["by_month"]:
        row["url"] = _cases_url(f, "sla", month=row["month"])
        row["late_url"] = _cases_url(f, "sla", month=row["month"], outcome="late")
        row["text"] = _percent_text(row)
    for row in sla["by_policy"]:
        row["name"] = policy_display_name(row["name"])
        row["url"] = _cases_url(f, "sla", policy=row["policy"])
        row["late_url"] = _cases_url(f, "sla", policy=row["policy"], outcome="late")
        row["text"] = _percent_text(row)
    for row in stage_time["by_stage"]:
        row["url"] = _cases_url(f, "stage_time", stage=row["stage"])
        row["text"] = duration_text(row["average"])
    return {
        "stages": bar_chart(
            _("Open cases by stage"),
            [
                {
                    "label": r["label"],
                    "value": r["count"],
                    "text": str(r["count"]),
                    "url": _cases_url(f, "open_stage", stage=r["stage"]),
                }
                for r in open_cases["by_stage"]
            ],
        ),
        "ages": bar_chart(
            _("Open cases by age"),
            [
                {
                    "label": r["label"],
                    "value": r["count"],
                    "text": str(r["count"]),
                    "url": _cases_url(f, "age", bucket=r["bucket"]),
                    "alert": r["bucket"] == "181+" and r["count"] > 0,
                }
                for r in open_cases["ages"]
            ],
        ),
        "overdue_stages": bar_chart(
            _("Overdue tasks by stage"),
            [
                {
                    "label": r["label"],
                    "value": r["count"],
                    "text": str(r["count"]),
                    "url": _cases_url(f, "overdue_tasks", stage=r["stage"]),
                    "alert": r["count"] > 0,
                }
                for r in overdue["by_stage"]
            ],
        ),
        "caseload": bar_chart(
            _("Open cases per caseworker"),
            [
                {
                    "label": r["name"],
                    "value": r["count"],
                    "text": f"{r['count']} / {r['threshold']}",
                    "url": r["url"],
                    "alert": r["over"],
                }
                for r in caseload["caseworkers"]
            ],
        ),
        "sla_months": bar_chart(
            _("Deadlines met on time, by month"),
            [
                {
                    "label": _month_text(r["month"]),
                    "value": r["percent"] or 0,
                    "text": r["text"],
                    "url": r["url"],
                    "alert": r["percent"] is not None and r["percent"] < 80,
                }
                for r in sla["by_month"]
            ],
            scale=100,
        ),
        "stage_time": bar_chart(
            _("Average time in stage"),
            [
                {
                    "label": r["label"],
                    "value": r["average"].total_seconds() if r["average"] else 0,
                    "text": r["text"],
                    "url": r["url"],
                }
                for r in stage_time["by_stage"]
            ],
        ),
    }


# --- pages -------------------------------------------------------------------------------


@login_required
def dashboard_page(request):
    _require_dashboard(request.user)
    form, filters = _filters(request)
    figures = dashboard.dashboard_figures(request.user, filters)
    links = {
        "open": _cases_url(filters, "open"),
        "overdue_cases": _cases_url(filters, "overdue_cases"),
        "overdue_tasks": _cases_url(filters, "overdue_tasks"),
        "escalations": _cases_url(filters, "escalations"),
        "approvals": _cases_url(filters, "approvals"),
        "sla": _cases_url(filters, "sla"),
        "sla_late": _cases_url(filters, "sla", outcome="late"),
    }
    office_links = _OfficeLinks(filters)
    for row in figures["rollup"] or []:
        row["url"], cases = office_links.for_office(row["office_id"])
        row["open_url"] = cases("open")
        row["overdue_url"] = cases("overdue_cases")
        row["old_url"] = cases("age", bucket="181+")
        row["overdue_tasks_url"] = cases("overdue_tasks")
        row["escalations_url"] = cases("escalations")
        row["approvals_url"] = cases("approvals")
        row["sla_url"] = cases("sla")
        row["sla_text"] = _percent_text(row["sla"])
    return render(
        request,
        "case_flows/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "charts": _charts(figures),
            "links": links,
            "filters": filters,
            "escalation_wait": duration_text(figures["escalations"]["oldest_wait"]),
            "approval_oldest": duration_text(figures["approvals"]["oldest_wait"]),
            "approval_median": duration_text(figures["approvals"]["median_wait"]),
            "sla_total": _percent_text(figures["sla"]["total"]),
            "sla_percent": percent_text(figures["sla"]["total"]["percent"]),
            "filter_summary": filter_description(form, filters, "sla"),
        },
    )


def _figure_request(request):
    """(form, filters, figure, params, queryset or None); a bad figure is a message."""
    form, filters = _filters(request)
    figure = request.GET.get("figure", "")
    params = {key: request.GET[key] for key in FIGURE_PARAMS if request.GET.get(key)}
    try:
        if figure not in dashboard.FIGURES:
            raise dashboard.FigureError(_("Unknown figure."))
        cases = dashboard.figure_cases(request.user, filters, figure, params)
    except dashboard.FigureError as exc:
        messages.error(
            request,
            _("This list cannot be shown: %(reason)s Go back to the dashboard and choose a figure.")
            % {"reason": exc},
        )
        cases = None
    return form, filters, figure, params, cases


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


def _month_text(value: str | None) -> str | None:
    """ "2026-03" as "March 2026" in the user's language."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")
    except ValueError:
        return value or None


def figure_title(user, figure: str, params: dict) -> str:
    """The list's title: what the figure and its parameters select, in words."""
    stage = dashboard.STAGE_LABELS.get(params.get("stage", ""))
    if figure == "open":
        return _("Open cases")
    if figure == "open_stage":
        return _("Open cases in the stage: %(stage)s") % {"stage": stage}
    if figure == "age":
        ages = {key: label for key, label, _low, _high in dashboard.AGE_BUCKETS}
        return _("Open cases aged %(age)s") % {"age": ages.get(params.get("bucket"), "")}
    if figure == "overdue_cases":
        return _("Overdue cases")
    if figure == "overdue_tasks":
        owner = params.get("owner")
        if owner == "none":
            title = _("Cases with overdue tasks waiting unclaimed in a team queue")
        elif owner:
            title = _("Cases with overdue tasks of %(name)s") % {"name": _owner_name(user, owner)}
        else:
            title = _("Cases with overdue tasks")
        if stage:
            title = _("%(title)s, in the stage: %(stage)s") % {"title": title, "stage": stage}
        return title
    if figure == "caseload":
        return _("Open cases of %(name)s") % {"name": _owner_name(user, params.get("owner"))}
    if figure == "sla":
        month = _month_text(params.get("month"))
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
    if figure == "stage_time":
        return _("Cases that left the stage %(stage)s in the date range") % {"stage": stage}
    if figure == "escalations":
        return _("Cases escalated for review")
    if figure == "approvals":
        return _("Cases waiting for approval")
    return _("Cases")


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
    if figure in ("sla", "stage_time"):
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


@login_required
def dashboard_cases(request):
    _require_dashboard(request.user)
    form, filters, figure, params, cases = _figure_request(request)
    page = None
    late = figure in dashboard.LATE_FIGURES
    if cases is not None:
        page = Paginator(cases.select_related("person", "owner"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        if late:
            now = timezone.now()
            for case in page.object_list:
                case.late_text = late_text(case.overdue_since, now)
    export_query = urlencode({**filters.as_query(), "figure": figure, **params})
    return render(
        request,
        "case_flows/dashboard_cases.html",
        {
            "page": page,
            "figure": figure,
            "late": late,
            "title": figure_title(request.user, figure, params)
            if cases is not None
            else _("Cases"),
            "description": filter_description(form, filters, figure),
            "filters": filters,
            "back_url": _url("dashboard", filters),
            "export_csv": f"{reverse('dashboard_export')}?{export_query}&format=csv",
            "export_xlsx": f"{reverse('dashboard_export')}?{export_query}&format=xlsx",
        },
        status=200 if cases is not None else 400,
    )


# --- export ------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _safe_cell(value):
    """Keep spreadsheet programs from running a client's name as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export_rows(cases, tz, log_pk, *, late: bool, now):
    """Rows for the export, streamed in chunks; the log gets the count at the end.

    Lists of overdue work end with how late each case is, in days (a number a spreadsheet
    sorts), in the same order as the page: most late first.
    """
    stages, risks = {k: str(v) for k, v in Stage.choices}, {k: str(v) for k, v in Risk.choices}
    fields = dashboard.EXPORT_FIELDS + (("overdue_since",) if late else ())
    count = 0
    for values in cases.values_list(*fields).iterator(chunk_size=2000):
        (
            reference,
            given,
            family,
            stage,
            risk,
            owner_first,
            owner_last,
            owner_username,
            opened_at,
            overdue,
        ) = values[:10]
        count += 1
        owner = f"{owner_first or ''} {owner_last or ''}".strip() or owner_username or ""
        row = [
            reference,
            _safe_cell(f"{given} {family}"),
            stages.get(stage, stage),
            risks.get(risk, risk),
            _safe_cell(owner),
            timezone.localtime(opened_at, tz).date(),
            overdue,
        ]
        if late:
            row.append(late_days(values[10], now))
        yield row
    ExportLog.objects.filter(pk=log_pk).update(row_count=count)


def late_days(overdue_since, now) -> float | None:
    """Days past the deadline, to a tenth of a day."""
    if overdue_since is None:
        return None
    return round((now - overdue_since).total_seconds() / 86400, 1)


def _csv_stream(header, rows, yes, no):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM tells spreadsheet programs it is UTF-8
    for row in rows:
        row[5] = row[5].isoformat()
        row[6] = yes if row[6] else no
        if len(row) > 7 and row[7] is None:
            row[7] = ""
        yield writer.writerow(row)


def _xlsx_stream(header, rows, yes, no):
    from openpyxl import Workbook

    # write_only: rows go to a temporary file as they come, so memory stays flat.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        row[6] = yes if row[6] else no
        sheet.append(row)
    with tempfile.TemporaryFile() as buffer:
        workbook.save(buffer)
        buffer.seek(0)
        while chunk := buffer.read(64 * 1024):
            yield chunk


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def dashboard_export(request):
    _require_dashboard(request.user)
    export_format = request.GET.get("format", "csv")
    form, filters, figure, params, cases = _figure_request(request)
    if export_format not in ExportFormat.values:
        messages.error(request, _("Choose CSV or XLSX."))
        return _bad_export(request, filters)
    if cases is None:
        return _bad_export(request, filters)
    log = ExportLog.objects.create(
        user=request.user,
        format=export_format,
        figure=figure,
        filters={**filters.as_dict(), "params": params},
    )
    late = figure in dashboard.LATE_FIGURES
    # Read while the request's language and time zone are active: the stream runs later.
    header = [
        _("Reference"),
        _("Client"),
        _("Stage"),
        _("Risk"),
        _("Caseworker"),
        _("Opened"),
        _("Overdue"),
    ]
    if late:
        header.append(_("Overdue by (days)"))
    yes, no = _("Yes"), _("No")
    rows = _export_rows(
        cases, timezone.get_current_timezone(), log.pk, late=late, now=timezone.now()
    )
    stamp = timezone.localdate().isoformat()
    if export_format == ExportFormat.CSV:
        response = StreamingHttpResponse(
            _csv_stream(header, rows, yes, no), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            _xlsx_stream(header, rows, yes, no), content_type=XLSX_TYPE
        )
    response["Content-Disposition"] = (
        f'attachment; filename="cases-{figure}-{stamp}.{export_format}"'
    )
    return response


def _bad_export(request, filters):
    return render(
        request,
        "case_flows/dashboard_cases.html",
        {
            "page": None,
            "title": _("Cases"),
            "back_url": _url("dashboard", filters),
        },
        status=400,
    )
