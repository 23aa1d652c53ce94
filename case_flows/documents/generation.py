"""Generated documents: which templates an office uses, saving a template (a new version each
time, checked in the sandbox first), the office's letterhead, and generating a document from
a case (rendered in the sandbox, laid out under the letterhead, turned into a PDF and stored
as an attachment of the case with the template version, in one timeline event)."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, User
from accounts.staff_rules import manages_every_office
from workflows.errors import NotPermitted, WorkflowError

from .. import timeline
from ..models import (
    AttachmentKind,
    Case,
    DocumentTemplate,
    GeneratedDocument,
    OfficeLetterhead,
    Referral,
)
from ..models.attachments import attachments_storage
from ..permissions import may_edit_document_templates
from .pdf import html_to_pdf
from .sandbox import TemplateRefused, render_body, template_compile
from .services import attachment_create, may_attach
from .validation import AttachmentRefused, check_upload
from .variables import case_variables, sample_variables

logger = logging.getLogger(__name__)
LAYOUT = "case_flows/documents/generated_document.html"
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")


class DocumentError(WorkflowError):
    pass


# --- reads --------------------------------------------------------------------------------


def current_templates(office: Office | None) -> QuerySet[DocumentTemplate]:
    """Current versions usable in an office: its own and those of every office."""
    return DocumentTemplate.objects.filter(superseded_at__isnull=True).filter(
        Q(office__isnull=True) | Q(office=office)
    )


def templates_of_office(office: Office | None, *, active_only: bool = False) -> list:
    """One current version per key and language: the office's own where it has one, else
    the one of every office. One query."""
    rows = current_templates(office)
    if active_only:
        rows = rows.filter(is_active=True)
    chosen: dict[tuple[str, str], DocumentTemplate] = {}
    for row in rows.select_related("created_by").order_by("key", "language", "office_id"):
        slot = (row.key, row.language)
        # An office's own version (office_id set) replaces the one of every office.
        if slot not in chosen or row.office_id is not None:
            chosen[slot] = row
    return sorted(chosen.values(), key=lambda t: (t.key, t.language))


def template_for(office: Office, key: str, language: str) -> DocumentTemplate | None:
    rows = [
        t
        for t in templates_of_office(office, active_only=True)
        if t.key == key and t.language == language
    ]
    return rows[0] if rows else None


def template_of_office(office: Office | None, template_id: int) -> DocumentTemplate | None:
    """A version (current or old) the office's pages may show: its own or every office's."""
    return (
        DocumentTemplate.objects.filter(pk=template_id)
        .filter(Q(office__isnull=True) | Q(office=office))
        .select_related("created_by")
        .first()
    )


def template_versions(template: DocumentTemplate) -> list[DocumentTemplate]:
    return list(
        DocumentTemplate.objects.filter(
            office=template.office, key=template.key, language=template.language
        )
        .select_related("created_by")
        .order_by("-version")
    )


# --- rendering ----------------------------------------------------------------------------


@dataclass
class Rendered:
    html: str
    body: str
    variables: dict


def render_html(body: str, variables: dict, *, language: str, title: str) -> Rendered:
    """The document's HTML: the sandboxed body under the letterhead, in the document's own
    layout (a trusted template)."""
    with translation.override(language):
        rendered_body = render_body(body, variables)
        html = render_to_string(
            LAYOUT,
            {
                "language": language,
                "title": title,
                "letterhead": variables.get("letterhead") or {},
                "reference": (variables.get("case") or {}).get("reference", ""),
                "today": variables.get("today", ""),
                # Rendered by the sandbox with autoescaping: the variables are escaped there.
                "body": mark_safe(rendered_body),  # noqa: S308
            },
        )
    return Rendered(html=html, body=rendered_body, variables=variables)


def preview(
    *,
    body: str,
    language: str,
    office: Office,
    case: Case | None,
    actor: User,
    title: str,
    free_text: str = "",
) -> Rendered:
    variables = (
        case_variables(case, language=language, author=actor, free_text=free_text)
        if case is not None
        else sample_variables(office=office, language=language, author=actor, free_text=free_text)
    )
    return render_html(body, variables, language=language, title=title)


# --- template writes ------------------------------------------------------------------------


def may_edit_for_office(actor: User, office: Office | None) -> bool:
    """An office's administrators edit its templates; those of every office only those who
    manage every office."""
    if not may_edit_document_templates(actor):
        return False
    if manages_every_office(actor):
        return True
    return office is not None and office.pk == actor.home_office_id


def document_template_save(
    *,
    actor: User,
    office: Office | None,
    previous: DocumentTemplate | None,
    key: str,
    language: str,
    name: str,
    body: str,
    is_active: bool = True,
    needs_referral: bool = False,
) -> DocumentTemplate:
    """Save a template as a new version; the previous current version of the same office,
    key and language is kept, superseded. Checked in the sandbox first (with the sample
    case): a refusal raises TemplateRefused and nothing is saved.

    Editing a template of every office as an office's administrator (`office` set) saves the
    office's own version, which then replaces it there."""
    if not may_edit_for_office(actor, office):
        raise NotPermitted(_("Only administrators edit document templates."))
    # Checked in the user's language first (a refusal is read by the administrator), then
    # rendered with the sample case in the document's language.
    template_compile(body)
    render_html(
        body,
        sample_variables(office=office, language=language, author=actor),
        language=language,
        title=name,
    )
    try:
        with transaction.atomic():
            current = (
                DocumentTemplate.objects.select_for_update()
                .filter(office=office, key=key, language=language, superseded_at__isnull=True)
                .first()
            )
            if previous is None and current is not None:
                raise DocumentError(
                    _("A template with this key and language exists already: edit it instead.")
                )
            last = (
                DocumentTemplate.objects.filter(office=office, key=key, language=language)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            if current is not None:
                current.superseded_at = timezone.now()
                current.save(update_fields=["superseded_at"])
            return DocumentTemplate.objects.create(
                office=office,
                key=key,
                language=language,
                version=(last or 0) + 1,
                name=name.strip(),
                body=body,
                is_active=is_active,
                needs_referral=needs_referral,
                created_by=actor,
            )
    except IntegrityError:
        raise DocumentError(
            _("Someone saved this template at the same moment. Open it again and redo the change.")
        ) from None


def letterhead_save(
    *,
    actor: User,
    office: Office,
    name: str,
    address: str,
    logo=None,
    remove_logo: bool = False,
) -> OfficeLetterhead:
    """The office's letterhead; a new logo is checked like an upload (an image, re-encoded
    without its metadata) and stored privately."""
    if not may_edit_for_office(actor, office):
        raise NotPermitted(_("Only administrators change the letterhead."))
    stored = ""
    content_type = ""
    if logo is not None:
        checked = check_upload(logo)
        if checked.content_type not in LOGO_TYPES:
            raise AttachmentRefused(_("The logo must be a picture (PNG, JPEG or WebP)."))
        stored = attachments_storage().save(
            f"letterheads/{office.pk}/logo{checked.extension}", ContentFile(checked.content)
        )
        content_type = checked.content_type
    with transaction.atomic():
        letterhead, _created = OfficeLetterhead.objects.select_for_update().get_or_create(
            office=office, defaults={"name": name}
        )
        old_logo = letterhead.logo.name if letterhead.logo else ""
        letterhead.name = name.strip()
        letterhead.address = address.strip()
        if stored:
            letterhead.logo = stored
            letterhead.logo_content_type = content_type
        elif remove_logo:
            letterhead.logo = ""
            letterhead.logo_content_type = ""
        letterhead.updated_at = timezone.now()
        letterhead.updated_by = actor
        letterhead.save()
    if old_logo and old_logo != letterhead.logo.name:
        transaction.on_commit(lambda: attachments_storage().delete(old_logo))
    return letterhead


# --- generating -------------------------------------------------------------------------------


def _file_name(template: DocumentTemplate, case: Case) -> str:
    """'Case record sheet BEK-2026-000123 2026-03-12.pdf' (characters a file system refuses
    become hyphens; validation.safe_name checks the rest)."""
    stamp = timezone.localdate().isoformat()
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "-", f"{template.name} {case.reference} {stamp}")
    return f"{name[:140]}.pdf"


