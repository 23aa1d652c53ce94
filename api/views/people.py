"""People: the registry's search before registering, a person, registering a new client
(with their first case, as the registration page does), and correcting a client's details.

Who may see a person is the registration page's rule (`person_for_registration`): one of
their cases is in the user's reach, or they have no case and were registered in the user's
office. Someone known only elsewhere is a 404.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from case_flows.access_log import access_rows_flush
from case_flows.cases import selectors as case_selectors
from case_flows.cases import services as case_services
from case_flows.cases.forms import CaseRegisterForm, PersonEditForm
from case_flows.cases.registration import register_case
from case_flows.models import AccessAction, Person
from case_flows.permissions import may_open_cases
from case_flows.registry.duplicates import DUPLICATE_SCORE
from case_flows.registry.forms import PersonSearchForm
from case_flows.registry.selectors import (
    Search,
    findable_cases,
    person_candidates,
    person_for_registration,
)
from workflows.errors import NotPermitted

from ..etags import Stale, check_if_match, person_etag
from ..formdata import body_object, form_data
from ..idempotency import IDEMPOTENCY_KEY, REPLAYED, idempotent
from ..serializers.cases import ClientEditSerializer
from ..serializers.common import ETAG, IF_MATCH
from ..serializers.errors import errors
from ..serializers.forms import form_parameters
from ..serializers.people import (
    CandidateSerializer,
    CandidatesSerializer,
    PersonRegisterSerializer,
    PersonSerializer,
    PossibleDuplicatesSerializer,
    RegisteredSerializer,
)
from .base import ResourceView, access, not_found, validated

# The API's own fields in a registration, besides the page's form.
API_ONLY = ("register_anyway",)
# The page's hidden fields: the API sets what they carry itself.
PAGE_ONLY = ("submission", "candidates_shown")


def office_to_open_cases_in(user):
    """The office the user registers people and opens cases in; 403 for someone who does
    not open cases (the registration page's rule) or has no office."""
    if not may_open_cases(user):
        raise NotPermitted(_("You do not have permission to open cases."))
    if user.home_office is None:
        raise NotPermitted(_("Your account has no office; ask your administrator."))
    return user.home_office


def _with_cases(user, person: Person) -> Person:
    """The person with the cases of theirs the user may find (as the candidates show)."""
    person.visible_cases = list(  # type: ignore[attr-defined]  # read by PersonSerializer
        findable_cases(user)
        .filter(person=person)
        .select_related("category")
        .order_by("-opened_at", "-pk")
    )
    return person


def _person(user, person_id: int) -> Person:
    person = person_for_registration(user, person_id)
    if person is None:
        raise not_found(_("No such person, or they are not known to your office."))
    person = Person.objects.select_related("office", "national_id_kind").get(pk=person.pk)
    return _with_cases(user, person)


class PeopleView(ResourceView):
    scope_family = "people"

    @extend_schema(
        operation_id="people_search",
        summary="Find a person before registering them",
        description="The registration page's search: the people who may be the one "
        "described, best first, each with why (`reasons`) and the cases of theirs you may "
        "see. At least a name, a national ID or a phone. Recorded in the access log.",
        parameters=form_parameters(PersonSearchForm),
        responses={200: CandidatesSerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        office = office_to_open_cases_in(request.user)
        form = PersonSearchForm(request.query_params, office=office)
        validated(form)
        search = form.search()
        candidates = person_candidates(request.user, search, office=office)
        access(request, AccessAction.SEARCH, target="person registry", query=search.name)
        return Response(CandidatesSerializer({"results": candidates}).data)

    @extend_schema(
        operation_id="person_register",
        summary="Register a new client and open their first case",
        description="The registration page's second step: the person and their case, both "
        "or neither. The registry is searched with the details sent: if it finds people "
        "who may be this one (its duplicate rule: the same ID, the same phone, or a close "
        "name born the same day), the answer is 409 `possible_duplicates` with them, and "
        "nothing is registered; check them, and send again with `register_anyway: true` "
        "(kept on the case's timeline) or open a case for the person found "
        "(POST /cases/). With an `Idempotency-Key`, the same request sent again answers "
        "200 with the first answer (the same person and case).",
        request=PersonRegisterSerializer,
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses={
            201: RegisteredSerializer,
            200: RegisteredSerializer,
            409: OpenApiResponse(
                PossibleDuplicatesSerializer,
                description="`possible_duplicates`, or a rule of the service refused it.",
            ),
            **errors(400, 401, 403),
        },
    )
    @idempotent
    def post(self, request):
        user = request.user
        office = office_to_open_cases_in(user)
        body = body_object(request)
        register_anyway = body.get("register_anyway") is True
        data = form_data({k: v for k, v in body.items() if k not in API_ONLY + PAGE_ONLY})
        form = CaseRegisterForm(data, office=office)
        validated(form)
        typed = form.cleaned_data
        search = Search(
            given_name=typed["given_name"],
            family_name=typed["family_name"],
            date_of_birth=typed["date_of_birth"],
            national_id=typed["national_id"],
            national_id_kind=typed["national_id_kind"],
            phone=typed["phone"],
        )
        candidates = person_candidates(user, search, office=office)
        if not register_anyway and any(c.score >= DUPLICATE_SCORE for c in candidates):
            access(request, AccessAction.SEARCH, target="person registry", query=search.name)
            # The candidates are shown although the answer is a 409: recorded all the same.
            access_rows_flush(request._request)
            return Response(
                {
                    "code": "possible_duplicates",
                    "detail": _(
                        "People who may be this person are already registered: check them, "
                        "then open a case for one of them or register anyway."
                    ),
                    "candidates": CandidateSerializer(candidates, many=True).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        # What the page's step 2 carries from step 1: who the search showed (the timeline).
        typed["candidates_shown"] = ",".join(str(c.person.pk) for c in candidates)
        case = register_case(actor=user, office=office, form=form)
        person = _with_cases(user, case.person)
        response = Response(
            RegisteredSerializer({"person": person, "case": case}).data,
            status=status.HTTP_201_CREATED,
        )
        response["Location"] = f"/api/v1/cases/{case.pk}/"
        return response


class PersonView(ResourceView):
    scope_family = "people"

    @extend_schema(
        operation_id="person_detail",
        summary="A person",
        description="A person you may see (one of their cases is in your reach, or they are "
        "registered in your office with no case), with those cases. A merged record's id "
        "answers with the record it was merged into. Recorded in the access log. The ETag is "
        "the person's version.",
        responses={200: PersonSerializer, **errors(401, 403, 404)},
        parameters=[ETAG],
    )
    def get(self, request, person_id: int):
        person = _person(request.user, person_id)
        access(request, AccessAction.VIEW_PERSON, person=person)
        response = Response(PersonSerializer(person).data)
        response["ETag"] = person_etag(person)
        return response


class CaseClientView(ResourceView):
    """The case's client: read, and correct (rectification) as the case page's
    "Client's details" form does, each change kept on the case's timeline."""

    scope_family = "people"

    def _case(self, case_id: int):
        case = case_selectors.case_for_user(self.request.user, case_id)
        if case is None:
            raise not_found(_("No such case, or it is not in your work."))
        return case

    @extend_schema(
        operation_id="case_client_detail",
        summary="The client of a case",
        description="The case's client, with an ETag to send back as If-Match when "
        "correcting their details.",
        responses={200: PersonSerializer, **errors(401, 403, 404)},
        parameters=[ETAG],
    )
    def get(self, request, case_id: int):
        case = self._case(case_id)
        person = _with_cases(request.user, case.person)
        access(request, AccessAction.VIEW_PERSON, case=case, person=person, target="client")
        response = Response(PersonSerializer(person).data)
        response["ETag"] = person_etag(person)
        return response

    @extend_schema(
        operation_id="case_client_update",
        summary="Correct the client's details",
        description="Send the fields to change (the others keep their values). With "
        "If-Match (the ETag of GET), a change made by someone else since is 409 `stale` and "
        "nothing is saved; without it, the change is saved over theirs.",
        request=ClientEditSerializer,
        responses={200: PersonSerializer, **errors(400, 401, 403, 404, 409)},
        parameters=[IF_MATCH, ETAG],
    )
    def patch(self, request, case_id: int):
        user = request.user
        case = self._case(case_id)
        person = case.person
        check_if_match(request, person_etag(person))
        current = {name: getattr(person, name) for name in case_services.PERSON_FIELDS}
        changes = {k: v for k, v in body_object(request).items() if k != "version"}
        data = form_data({**current, **changes, "version": person.version})
        form = PersonEditForm(data, office=case.office)
        validated(form)
        try:
            # The version read now, when If-Match named it: the service compares it under
            # the row lock, so a change saved meanwhile is refused too.
            version = person.version if request.headers.get("If-Match") else None
            case_services.person_update(
                actor=user, person=person, case=case, version=version, **form.changes()
            )
        except case_services.PersonChangedMeanwhile as exc:
            raise Stale(exc.message) from exc
        person = _with_cases(user, Person.objects.select_related("office").get(pk=person.pk))
        response = Response(PersonSerializer(person).data)
        response["ETag"] = person_etag(person)
        return response
