"""The household page (/cases/<id>/household/): its members over time and a month's
incomes; and adding a relative from the case page (one living with the client joins the
household). Reading takes what reads the case; changing it, what works on it (the services
check can_work_on). Bad input re-renders the page with the message; nothing changes."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows.errors import WorkflowError

from ..access_log import access_record
from ..cases import selectors as case_selectors
from ..cases.forms import RelativeForm, RelativeLinkForm
from ..cases.views import _case_action, case_or_404
from ..models import AccessAction, HouseholdMember, Stage
from ..permissions import can_work_on
from ..registry.selectors import person_for_registration
from . import selectors, services
from .forms import (
    HouseholdCreateForm,
    IncomeFormSet,
    MemberAddForm,
    MonthChoiceForm,
    MoveOutForm,
    income_rows,
)
from .text import income_sentence, money, month_name


def _readable_case(user, case_id: int):
    case = case_selectors.case_for_user(user, case_id, to_read=True)
    if case is None:
        raise Http404(_("No such case, or it is not in your work."))
    return case


def _income_initial(incomes) -> list[dict]:
    return [
        {"person": i.person_id, "source": i.source, "amount": i.amount, "note": i.note}
        for i in incomes
    ]


def _page(request, case, *, month=None, forms=None, status=200, offer_move=None):
    """The page, with any bound forms of the failed request in `forms`."""
    forms = forms or {}
    user = request.user
    may_change = (
        not getattr(case, "read_only", False)
        and case.stage != Stage.CLOSED
        and can_work_on(user, case)
    )
    month = month or selectors.office_last_full_month(case)
    household = selectors.household_of_case(case)
    context: dict = {
        "case": case,
        "household": household,
        "may_change": may_change,
        "month": month,
        "month_name": month_name(month),
        "month_form": MonthChoiceForm(initial={"month": month}),
        "offer_move": offer_move,
    }
    if household is None:
        context["create_form"] = forms.get("create_form") or HouseholdCreateForm(
            initial={"address": case.person.address}
        )
        return render(request, "case_flows/households/household.html", context, status=status)
    members = list(selectors.household_members(household))
    present = selectors.members_in_month(household, month)
    for member in members:
        member.move_out_form = (  # read by the template
            MoveOutForm(auto_id=f"id_out_{member.pk}_%s")
            if member.to_date is None and may_change
            else None
        )
    incomes = selectors.month_incomes(household, month)
    result = selectors.household_income(household, month)
    jurisdiction = household.office.jurisdiction
    context.update(
        members=members,
        present=present,
        incomes=[(income, money(income.amount, jurisdiction)) for income in incomes],
        result=result,
        sentence=income_sentence(result, month, jurisdiction) if incomes else "",
        unconfirmed=result.threshold is not None and not result.threshold.confirmed,
        total=money(result.total, jurisdiction),
        add_form=forms.get("add_form")
        or MemberAddForm(relatives=selectors.relatives_to_offer(case, household)),
        income_formset=forms.get("income_formset")
        or IncomeFormSet(
            initial=_income_initial(incomes), form_kwargs={"members": present}, prefix="income"
        ),
        move_out_errors=forms.get("move_out_errors"),
    )
    return render(request, "case_flows/households/household.html", context, status=status)


def _month_from(request) -> tuple[datetime.date | None, bool]:
    """The month asked for (?month= or the form's), and whether what was given was bad."""
    raw = request.POST.get("month") or request.GET.get("month")
    if not raw:
        return None, False
    form = MonthChoiceForm({"month": raw})
    if not form.is_valid():
        return None, True
    return form.cleaned_data["month"], False


def _done(case, month=None):
    url = reverse("household", args=[case.pk])
    return redirect(f"{url}?month={month:%Y-%m}" if month else url)


@login_required
def household_page(request, case_id: int):
    case = _readable_case(request.user, case_id)
    access_record(request, AccessAction.VIEW_CASE, case=case, target="household")
    month, bad = _month_from(request)
    if bad:
        messages.error(request, _("Give a month as year and month, e.g. 2026-10."))
        return _page(request, case, status=400)
    return _page(request, case, month=month)


@require_POST
@login_required
def household_create_view(request, case_id: int):
    case = case_or_404(request.user, case_id)
    form = HouseholdCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, case, forms={"create_form": form}, status=400)
    try:
        services.household_create_for(case=case, actor=request.user, **form.cleaned_data)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _page(request, case, forms={"create_form": form}, status=exc.status_code)
    messages.success(request, _("The household was recorded."))
    return _done(case)


