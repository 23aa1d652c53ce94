"""Generated documents' pages: the office's document templates (list, edit with a preview as
HTML and as PDF, new, versions), its letterhead, and "Generate a document" from a case.

The template pages: an office's administrators (a superuser or national administrator
chooses any office); anyone else 403, an office or template outside theirs 404. A template
that the sandbox refuses is shown again with the reason, nothing saved (400).
Generating: whoever may attach files to the case (its scope; restricted: its access list).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Office, User
from accounts.staff_rules import manages_every_office, office_page_context
from workflows.errors import WorkflowError

from ..access_log import access_record
from ..cases.views import case_or_404
from ..models import AccessAction, Case, OfficeLetterhead, Referral
from ..permissions import can_see_case, may_edit_document_templates
from . import generation
from .sandbox import ALLOWED_TAGS, REFUSED_FILTERS, TemplateRefused
from .template_forms import GenerateForm, LetterheadForm, TemplateEditForm, TemplateNewForm
from .variables import VARIABLES

PREVIEW_CASES = 30


def _office_or_404(request) -> Office:
    user: User = request.user
    if not may_edit_document_templates(user):
        raise PermissionDenied(_("Only administrators edit document templates."))
    wanted = request.GET.get("office") or request.POST.get("office")
    every = manages_every_office(user)
    home = user.home_office  # loaded with the user
    if not every and home is not None and wanted in (None, "", str(home.pk)):
        return home
    offices = (
        Office.objects.filter(is_active=True)
        if every
        else Office.objects.filter(pk=home.pk if home else 0)
    )
    try:
        office = offices.filter(pk=int(wanted)).first() if wanted else None
    except (TypeError, ValueError):
        office = None
    if office is None and not wanted:
        office = (home if home is not None and every else None) or offices.order_by("name").first()
    if office is None:
        raise Http404(_("No such office, or not one you configure."))
    return office


def _context(request, office: Office, **extra) -> dict:
    return {
        **office_page_context(request.user, office),
        "may_edit_every_office": manages_every_office(request.user),
        **extra,
    }


def _reference(**extra) -> dict:
    return {
        "variables": VARIABLES,
        "allowed_tags": ", ".join(ALLOWED_TAGS),
        "refused_filters": ", ".join(sorted(REFUSED_FILTERS)),
        **extra,
    }


@login_required
def document_templates(request):
    office = _office_or_404(request)
    templates = generation.templates_of_office(office)
    letterhead = OfficeLetterhead.objects.filter(office=office).first()
    return render(
        request,
        "case_flows/documents/templates.html",
        _context(request, office, templates=templates, letterhead=letterhead),
    )


def _preview_cases(user: User, office: Office) -> list[Case]:
    """Recent ordinary cases of the office the administrator may see: never a restricted one
    (its access list decides who reads it) nor an anonymised one."""
    cases = (
        Case.objects.filter(office=office, is_restricted=False, anonymised_at__isnull=True)
        .select_related("person")
        .order_by("-opened_at")[:PREVIEW_CASES]
    )
    return [c for c in cases if can_see_case(user, c)]


def _preview_response(request, office, form, *, language: str, as_pdf: bool, title: str):
    """The rendered preview: a PDF answer, or the HTML shown on the editor's page."""
    cases = {str(c.pk): c for c in _preview_cases(request.user, office)}
    case = cases.get(form.cleaned_data.get("preview_case") or "")
    rendered = generation.preview(
        body=form.cleaned_data["body"],
        language=language,
        office=office,
        case=case,
        actor=request.user,
        title=title,
        free_text=form.cleaned_data.get("free_text") or "",
    )
    if case is not None:
        access_record(request, AccessAction.VIEW_CASE, case=case, target="document preview")
    if not as_pdf:
        return rendered
    from .pdf import html_to_pdf

    response = HttpResponse(html_to_pdf(rendered.html), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _editor(request, office, form, *, template=None, status=200, preview=None, versions=()):
    return render(
        request,
        "case_flows/documents/template_edit.html",
        _context(
            request,
            office,
            form=form,
            template=template,
            preview=preview,
            versions=versions,
            may_save=template is None
            or generation.may_edit_for_office(request.user, template.office)
            or generation.may_edit_for_office(request.user, office),
            **_reference(),
        ),
        status=status,
    )


def _handle_editor_post(request, office, form, *, template, key, language):
    """Preview (HTML on the page, or a PDF) or save. Returns a response."""
    action = request.POST.get("action", "save")
    versions = generation.template_versions(template) if template else ()
    try:
        if action in ("preview", "pdf"):
            result = _preview_response(
                request,
                office,
                form,
                language=language,
                as_pdf=action == "pdf",
                title=form.cleaned_data["name"],
            )
            if isinstance(result, HttpResponse):
                return result
            return _editor(
                request, office, form, template=template, preview=result, versions=versions
            )
        # An office's administrator saves an office's own version of a template of every
        # office; one who manages every office edits that template itself.
        target_office = (
            template.office
            if template is not None
            and generation.may_edit_for_office(request.user, template.office)
            else office
        )
        saved = generation.document_template_save(
            actor=request.user,
            office=target_office,
            previous=template,
            key=key,
            language=language,
            name=form.cleaned_data["name"],
            body=form.cleaned_data["body"],
            is_active=form.cleaned_data["is_active"],
            needs_referral=form.cleaned_data["needs_referral"],
        )
    except WorkflowError as exc:
        form.add_error("body" if isinstance(exc, TemplateRefused) else None, exc.message)
        return _editor(request, office, form, template=template, status=400, versions=versions)
    messages.success(
        request,
        _("%(name)s was saved as version %(version)s.")
        % {"name": saved.name, "version": saved.version},
    )
    query = f"?office={office.pk}" if manages_every_office(request.user) else ""
    return redirect(reverse("document_template", args=[saved.pk]) + query)


@login_required
def document_template(request, template_id: int):
    office = _office_or_404(request)
    template = generation.template_of_office(office, template_id)
    if template is None:
        raise Http404(_("No such template in this office."))
    cases = _preview_cases(request.user, office)
    initial = {
        "name": template.name,
        "body": template.body,
        "is_active": template.is_active,
        "needs_referral": template.needs_referral,
    }
    form = TemplateEditForm(request.POST or None, initial=initial, preview_cases=cases)
    if request.method == "POST":
        if not template.is_current:
            raise Http404(_("An old version cannot be edited: open the current one."))
        if not form.is_valid():
            return _editor(request, office, form, template=template, status=400)
        return _handle_editor_post(
            request, office, form, template=template, key=template.key, language=template.language
        )
    return _editor(
        request, office, form, template=template, versions=generation.template_versions(template)
    )


@login_required
def document_template_new(request):
    office = _office_or_404(request)
    cases = _preview_cases(request.user, office)
    form = TemplateNewForm(
        request.POST or None,
        initial={"language": office.default_language, "is_active": True},
        preview_cases=cases,
    )
    if request.method == "POST":
        if not form.is_valid():
            return _editor(request, office, form, status=400)
        return _handle_editor_post(
            request,
            office,
            form,
            template=None,
            key=form.cleaned_data["key"],
            language=form.cleaned_data["language"],
        )
    return _editor(request, office, form)


@login_required
def letterhead_edit(request):
    office = _office_or_404(request)
    letterhead = OfficeLetterhead.objects.filter(office=office).first()
    initial = (
        {"name": letterhead.name, "address": letterhead.address}
        if letterhead
        else {"name": office.name}
    )
    form = LetterheadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            generation.letterhead_save(
                actor=request.user,
                office=office,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
                logo=form.cleaned_data["logo"],
                remove_logo=form.cleaned_data["remove_logo"],
            )
        except WorkflowError as exc:
            form.add_error("logo", exc.message)
        else:
            messages.success(request, _("The letterhead was saved."))
            return redirect(
                reverse("document_templates") + _context(request, office)["office_query"]
            )
    return render(
        request,
        "case_flows/documents/letterhead.html",
        _context(request, office, form=form, letterhead=letterhead),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def case_document_generate(request, case_id: int):
    """GET: the form (template, language: the office's, a referral, free text). POST: the
    PDF is generated, stored among the case's attachments, and the case page shown."""
    case = case_or_404(request.user, case_id)
    templates = generation.templates_of_office(case.office, active_only=True)
    referrals = list(
        Referral.objects.filter(case=case, episode=case.episode).order_by("-created_at", "-pk")
    )
    form = GenerateForm(
        request.POST or None,
        initial={"language": case.office.default_language},
        templates=templates,
        referrals=referrals,
        reader_language=(translation.get_language() or "en")[:2],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            template = generation.template_for(case.office, data["template"], data["language"])
            if template is None:
                form.add_error(
                    "language", _("This document has no version in the chosen language.")
                )
            else:
                try:
                    document = generation.document_generate(
                        actor=request.user,
                        case=case,
                        template=template,
                        free_text=data["free_text"],
                        referral_id=int(data["referral"]) if data["referral"] else None,
                    )
                except WorkflowError as exc:
                    form.add_error(None, exc.message)
                    status = exc.status_code
                else:
                    messages.success(
                        request,
                        _("The document was generated and attached: %(name)s.")
                        % {"name": document.attachment.original_name},
                    )
                    return redirect(reverse("case_detail", args=[case.pk]) + "#attachments")
    return render(
        request,
        "case_flows/documents/generate.html",
        {
            "case": case,
            "form": form,
            "has_templates": bool(templates),
            "not_offered": sorted(
                {t.name for t in templates if t.needs_referral} if not referrals else set()
            ),
        },
        status=status,
    )
