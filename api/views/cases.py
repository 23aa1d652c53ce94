"""Cases: the case list (its search), opening a case for a registered person, the case's main
facts, its stage records and timeline, and the case page's own actions (risk, reopen).

Which cases a user may read or act on is the pages' rule (case_flows.cases.selectors):
outside it, or a restricted case whose access list they are not on, is a 404.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from case_flows.cases import selectors as case_selectors
from case_flows.cases import services as case_services
from case_flows.cases.forms import CaseRegisterForm, CaseSearchForm, ReopenForm, RiskForm
from case_flows.cases.registration import register_case
from case_flows.casetypes.selectors import needs_shown
from case_flows.models import AccessAction, Case, CaseEvent
from case_flows.registry.selectors import person_for_registration
from case_flows.timeline_text import describe
from workflows.queue import conflicts_as_errors
from workflows.sla.selectors import clocks_for_subject
from workflows.sla.units import ClockStatus

from ..etags import case_etag, check_if_match
from ..formdata import body_object, form_data
from ..idempotency import IDEMPOTENCY_KEY, REPLAYED, idempotent
from ..serializers.cases import (
    CaseDetailSerializer,
    CaseOpenSerializer,
    CaseRecordsSerializer,
    CaseRowSerializer,
    ReopenSerializer,
    RiskChangeSerializer,
    TimelineEventSerializer,
)
from ..serializers.common import ETAG, IF_MATCH, CaseRefSerializer
from ..serializers.errors import errors
from ..serializers.forms import form_parameters
from .base import ResourceView, access, not_found, parse_id, validated
from .people import office_to_open_cases_in

NO_CASE = _("No such case, or it is not in your work.")


def case_to_read(user, case_id: int) -> Case:
    """A case the user may read (the case page's rule), else 404."""
    case = case_selectors.case_for_user(user, case_id, to_read=True)
    if case is None:
        raise not_found(NO_CASE)
    return case


def case_to_act_on(user, case_id: int) -> Case:
    """A case the user may act on (every action's rule), else 404."""
    case = case_selectors.case_for_user(user, case_id)
    if case is None:
        raise not_found(NO_CASE)
    return case


class CaseDoneSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, as the page says it.")
    case = CaseRefSerializer()


def _done(message: str, case: Case, *, etag: bool = False) -> Response:
    case = Case.objects.select_related("person").get(pk=case.pk)
    response = Response(CaseDoneSerializer({"detail": message, "case": case}).data)
    if etag:
        response["ETag"] = case_etag(case)
    return response


class CasesView(ResourceView):
    scope_family = "cases"

    @extend_schema(
        operation_id="cases_list",
        summary="The case list",
        description="The case list page's search (`q`: a reference or its start, part of the "
        "client's name, a phone number, or a searchable answer), in your scope plus the cases "
        "you registered that await allocation, newest first. Recorded in the access log as "
        "the page records it.",
        parameters=form_parameters(CaseSearchForm),
        responses={200: CaseRowSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        form = CaseSearchForm(request.query_params)
        validated(form)
        query = form.cleaned_data["q"]
        found = case_selectors.case_search_unbounded(request.user, query).select_related("office")
        page = self.paginate(found)
        access(request, AccessAction.SEARCH, target="case list", query=query)
        return self.paginated(CaseRowSerializer(page, many=True).data)

    @extend_schema(
        operation_id="case_open",
        summary="Open a case for a registered person",
        description="The registration page's second step for a person found by the search "
        "(GET /people/): a new case at intake, its allocation in the supervisors' queue. "
        "With an `Idempotency-Key`, the same request sent again answers 200 with the same case.",
        request=CaseOpenSerializer,
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses={
            201: CaseRefSerializer,
            200: CaseRefSerializer,
            **errors(400, 401, 403, 404, 409),
        },
    )
    @idempotent
    def post(self, request):
        user = request.user
        office = office_to_open_cases_in(user)
        body = body_object(request)
        person = person_for_registration(user, parse_id(body.get("person"), "person"))
        if person is None:
            raise not_found(_("No such person, or they are not known to your office."))
        fields = {k: v for k, v in body.items() if k not in ("person", "submission")}
        form = CaseRegisterForm(form_data(fields), office=office, person=person)
        validated(form)
        case = register_case(actor=user, office=office, form=form)
        case = Case.objects.select_related("person").get(pk=case.pk)
        response = Response(CaseRefSerializer(case).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/cases/{case.pk}/"
        return response


class CaseDetailView(ResourceView):
    scope_family = "cases"

    @extend_schema(
        operation_id="case_detail",
        summary="A case",
        description="The case page's main facts: reference, client, stage, risk, category, "
        "office, team, caseworker, dates, open tasks and running deadlines. Recorded in the "
        "access log. The ETag covers the facts a change would overwrite (If-Match on "
        "POST .../risk/).",
        responses={200: CaseDetailSerializer, **errors(401, 403, 404)},
        parameters=[ETAG],
    )
    def get(self, request, case_id: int):
        case = case_to_read(request.user, case_id)
        access(request, AccessAction.VIEW_CASE, case=case)
        case.open_tasks = case_selectors.case_open_tasks(case)  # type: ignore[attr-defined]
        case.deadlines = [  # type: ignore[attr-defined]  # both read by CaseDetailSerializer
            clock
            for clock in clocks_for_subject(case)
            if clock.status in (ClockStatus.RUNNING, ClockStatus.PAUSED)
        ]
        response = Response(CaseDetailSerializer(case).data)
        response["ETag"] = case_etag(case)
        return response


class CaseRecordsView(ResourceView):
    scope_family = "cases"

    @extend_schema(
        operation_id="case_records",
        summary="The case's stage records",
        description="The current episode's intake, latest assessment, plan, referrals, "
        "follow-ups and closure, and the client's relatives, as the case page shows them; "
        "configured-form answers with the labels of the version they were written with. "
        "Recorded in the access log.",
        responses={200: CaseRecordsSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, case_id: int):
        case = case_to_read(request.user, case_id)
        access(request, AccessAction.VIEW_CASE, case=case, target="records")
        records = case_selectors.case_records(case)
        assessment = records["assessment"]
        needs = needs_shown(assessment.needs) if assessment is not None else []
        return Response(CaseRecordsSerializer(records, context={"needs": needs}).data)


class CaseTimelineView(ResourceView):
    scope_family = "cases"

    @extend_schema(
        operation_id="case_timeline",
        summary="The case's timeline",
        description="Every event of the case, newest first, told in the request's language. "
        "Recorded in the access log.",
        responses={200: TimelineEventSerializer(many=True), **errors(400, 401, 403, 404)},
    )
    def get(self, request, case_id: int):
        case = case_to_read(request.user, case_id)
        events = (
            CaseEvent.objects.filter(case=case)
            .select_related("actor")
            .order_by("-created_at", "-pk")
        )
        page = describe(self.paginate(events))
        access(request, AccessAction.VIEW_CASE, case=case, target="timeline")
        return self.paginated(TimelineEventSerializer(page, many=True).data)


class CaseRiskView(ResourceView):
    scope_family = "cases"

    @extend_schema(
        operation_id="case_risk_change",
        summary="Change the case's risk level",
        description="As the case page's risk form: a new level and why. With If-Match (the "
        "case's ETag), a case changed since is 409 `stale` and nothing changes.",
        request=RiskChangeSerializer,
        responses={200: CaseDoneSerializer, **errors(400, 401, 403, 404, 409)},
        parameters=[IF_MATCH, ETAG],
    )
    def post(self, request, case_id: int):
        case = case_to_act_on(request.user, case_id)
        form = RiskForm(form_data(body_object(request)))
        validated(form)
        with conflicts_as_errors(), transaction.atomic():
            # The ETag is compared under the case row's lock, which the service takes too.
            locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
            check_if_match(request, case_etag(locked))
            case_services.case_change_risk(case=case, actor=request.user, **form.cleaned_data)
        return _done(_("The risk level was changed."), case, etag=True)


class CaseReopenView(ResourceView):
    scope_family = "cases"

    @extend_schema(
        operation_id="case_reopen",
        summary="Reopen a closed case",
        description="A new episode, back to assessment. A case that is not closed is 409.",
        request=ReopenSerializer,
        responses={200: CaseDoneSerializer, **errors(400, 401, 403, 404, 409)},
        parameters=[IF_MATCH, ETAG],
    )
    def post(self, request, case_id: int):
        case = case_to_act_on(request.user, case_id)
        form = ReopenForm(form_data(body_object(request)))
        validated(form)
        check_if_match(request, case_etag(case))
        case_services.case_reopen(
            case=case, actor=request.user, comment=form.cleaned_data["comment"]
        )
        return _done(_("The case was reopened and goes back to assessment."), case, etag=True)
