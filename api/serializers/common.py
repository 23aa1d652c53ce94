"""Small shapes several families share: a person or user named, a case referred to, a
deadline, a record's configured answers."""

from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from case_flows.formdefs.runtime import answers_shown


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class OfficeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="__str__")


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()


class CaseRefSerializer(serializers.Serializer):
    """A case as a row names it."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    risk = serializers.CharField()
    risk_label = serializers.CharField(source="get_risk_display")
    is_overdue = serializers.BooleanField()
    is_restricted = serializers.BooleanField()
    person = PersonRefSerializer()


class DeadlineSerializer(serializers.Serializer):
    """A running or paused deadline (an SLA clock)."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="policy.display_name")
    kind = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    breached = serializers.BooleanField()
    statutory = serializers.BooleanField(source="policy.statutory")


class ShownAnswerSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(help_text="As shown: choices by their labels, dates local.")
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        help_text="A repeating group's rows, each a list of [label, value].",
    )
    is_group = serializers.BooleanField()


class ShownSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    answers = ShownAnswerSerializer(many=True)


class ConfiguredAnswersMixin(serializers.Serializer):
    """A stage record's configured-form answers: `answers` by section with the labels of the
    version they were written with (as the case page shows them), `answers_data` as stored."""

    answers = serializers.SerializerMethodField()
    answers_data = serializers.JSONField(source="answers")
    form_version = serializers.IntegerField(source="form_version_id", allow_null=True)

    @extend_schema_field(ShownSectionSerializer(many=True))
    def get_answers(self, record) -> list:
        if not record.form_version_id:
            return []
        sections = answers_shown(record.form_version, record.answers or {})
        return ShownSectionSerializer(sections, many=True).data


# --- headers ------------------------------------------------------------------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read. Changed since: 409 `stale`, nothing saved. Left out: the "
    "change is made whatever changed meanwhile.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="The version of what you read: send it back as If-Match with a change.",
)