def case_has_referral(case: Case) -> bool:
    """The case has a referral in its current episode (what a referral letter is about)."""
    return Referral.objects.filter(case=case, episode=case.episode).exists()


def document_generate(
    *,
    actor: User,
    case: Case,
    template: DocumentTemplate,
    free_text: str = "",
    referral_id: int | None = None,
) -> GeneratedDocument:
    """Render `template` (a current version usable in the case's office) for the case, store
    the PDF as a "generated" attachment of the case with the version used, and record it on
    the timeline (one event). The rendering time is kept on the row."""
    if not may_attach(actor, case):
        raise NotPermitted(_("You cannot add documents to this case."))
    if template.office_id not in (None, case.office_id) or template.superseded_at is not None:
        raise DocumentError(_("Choose one of the office's current templates."))
    if template.needs_referral and not case_has_referral(case):
        raise DocumentError(
            _(
                "This document needs a referral and the case has none: record the referral"
                " on the case first. No document was made."
            )
        )
    started = time.perf_counter()
    variables = case_variables(
        case,
        language=template.language,
        author=actor,
        free_text=free_text,
        referral_id=referral_id,
    )
    rendered = render_html(
        template.body, variables, language=template.language, title=template.name
    )
    pdf = html_to_pdf(rendered.html)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    name = _file_name(template, case)
    with transaction.atomic():
        attachment = attachment_create(
            actor=actor,
            case=case,
            kind=AttachmentKind.GENERATED,
            description=template.name,
            file=ContentFile(pdf, name=name),
            name=name,
            event=lambda c, a: timeline.document_generated(
                c, actor=actor, attachment=a, template=template
            ),
        )
        document = GeneratedDocument.objects.create(
            attachment=attachment,
            template=template,
            language=template.language,
            render_ms=elapsed_ms,
        )
    logger.info(
        "document generated: case %s, template %s v%s (%s), %d bytes, %d ms",
        case.pk,
        template.key,
        template.version,
        template.language,
        len(pdf),
        elapsed_ms,
    )
    return document


__all__ = [
    "DocumentError",
    "TemplateRefused",
    "current_templates",
    "document_generate",
    "document_template_save",
    "letterhead_save",
    "preview",
    "render_html",
    "template_for",
    "templates_of_office",
]
