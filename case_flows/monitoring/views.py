"""The manager dashboard, the list of cases behind each figure and its CSV/XLSX export.

Thin views: validate the filters, call the selectors (figures) or the drill-down (the
cases behind one), render; the charts and the export are built in their own modules.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from workflows.system.status import sla_sweep_freshness

from ..access_log import access_record
from ..cases.selectors import PAGE_SIZE
from ..models import AccessAction, ExportFormat
from .charts import dashboard_charts
from .drilldown import figure_hidden_count, figure_request, filter_description, late_text
from .export import export_response
from .export_protect import ExportForm, password_required
from .figures import FIGURES, OfficeLinks, compliance_text, duration_text, page_url, percent_text
from .filters import request_filters
from .selectors import dashboard_figures

DASHBOARD_ROLES = {Role.SUPERVISOR, Role.MANAGER, Role.ADMINISTRATOR}


def may_see_dashboard(user) -> bool:
    return user.is_superuser or bool(DASHBOARD_ROLES & user.role_names)


def _require_dashboard(user) -> None:
    if not may_see_dashboard(user):
        raise PermissionDenied(_("The dashboard is for supervisors and managers."))


@login_required
def dashboard_page(request):
    _require_dashboard(request.user)
    form, filters = request_filters(request)
    figures = dashboard_figures(request.user, filters)
    links = {
        key: FIGURES[key].link(filters)
        for key in ("open", "overdue_cases", "overdue_tasks", "escalations", "approvals", "sla")
    }
    links["sla_late"] = FIGURES["sla"].link(filters, outcome="late")
    office_links = OfficeLinks(filters)
    for row in figures["rollup"] or []:
        row["url"], cases = office_links.for_office(row["office_id"])
        row["open_url"] = cases("open")
        row["overdue_url"] = cases("overdue_cases")
        row["old_url"] = cases("age", bucket="181+")
        row["overdue_tasks_url"] = cases("overdue_tasks")
        row["escalations_url"] = cases("escalations")
        row["approvals_url"] = cases("approvals")
        row["sla_url"] = cases("sla")
        row["sla_text"] = compliance_text(row["sla"])
    return render(
        request,
        "case_flows/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "charts": dashboard_charts(figures),
            "links": links,
            "filters": filters,
            "escalation_wait": duration_text(figures["escalations"]["oldest_wait"]),
            "approval_oldest": duration_text(figures["approvals"]["oldest_wait"]),
            "approval_median": duration_text(figures["approvals"]["median_wait"]),
            "sla_total": compliance_text(figures["sla"]["total"]),
            "sla_percent": percent_text(figures["sla"]["total"]["percent"]),
            "filter_summary": filter_description(form, filters, "sla"),
            # overdue figures come from the SLA sweep: say so when it has not run lately
            "sweep": sla_sweep_freshness(),
        },
    )


@login_required
def dashboard_cases(request):
    _require_dashboard(request.user)
    return _cases_page(request)


def _cases_page(request, export_form=None, status=200):
    form, filters, figure, params, cases = figure_request(request)
    page = None
    hidden = 0
    late = figure in FIGURES and FIGURES[figure].late
    if cases is not None:
        hidden = figure_hidden_count(request.user, filters, figure, params)
        page = Paginator(cases.select_related("person", "owner"), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        if late:
            now = timezone.now()
            for case in page.object_list:
                case.late_text = late_text(case.overdue_since, now)
    export_query = urlencode({**filters.as_query(), "figure": figure, **params})
    if cases is not None:
        access_record(
            request,
            AccessAction.SEARCH,
            target=f"dashboard: {figure}",
            query=urlencode({**filters.as_query(), **params}),
        )
    return render(
        request,
        "case_flows/dashboard_cases.html",
        {
            "page": page,
            "figure": figure,
            "late": late,
            "hidden_restricted": hidden,
            "title": FIGURES[figure].title(request.user, params)
            if cases is not None
            else _("Cases"),
            "description": filter_description(form, filters, figure),
            "filters": filters,
            "back_url": page_url("dashboard", filters),
            "export_url": f"{reverse('dashboard_export')}?{export_query}",
            "export_csv": f"{reverse('dashboard_export')}?{export_query}&format=csv",
            "export_xlsx": f"{reverse('dashboard_export')}?{export_query}&format=xlsx",
            "export_form": export_form or ExportForm(),
        },
        status=status if cases is not None else 400,
    )


@login_required
def dashboard_export(request):
    """GET: the plain file (a link), unless exports must carry a password. POST: the export
    form (format, optional or required password); the filters stay in the query string."""
    _require_dashboard(request.user)
    password = ""
    if request.method == "POST":
        export_form = ExportForm(request.POST)
        if not export_form.is_valid():
            return _cases_page(request, export_form=export_form, status=400)
        export_format, password = export_form.cleaned_data["format"], export_form.chosen_password
    else:
        export_format = request.GET.get("format", "csv")
        if password_required():
            messages.error(
                request, _("Exports of personal data must be protected with a password here.")
            )
            return _cases_page(request, status=400)
    form, filters, figure, params, cases = figure_request(request)
    if export_format not in ExportFormat.values:
        messages.error(request, _("Choose CSV or XLSX."))
        return _bad_export(request, filters)
    if cases is None:
        return _bad_export(request, filters)
    access_record(
        request,
        AccessAction.EXPORT,
        target=f"dashboard: {figure} ({export_format})",
        query=urlencode({**filters.as_query(), **params}),
    )
    return export_response(
        user=request.user,
        export_format=export_format,
        figure=figure,
        filters=filters,
        params=params,
        cases=cases,
        password=password,
    )


def _bad_export(request, filters):
    return render(
        request,
        "case_flows/dashboard_cases.html",
        {
            "page": None,
            "title": _("Cases"),
            "back_url": page_url("dashboard", filters),
        },
        status=400,
    )
