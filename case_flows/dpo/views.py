"""The access log page and its CSV export, for data protection officers."""

import csv
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..access_log import access_record
from ..cases.selectors import cases_visible_to
from ..models import AccessAction
from ..spreadsheet import Echo, safe_cell
from .forms import AccessLogFilterForm
from .selectors import AccessFilters, access_events_filtered, may_read_access_log
from .targets import target_text

PAGE_SIZE = 50


def _require_officer(user) -> None:
    if not may_read_access_log(user):
        raise PermissionDenied(_("The access log is for data protection officers."))


def _filters_from(request) -> tuple[AccessLogFilterForm, AccessFilters | None]:
    """The form and its filters; None when the input is bad (the form says why)."""
    form = AccessLogFilterForm(request.GET or None, officer=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.filters()


def _query_text(filters: AccessFilters) -> str:
    """The filters as the search terms of the officer's own access row."""
    parts = {
        "user": filters.user.username if filters.user else "",
        "case": filters.case_reference,
        "client": filters.client,
        "action": filters.action,
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return urlencode({k: v for k, v in parts.items() if v})


@login_required
def access_log(request):
    _require_officer(request.user)
    form, filters = _filters_from(request)
    page = None
    if filters is not None:  # else the form's error summary says what to correct
        if filters.client:
            # Looking a client up by name reads personal data: the officer leaves a trace too.
            access_record(
                request, AccessAction.SEARCH, target="access log", query=_query_text(filters)
            )
        page = Paginator(access_events_filtered(request.user, filters), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        # A case's reference links to it only for a reader who may open it (one query): the
        # officer reads the log, not the cases, and a link would only lead to "not found".
        case_ids = {row.case_id for row in page.object_list if row.case_id}
        openable = (
            set(cases_visible_to(request.user).filter(pk__in=case_ids).values_list("pk", flat=True))
            if case_ids
            else set()
        )
        for row in page.object_list:
            row.target_text = target_text(row.target)
            row.may_open_case = row.case_id in openable
    export_query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "case_flows/dpo/access_log.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters and filters.any),
            "export_query": export_query,
        },
    )


def _csv_lines(rows, header: list[str], tz):
    writer = csv.writer(Echo())
    actions = {value: str(label) for value, label in AccessAction.choices}
    yield writer.writerow(header)
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                safe_cell(value)
                for value in (
                    timezone.localtime(row.at, tz).isoformat(timespec="seconds"),
                    row.user.username,
                    str(row.user),
                    actions.get(row.action, row.action),
                    row.case.reference if row.case_id else "",
                    target_text(row.target),
                    row.query,
                    row.reason,
                    row.ip_address or "",
                )
            ]
        )


@login_required
def access_log_export(request):
    _require_officer(request.user)
    form, filters = _filters_from(request)
    if filters is None:
        return render(
            request,
            "case_flows/dpo/access_log.html",
            {"form": form, "page": None, "filtered": False, "export_query": ""},
            status=400,
        )
    access_record(request, AccessAction.EXPORT, target="access log", query=_query_text(filters))
    # The labels and the time zone now: the rows are written after the view has returned.
    header = [
        _("Time"),
        _("Username"),
        _("Person"),
        _("Action"),
        _("Case"),
        _("What"),
        _("Search terms"),
        _("Reason"),
        _("Address"),
    ]
    rows = access_events_filtered(request.user, filters)
    response = StreamingHttpResponse(
        _csv_lines(rows, header, timezone.get_current_timezone()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = formats.date_format(timezone.localtime(), "Y-m-d")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    return response
