"""Transfers of a case to another office: the request, and the receiving office's answer."""

from rest_framework import serializers

from case_flows.transfers.forms import TransferRequestForm

from .common import CaseRefSerializer, OfficeRefSerializer, UserRefSerializer
from .forms import serializer_for_form


class OfficeIdRefSerializer(OfficeRefSerializer):
    id = serializers.IntegerField()


class TransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    case = CaseRefSerializer()
    from_office = OfficeIdRefSerializer()
    to_office = OfficeIdRefSerializer()
    reason = serializers.CharField()
    requested_by = UserRefSerializer()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()


class TransferAcceptSerializer(serializers.Serializer):
    caseworker = serializers.IntegerField(
        help_text="The receiving office's caseworker who takes the case (a user id)."
    )


class TransferDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the transfer is declined.")


TransferRequestSerializer = serializer_for_form("TransferRequest", TransferRequestForm)
