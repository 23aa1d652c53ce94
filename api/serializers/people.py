"""People: the registry's candidates (search before registering), a person, registering."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from case_flows.cases.forms import CaseRegisterForm
from case_flows.registry.duplicates import DUPLICATE_SCORE

from .common import CaseRefSerializer, OfficeRefSerializer
from .forms import serializer_for_form


class PersonCaseSerializer(serializers.Serializer):
    """One of the person's cases the user may see."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    category = serializers.CharField(source="category.__str__")
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    opened_at = serializers.DateTimeField()


class CandidatePersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    national_id = serializers.CharField()
    phone = serializers.CharField()
    office = OfficeRefSerializer()


class CandidateSerializer(serializers.Serializer):
    """Someone who may be the person searched for, and why. Known only through cases the user
    may not see (`access` "restricted" or "elsewhere"): the reasons, no details."""

    access = serializers.ChoiceField(choices=["full", "restricted", "elsewhere"])
    reasons = serializers.ListField(child=serializers.CharField())
    strong = serializers.SerializerMethodField(
        help_text="The registry's duplicate rule: the same ID, the same phone, or a close "
        "name born the same day."
    )
    person = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()

    def get_strong(self, candidate) -> bool:
        return candidate.score >= DUPLICATE_SCORE

    @extend_schema_field(CandidatePersonSerializer(allow_null=True))
    def get_person(self, candidate):
        if candidate.known_elsewhere:
            return None
        return CandidatePersonSerializer(candidate.person).data

    @extend_schema_field(PersonCaseSerializer(many=True))
    def get_cases(self, candidate):
        return PersonCaseSerializer(candidate.visible_cases, many=True).data


class CandidatesSerializer(serializers.Serializer):
    results = CandidateSerializer(many=True)


class PersonFieldsSerializer(serializers.Serializer):
    """A person's details."""

    id = serializers.IntegerField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    sex = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    date_of_birth_estimated = serializers.BooleanField()
    national_id = serializers.CharField()
    national_id_kind = serializers.CharField(source="national_id_kind.code", allow_null=True)
    phone = serializers.CharField()
    address = serializers.CharField()
    preferred_language = serializers.CharField()
    disability = serializers.BooleanField()
    disability_notes = serializers.CharField()
    office = OfficeRefSerializer()
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Raised by each edit; the ETag follows it.")


class PersonSerializer(PersonFieldsSerializer):
    """A person's details and the cases of theirs you may see."""

    cases = PersonCaseSerializer(many=True, source="visible_cases")


PersonRegisterSerializer = serializer_for_form(
    "PersonRegister",
    CaseRegisterForm,
    extra={
        "register_anyway": serializers.BooleanField(
            required=False,
            default=False,
            help_text="The candidates the registry found (409 possible_duplicates) were "
            "checked and none is this person: register a new one.",
        )
    },
)


class RegisteredSerializer(serializers.Serializer):
    person = PersonSerializer()
    case = CaseRefSerializer()


class PossibleDuplicatesSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`possible_duplicates`")
    detail = serializers.CharField()
    candidates = CandidateSerializer(many=True)
