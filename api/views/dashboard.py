"""The manager dashboard's figures (case_flows.monitoring): the same selector, scope and
filters as the dashboard page, as JSON. Read-only (`dashboard:read`)."""

from datetime import date, datetime, timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from case_flows.monitoring.filters import FILTER_KEYS, DashboardFilterForm, DashboardFilters
from case_flows.monitoring.selectors import dashboard_figures
from case_flows.monitoring.views import may_see_dashboard
from workflows.errors import NotPermitted

from ..serializers.dashboard import FILTER_PARAMETERS, DashboardSerializer
from ..serializers.errors import errors
from .base import ResourceView, validated


def as_json(value):
    """The figures' plain data as JSON: durations in seconds, dates in ISO 8601, labels in
    the request's language."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


# The figures of case_flows.monitoring.selectors.dashboard_figures, each as DashboardSerializer
# describes it.
FIGURES = (
    "open_cases",
    "overdue_tasks",
    "escalations",
    "approvals",
    "sla",
    "caseload",
    "stage_time",
    "rollup",
)


class DashboardView(ResourceView):
    scope_family = "dashboard"

    @extend_schema(
        operation_id="dashboard",
        summary="The dashboard's figures",
        description="Every figure of the manager dashboard, for your scope (your office; "
        "every office for a national manager, with a row per office when no office is "
        "chosen) and the filters (the dashboard page's: office, team, risk, category, "
        "date_from, date_to; the last six months by default). Filters the page would refuse "
        "are a 400 here. Supervisors, managers and administrators.",
        parameters=FILTER_PARAMETERS,
        responses={200: DashboardSerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        user = request.user
        if not may_see_dashboard(user):
            raise NotPermitted(_("The dashboard is for supervisors and managers."))
        data = {k: request.query_params[k] for k in FILTER_KEYS if request.query_params.get(k)}
        if data:
            form = DashboardFilterForm(data, user=user)
            validated(form)
            filters = form.filters()
        else:
            filters = DashboardFilters.coerce(None)
        figures = dashboard_figures(user, filters)
        body = {key: figures[key] for key in FIGURES}
        body.update(filters=filters.as_dict(), generated_at=figures["now"])
        return Response(as_json(body))
