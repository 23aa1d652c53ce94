"""The staff pages of an office: list, invite, one person's page and its actions (the account
audit trail and its export: audit.py).

Who: the office's managers and administrators (a superuser or national administrator chooses
any office). Anyone else gets 403; a person or an office outside the actor's is 404. Thin like
the other rooms: validate a form, call one service, render; a refused change is a message on
the page again (400, or 409 for a lost race), nothing changed.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import staff as accounts_staff
from accounts import staff_rules
from accounts.lockout import unlock_allowed, username_lock
from accounts.models import Office, Role, User
from accounts.second_factor.rules import may_reset_second_factors, reset_refusal
from accounts.second_factor.services import second_factor_device
from accounts.selectors import (
    account_events_of,
    event_summary,
)
from workflows.approvals.models import SupervisorAbsence
from workflows.approvals.services import (
    AbsenceError,
    supervisor_absence_cancel,
    supervisor_absence_set,
)
from workflows.errors import WorkflowError

from . import selectors, services
from .forms import AbsenceForm, HandoverForm, InviteForm, PersonForm

logger = logging.getLogger(__name__)
STATUS_LABELS = {
    "active": lambda: _("Active"),
    "invited": lambda: _("Invited"),
    "deactivated": lambda: _("Deactivated"),
}


# --- who may ----------------------------------------------------------------------------------


def refusals_as_403(view):
    """A service's own refusal (PermissionError: the account changed between the page's
    check and the service's, say a role was granted meanwhile) is a 403 page, not a 500."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapped


def require_staff_manager(user: User) -> None:
    if not staff_rules.may_manage_staff(user):
        raise PermissionDenied(_("Only the office's managers and administrators manage staff."))


def office_or_404(request) -> Office:
    require_staff_manager(request.user)
    office = staff_rules.staff_office_for(request.user, request.GET.get("office"))
    if office is None:
        raise Http404(_("No such office, or not one whose staff you manage."))
    return office


def _person_or_404(request, person_id: int) -> User:
    require_staff_manager(request.user)
    person = User.objects.select_related("home_office").filter(pk=person_id).first()
    if person is None or not staff_rules.staff_may_view(request.user, person):
        raise Http404(_("No such person in an office whose staff you manage."))
    return person


def offices_choice(user: User) -> list[Office]:
    """The office chooser, for those who manage more than one office."""
    if not staff_rules.manages_every_office(user):
        return []
    return list(staff_rules.staff_offices(user).order_by("name"))


def office_query(office: Office, user: User) -> str:
    return f"?office={office.pk}" if staff_rules.manages_every_office(user) else ""


# --- the list ------------------------------------------------------------------------------------


