"""Generated documents: the templates an office's administrators edit (per office and language,
versioned), the office's letterhead, and each document generated from a template (the
attachment it was stored as, and the template version used).

A template is never changed in place: saving an edit writes a new version and marks the old
one superseded, so a generated document always names the exact text it was rendered from.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .attachments import attachments_storage


class DocumentTemplate(models.Model):
    # NULL: a template of every office (an office's own version of the same key and language
    # takes its place there).
    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_templates",
    )
    key = models.SlugField(
        _("key"),
        max_length=60,
        help_text=_("Names the template across languages and versions, e.g. case-record-sheet."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=160)
    # A Django template string rendered in the sandbox (case_flows.documents.sandbox).
    body = models.TextField(_("template"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    # Set when a newer version replaced it; the row stays for the documents made from it.
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    is_active = models.BooleanField(
        _("offered"), default=True, help_text=_("Offered on the case page.")
    )
    needs_referral = models.BooleanField(
        _("needs a referral"),
        default=False,
        help_text=_("Offered only for a case with a referral (e.g. a referral letter)."),
    )

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["key", "language", "-version"]
        constraints = [
            # One current version per office (NULL counts as one "office": every office),
            # key and language.
            models.UniqueConstraint(
                fields=["office", "key", "language"],
                condition=Q(superseded_at__isnull=True),
                nulls_distinct=False,
                name="documenttemplate_one_current",
            ),
            models.UniqueConstraint(
                fields=["office", "key", "language", "version"],
                nulls_distinct=False,
                name="documenttemplate_version_unique",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.language}, v{self.version})"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class OfficeLetterhead(models.Model):
    """What heads every document an office generates."""

    office = models.OneToOneField(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="letterhead",
    )
    name = models.CharField(_("name on documents"), max_length=200)
    address = models.TextField(
        _("address"), blank=True, help_text=_("One line each: street, town, phone, e-mail.")
    )
    # Kept in the private attachments' storage (never a public URL); inlined as a data: URL
    # when a document is rendered.
    logo = models.FileField(storage=attachments_storage, max_length=255, blank=True)
    logo_content_type = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterheads")

    def __str__(self):
        return self.name

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


class GeneratedDocument(models.Model):
    """A document made from a template: the attachment that holds its PDF and the exact
    template version (and language) it was rendered from."""

    attachment = models.OneToOneField(
        "case_flows.Attachment",
        verbose_name=_("attachment"),
        on_delete=models.PROTECT,
        related_name="generated",
    )
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    render_ms = models.PositiveIntegerField(_("rendering time (ms)"), default=0)
    created_at = models.DateTimeField(_("generated at"), default=timezone.now)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")

    def __str__(self):
        return str(self.attachment)
