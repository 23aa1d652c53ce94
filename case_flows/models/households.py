"""Households: who lives with whom (with history), their monthly incomes, and the statutory
income thresholds those incomes are compared to (docs/households.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction, Office

from .people import Person


class HeadRelationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    OTHER = "other", _("Not related")


class IncomeSource(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    PENSION = "pension", _("Pension")
    BENEFITS = "benefits", _("Benefits")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment")
    ALIMONY = "alimony", _("Alimony or child support")
    FARMING = "farming", _("Farming")
    OTHER = "other", _("Other income")


class ThresholdKind(models.TextChoices):
    SINGLE = "single", _("Person living alone")
    PER_PERSON = "per_person", _("Per person in a family")


class Household(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="households")
    address = models.CharField(_("address"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return f"Household {self.pk}"


class HouseholdMember(models.Model):
    """A person's membership of a household from `from_date` to `to_date` (open: current).
    A person is a current member of one household at most (a database constraint)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relationship_to_head = models.CharField(
        _("relationship to the head"), max_length=20, choices=HeadRelationship.choices
    )
    lives_here = models.BooleanField(_("lives here"), default=True)
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(to_date__isnull=True),
                name="household_one_current_membership",
            ),
            models.CheckConstraint(
                condition=models.Q(to_date__isnull=True)
                | models.Q(to_date__gte=models.F("from_date")),
                name="household_member_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"person {self.person_id} in household {self.household_id}"


class Income(models.Model):
    """One month's income of one person in one household, from one source."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="incomes")
    month = models.DateField(_("month"))  # the first day of the month
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    source = models.CharField(_("source"), max_length=20, choices=IncomeSource.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("income")
        verbose_name_plural = _("incomes")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "household", "month", "source"], name="income_unique_source"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="income_not_negative"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="income_month_first"),
        ]

    def __str__(self):
        return f"{self.source} {self.month:%Y-%m} person {self.person_id}"


class IncomeThreshold(models.Model):
    """A statutory income criterion of a country, valid over dates, with its legal basis."""

    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=ThresholdKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    legal_basis = models.TextField(_("legal basis"))
    citation = models.CharField(_("citation"), max_length=80, blank=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)

    class Meta:
        verbose_name = _("income threshold")
        verbose_name_plural = _("income thresholds")
        ordering = ["jurisdiction", "kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "valid_from"], name="threshold_unique_start"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="threshold_dates_in_order",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="threshold_positive"),
        ]

    def __str__(self):
        return f"{self.jurisdiction} {self.kind} {self.amount} from {self.valid_from}"
