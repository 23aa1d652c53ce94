"""The Case types pages of Staff: per category of the office, its approval rules and the need
domains its assessment asks; and the need domains themselves (add, rename, reorder, retire).

Who: an office's administrators (a superuser or national administrator chooses any office).
Anyone else gets 403; a category or office outside the actor's is 404. Thin: a form, one
service, render; a refused change is a message on the page again (400), nothing changed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Office, User
from accounts.staff_rules import manages_every_office, office_page_context

from ..casetypes import selectors, services
from ..models import NeedDomain
from ..permissions import may_change_need_domain, may_configure_case_types
from .case_type_forms import CaseTypeForm, NeedDomainForm, countries_for
from .views import refusals_as_403


def _office_or_404(request) -> Office:
    user: User = request.user
    if not may_configure_case_types(user):
        raise PermissionDenied(_("Only administrators configure case types."))
    wanted = request.GET.get("office") or request.POST.get("office")
    every = manages_every_office(user)
    if not every and wanted in (None, "", str(user.home_office_id)):
        return user.home_office  # loaded with the user: no query
    offices = (
        Office.objects.filter(is_active=True)
        if every
        else Office.objects.filter(pk=user.home_office_id)
    )
    try:
        office = offices.filter(pk=int(wanted)).first() if wanted else None
    except (TypeError, ValueError):
        office = None
    if office is None and not wanted:
        office = offices.filter(pk=user.home_office_id).first() or offices.order_by("name").first()
    if office is None:
        raise Http404(_("No such office, or not one you configure."))
    return office


def _context(request, office: Office, **extra) -> dict:
    return {**office_page_context(request.user, office), **extra}


@login_required
@refusals_as_403
def case_types(request):
    office = _office_or_404(request)
    return render(
        request,
        "case_flows/staff/case_types.html",
        _context(request, office, categories=selectors.case_types_of_office(office)),
    )


@login_required
@refusals_as_403
def case_type(request, category_id: int):
    office = _office_or_404(request)
    category = selectors.case_type_of_office(office, category_id)
    if category is None:
        raise Http404(_("No such category in this office."))
    domains = [
        d
        for d in selectors.need_domain_catalogue(office)
        if d.is_active or d.pk in category.office_domain_ids
    ]
    form = CaseTypeForm(request.POST or None, category=category, domains=domains)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_type_configure(
                actor=request.user,
                office=office,
                category=category,
                approvals=form.approvals(),
                domains=form.chosen_domains(),
            )
        except services.CaseTypeError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(
                request,
                _("%(category)s was saved for %(office)s.")
                % {"category": category, "office": office},
            )
            return redirect(f"{request.path}?office={office.pk}")
    category_wide = [d.label for d in domains if d.pk in category.category_domain_ids]
    return render(
        request,
        "case_flows/staff/case_types_edit.html",
        _context(request, office, category=category, form=form, category_wide=category_wide),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@refusals_as_403
def need_domains(request):
    office = _office_or_404(request)
    every = manages_every_office(request.user)
    form = NeedDomainForm(request.POST or None, countries=countries_for(every, office))
    if request.method == "POST" and form.is_valid():
        try:
            domain = services.need_domain_save(
                actor=request.user,
                domain=None,
                code=form.cleaned_data["code"],
                labels=form.labels(),
                order=form.cleaned_data["order"],
                jurisdiction=form.cleaned_data["jurisdiction"],
            )
        except services.CaseTypeError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The need domain %(name)s was added.") % {"name": domain})
            return redirect(f"{request.path}?office={office.pk}")
    domains = selectors.need_domain_catalogue(None if every else office)
    for domain in domains:
        domain.may_change = every or may_change_need_domain(request.user, domain.jurisdiction)
    return render(
        request,
        "case_flows/staff/case_types_domains.html",
        _context(request, office, domains=domains, form=form),
        status=400 if request.method == "POST" else 200,
    )


def _domain_or_404(request, office: Office, domain_id: int) -> NeedDomain:
    every = manages_every_office(request.user)
    domain = next(
        (
            d
            for d in selectors.need_domain_catalogue(None if every else office)
            if d.pk == domain_id
        ),
        None,
    )
    if domain is None:
        raise Http404(_("No such need domain."))
    if not may_change_need_domain(request.user, domain.jurisdiction):
        raise PermissionDenied(_("Only a national administrator changes this need domain."))
    return domain


@login_required
@refusals_as_403
def need_domain(request, domain_id: int):
    office = _office_or_404(request)
    domain = _domain_or_404(request, office, domain_id)
    every = manages_every_office(request.user)
    form = NeedDomainForm(
        request.POST or None, domain=domain, countries=countries_for(every, office)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.need_domain_save(
                actor=request.user,
                domain=domain,
                labels=form.labels(),
                order=form.cleaned_data["order"],
                jurisdiction=form.cleaned_data["jurisdiction"],
            )
        except services.CaseTypeError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The need domain %(name)s was saved.") % {"name": domain})
            return redirect(f"{_domains_url()}?office={office.pk}")
    return render(
        request,
        "case_flows/staff/case_types_domain.html",
        _context(request, office, domain=domain, form=form),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@refusals_as_403
@require_POST
def need_domain_active(request, domain_id: int):
    office = _office_or_404(request)
    domain = _domain_or_404(request, office, domain_id)
    active = request.POST.get("active") == "1"
    services.need_domain_set_active(actor=request.user, domain=domain, active=active)
    if active:
        messages.success(request, _("%(name)s is asked again.") % {"name": domain})
    else:
        messages.success(
            request,
            _("%(name)s was retired: new assessments do not ask it; scores given still show.")
            % {"name": domain},
        )
    return redirect(f"{_domains_url()}?office={office.pk}")


def _domains_url() -> str:
    return reverse("staff_need_domains")
