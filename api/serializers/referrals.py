"""Referrals: a case's referrals (the case's referrals page), one sent from the case, and the
answers; a provider's staff see the referrals to their provider with only the minimum of the
case (of a restricted case, neither its reference nor the client's name)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from case_flows.referrals.forms import ReferralAnswerForm, ReferralSendForm

from .common import UserRefSerializer
from .forms import serializer_for_form


class ProviderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class CaseReferralSerializer(serializers.Serializer):
    """A referral as the case's referrals page shows it."""

    id = serializers.IntegerField()
    service_type = serializers.CharField()
    provider = ProviderRefSerializer(allow_null=True, help_text="Null: not in the directory.")
    provider_name = serializers.CharField()
    urgency = serializers.CharField()
    urgency_label = serializers.CharField(source="get_urgency_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    consent_recorded = serializers.BooleanField()
    consent_overridden_by = UserRefSerializer(allow_null=True)
    consent_override_reason = serializers.CharField()
    notes = serializers.CharField()
    created_by = UserRefSerializer()
    created_at = serializers.DateTimeField()
    responded_by = UserRefSerializer(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    outcome = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    withdraw_reason = serializers.CharField()
    shared_attachments = serializers.SerializerMethodField(
        help_text="The ids of the case's attachments the provider may see."
    )
    may_answer = serializers.BooleanField(
        help_text="You may record the provider's answer here (an external provider), or "
        "withdraw it."
    )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_shared_attachments(self, referral) -> list[int]:
        return sorted(a.pk for a in referral.shared_attachments.all())


class ProviderCaseSerializer(serializers.Serializer):
    """The minimum of the case a provider's staff see; nothing of a restricted case."""

    id = serializers.IntegerField()
    is_restricted = serializers.BooleanField()
    reference = serializers.SerializerMethodField()
    client = serializers.SerializerMethodField(help_text="The client's name; null if restricted.")

    def get_reference(self, case) -> str | None:
        return None if case.is_restricted else case.reference

    def get_client(self, case) -> str | None:
        if case.is_restricted:
            return None
        return f"{case.person.given_name} {case.person.family_name}"


class ProviderReferralSerializer(serializers.Serializer):
    """A referral to your provider ("Referrals to us")."""

    id = serializers.IntegerField()
    service_type = serializers.CharField()
    provider = ProviderRefSerializer()
    urgency = serializers.CharField()
    urgency_label = serializers.CharField(source="get_urgency_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    decline_reason = serializers.CharField()
    outcome = serializers.CharField()
    withdraw_reason = serializers.CharField()
    case = ProviderCaseSerializer()
    answers = serializers.ListField(
        child=serializers.CharField(),
        help_text="The answers its status allows now (accept, decline, complete).",
    )


ReferralSendSerializer = serializer_for_form("ReferralSend", ReferralSendForm)
ReferralAnswerSerializer = serializer_for_form("ReferralAnswer", ReferralAnswerForm)
