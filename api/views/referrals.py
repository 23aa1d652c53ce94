"""Referrals: a case's referrals, sending one from the case (the case's referrals page), and
recording an external provider's answer or withdrawing; and the provider's side: the
referrals to the user's (internal) provider and their answer (accept, decline, complete).

The same services and forms as the pages (case_flows.referrals): a case outside the user's
work, or a referral to another provider, is a 404; an answer the referral's status does not
allow (answered twice, say) is 409.
"""

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from case_flows.models import AccessAction, Referral
from case_flows.permissions import CasePerm
from case_flows.referrals import selectors, services
from case_flows.referrals.forms import ReferralAnswerForm, ReferralSendForm
from workflows.errors import NotPermitted

from ..formdata import body_object, form_data
from ..serializers.errors import errors
from ..serializers.referrals import (
    CaseReferralSerializer,
    ProviderReferralSerializer,
    ReferralAnswerSerializer,
    ReferralSendSerializer,
)
from .base import ResourceView, access, not_found, validated
from .cases import case_to_act_on

NO_REFERRAL = _("No such referral on this case.")


class ReferralListSerializer(serializers.Serializer):
    results = CaseReferralSerializer(many=True)
    may_send = serializers.BooleanField(
        help_text="The case's stage allows a new referral (arranging services, following up)."
    )


def _shown(user, case, referrals: list[Referral]) -> list[Referral]:
    prefetch_related_objects(referrals, "shared_attachments")
    for referral in referrals:
        referral.case = case
        referral.may_answer = referral.is_open and services.may_record_answer(user, referral)  # type: ignore[attr-defined]  # read by CaseReferralSerializer
    return referrals


def _case_referral(user, case, referral_id: int) -> Referral:
    referral = next((r for r in selectors.case_referrals(case) if r.pk == referral_id), None)
    if referral is None:
        raise not_found(NO_REFERRAL)
    return _shown(user, case, [referral])[0]


def _answer(referral: Referral, *, actor, form: ReferralAnswerForm) -> None:
    """The pages' answer, by its action (case_flows.referrals.views._apply_answer)."""
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    if action == "accept":
        services.referral_accept(referral=referral, actor=actor, comment=comment)
    elif action == "decline":
        services.referral_decline(referral=referral, actor=actor, reason=comment)
    elif action == "complete":
        services.referral_complete(referral=referral, actor=actor, outcome=comment)
    else:
        services.referral_withdraw(referral=referral, actor=actor, reason=comment)


def _answer_form(request, *, withdraw: bool) -> ReferralAnswerForm:
    """The page's answer form, offering every answer: one the referral's status does not
    allow (answered already) reaches the service, which refuses it with a 409."""
    form = ReferralAnswerForm(form_data(body_object(request)))
    if not withdraw:
        form.fields["action"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ReferralAnswerForm.ACTIONS if value != "withdraw"
        ]
    validated(form)
    return form


