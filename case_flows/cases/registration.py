"""Registering a case in two steps, and adding a relative: search the registry first.

Step 1 ("Find the person") lists the people who may be the client, with why they match and
their earlier cases the user may see; step 2 opens a case for the one chosen, or registers a
new person with the typed data carried over and the candidates shown kept on the new case's
timeline. A POST without step 1 (no `person`) still registers a new person, as before.

The searches are sent by POST, never in the address: names, dates of birth and national IDs
would otherwise stay in the browser's history and in every proxy's and server's log. The
search is kept in the user's session under a random key and the browser sent on to
`?search=<key>` (POST, redirect, GET), so the results page can be reloaded and reached with
the back button without resending anything; the key, not the data, travels to step 2.
"""

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.scope import can_see
from workflows.errors import WorkflowError

from ..access_log import access_record
from ..models import AccessAction
from ..permissions import may_open_cases
from ..registry.forms import PersonSearchForm
from ..registry.selectors import person_candidates, person_for_registration
from . import services as case_services
from .forms import CaseRegisterForm, RelativeForm, RelativeLinkForm
from .views import case_or_404, error_page

CARRIED = ["given_name", "family_name", "date_of_birth", "national_id_kind", "national_id", "phone"]


SEARCHES = "person_searches"  # the session's key of the user's recent searches
OPENED = "cases_opened"  # the session's registration forms already sent: token -> case id
SEARCHES_KEPT = 5  # a few, one per open tab; the oldest is forgotten first
SEARCHED = ["find", *CARRIED, "age"]


def _search_keep(request) -> str:
    """Keep the POSTed search in the session; the key that names it in the address."""
    key = secrets.token_urlsafe(9)
    searches = dict(request.session.get(SEARCHES, {}))
    searches[key] = {"data": {n: request.POST.get(n, "") for n in SEARCHED}, "shown": []}
    for old in list(searches)[:-SEARCHES_KEPT]:
        del searches[old]
    request.session[SEARCHES] = searches
    return key


def _search_kept(request) -> tuple[str, dict | None]:
    """The search `?search=<key>` names, if the session still holds it."""
    key = request.GET.get("search", "")
    return key, request.session.get(SEARCHES, {}).get(key) if key else None


def _search_shown(request, key: str, candidates) -> None:
    """Remember who the results showed, for step 2's "register a new person anyway"."""
    searches = request.session.get(SEARCHES, {})
    if key in searches:
        searches[key]["shown"] = [c.person.pk for c in candidates]
        request.session.modified = True


def _search(request, office):
    """The search form, its key in the session and its candidates when it was filled in.
    A POST that is valid is kept and answered with a redirect to its results (`redirect`)."""
    if request.method == "POST":
        form = PersonSearchForm(request.POST, office=office)
        if form.is_valid():
            return form, _search_keep(request), None
        return form, "", None
    key, kept = _search_kept(request)
    if key and kept is None:
        messages.info(request, _("That search is no longer kept: search again."))
    form = PersonSearchForm(kept["data"] if kept else None, office=office)
    candidates = None
    if form.is_bound and form.is_valid():
        search = form.search()
        candidates = person_candidates(request.user, search, office=office)
        _search_shown(request, key, candidates)
        # A search over people across the office: logged like the case search (the name
        # typed, never the date of birth, the ID or the phone).
        access_record(request, AccessAction.SEARCH, target="person registry", query=search.name)
    return form, key, candidates


def _results(request, key: str):
    """Where a kept search's results are: this page, named by the key."""
    return redirect(f"{request.path}?{urlencode({'search': key})}", permanent=False)


def register_case(*, actor, office, form: CaseRegisterForm):
    """Register the client (or reuse the one chosen) and open their case: both or neither.
    The page's path, and the API's (api/views/people.py)."""
    with transaction.atomic():
        person = form.person
        candidates_shown = None
        if person is None:
            person = case_services.person_create(actor=actor, office=office, **form.person_data())
            candidates_shown = form.candidates() if form.cleaned_data["candidates_shown"] else None
        return case_services.case_open(
            actor=actor,
            person=person,
            office=office,
            candidates_shown=candidates_shown,
            **form.case_data(),
        )


