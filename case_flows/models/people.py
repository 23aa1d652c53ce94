"""People: clients and their relatives."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction, Office

from .choices import Relationship, Sex


class IdentifierKind(models.Model):
    """A kind of national identifier (PESEL, Ghana Card): data, so a country is added in the
    admin without code. `validator` names a check in case_flows.registry.identifiers; "regex"
    checks `pattern` alone."""

    class Validator(models.TextChoices):
        PESEL = "pesel", "PESEL"
        GHANA_CARD = "ghana_card", _("Ghana Card")
        REGEX = "regex", _("Pattern only")

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_pl = models.CharField(_("name in Polish"), max_length=80, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    validator = models.CharField(
        _("validator"), max_length=20, choices=Validator.choices, default=Validator.REGEX
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=200,
        blank=True,
        help_text=_("A regular expression the normalised number must match in full."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("identifier kind")
        verbose_name_plural = _("identifier kinds")
        ordering = ["order", "name"]

    def __str__(self):
        if get_language() == "pl" and self.name_pl:
            return self.name_pl
        return self.name


class Person(models.Model):
    """A client; names in any script, searched accent-insensitively through `search_name`."""

    given_name = models.CharField(_("given name"), max_length=120)
    family_name = models.CharField(_("family name"), max_length=120)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    date_of_birth_estimated = models.BooleanField(
        _("date of birth is estimated"),
        default=False,
        help_text=_("Tick when only an approximate age is known."),
    )
    national_id = models.CharField(_("national ID"), max_length=40, blank=True, db_index=True)
    national_id_kind = models.ForeignKey(
        IdentifierKind,
        verbose_name=_("kind of national ID"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_digits = models.CharField(max_length=32, editable=False, blank=True, db_index=True)
    address = models.CharField(_("address or community"), max_length=255, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=40, blank=True)
    disability = models.BooleanField(_("has a disability"), default=False)
    disability_notes = models.CharField(_("disability details"), max_length=255, blank=True)
    office = models.ForeignKey(
        Office, verbose_name=_("registered at"), on_delete=models.PROTECT, related_name="people"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # Raised by each edit (case_flows.cases.services.person_update): an edit made on an older
    # version is refused (409), so two people never overwrite each other's changes unseen.
    version = models.PositiveIntegerField(default=1, editable=False)
    # The source's id of an imported person (case_flows/imports): found again on a re-run.
    source_system = models.CharField(_("imported from"), max_length=40, blank=True)
    external_ref = models.CharField(_("reference in the source system"), max_length=80, blank=True)
    # Set when a supervisor merged this record into another (case_flows.registry.merge): the
    # row stays as an alias, so links, imports and the access log naming it still resolve;
    # it is left out of every search, candidate and duplicate list.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(
                fields=["office", "source_system", "external_ref"],
                name="person_external_ref",
                condition=~models.Q(external_ref=""),
            )
        ]

    def __str__(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = timezone.localdate()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


class PersonRelation(models.Model):
    """`relative` is the `relationship` of `person` (e.g. relative is the parent of person)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    is_primary_caregiver = models.BooleanField(_("primary caregiver"), default=False)
    same_household = models.BooleanField(_("same household"), default=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="relation_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="relation_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.get_relationship_display()} of person {self.person_id}"


class PersonMerge(models.Model):
    """Two records of one person made one: `source` kept as an alias of `target`. What the
    target held before and what moved are kept, so an administrator can undo it for a while
    (PERSON_MERGE_UNDO_DAYS)."""

    source = models.ForeignKey(
        Person, verbose_name=_("merged person"), on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        Person, verbose_name=_("kept person"), on_delete=models.PROTECT, related_name="+"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged"), default=timezone.now)
    # {"source": {field: value}, "target": {field: value}}, as stored (dates in ISO).
    values_before = models.JSONField(_("values before"), default=dict)
    # {"cases": [ids], "relations": [ids moved], "relations_dropped": [rows],
    #  "erasure_requests": [ids], "households": {"members": [ids], "incomes": [ids]},
    #  "attachments": [ids about the merged record, now about the kept one]}
    moved = models.JSONField(_("moved"), default=dict)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("merge of people")
        verbose_name_plural = _("merges of people")
        ordering = ["-merged_at", "-pk"]

    def __str__(self):
        return f"{self.source_id} → {self.target_id}"