class CaseReferralsView(ResourceView):
    scope_family = "referrals"

    @extend_schema(
        operation_id="case_referrals",
        summary="A case's referrals",
        description="Every referral of the case, newest first, with its status, provider, "
        "dates and the attachments shared with the provider (the case's referrals page).",
        responses={200: ReferralListSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, case_id: int):
        case = case_to_act_on(request.user, case_id)
        rows = _shown(request.user, case, selectors.case_referrals(case))
        access(request, AccessAction.VIEW_RECORD, case=case, target="referrals")
        return Response(
            ReferralListSerializer(
                {"results": rows, "may_send": case.stage in services.REFERRAL_STAGES}
            ).data
        )

    @extend_schema(
        operation_id="case_referral_send",
        summary="Refer the client to a service",
        description="The case's referrals page's form, while services are arranged or the "
        "case is followed up (else 409). `provider`: a directory provider serving the case's "
        "office (its id), or `provider_name` for one not in the directory. Without the "
        "client's consent (at intake or `consent_recorded`), refused unless a supervisor "
        "gives `override_reason`.",
        request=ReferralSendSerializer,
        responses={201: CaseReferralSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, case_id: int):
        user = request.user
        case = case_to_act_on(user, case_id)
        form = ReferralSendForm(
            form_data(body_object(request)), providers=selectors.providers_for_case(case)
        )
        validated(form)
        data = form.cleaned_data
        referral = services.referral_send(
            case=case,
            actor=user,
            service_type=data["service_type"],
            provider=data["provider"],
            provider_name=data["provider_name"],
            urgency=data["urgency"],
            consent_recorded=data["consent_recorded"],
            notes=data["notes"],
            override_reason=data["override_reason"],
        )
        referral = _case_referral(user, case, referral.pk)
        response = Response(CaseReferralSerializer(referral).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/cases/{case.pk}/referrals/{referral.pk}/"
        return response


class CaseReferralView(ResourceView):
    scope_family = "referrals"

    @extend_schema(
        operation_id="case_referral_detail",
        summary="One referral of a case",
        responses={200: CaseReferralSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, case_id: int, referral_id: int):
        case = case_to_act_on(request.user, case_id)
        referral = _case_referral(request.user, case, referral_id)
        access(request, AccessAction.VIEW_RECORD, case=case, target="referrals")
        return Response(CaseReferralSerializer(referral).data)


class CaseReferralAnswerView(ResourceView):
    scope_family = "referrals"

    @extend_schema(
        operation_id="case_referral_answer",
        summary="Record an external provider's answer, or withdraw",
        description="`action`: accept, decline (a reason in `comment`), complete (the outcome "
        "in `comment`) or withdraw (a reason). An internal provider answers itself "
        "(POST /referrals/to-us/{id}/answer/): 403 here. An answer the referral's status no "
        "longer allows (answered already, withdrawn): 409.",
        request=ReferralAnswerSerializer,
        responses={200: CaseReferralSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, case_id: int, referral_id: int):
        user = request.user
        case = case_to_act_on(user, case_id)
        referral = _case_referral(user, case, referral_id)
        form = _answer_form(request, withdraw=True)
        _answer(referral, actor=user, form=form)
        return Response(CaseReferralSerializer(_case_referral(user, case, referral_id)).data)


# --- the provider's side ---------------------------------------------------------------------


def _for_provider(user, referrals):
    for referral in referrals:
        allowed = {t.name for t in referral.get_available_status_transitions()}
        referral.answers = [  # type: ignore[attr-defined]  # read by ProviderReferralSerializer
            value for value, _label in ReferralAnswerForm.ACTIONS if value in allowed - {"withdraw"}
        ]
    return referrals


def _provider_referral(user, referral_id: int) -> Referral:
    referral = selectors.referral_for_provider_user(user, referral_id)
    if referral is None:
        raise not_found(_("No such referral to your service."))
    return _for_provider(user, [referral])[0]


def _require_provider(user) -> None:
    if not user.has_perm(CasePerm.RESPOND_REFERRAL):
        raise NotPermitted(_("This page is for the staff of service providers."))


class ProviderReferralsView(ResourceView):
    scope_family = "referrals"

    @extend_schema(
        operation_id="provider_referrals",
        summary="Referrals to your provider",
        description="The staff of an internal service provider: the referrals sent to their "
        "provider, open ones first, then newest first, with only the minimum of the case "
        "(of a restricted case, neither its reference nor the client's name). Others: 403.",
        responses={200: ProviderReferralSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        _require_provider(request.user)
        page = self.paginate(selectors.referrals_to_provider_of(request.user))
        return self.paginated(
            ProviderReferralSerializer(_for_provider(request.user, page), many=True).data
        )


class ProviderReferralView(ResourceView):
    scope_family = "referrals"

    @extend_schema(
        operation_id="provider_referral_detail",
        summary="A referral to your provider",
        responses={200: ProviderReferralSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, referral_id: int):
        _require_provider(request.user)
        return Response(
            ProviderReferralSerializer(_provider_referral(request.user, referral_id)).data
        )


class ProviderReferralAnswerView(ResourceView):
    scope_family = "referrals"

    @extend_schema(
        operation_id="provider_referral_answer",
        summary="Answer a referral to your provider",
        description="`action`: accept (a `comment` if you like), decline (the reason in "
        "`comment`) or complete (the outcome in `comment`), as the provider's page. Answered "
        "already, or an answer its status does not allow: 409.",
        request=ReferralAnswerSerializer,
        responses={200: ProviderReferralSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, referral_id: int):
        user = request.user
        _require_provider(user)
        referral = _provider_referral(user, referral_id)
        form = _answer_form(request, withdraw=False)
        _answer(referral, actor=user, form=form)
        return Response(ProviderReferralSerializer(_provider_referral(user, referral_id)).data)
