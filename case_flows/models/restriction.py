"""Who besides the owner and the team supervisor may see a restricted case: access grants.

A named grant is added by the owner or supervisor with a reason; an emergency grant ("break
the glass") is taken by a staff member of the case's office with a reason and expires after
settings.CASE_EMERGENCY_ACCESS_HOURS. Grants are never deleted: revoking sets revoked_at.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GrantKind(models.TextChoices):
    NAMED = "named", _("Added to the access list")
    EMERGENCY = "emergency", _("Emergency access")


class CaseAccessGrant(models.Model):
    case = models.ForeignKey(
        "case_flows.Case", on_delete=models.PROTECT, related_name="access_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="case_access_grants",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=GrantKind.choices)
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("case access grant")
        verbose_name_plural = _("case access grants")
        indexes = [
            # The lists' one Exists: "does this user hold a live grant on this case".
            models.Index(
                fields=["user", "case"],
                name="caseaccessgrant_live",
                condition=models.Q(revoked_at__isnull=True),
            ),
            models.Index(fields=["case", "-granted_at"], name="caseaccessgrant_case_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="emergency") | models.Q(expires_at__isnull=False),
                name="caseaccessgrant_emergency_expires",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.user_id} on case {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
