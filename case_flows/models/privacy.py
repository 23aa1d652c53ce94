"""Retention and erasure: how long a closed case's personal data is kept, by category and
country, and a person's requests to have it erased (decided by a supervisor)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction, Office

from .cases import Case, Category
from .people import Person


class RetentionPolicy(models.Model):
    """Years a closed case is kept before it is anonymised. The most specific row wins:
    category and country, then category, then country, then the default (neither)."""

    jurisdiction = models.CharField(
        _("country"),
        max_length=2,
        choices=Jurisdiction.choices,
        blank=True,
        help_text=_("Empty: every country."),
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every category."),
    )
    years_after_closure = models.PositiveSmallIntegerField(_("years after closure"))
    legal_basis = models.TextField(_("legal basis"), help_text=_("The law or rule, cited."))
    confirmed = models.BooleanField(
        _("confirmed"),
        default=False,
        help_text=_("Untick while the period is still to be confirmed by a lawyer."),
    )
    erasure_blocked_during_retention = models.BooleanField(
        _("the law requires keeping the records"),
        default=False,
        help_text=_(
            "Statutory records: an erasure request is refused while a case is within this period."
        ),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        ordering = ["jurisdiction", "category__code"]
        constraints = [
            # One rule per (country, category) and one per country for every category: two
            # partial constraints, as NULL categories are otherwise all distinct.
            models.UniqueConstraint(
                fields=["jurisdiction", "category"],
                condition=models.Q(category__isnull=False),
                name="retention_one_per_category_country",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction"],
                condition=models.Q(category__isnull=True),
                name="retention_one_per_country",
            ),
            models.CheckConstraint(
                condition=models.Q(years_after_closure__gt=0), name="retention_years_positive"
            ),
        ]

    def __str__(self):
        country = self.get_jurisdiction_display() if self.jurisdiction else _("every country")
        category = self.category if self.category_id else _("every category")
        return f"{country} / {category}: {self.years_after_closure}"


class ErasureGrounds(models.TextChoices):
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    NO_LONGER_NECESSARY = "no_longer_necessary", _("No longer necessary for its purpose")
    UNLAWFUL = "unlawful", _("Processed unlawfully")
    OBJECTION = "objection", _("The person objects to the processing")
    OTHER = "other", _("Other")


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    DONE = "done", _("Erased")


class ErasureRequest(models.Model):
    """A person asks for their data to be erased: a caseworker records the request, a
    supervisor (never the same person) approves or refuses it; the system refuses it itself
    when the law requires keeping the records."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    # The case page the request was made from (its timeline records the request).
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="erasure_requests"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    grounds = models.CharField(_("grounds"), max_length=24, choices=ErasureGrounds.choices)
    details = models.TextField(_("details"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ErasureStatus.choices,
        default=ErasureStatus.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="pending"),
                name="erasure_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="erasure_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk}"