def _opened_keep(request, token: str, case_id: int) -> None:
    """Remember which case this page's form opened (the session's last 20)."""
    if token:
        opened = dict(list(request.session.get(OPENED, {}).items())[-19:])
        opened[token] = case_id
        request.session[OPENED] = opened


def _chosen_person(request):
    raw = request.POST.get("person") or request.GET.get("person")
    if not raw:
        return None
    person = person_for_registration(request.user, int(raw)) if raw.isdigit() else None
    if person is None:
        raise Http404(_("No such person, or they are not known to your office."))
    return person


def _register_initial(request) -> dict:
    """Step 2's fields as step 1 typed them, and who it showed (`?new=1&search=<key>`)."""
    _key, kept = _search_kept(request)
    if kept is None:
        return {}
    initial = {n: kept["data"][n] for n in CARRIED if kept["data"].get(n)}
    if kept["shown"]:
        initial["candidates_shown"] = ",".join(str(pk) for pk in kept["shown"])
    return initial


def _find_page(request, office):
    """Step 1: the search (a POST kept and redirected to its results), or its results."""
    search_form, key, candidates = _search(request, office)
    if request.method == "POST" and key:
        return _results(request, key)
    return render(
        request,
        "case_flows/case_find_person.html",
        {
            "form": search_form,
            "candidates": candidates,
            "office": office,
            "carry": urlencode({"new": "1", "search": key}) if candidates is not None else "",
        },
    )


@login_required
def case_new(request):
    if not may_open_cases(request.user):
        raise PermissionDenied(_("You do not have permission to open cases."))
    office = request.user.home_office
    person = _chosen_person(request)
    finding = request.method == "POST" and "find" in request.POST
    registering = not finding and (
        request.method == "POST" or person is not None or "new" in request.GET
    )
    if not registering:
        return _find_page(request, office)
    initial = _register_initial(request)
    form = CaseRegisterForm(
        request.POST or None, office=office, person=person, initial=initial or None
    )

    def page(status=200):
        context = {"form": form, "office": office, "person": person}
        return render(request, "case_flows/case_new.html", context, status=status)

    if request.method != "POST":
        return page()
    if office is None:
        messages.error(request, _("Your account has no office; ask your administrator."))
        return page(status=403)
    if not form.is_valid():
        return page()
    token = form.cleaned_data.get("submission") or ""
    already = request.session.get(OPENED, {}).get(token) if token else None
    if already is not None:
        messages.info(request, _("This form was sent already: the case opened then is shown."))
        return redirect("case_detail", case_id=already)
    try:
        case = register_case(actor=request.user, office=office, form=form)
    except WorkflowError as exc:
        return error_page(request, exc, page)
    _opened_keep(request, token, case.pk)
    _opened_say(request, form, case)
    return redirect("case_detail", case_id=case.pk)


def _opened_say(request, form, case) -> None:
    if form.filled_from_id:
        messages.info(request, _("The date of birth and sex were filled in from the PESEL."))
    if can_see(
        request.user, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id
    ):
        messages.success(
            request, _("Case %(reference)s was opened.") % {"reference": case.reference}
        )
    else:
        # Outside their scope until allocated, the registering user may still read it.
        messages.success(
            request,
            _("Case %(reference)s was opened; a supervisor will allocate it.")
            % {"reference": case.reference},
        )


@login_required
def relative_find(request, case_id: int):
    """Adding a relative starts with the same search; pick one, or add a new person."""
    case = case_or_404(request.user, case_id)
    search_form, key, candidates = _search(request, case.office)
    if request.method == "POST" and key:
        return _results(request, key)
    if candidates is not None:
        candidates = [c for c in candidates if c.person.pk != case.person_id]
        for candidate in candidates:  # one form each, with ids of its own (labels stay right)
            candidate.link_form = RelativeLinkForm(auto_id=f"id_{candidate.person.pk}_%s")
    new_form = RelativeForm(
        initial={n: search_form.data.get(n) for n in ("given_name", "family_name", "phone")}
    )
    return render(
        request,
        "case_flows/relative_find.html",
        {
            "case": case,
            "form": search_form,
            "candidates": candidates,
            "new_form": new_form if candidates is not None else None,
            "action": reverse("case_relative_add", args=[case.pk]),
        },
    )


__all__ = ["case_new", "register_case", "relative_find"]