def _household_or_404(case):
    household = selectors.household_of_case(case)
    if household is None:
        raise Http404(_("This client has no household recorded yet."))
    return household


@require_POST
@login_required
def household_member_add_view(request, case_id: int):
    case = case_or_404(request.user, case_id)
    household = _household_or_404(case)
    form = MemberAddForm(request.POST, relatives=selectors.relatives_to_offer(case, household))
    if not form.is_valid():
        return _page(request, case, forms={"add_form": form}, status=400)
    data = form.cleaned_data
    try:
        services.member_add(
            case=case,
            household=household,
            actor=request.user,
            relationship_to_head=data["relationship_to_head"],
            from_date=data["from_date"],
            lives_here=data["lives_here"],
            person=data["relative"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            move=data["move"],
        )
    except services.InAnotherHousehold as exc:
        messages.error(request, exc.message)
        # The same form again, now saying "move them": sending it moves the person.
        retry = MemberAddForm(
            {**request.POST.dict(), "move": "on"},
            relatives=selectors.relatives_to_offer(case, household),
        )
        retry.is_valid()
        return _page(
            request, case, forms={"add_form": retry}, status=409, offer_move=exc.membership
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _page(request, case, forms={"add_form": form}, status=exc.status_code)
    messages.success(request, _("The member was added to the household."))
    return _done(case)


@require_POST
@login_required
def household_member_move_out_view(request, case_id: int, member_id: int):
    case = case_or_404(request.user, case_id)
    household = _household_or_404(case)
    member = HouseholdMember.objects.filter(household=household, pk=member_id).first()
    if member is None:
        raise Http404(_("No such member of this household."))
    form = MoveOutForm(request.POST, auto_id=f"id_out_{member.pk}_%s")
    if not form.is_valid():
        messages.error(request, _("Give the last day they lived here as a date."))
        return _page(request, case, status=400)
    try:
        services.member_move_out(
            case=case, member=member, actor=request.user, to_date=form.cleaned_data["to_date"]
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _page(request, case, status=exc.status_code)
    messages.success(request, _("The member's move was recorded."))
    return _done(case)


@require_POST
@login_required
def household_incomes_view(request, case_id: int):
    case = case_or_404(request.user, case_id)
    household = _household_or_404(case)
    month, bad = _month_from(request)
    if month is None or bad:
        messages.error(request, _("Give a month as year and month, e.g. 2026-10."))
        return _page(request, case, status=400)
    present = selectors.members_in_month(household, month)
    formset = IncomeFormSet(request.POST, form_kwargs={"members": present}, prefix="income")
    if not formset.is_valid():
        return _page(request, case, month=month, forms={"income_formset": formset}, status=400)
    try:
        services.income_month_set(
            case=case,
            household=household,
            actor=request.user,
            month=month,
            rows=income_rows(formset),
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return _page(
            request,
            case,
            month=month,
            forms={"income_formset": formset},
            status=exc.status_code,
        )
    messages.success(
        request, _("The incomes of %(month)s were saved.") % {"month": month_name(month)}
    )
    return _done(case, month)


@require_POST
@login_required
def case_relative_add(request, case_id: int):
    """The case page's relatives form, or a candidate of the registry search (`relative`):
    the relation, and the household when they live with the client."""
    form_class: type[forms.Form] = RelativeForm
    extra: dict = {}
    if request.POST.get("relative"):
        raw = request.POST["relative"]
        relative = person_for_registration(request.user, int(raw)) if raw.isdigit() else None
        if relative is None:
            raise Http404(_("No such person, or they are not known to your office."))
        form_class, extra = RelativeLinkForm, {"relative": relative}
    return _case_action(
        request,
        case_id,
        form_class,
        "relative_form",
        lambda case, data: services.relative_add(case=case, actor=request.user, **extra, **data),
        _("The relative was added."),
        invalid_status=400,
    )
