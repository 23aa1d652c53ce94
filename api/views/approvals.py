"""Approvals: the requests a supervisor or manager may decide, one request with the record
under approval, the decision (approve, or return for revision with a comment) and the
requester's withdrawal, through the approvals page's services (workflows.approvals)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from case_flows.casetypes.selectors import needs_shown
from case_flows.models import AccessAction, Assessment, Case
from case_flows.permissions import CasePerm
from case_flows.work import selectors as work_selectors
from case_flows.work.forms import DecisionForm, WithdrawForm
from workflows.approvals.models import ApprovalStatus
from workflows.approvals.services import approval_decide, approval_withdraw
from workflows.errors import NotPermitted

from ..etags import approval_etag, check_if_match
from ..formdata import body_object, form_data
from ..serializers.approvals import (
    ApprovalDetailSerializer,
    ApprovalRowSerializer,
    DecideSerializer,
    DecisionRecordSerializer,
    WithdrawSerializer,
)
from ..serializers.cases import AssessmentSerializer, ClosureSerializer, PlanSerializer
from ..serializers.common import ETAG, IF_MATCH, CaseRefSerializer
from ..serializers.errors import errors
from .base import ResourceView, access, not_found, validated

RECORD_SERIALIZERS = {
    "assessment": AssessmentSerializer,
    "plan": PlanSerializer,
    "closure": ClosureSerializer,
    "decision": DecisionRecordSerializer,
}


def _approval(user, approval_id: int):
    approval = work_selectors.approval_for_user(user, approval_id)
    if approval is None:
        raise not_found(_("No such approval request, or it is not in your work."))
    return approval


class ApprovalDoneSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, as the page says it.")
    case = CaseRefSerializer()


def _done(message: str, approval) -> Response:
    case = Case.objects.select_related("person").get(pk=approval.subject_id)
    return Response(ApprovalDoneSerializer({"detail": message, "case": case}).data)


class ApprovalsView(ResourceView):
    scope_family = "approvals"

    @extend_schema(
        operation_id="approvals_pending",
        summary="The approvals waiting for you",
        description="Pending requests you may decide (your teams' queue, or routed to you), "
        "never your own, oldest first. Supervisors and managers only.",
        responses={200: ApprovalRowSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        if not request.user.has_perm(CasePerm.APPROVE_CASE):
            raise NotPermitted(_("Only supervisors and managers decide approvals."))
        page = self.paginate(work_selectors.approvals_pending_for(request.user))
        rows = work_selectors.attach_cases(page)
        return self.paginated(ApprovalRowSerializer(rows, many=True).data)


class ApprovalView(ResourceView):
    scope_family = "approvals"

    @extend_schema(
        operation_id="approval_detail",
        summary="An approval request",
        description="The request, the record under approval (an assessment, a case plan, a "
        "closure or a decision's draft) and whether you may decide or withdraw it. Recorded "
        "in the access log.",
        responses={200: ApprovalDetailSerializer, **errors(401, 403, 404)},
        parameters=[ETAG],
    )
    def get(self, request, approval_id: int):
        user = request.user
        approval = _approval(user, approval_id)
        access(
            request,
            AccessAction.VIEW_RECORD,
            case=approval.case,
            target=f"approval: {approval.kind}",
        )
        record = work_selectors.approval_record(approval)
        approval.record_data = None
        if record is not None:
            needs = needs_shown(record.needs) if isinstance(record, Assessment) else []
            serializer: serializers.Serializer = RECORD_SERIALIZERS[approval.kind](
                record, context={"needs": needs}
            )
            approval.record_data = {approval.kind: serializer.data}
        pending = approval.status == ApprovalStatus.PENDING
        approval.can_decide = (
            pending and approval.requested_by_id != user.pk and user.has_perm(CasePerm.APPROVE_CASE)
        )
        approval.can_withdraw = pending and approval.requested_by_id == user.pk
        response = Response(ApprovalDetailSerializer(approval).data)
        response["ETag"] = approval_etag(approval)
        return response


class ApprovalDecideView(ResourceView):
    scope_family = "approvals"

    @extend_schema(
        operation_id="approval_decide",
        summary="Approve, or return for revision",
        description="`decision`: approve, or return (a comment is then required). Your own "
        "request: 403 `not_permitted`. Decided by someone else meanwhile: 409. With "
        "If-Match (the approval's ETag), a request no longer as read is 409 `stale`.",
        request=DecideSerializer,
        responses={200: ApprovalDoneSerializer, **errors(400, 401, 403, 404, 409)},
        parameters=[IF_MATCH],
    )
    def post(self, request, approval_id: int):
        approval = _approval(request.user, approval_id)
        form = DecisionForm(form_data(body_object(request)))
        validated(form)
        check_if_match(request, approval_etag(approval))
        approval_decide(
            approval=approval,
            actor=request.user,
            approve=form.approve,
            comment=form.cleaned_data["comment"],
        )
        case = approval.case
        if form.approve:
            return _done(_("Approved: %(case)s moves on.") % {"case": case}, approval)
        return _done(
            _("Returned to the caseworker for revision: %(case)s.") % {"case": case}, approval
        )


class ApprovalWithdrawView(ResourceView):
    scope_family = "approvals"

    @extend_schema(
        operation_id="approval_withdraw",
        summary="Withdraw your request",
        description="The requester takes the work back to revise it before anyone decides. "
        "Someone else's request: 403; decided meanwhile: 409.",
        request=WithdrawSerializer,
        responses={200: ApprovalDoneSerializer, **errors(400, 401, 403, 404, 409)},
        parameters=[IF_MATCH],
    )
    def post(self, request, approval_id: int):
        approval = _approval(request.user, approval_id)
        form = WithdrawForm(form_data(body_object(request)))
        validated(form)
        check_if_match(request, approval_etag(approval))
        approval_withdraw(
            approval=approval, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
        return _done(_("You withdrew the request; the work is back with you."), approval)
