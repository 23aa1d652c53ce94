"""The supervisor's pages for merging people: the office's candidate duplicates, and the
merge page (both records side by side, a choice per differing field, the cases of each)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.errors import WorkflowError

from ..access_log import access_record
from ..models import AccessAction, Person
from .duplicates import duplicates_page
from .forms import PersonMergeForm
from .merge import MERGE_FIELDS, may_merge_people, merge_check, people_merge
from .selectors import findable_cases


@login_required
def people_duplicates(request):
    if not may_merge_people(request.user):
        raise PermissionDenied
    office = request.user.home_office
    if office is None:
        raise Http404(_("You have no home office."))
    page = duplicates_page(office.pk, request.GET.get("page"))
    # Names of the office's people, listed: logged like a search.
    access_record(request, AccessAction.SEARCH, target="duplicate people")
    return render(request, "case_flows/people_duplicates.html", {"page": page, "office": office})


def _person(person_id: int) -> Person:
    person = (
        Person.objects.select_related("office", "national_id_kind").filter(pk=person_id).first()
    )
    if person is None:
        raise Http404(_("No such person."))
    return person


@login_required
def person_merge(request, source_id: int, target_id: int):
    if not may_merge_people(request.user):
        raise PermissionDenied
    source, target = _person(source_id), _person(target_id)
    cases = list(
        findable_cases(request.user)
        .filter(person_id__in=[source.pk, target.pk])
        .select_related("category")
        .order_by("-opened_at")
    )
    form = PersonMergeForm(
        request.POST if request.method == "POST" else None,
        source=source,
        target=target,
        fields=MERGE_FIELDS,
    )

    def page(status=200, refusal=""):
        context = {
            "source": source,
            "target": target,
            "form": form,
            "refusal": refusal,
            "source_cases": [c for c in cases if c.person_id == source.pk],
            "target_cases": [c for c in cases if c.person_id == target.pk],
        }
        return render(request, "case_flows/person_merge.html", context, status=status)

    try:
        merge_check(request.user, source, target)
    except WorkflowError as exc:
        return page(exc.status_code, refusal=str(exc.message))
    for person in (source, target):
        access_record(request, AccessAction.VIEW_PERSON, person=person)
    if request.method != "POST" or not form.is_valid():
        return page()
    try:
        people_merge(actor=request.user, source=source, target=target, choices=form.choices())
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return page(exc.status_code)
    messages.success(
        request,
        _("%(merged)s was merged into %(kept)s: their cases are now together.")
        % {"merged": source, "kept": target},
    )
    newest = findable_cases(request.user).filter(person=target).order_by("-opened_at").first()
    if newest is not None:
        return redirect("case_detail", case_id=newest.pk)
    return redirect("people_duplicates")
