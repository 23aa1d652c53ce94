"""Cases: the list's rows, the case's main facts, its stage records and its timeline."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from case_flows.cases.forms import CaseRegisterForm, PersonEditForm, ReopenForm, RiskForm

from .common import (
    CategoryRefSerializer,
    ConfiguredAnswersMixin,
    DeadlineSerializer,
    OfficeRefSerializer,
    PersonRefSerializer,
    UserRefSerializer,
)
from .forms import serializer_for_form
from .people import PersonFieldsSerializer


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseRowSerializer(serializers.Serializer):
    """A case as the case list shows it."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    person = PersonRefSerializer()
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    risk = serializers.CharField()
    risk_label = serializers.CharField(source="get_risk_display")
    category = CategoryRefSerializer()
    office = OfficeRefSerializer()
    owner = UserRefSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    is_restricted = serializers.BooleanField()
    awaiting_allocation = serializers.SerializerMethodField(
        help_text="No caseworker holds it yet (a supervisor allocates it)."
    )

    def get_awaiting_allocation(self, case) -> bool:
        return case.owner_id is None


class OpenTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = serializers.CharField(source="flow_task.name")
    title = serializers.CharField(source="flow_task.task_title")
    status = serializers.CharField()
    owner = UserRefSerializer(allow_null=True)
    created = serializers.DateTimeField()


class CaseDetailSerializer(CaseRowSerializer):
    """The case page's main facts."""

    person = PersonFieldsSerializer()  # type: ignore[assignment]
    team = TeamRefSerializer(allow_null=True)
    episode = serializers.IntegerField()
    stage_entered_at = serializers.DateTimeField(allow_null=True)
    read_only = serializers.BooleanField(
        help_text="You may read this case, not act on it (registered by you and awaiting "
        "allocation, or on its access list by a grant alone)."
    )
    open_tasks = OpenTaskSerializer(many=True)
    deadlines = DeadlineSerializer(many=True, help_text="Running and paused deadlines.")


# --- stage records --------------------------------------------------------------------------


class IntakeSerializer(ConfiguredAnswersMixin):
    source = serializers.CharField()
    source_label = serializers.CharField(source="get_source_display")
    presenting_concerns = serializers.CharField()
    immediate_safety = serializers.CharField()
    immediate_safety_label = serializers.CharField(source="get_immediate_safety_display")
    consent_to_share = serializers.BooleanField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by = UserRefSerializer(allow_null=True)


class StageRecordSerializer(ConfiguredAnswersMixin):
    id = serializers.IntegerField()
    episode = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = UserRefSerializer()


class NeedSerializer(serializers.Serializer):
    domain = serializers.CharField()
    level = serializers.CharField()
    level_label = serializers.CharField()


class AssessmentSerializer(StageRecordSerializer):
    needs = serializers.SerializerMethodField()
    needs_notes = serializers.CharField()
    strengths = serializers.CharField()
    risk_decided = serializers.CharField()
    risk_decided_label = serializers.CharField(source="get_risk_decided_display")

    @extend_schema_field(NeedSerializer(many=True))
    def get_needs(self, assessment):
        shown = self.context.get("needs")
        if shown is None:
            return []
        return [{"domain": d, "level": code, "level_label": label} for d, code, label in shown]


class PlanActionSerializer(serializers.Serializer):
    description = serializers.CharField()
    responsible = serializers.CharField()
    target_date = serializers.DateField()


class PlanSerializer(StageRecordSerializer):
    summary = serializers.CharField()
    no_referral_needed = serializers.BooleanField()
    goals = serializers.SerializerMethodField()
    actions = PlanActionSerializer(many=True, source="actions.all")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_goals(self, plan) -> list[str]:
        return [goal.description for goal in plan.goals.all()]


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service_type = serializers.CharField()
    provider = serializers.CharField(source="provider_name")
    urgency = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    consent_recorded = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class FollowUpSerializer(StageRecordSerializer):
    date = serializers.DateField()
    mode = serializers.CharField()
    mode_label = serializers.CharField(source="get_mode_display")
    notes = serializers.CharField()
    progress = serializers.JSONField(help_text="{goal id: progress} against the plan's goals.")


class ClosureSerializer(StageRecordSerializer):
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    summary = serializers.CharField()


class RelativeSerializer(serializers.Serializer):
    person = PersonRefSerializer(source="relative")
    relationship = serializers.CharField()
    relationship_label = serializers.CharField(source="get_relationship_display")
    is_primary_caregiver = serializers.BooleanField()
    lives_with_client = serializers.BooleanField()


class CaseRecordsSerializer(serializers.Serializer):
    """The current episode's stage records, as the case page shows them."""

    intake = IntakeSerializer(allow_null=True)
    assessment = AssessmentSerializer(allow_null=True)
    plan = PlanSerializer(allow_null=True)
    referrals = ReferralSerializer(many=True)
    follow_ups = FollowUpSerializer(many=True)
    closure = ClosureSerializer(allow_null=True)
    relatives = RelativeSerializer(many=True)


class TimelineEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    what = serializers.CharField(help_text="A short title, in the request's language.")
    detail = serializers.CharField(help_text="A sentence, in the request's language.")
    comment = serializers.CharField()
    actor = UserRefSerializer(allow_null=True)
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- requests (validated by the pages' forms; these describe them) --------------------------

CaseOpenSerializer = serializer_for_form(
    "CaseOpen",
    CaseRegisterForm,
    exclude=[
        "given_name",
        "family_name",
        "sex",
        "date_of_birth",
        "date_of_birth_estimated",
        "national_id_kind",
        "national_id",
        "phone",
        "address",
        "preferred_language",
        "disability",
        "disability_notes",
    ],
    extra={"person": serializers.IntegerField(help_text="The registered person's id.")},
)
RiskChangeSerializer = serializer_for_form("RiskChange", RiskForm)
ReopenSerializer = serializer_for_form("Reopen", ReopenForm)
ClientEditSerializer = serializer_for_form(
    "ClientEdit",
    PersonEditForm,
    exclude=["version"],
)
