"""The pages of restricted cases: the case page's access panel (restrict, lift, add, remove)
and the emergency access page ("break the glass")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from workflows.errors import WorkflowError

from ..access_log import access_record
from ..models import AccessAction
from ..permissions import can_see_case, may_work_cases
from . import access as access_services
from .forms import AccessGrantForm, AccessReasonForm, EmergencyAccessForm
from .views import _render_case, case_or_404


def _back_to_access(case):
    return redirect(reverse("case_detail", args=[case.pk]) + "#access")


def _act(request, case_id: int, *, form_name: str, make_form, run, done: str):
    """A POST from the access panel: validate, call one service, say what happened."""
    case = case_or_404(request.user, case_id)
    form = make_form(case)

    def page(status):
        return _render_case(request, case, status=status, access_forms={form_name: form})

    if not form.is_valid():
        return page(400)
    try:
        run(case, form.cleaned_data)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return page(exc.status_code)
    messages.success(request, done)
    if not can_see_case(request.user, case):
        return redirect("case_list")
    return _back_to_access(case)


@require_POST
@login_required
def case_restrict_view(request, case_id: int):
    return _act(
        request,
        case_id,
        form_name="restrict_form",
        make_form=lambda case: AccessReasonForm(request.POST, auto_id="id_restrict_%s"),
        run=lambda case, data: access_services.case_restrict(
            case=case, actor=request.user, reason=data["reason"]
        ),
        done=_("The case is restricted: only the people on its access list see it."),
    )


@require_POST
@login_required
def case_restriction_lift_view(request, case_id: int):
    return _act(
        request,
        case_id,
        form_name="lift_form",
        make_form=lambda case: AccessReasonForm(request.POST, auto_id="id_lift_%s"),
        run=lambda case, data: access_services.case_restriction_lift(
            case=case, actor=request.user, reason=data["reason"]
        ),
        done=_("The restriction was lifted."),
    )


@require_POST
@login_required
def case_access_grant_view(request, case_id: int):
    return _act(
        request,
        case_id,
        form_name="grant_form",
        make_form=lambda case: AccessGrantForm(request.POST, case=case),
        run=lambda case, data: access_services.case_access_grant(
            case=case, actor=request.user, user=data["user"], reason=data["reason"]
        ),
        done=_("Added to the access list."),
    )


@require_POST
@login_required
def case_access_revoke_view(request, case_id: int, grant_id: int):
    case = case_or_404(request.user, case_id)
    try:
        grant = access_services.grant_of_case(case, grant_id)
        access_services.case_access_revoke(grant=grant, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _render_case(request, case, status=exc.status_code)
    messages.success(request, _("Removed from the access list."))
    return _back_to_access(case)


@login_required
def emergency_access_view(request):
    """Break the glass: a reference and a reason; the case, or the same neutral answer."""
    user = request.user
    if not may_work_cases(user) or Role.PROVIDER in user.role_names:
        raise PermissionDenied(_("Only the office's staff can use emergency access."))
    form = EmergencyAccessForm(request.POST or None)

    def page(status=200):
        return render(request, "case_flows/emergency_access.html", {"form": form}, status=status)

    if request.method != "POST" or not form.is_valid():
        return page(200 if request.method != "POST" else 400)
    try:
        outcome = access_services.emergency_access(
            actor=user, reference=form.cleaned_data["reference"], reason=form.cleaned_data["reason"]
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return page(exc.status_code)
    if outcome.case is None:
        messages.error(
            request, _("There is no restricted case with that reference in your office.")
        )
        return page(404)
    if outcome.grant is not None:
        access_record(
            request, AccessAction.EMERGENCY, case=outcome.case, reason=form.cleaned_data["reason"]
        )
        messages.warning(
            request,
            _(
                "Emergency access until %(until)s. The case's caseworker and supervisor have "
                "been told."
            )
            % {
                "until": formats.date_format(
                    timezone.localtime(outcome.grant.expires_at), "SHORT_DATETIME_FORMAT"
                )
            },
        )
    return redirect("case_detail", case_id=outcome.case.pk)
