"""The API's URLs plus two small views of a resource family, standing in for the resource
endpoints (written elsewhere) in the authentication, scope, throttle and access-log tests."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from case_flows.access_log.recording import access_record
from case_flows.models import AccessAction
from config.urls import urlpatterns as site_urlpatterns


class CasesProbe(APIView):
    """GET needs cases:read, POST cases:write; GET notes a search in the access log through
    the REST framework request, as a resource view does."""

    scope_family = "cases"

    def get(self, request):
        access_record(request, AccessAction.SEARCH, query="probe")
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True}, status=201)


urlpatterns = [
    path("api/v1/probe/cases/", CasesProbe.as_view(), name="probe_cases"),
    path("", include(site_urlpatterns)),
]
