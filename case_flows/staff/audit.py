"""The office's account audit trail: the filtered list and its CSV export (itself recorded).

Who: as for the other staff pages (views.py): managers and administrators of the office.
"""

from __future__ import annotations

import csv
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import account_event_record
from accounts.models import AccountAction, Office, User
from accounts.selectors import (
    AuditFilters,
    account_events_for_office,
    event_summary,
)

from ..spreadsheet import Echo, safe_cell
from .forms import AuditFilterForm
from .views import (
    office_or_404,
    office_query,
    offices_choice,
    refusals_as_403,
)

logger = logging.getLogger(__name__)

AUDIT_PAGE_SIZE = 50


def _audit_filters(request, office: Office) -> tuple[AuditFilterForm, AuditFilters | None]:
    form = AuditFilterForm(request.GET or None, office=office)
    if not form.is_bound:
        return form, AuditFilters()
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, AuditFilters(
        action=data["action"],
        person=data["person"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )


@login_required
@refusals_as_403
def staff_audit(request):
    office = office_or_404(request)
    form, filters = _audit_filters(request, office)
    if filters is None:
        page, rows = None, []
    else:
        page = Paginator(account_events_for_office(office, filters), AUDIT_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
        for event in rows:
            event.summary = event_summary(event)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "case_flows/staff/audit.html",
        {
            "office": office,
            "offices": offices_choice(request.user),
            "form": form,
            "page": page,
            "rows": rows,
            "export_url": f"{reverse('staff_audit_export')}?{export_query.urlencode()}",
            "office_query": office_query(office, request.user),
        },
        status=400 if filters is None else 200,
    )


def _who(user: User | None) -> str:
    return f"{user} ({user.username})" if user is not None else ""


def _audit_csv(events, office: Office):
    writer = csv.writer(Echo())
    header = [
        _("Time"),
        _("Action"),
        _("Account"),
        _("By"),
        _("Address"),
        _("Browser"),
        _("Details"),
    ]
    yield "\ufeff" + writer.writerow(header)
    for event in events.iterator(chunk_size=1000):
        yield writer.writerow(
            [
                timezone.localtime(event.at, office.tzinfo).isoformat(timespec="seconds"),
                event.get_action_display(),
                safe_cell(_who(event.subject) or event.username),
                safe_cell(_who(event.actor)),
                event.address or "",
                safe_cell(event.user_agent),
                safe_cell(event_summary(event)),
            ]
        )


@login_required
@refusals_as_403
def staff_audit_export(request):
    """The filtered list as CSV, streamed; the export itself is an audit row of the office."""
    office = office_or_404(request)
    form, filters = _audit_filters(request, office)
    if filters is None:
        messages.error(request, _("Correct the filters first: nothing was exported."))
        return redirect(f"{reverse('staff_audit')}{office_query(office, request.user)}")
    events = account_events_for_office(office, filters)
    rows = events.count()
    account_event_record(
        action=AccountAction.AUDIT_EXPORTED,
        actor=request.user,
        request=request,
        office=office,
        details={
            "rows": rows,
            "action": filters.action,
            "person": filters.person.username if filters.person else "",
            "from": filters.date_from.isoformat() if filters.date_from else "",
            "to": filters.date_to.isoformat() if filters.date_to else "",
        },
    )
    logger.info(
        "Account audit of office %s exported by %s: %s rows", office.pk, request.user.pk, rows
    )
    response = StreamingHttpResponse(
        _audit_csv(events, office), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime(timezone.now(), office.tzinfo).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="account-audit-{office.code}-{stamp}.csv"'
    )
    return response
