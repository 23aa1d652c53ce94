"""Attachments: files kept on a case (and, on it, about a person or one of its records).

Every attachment belongs to a case, whose access scope is the attachment's: a download is
checked against the case (restricted cases: their access list) and nothing else. "Attached to
a person" names the person the file is about (the client or a relative on the case); "to a
record" names the intake, assessment, plan, follow-up, referral or closure it belongs to.

Records are named by explicit nullable foreign keys rather than a generic (content type, id)
pair: the set of record kinds is closed (six), the database keeps every reference valid
(PROTECT, no dangling ids after a delete), a join needs no ContentType lookup, and a check
constraint says at most one record is named.
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CurrentAttachmentsStorage(Storage):
    """STORAGES["attachments"] (config/settings/base.py: the private folder or the bucket),
    looked up at each call: a FileField evaluates its storage once, when the model is
    loaded, and a changed setting (a test's bucket) must still be obeyed."""

    @staticmethod
    def backend() -> Storage:
        return storages["attachments"]

    def open(self, name, mode="rb"):
        return self.backend().open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend().save(name, content, max_length=max_length)

    def delete(self, name):
        return self.backend().delete(name)

    def exists(self, name):
        return self.backend().exists(name)

    def size(self, name):
        return self.backend().size(name)

    def url(self, name, *args, **kwargs):
        return self.backend().url(name, *args, **kwargs)

    def path(self, name):
        return self.backend().path(name)

    def listdir(self, path):
        return self.backend().listdir(path)

    def generate_filename(self, filename):
        return self.backend().generate_filename(filename)

    def get_available_name(self, name, max_length=None):
        return self.backend().get_available_name(name, max_length=max_length)


_CURRENT = CurrentAttachmentsStorage()


def attachments_storage() -> CurrentAttachmentsStorage:
    """The attachments' storage (the callable the FileFields name)."""
    return _CURRENT


class AttachmentKind(models.TextChoices):
    IDENTITY = "identity", _("Identity document")
    CONSENT = "consent", _("Consent form")
    INCOME = "income", _("Income document")
    COURT = "court", _("Court document")
    MEDICAL = "medical", _("Medical document")
    PHOTO = "photo", _("Photo")
    GENERATED = "generated", _("Generated document")
    DECISION = "decision", _("Decision or official letter")
    OTHER = "other", _("Other")


# The record foreign keys, in the order the page names them.
RECORD_FIELDS = ("intake", "assessment", "plan", "follow_up", "referral", "closure")


def _record_fk(model: str, verbose_name):
    return models.ForeignKey(
        model,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )


class Attachment(models.Model):
    case = models.ForeignKey(
        "case_flows.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    person = models.ForeignKey(
        "case_flows.Person",
        verbose_name=_("about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    intake = _record_fk("case_flows.Intake", _("intake"))
    assessment = _record_fk("case_flows.Assessment", _("assessment"))
    plan = _record_fk("case_flows.CasePlan", _("case plan"))
    follow_up = _record_fk("case_flows.FollowUp", _("follow-up"))
    referral = _record_fk("case_flows.Referral", _("referral"))
    closure = _record_fk("case_flows.Closure", _("closure"))
    # The task page it was attached on. A task that writes its record when it is submitted
    # (assessment, plan, follow-up, referrals, closure) names that record then, in its own
    # transaction (case_flows.cases.attachments): until then the file is "pending" on the task,
    # kept on the case whatever happens to the task's form. Kept afterwards as provenance.
    task = models.ForeignKey(
        "viewflow.Task",
        verbose_name=_("attached on the task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AttachmentKind.choices)
    description = models.CharField(_("description"), max_length=255, blank=True)
    # The name the file had on the uploader's device, made safe (no folders, no dangerous
    # extension); the stored file has a random name of its own.
    original_name = models.CharField(_("file name"), max_length=180)
    # Detected from the content (never from the name), as stored (images are re-encoded).
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the stored file"), max_length=64)
    file = models.FileField(storage=attachments_storage, max_length=255)
    thumbnail = models.FileField(storage=attachments_storage, max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deletion_reason = models.TextField(_("reason for deleting"), blank=True)
    # Set when the retention job (or an erasure) removed the stored file for real.
    purged_at = models.DateTimeField(_("file removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(
                fields=["case", "-uploaded_at"],
                condition=Q(deleted_at__isnull=True),
                name="attachment_case_live",
            )
        ]
        constraints = [
            # At most one record: each record column is 0 or 1 and they add up to 1 or less.
            models.CheckConstraint(
                condition=~(
                    Q(intake__isnull=False, assessment__isnull=False)
                    | Q(intake__isnull=False, plan__isnull=False)
                    | Q(intake__isnull=False, follow_up__isnull=False)
                    | Q(intake__isnull=False, referral__isnull=False)
                    | Q(intake__isnull=False, closure__isnull=False)
                    | Q(assessment__isnull=False, plan__isnull=False)
                    | Q(assessment__isnull=False, follow_up__isnull=False)
                    | Q(assessment__isnull=False, referral__isnull=False)
                    | Q(assessment__isnull=False, closure__isnull=False)
                    | Q(plan__isnull=False, follow_up__isnull=False)
                    | Q(plan__isnull=False, referral__isnull=False)
                    | Q(plan__isnull=False, closure__isnull=False)
                    | Q(follow_up__isnull=False, referral__isnull=False)
                    | Q(follow_up__isnull=False, closure__isnull=False)
                    | Q(referral__isnull=False, closure__isnull=False)
                ),
                name="attachment_one_record_at_most",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | ~Q(deletion_reason=""),
                name="attachment_deleted_with_reason",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def record_label(self) -> str:
        """What record it belongs to, told from its column (nothing is loaded)."""
        for name in RECORD_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return str(self._meta.get_field(name).verbose_name)
        return ""

    @property
    def record(self):
        for name in RECORD_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None
