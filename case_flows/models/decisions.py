"""Administrative decisions on a case (Poland's KPA first), their kinds as data, their numbers,
and the KPA art. 36 notice of a missed decision deadline.

The lifecycle and why it is built the way it is: case_flows/decisions/__init__.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction, Office


class DecisionEffect(models.TextChoices):
    GRANT = "grant", _("Grant")
    REFUSAL = "refusal", _("Refusal")
    CHANGE = "change", _("Change")
    REVOCATION = "revocation", _("Revocation")
    SUSPENSION = "suspension", _("Suspension")
    APPROVAL = "approval", _("Approval")


class DecisionGrants(models.TextChoices):
    """What the ruling states as granted (required before issuing for a grant or a change)."""

    NOTHING = "", _("Nothing (the ruling says it)")
    AMOUNT = "amount", _("An amount for a period")
    SERVICE = "service", _("A service and its hours")


class DecisionKind(models.Model):
    """A kind of decision an office may issue: data, per jurisdiction (empty: any country with
    no kinds of its own). The texts are defaults copied into each new decision, where the
    caseworker may edit them."""

    code = models.SlugField(_("code"), max_length=60)
    jurisdiction = models.CharField(
        _("jurisdiction"),
        max_length=2,
        choices=Jurisdiction.choices,
        blank=True,
        help_text=_("Empty: offices of any country that has no kinds of its own."),
    )
    label_en = models.CharField(_("name in English"), max_length=200)
    label_pl = models.CharField(_("name in Polish"), max_length=200)
    effect = models.CharField(_("effect"), max_length=12, choices=DecisionEffect.choices)
    grants = models.CharField(
        _("what it grants"), max_length=10, choices=DecisionGrants.choices, blank=True
    )
    legal_basis = models.TextField(_("legal basis (default)"), blank=True)
    appeal_instruction = models.TextField(
        _("instruction on appeal (default)"),
        blank=True,
        help_text=_("{authority} is replaced by the office's name."),
    )
    appealable = models.BooleanField(
        _("may be appealed"),
        default=False,
        help_text=_(
            "The appeal period runs from delivery as the deadline 'appeal_period' of the"
            " office's SLA policies (14 calendar days in Poland). Not appealable: final when"
            " delivered."
        ),
    )
    administrative = models.BooleanField(
        _("administrative decision (KPA art. 107)"),
        default=False,
        help_text=_(
            "Issued only with every element KPA art. 107 § 1 requires: authority, date, party,"
            " legal basis, ruling, reasoning, instruction on appeal and signature."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("decision kind")
        verbose_name_plural = _("decision kinds")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"], name="decision_kind_code_unique"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (Polish for pl, English otherwise)."""
        if (translation.get_language() or "").startswith("pl"):
            return self.label_pl or self.label_en
        return self.label_en or self.label_pl


# The currency of each country's offices (decisions' amounts, households' incomes).
OFFICE_CURRENCIES = {"PL": "PLN", "GH": "GHS", "KE": "KES", "GB": "GBP"}


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved, not issued")
    ISSUED = "issued", _("Issued")
    DELIVERED = "delivered", _("Delivered")
    FINAL = "final", _("Final")
    APPEALED = "appealed", _("Appealed: waiting for the appeal body")
    OVERTURNED = "overturned", _("Overturned on appeal")
    SENT_BACK = "sent_back", _("Sent back for reconsideration")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned")
    SENT_BACK = "sent_back", _("Sent back for reconsideration")


class HoursPer(models.TextChoices):
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class FeePer(models.TextChoices):
    HOUR = "hour", _("per hour")
    MONTH = "month", _("per month")


