"""Referrals: the service-provider directory and the referrals made to it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Office

from ..permissions import CasePerm
from .choices import ProviderKind, ReferralStatus, Urgency
from .records import StageRecord


class ServiceProvider(models.Model):
    """The directory of services a case can be referred to."""

    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProviderKind.choices, default=ProviderKind.EXTERNAL
    )
    services = models.TextField(_("services offered"), help_text=_("One service per line."))
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_providers",
        help_text=_("Leave empty for a provider that serves every office."),
    )
    area = models.CharField(_("area served"), max_length=160, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff who answer referrals"),
        blank=True,
        related_name="service_providers",
        help_text=_("Users in the provider role who answer this provider's referrals in the app."),
    )

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.kind == ProviderKind.INTERNAL

    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]


class Referral(ConcurrentTransitionMixin, StageRecord):
    service_type = models.CharField(_("service type"), max_length=120)
    provider = models.ForeignKey(
        ServiceProvider,
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # The provider's name when it was referred to (or a provider not in the directory).
    provider_name = models.CharField(_("provider"), max_length=160)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    consent_recorded = models.BooleanField(_("client consented to sharing"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    status = FSMField(
        _("status"),
        default=ReferralStatus.SENT,
        choices=ReferralStatus.choices,
        protected=True,
        db_index=True,
    )
    consent_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent refusal overridden by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_override_reason = models.TextField(_("reason for the override"), blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    # The case's attachments the caseworker chose to share: all the provider's staff see.
    shared_attachments = models.ManyToManyField(
        "case_flows.Attachment",
        verbose_name=_("shared attachments"),
        blank=True,
        related_name="shared_with_referrals",
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        permissions = [
            (
                CasePerm.RESPOND_REFERRAL.codename,
                _("Can answer referrals addressed to their provider"),
            )
        ]

    # --- the referral's own small state machine; only case_flows.referrals calls these ---
    @transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.ACCEPTED)
    def accept(self):
        pass

    @transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.DECLINED)
    def decline(self):
        pass

    @transition(field=status, source=ReferralStatus.ACCEPTED, target=ReferralStatus.COMPLETED)
    def complete(self):
        pass

    @transition(
        field=status,
        source=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
        target=ReferralStatus.WITHDRAWN,
    )
    def withdraw(self):
        pass

    @property
    def is_open(self) -> bool:
        return self.status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)

    @property
    def consent_overridden(self) -> bool:
        return self.consent_overridden_by_id is not None
