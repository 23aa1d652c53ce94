"""The import page for an office's managers and administrators: upload, dry run, import.

Small files run in the request. A large file belongs to `manage.py import_caseload` (no Celery
task with progress yet); the upload is limited by settings.IMPORT_MAX_UPLOAD_MB.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import staff_rules

from ..staff.views import office_query
from .mapping import MappingError, mapping_for, mapping_load
from .parsing import FORMATS, SourceError, records_read
from .services import caseload_import

UPLOADS = Path(tempfile.gettempdir()) / "caseflow-imports"
SESSION_KEY = "caseload_import"


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_MB", 20)) * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    file_format = forms.ChoiceField(label=gettext_lazy("Format"), choices=list(FORMATS.items()))
    mapping = forms.FileField(
        label=gettext_lazy("Mapping file (JSON)"),
        required=False,
        help_text=gettext_lazy("Leave empty for our template or a Primero v2 export."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: import it with the import_caseload command.")
                % {"mb": getattr(settings, "IMPORT_MAX_UPLOAD_MB", 20)}
            )
        return upload


def _office(request):
    if not staff_rules.may_manage_staff(request.user):
        raise PermissionDenied(_("Only the office's managers and administrators import cases."))
    office = staff_rules.staff_office_for(request.user, request.GET.get("office"))
    if office is None:
        raise Http404(_("No such office, or not one whose staff you manage."))
    return office


def _run(request, office, pending: dict, *, dry_run: bool):
    data = Path(pending["path"]).read_bytes()
    mapping = (
        mapping_load(pending["mapping"]) if pending["mapping"] else mapping_for(pending["format"])
    )
    return caseload_import(
        records=records_read(data, pending["format"]),
        office=office,
        actor=request.user,
        mapping=mapping,
        dry_run=dry_run,
        first_row=1 if pending["format"] == "primero-json" else 2,
    )


@login_required
def caseload_import_page(request):
    office = _office(request)
    context: dict = {
        "office": office,
        "form": ImportForm(),
        "max_mb": max_upload_bytes() >> 20,
        # The staff pages' tabs, this one current.
        "office_query": office_query(office, request.user),
        "current": "import",
    }
    if request.method != "POST":
        return render(request, "case_flows/imports/import.html", context)
    pending_all = request.session.get(SESSION_KEY, {})
    token = request.POST.get("token", "")
    try:
        if token:  # the confirmed import of a file already dry-run
            pending = pending_all.pop(token, None)
            if pending is None or pending["office"] != office.pk:
                raise Http404(_("This import is no longer waiting: upload the file again."))
            request.session[SESSION_KEY] = pending_all
            context["report"] = _run(request, office, pending, dry_run=False)
            Path(pending["path"]).unlink(missing_ok=True)
            return render(request, "case_flows/imports/import.html", context)
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "case_flows/imports/import.html", context, status=400)
        UPLOADS.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        path = UPLOADS / token
        path.write_bytes(form.cleaned_data["file"].read())
        mapping_file = form.cleaned_data.get("mapping")
        pending = {
            "path": str(path),
            "format": form.cleaned_data["file_format"],
            "mapping": mapping_file.read().decode("utf-8", "replace") if mapping_file else "",
            "office": office.pk,
        }
        context["report"] = _run(request, office, pending, dry_run=True)
    except (MappingError, SourceError) as exc:
        context["error"] = str(exc)
        return render(request, "case_flows/imports/import.html", context, status=400)
    request.session[SESSION_KEY] = {**pending_all, token: pending}
    context["token"] = token
    return render(request, "case_flows/imports/import.html", context)
