"""The subject-access downloads on the case page: JSON (machine-readable) and a readable,
printable HTML document, each logged (an access row and a timeline row on the case)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access_log import access_record
from ..cases.views import case_or_404
from ..models import AccessAction
from ..permissions import may_produce_subject_access
from .subject_access import readable, subject_access_file

FORMATS = {"json": "application/json; charset=utf-8", "html": "text/html; charset=utf-8"}


@require_POST
@login_required
def subject_access_download(request, case_id: int, file_format: str):
    if file_format not in FORMATS:
        raise Http404(_("No such file format."))
    case = case_or_404(request.user, case_id)
    if not may_produce_subject_access(request.user, case):
        raise PermissionDenied(_("Subject access files are produced by supervisors and managers."))
    data = subject_access_file(case=case, actor=request.user, file_format=file_format)
    access_record(
        request, AccessAction.SUBJECT_ACCESS, person=case.person, case=case, target=file_format
    )
    if file_format == "json":
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    else:
        body = render_to_string(
            "case_flows/privacy/subject_access.html",
            {"doc": readable(data), "person_name": str(case.person), "scope_note": data["scope"]},
            request=request,
        )
    response = HttpResponse(body, content_type=FORMATS[file_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="subject-access-{case.reference}-{stamp}.{file_format}"'
    )
    return response
