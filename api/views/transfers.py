"""Transfers of a case to another office: the request (the case's transfer page), the
receiving office's pending requests, and its answer: accept and allocate to one of its
caseworkers, or decline with a reason (case_flows.transfers).

A case outside the user's work, or a transfer to another office, is a 404; a transfer
answered already (accepted twice, say) is 409.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from case_flows.models import CaseTransfer
from case_flows.permissions import CasePerm
from case_flows.transfers import selectors, services
from case_flows.transfers.forms import TransferDecisionForm, TransferRequestForm
from workflows.errors import NotPermitted

from ..formdata import body_object, form_data
from ..serializers.errors import errors
from ..serializers.transfers import (
    TransferAcceptSerializer,
    TransferDeclineSerializer,
    TransferRequestSerializer,
    TransferSerializer,
)
from .base import ResourceView, not_found, validated
from .cases import case_to_act_on


def _require_receiver(user) -> None:
    if not user.has_perm(CasePerm.ALLOCATE_CASE):
        raise NotPermitted(_("Only supervisors answer transfer requests."))


def _transfer(user, transfer_id: int) -> CaseTransfer:
    """A transfer to the user's office, answered or not (an answered one is the service's
    409, not a 404)."""
    transfer = selectors.transfers_to_receiver(user).filter(pk=transfer_id).first()
    if transfer is None:
        raise not_found(_("No such transfer request, or it is not for your office."))
    return transfer


def _shown(transfer_id: int) -> dict:
    transfer = CaseTransfer.objects.select_related(
        "case__person", "from_office", "to_office", "requested_by"
    ).get(pk=transfer_id)
    return TransferSerializer(transfer).data


class CaseTransferStateSerializer(serializers.Serializer):
    pending = TransferSerializer(allow_null=True, help_text="The request waiting for an answer.")
    may_request = serializers.BooleanField(
        help_text="You may ask another office to take the case (none waiting)."
    )
    may_cancel = serializers.BooleanField(help_text="You may take the waiting request back.")


class CaseTransferView(ResourceView):
    scope_family = "transfers"

    @extend_schema(
        operation_id="case_transfer_state",
        summary="The case's transfer to another office",
        description="The request waiting for the other office's answer, if any, and what you "
        "may do (the case's transfer page).",
        responses={200: CaseTransferStateSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, case_id: int):
        case = case_to_act_on(request.user, case_id)
        may_request = services.may_request_transfer(request.user, case)
        pending = selectors.pending_transfer_of(case)
        state = {
            "pending": _shown(pending.pk) if pending else None,
            "may_request": may_request and pending is None,
            "may_cancel": may_request and pending is not None,
        }
        return Response(state)

    @extend_schema(
        operation_id="case_transfer_request",
        summary="Ask another office to take the case",
        description="The case's caseworker or a supervisor of it; the case stays with your "
        "office until the other one accepts. `to_office`: an active office other than the "
        "case's (its id). A transfer already waiting for an answer: 409.",
        request=TransferRequestSerializer,
        responses={201: TransferSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, case_id: int):
        case = case_to_act_on(request.user, case_id)
        form = TransferRequestForm(form_data(body_object(request)), case=case)
        validated(form)
        transfer = services.transfer_request(
            case=case,
            actor=request.user,
            to_office=form.cleaned_data["to_office"],
            reason=form.cleaned_data["reason"],
        )
        response = Response(_shown(transfer.pk), status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/transfers/{transfer.pk}/"
        return response


class CaseTransferCancelView(ResourceView):
    scope_family = "transfers"

    @extend_schema(
        operation_id="case_transfer_cancel",
        summary="Take back the transfer request",
        description="The sending side (the case's caseworker or a supervisor of it) cancels "
        "the request waiting for an answer. None waiting: 404; answered meanwhile: 409.",
        request=None,
        responses={200: TransferSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request, case_id: int):
        case = case_to_act_on(request.user, case_id)
        pending = selectors.pending_transfer_of(case)
        if pending is None:
            raise not_found(_("No transfer of this case waits for an answer."))
        services.transfer_cancel(transfer=pending, actor=request.user)
        return Response(_shown(pending.pk))


class TransfersView(ResourceView):
    scope_family = "transfers"

    @extend_schema(
        operation_id="transfers_pending",
        summary="Transfers waiting for your answer",
        description="Requests to take a case into your office, oldest first: for its "
        "supervisors (every office's for a national user). Caseworkers: 403.",
        responses={200: TransferSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        _require_receiver(request.user)
        page = self.paginate(selectors.transfers_incoming_for(request.user))
        return self.paginated(TransferSerializer(page, many=True).data)


class TransferView(ResourceView):
    scope_family = "transfers"

    @extend_schema(
        operation_id="transfer_detail",
        summary="A transfer to your office",
        responses={200: TransferSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, transfer_id: int):
        _require_receiver(request.user)
        return Response(TransferSerializer(_transfer(request.user, transfer_id)).data)


class TransferAcceptView(ResourceView):
    scope_family = "transfers"

    @extend_schema(
        operation_id="transfer_accept",
        summary="Accept the transfer and allocate the case",
        description="The case, its open tasks and deadlines move to your office and to "
        "`caseworker` (one of its caseworkers). Answered already: 409.",
        request=TransferAcceptSerializer,
        responses={200: TransferSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, transfer_id: int):
        _require_receiver(request.user)
        transfer = _transfer(request.user, transfer_id)
        body = body_object(request)
        form = TransferDecisionForm(
            form_data({"accept": "yes", "caseworker": body.get("caseworker")}),
            caseworkers=selectors.caseworkers_of_office(transfer.to_office_id),
        )
        validated(form)
        services.transfer_accept(
            transfer=transfer, actor=request.user, caseworker=form.cleaned_data["caseworker"]
        )
        return Response(_shown(transfer.pk))


class TransferDeclineView(ResourceView):
    scope_family = "transfers"

    @extend_schema(
        operation_id="transfer_decline",
        summary="Decline the transfer",
        description="The case stays with the sending office; its caseworker and the "
        "requester are told. A reason is required. Answered already: 409.",
        request=TransferDeclineSerializer,
        responses={200: TransferSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, transfer_id: int):
        _require_receiver(request.user)
        transfer = _transfer(request.user, transfer_id)
        body = body_object(request)
        form = TransferDecisionForm(
            form_data({"accept": "no", "reason": body.get("reason", "")}),
            caseworkers=selectors.caseworkers_of_office(transfer.to_office_id),
        )
        validated(form)
        services.transfer_decline(
            transfer=transfer, actor=request.user, reason=form.cleaned_data["reason"]
        )
        return Response(_shown(transfer.pk))