class DecisionNumberCounter(models.Model):
    """Per office and year; incremented under a row lock so numbers are never reused."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="decision_number_unique")
        ]

    def __str__(self):
        return f"{self.office_id}/{self.year}: {self.last_number}"


def _user_fk(verbose_name, related_name: str = "+"):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
    )


class Decision(models.Model):
    case = models.ForeignKey(
        "case_flows.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    # The short process (of CaseFlow, start_decision) that prepares and approves it.
    process = models.OneToOneField(
        "case_flows.CaseProcess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decision",
    )
    kind = models.ForeignKey(
        DecisionKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    # the content (art. 107 § 1)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    ruling = models.TextField(_("ruling"), blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("until"), null=True, blank=True)
    service = models.CharField(_("service"), max_length=200, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    hours_per = models.CharField(_("hours per"), max_length=5, choices=HoursPer.choices, blank=True)
    client_fee = models.DecimalField(
        _("client's fee"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    client_fee_per = models.CharField(
        _("fee per"), max_length=5, choices=FeePer.choices, blank=True
    )
    reasoning = models.TextField(_("reasoning"), blank=True)
    appeal_instruction = models.TextField(_("instruction on appeal"), blank=True)
    # the people
    prepared_by = _user_fk(_("prepared by"), related_name="decisions_prepared")
    preparer_position = models.CharField(_("preparer's position"), max_length=120, blank=True)
    approved_by = _user_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    signer_name = models.CharField(_("signed by (name)"), max_length=160, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=160, blank=True)
    # what the document said when issued (the party's name may be redacted later)
    authority_name = models.CharField(_("authority"), max_length=200, blank=True)
    party_name = models.CharField(_("party"), max_length=255, blank=True)
    document = models.ForeignKey(
        "case_flows.Attachment",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # the dates (office's local dates)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_by = _user_fk(_("issued by"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    final_on = models.DateField(_("final on"), null=True, blank=True)
    appeal_lodged_on = models.DateField(_("appeal lodged on"), null=True, blank=True)
    appeal_outcome = models.CharField(
        _("appeal outcome"), max_length=12, choices=AppealOutcome.choices, blank=True
    )
    appeal_answered_on = models.DateField(_("appeal answered on"), null=True, blank=True)
    created_by = _user_fk(_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "number"], condition=~Q(number=""), name="decision_number_once"
            ),
            models.CheckConstraint(
                condition=Q(period_to__isnull=True)
                | Q(period_from__isnull=True)
                | Q(period_to__gte=models.F("period_from")),
                name="decision_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | ~Q(number=""),
                name="decision_issued_has_number",
            ),
        ]

    def __str__(self):
        return self.number or f"{self.kind} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status == DecisionStatus.DRAFT

    @property
    def currency_shown(self) -> str:
        """The decision's currency, else the office's country's (a fee stated without an
        amount still has one)."""
        return self.currency or OFFICE_CURRENCIES.get(self.case.office.jurisdiction, "")


class DelayNoticeStatus(models.TextChoices):
    DRAFT = "draft", _("To complete and send")
    SENT = "sent", _("Sent")


class DelayNotice(models.Model):
    """KPA art. 36: the party is told that the decision is late, why, and by when it will be
    issued. Prepared as a draft when the case's decision deadline breaches."""

    case = models.ForeignKey(
        "case_flows.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="delay_notices",
    )
    # The breached decision deadline: one notice per breach, whatever sweeps run.
    clock = models.OneToOneField(
        "workflows.SlaClock", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DelayNoticeStatus.choices, default="draft"
    )
    reason = models.TextField(_("reason for the delay"), blank=True)
    new_date = models.DateField(_("new date for the decision"), null=True, blank=True)
    signer_name = models.CharField(_("signed by (name)"), max_length=160, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=160, blank=True)
    created_at = models.DateTimeField(_("prepared"), auto_now_add=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_by = _user_fk(_("sent by"))
    document = models.ForeignKey(
        "case_flows.Attachment",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("KPA art. 36 notice")
        verbose_name_plural = _("KPA art. 36 notices")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.case_id}: {self.get_status_display()}"
