"""Who the token speaks for: the first call a client makes."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    office = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    scopes = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The account the token belongs to, its office and roles, and the token's scopes."""

    # Any valid token may ask who it is.
    scope_family = None

    def get_permissions(self):
        from rest_framework.permissions import IsAuthenticated

        return [IsAuthenticated()]

    @extend_schema(responses=MeSerializer, operation_id="me")
    def get(self, request):
        user = request.user
        office = user.home_office
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "office": office.code if office is not None else None,
            "roles": sorted(group.name for group in user.groups.all()),
            "scopes": sorted((getattr(request.auth, "scope", "") or "").split()),
        }
        return Response(MeSerializer(data).data)
