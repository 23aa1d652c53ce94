"""Transfers: a case follows its client to another office."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, Team

from .cases import Case
from .choices import TransferStatus


class CaseTransfer(models.Model):
    """A request to move a case to another office; the receiving supervisor decides."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers")
    from_office = models.ForeignKey(
        Office, verbose_name=_("from office"), on_delete=models.PROTECT, related_name="+"
    )
    from_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_office = models.ForeignKey(
        Office, verbose_name=_("to office"), on_delete=models.PROTECT, related_name="+"
    )
    to_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TransferStatus.choices,
        default=TransferStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="requested"),
                name="case_transfer_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_office=models.F("to_office")),
                name="case_transfer_other_office",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk} (case {self.case_id})"