@login_required
@refusals_as_403
def staff_list(request):
    if staff_rules.manages_every_office(request.user) and not request.GET.get("office"):
        if not staff_rules.staff_offices(request.user).exists():
            # A new installation: the first administrator has no office to manage yet.
            return render(request, "case_flows/staff/no_office.html", {"office_query": ""})
    office = office_or_404(request)
    role = request.GET.get("role", "")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:100]
    people = selectors.staff_of_office(office, role=role, status=status, query=query)
    page = Paginator(people, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.staff_page_rows(page.object_list, office)
    for person in rows:
        person.status_label = STATUS_LABELS[person.status]()
    return render(
        request,
        "case_flows/staff/list.html",
        {
            "office": office,
            "offices": offices_choice(request.user),
            "page": page,
            "rows": rows,
            "role": role if role in Role.values else "",
            "status": status if status in selectors.STATUSES else "",
            "query": query,
            "roles": Role.choices,
            "statuses": [(key, STATUS_LABELS[key]()) for key in selectors.STATUSES],
            "office_query": office_query(office, request.user),
        },
    )


# --- invite -------------------------------------------------------------------------------------


def _put_on_form(form, exc: accounts_staff.StaffError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
@refusals_as_403
def staff_invite(request):
    office = office_or_404(request)
    form = InviteForm(request.POST or None, actor=request.user, office=office)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = accounts_staff.staff_invite(
                actor=request.user,
                office=office,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=data["roles"],
                teams=data["teams"],
                username=data["username"],
                language=data["preferred_language"],
                phone=data["phone"],
                request=request,
            )
        except accounts_staff.StaffError as exc:
            _put_on_form(form, exc)
        else:
            _say_how_the_invitation_went(request, invitation)
            return redirect("staff_person", person_id=invitation.user_id)
    return render(
        request,
        "case_flows/staff/invite.html",
        {
            "form": form,
            "office": office,
            "office_query": office_query(office, request.user),
            "invitation_days": settings.STAFF_INVITATION_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )


def _say_how_the_invitation_went(request, invitation) -> None:
    invitation.refresh_from_db(fields=["emailed_at", "email_error"])
    person = invitation.user
    if invitation.emailed_at is not None:
        messages.success(
            request,
            _("%(who)s was invited: the link was e-mailed to %(email)s.")
            % {"who": person, "email": person.email},
        )
    else:
        messages.warning(
            request,
            _(
                "%(who)s was invited, but the e-mail could not be sent (%(error)s)."
                " Check the address and send the invitation again."
            )
            % {"who": person, "error": invitation.email_error or "—"},
        )


# --- one person -----------------------------------------------------------------------------------


def _person_context(request, person: User, **forms) -> dict:
    actor = request.user
    may_manage = staff_rules.staff_may_manage(actor, person)
    invitation = accounts_staff.open_invitation_of(person)
    events = account_events_of(person)
    for event in events:
        event.summary = event_summary(event)
    status = accounts_staff.staff_status(person, open_invitation=invitation)
    joined = accounts_staff.has_joined(person)
    return {
        "person": person,
        "office": person.home_office,
        "may_manage": may_manage,
        "is_self": actor.pk == person.pk,
        "status": status,
        "invitation": invitation,
        "may_resend": may_manage and not joined,
        "may_reactivate": may_manage and not person.is_active and status == "deactivated",
        "role_labels": [str(Role(r).label) for r in sorted(person.role_names)],
        "team_names": list(person.teams.order_by("name").values_list("name", flat=True)),
        "open_tasks": selectors.open_task_count(person),
        "open_cases": selectors.open_cases_held(person),
        "absences": selectors.absences_of(person),
        "events": events,
        "form": forms.get("form") or PersonForm(actor=actor, person=person),
        "absence_form": forms.get("absence_form") or AbsenceForm(person=person, prefix="absence"),
        "handover_form": forms.get("handover_form")
        or HandoverForm(person=person, prefix="handover"),
        "leave_form": forms.get("leave_form") or HandoverForm(person=person, prefix="leave"),
        "office_query": office_query(person.home_office, actor),
        **_sign_in_security(actor, person),
    }


def _sign_in_security(actor: User, person: User) -> dict:
    """The account's sign-in state and the two actions on it (unlock, reset the second
    factor), each offered only to whom accounts allows it."""
    is_self = actor.pk == person.pk
    may_unlock = not is_self and unlock_allowed(actor, person)
    may_reset = (
        not is_self and may_reset_second_factors(actor) and reset_refusal(actor, person) is None
    )
    return {
        "sign_in_lock": username_lock(person.username) if may_unlock else None,
        "may_unlock": may_unlock,
        "second_factor": second_factor_device(person) if may_reset else None,
        "may_reset_second_factor": may_reset,
    }


def _render_person(request, person: User, status: int = 200, **forms):
    return render(
        request,
        "case_flows/staff/person.html",
        _person_context(request, person, **forms),
        status=status,
    )


@login_required
@refusals_as_403
def staff_person(request, person_id: int):
    person = _person_or_404(request, person_id)
    if request.method != "POST":
        return _render_person(request, person)
    _require_may_manage(request.user, person)
    form = PersonForm(request.POST, actor=request.user, person=person)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = accounts_staff.staff_update(
                actor=request.user,
                person=person,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                language=data["preferred_language"],
                roles=data["roles"] if "roles" in data else person.role_names,
                teams=data["teams"],
                request=request,
            )
        except accounts_staff.StaffError as exc:
            _put_on_form(form, exc)
        else:
            if changed:
                messages.success(request, _("The changes were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("staff_person", person_id=person.pk)
    return _render_person(request, person, status=400, form=form)


def _require_may_manage(actor: User, person: User) -> None:
    if not staff_rules.staff_may_manage(actor, person):
        raise PermissionDenied(
            _("Only an administrator may change this account: it holds a role you cannot grant.")
        )


def _managed_person(request, person_id: int) -> User:
    person = _person_or_404(request, person_id)
    _require_may_manage(request.user, person)
    return person


@login_required
@refusals_as_403
@require_POST
def staff_absence(request, person_id: int):
    person = _managed_person(request, person_id)
    form = AbsenceForm(request.POST, person=person, prefix="absence")
    if form.is_valid():
        data = form.cleaned_data
        try:
            supervisor_absence_set(
                actor=request.user,
                person=person,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                deputy=data["deputy"],
                note=data["note"],
                request=request,
            )
        except WorkflowError as exc:
            form.add_error(getattr(exc, "field", "") or None, exc.message)
            status = 400 if isinstance(exc, AbsenceError) else exc.status_code
            return _render_person(request, person, status=status, absence_form=form)
        messages.success(request, _("The absence was recorded."))
        return redirect("staff_person", person_id=person.pk)
    return _render_person(request, person, status=400, absence_form=form)


@login_required
@refusals_as_403
@require_POST
def staff_absence_cancel(request, person_id: int, absence_id: int):
    person = _managed_person(request, person_id)
    absence = SupervisorAbsence.objects.filter(pk=absence_id, supervisor=person).first()
    if absence is None:
        raise Http404(_("No such absence."))
    try:
        supervisor_absence_cancel(actor=request.user, absence=absence, request=request)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _render_person(request, person, status=exc.status_code)
    messages.success(request, _("The absence was cancelled."))
    return redirect("staff_person", person_id=person.pk)


def _handover_message(request, person: User, handover) -> None:
    to_user = handover.to_user
    if to_user is not None:
        text = ngettext(
            "%(count)s open task went to %(to)s.",
            "%(count)s open tasks went to %(to)s.",
            handover.moved_count,
        ) % {"count": handover.moved_count, "to": to_user}
        if handover.queued_count:
            text += " " + ngettext(
                "%(count)s task %(to)s may not do went back to the team queue.",
                "%(count)s tasks %(to)s may not do went back to the team queue.",
                handover.queued_count,
            ) % {"count": handover.queued_count, "to": to_user}
    else:
        text = ngettext(
            "%(count)s open task went back to the team queue.",
            "%(count)s open tasks went back to the team queue.",
            handover.queued_count,
        ) % {"count": handover.queued_count}
    cases = handover.extra.get("cases_moved", 0)
    if cases:
        text += " " + ngettext(
            "%(count)s case %(who)s held now belongs to %(to)s.",
            "%(count)s cases %(who)s held now belong to %(to)s.",
            cases,
        ) % {"count": cases, "who": person, "to": to_user}
    messages.success(request, text)


def _work_action(request, person_id: int, *, prefix: str, service):
    """The hand-over form (alone, or with deactivation): validate, call the service, say
    where the work went."""
    person = _managed_person(request, person_id)
    form = HandoverForm(request.POST, person=person, prefix=prefix)
    forms = {f"{prefix}_form": form}
    if not form.is_valid():
        return _render_person(request, person, status=400, **forms)
    try:
        handover = service(
            actor=request.user,
            person=person,
            to_user=form.cleaned_data["to_user"],
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except WorkflowError as exc:
        form.add_error("to_user" if exc.status_code == 400 else None, exc.message)
        return _render_person(request, person, status=exc.status_code, **forms)
    except accounts_staff.StaffError as exc:
        form.add_error(None, exc.message)
        return _render_person(request, person, status=400, **forms)
    return handover, person


@login_required
@refusals_as_403
@require_POST
def staff_handover(request, person_id: int):
    result = _work_action(request, person_id, prefix="handover", service=services.staff_hand_over)
    if not isinstance(result, tuple):
        return result
    handover, person = result
    if handover.task_count == 0 and not handover.extra.get("cases_moved"):
        messages.info(
            request, _("%(who)s holds no open task: nothing to hand over.") % {"who": person}
        )
    else:
        _handover_message(request, person, handover)
    return redirect("staff_person", person_id=person.pk)


@login_required
@refusals_as_403
@require_POST
def staff_deactivate(request, person_id: int):
    result = _work_action(request, person_id, prefix="leave", service=services.staff_leave)
    if not isinstance(result, tuple):
        return result
    handover, person = result
    messages.success(
        request,
        _("%(who)s was deactivated and can no longer sign in.") % {"who": person},
    )
    if handover.task_count or handover.extra.get("cases_moved"):
        _handover_message(request, person, handover)
    return redirect("staff_person", person_id=person.pk)


@login_required
@refusals_as_403
@require_POST
def staff_reactivate(request, person_id: int):
    person = _managed_person(request, person_id)
    try:
        accounts_staff.staff_reactivate(actor=request.user, person=person, request=request)
    except accounts_staff.StaffError as exc:
        messages.error(request, exc.message)
        return _render_person(request, person, status=400)
    messages.success(request, _("%(who)s can sign in again.") % {"who": person})
    return redirect("staff_person", person_id=person.pk)


@login_required
@refusals_as_403
@require_POST
def staff_invitation_resend(request, person_id: int):
    person = _managed_person(request, person_id)
    try:
        invitation = accounts_staff.staff_invitation_resend(
            actor=request.user, person=person, request=request
        )
    except accounts_staff.StaffError as exc:
        messages.error(request, exc.message)
        return _render_person(request, person, status=400)
    _say_how_the_invitation_went(request, invitation)
    return redirect("staff_person", person_id=person.pk)


# --- the audit trail ---------------------------------------------------------------------------
