"""Approvals: the pending requests a supervisor decides, one request with the record under
approval, and the decision (approve, or return with a comment) or a withdrawal."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.formdata import plain
from case_flows.decisions.services import CONTENT_FIELDS
from case_flows.work.forms import DecisionForm, WithdrawForm

from .cases import AssessmentSerializer, ClosureSerializer, PlanSerializer
from .common import CaseRefSerializer, UserRefSerializer
from .forms import serializer_for_form


class ApprovalRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    requested_by = UserRefSerializer()
    requested_at = serializers.DateTimeField()
    task = serializers.IntegerField(source="task_id", allow_null=True)
    assigned_to = UserRefSerializer(source="task.owner", allow_null=True)
    case = CaseRefSerializer()


class DecisionRecordSerializer(serializers.Serializer):
    """An administrative decision's draft under approval."""

    id = serializers.IntegerField()
    kind = serializers.CharField(source="kind.__str__")
    status = serializers.CharField()
    number = serializers.CharField()
    content = serializers.SerializerMethodField(
        help_text="The draft's content by the names of its form (legal_basis, ruling, ...)."
    )

    @extend_schema_field(serializers.DictField())
    def get_content(self, decision) -> dict:
        return {name: plain(getattr(decision, name)) for name in CONTENT_FIELDS}


class ApprovalRecordSerializer(serializers.Serializer):
    """The record under approval: one of the four, by the approval's `kind`."""

    assessment = AssessmentSerializer(required=False)
    plan = PlanSerializer(required=False)
    closure = ClosureSerializer(required=False)
    decision = DecisionRecordSerializer(required=False)


class ApprovalDetailSerializer(ApprovalRowSerializer):
    decided_by = UserRefSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField()
    can_decide = serializers.BooleanField()
    can_withdraw = serializers.BooleanField()
    record = serializers.SerializerMethodField()

    @extend_schema_field(ApprovalRecordSerializer(allow_null=True))
    def get_record(self, approval):
        return getattr(approval, "record_data", None)


DecideSerializer = serializer_for_form(
    "ApprovalDecide",
    DecisionForm,
    extra={
        "decision": serializers.ChoiceField(
            choices=["approve", "return"], help_text="Approve, or return for revision."
        )
    },
)
WithdrawSerializer = serializer_for_form("ApprovalWithdraw", WithdrawForm)
