"""Forms an office configures without a developer: lookups (choice lists), form definitions
with numbered versions, and which form each stage of a case type uses.

A version's `content` is the definition (sections and fields, see case_flows/formdefs/content.py);
`json_schema` is compiled from it when it is published and never changes afterwards, so an
answer keeps the meaning it was written with. The fields the engine depends on (risk, category,
the decision, the closure reason, the need scores) stay typed columns of the stage records; a
definition shows them as `core` fields, in place, and stores only the configured ones.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def unique_with_nullable(fields: list[str], nullable: list[str], name: str) -> list:
    """Unique `fields` where some may be NULL (NULL counting as one value), as partial
    constraints, which SQLite (make run) supports too."""
    out = []
    for n in range(2 ** len(nullable)):
        null = {f: bool(n >> i & 1) for i, f in enumerate(nullable)}
        cond = Q(**{f"{f}__isnull": v for f, v in null.items()})
        cols = [f for f in fields if not null.get(f)]
        suffix = "".join("n" if v else "v" for v in null.values())
        out.append(models.UniqueConstraint(fields=cols, condition=cond, name=f"{name}_{suffix}"))
    return out


def translated(labels: dict | None, fallback: str = "") -> str:
    """The label in the active language, else English, else any language it has."""
    if not labels:
        return fallback
    lang = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return (
        labels.get(lang)
        or labels.get(settings.LANGUAGE_CODE)
        or next((v for v in labels.values() if v), fallback)
    )


class FormStage(models.TextChoices):
    """The stage records a configured form can extend (the task that writes each)."""

    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    PLAN = "plan", _("Case plan")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSURE = "closure", _("Closure")


class Lookup(models.Model):
    """A choice list, reusable across forms: global (office empty) or one office's own."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.SlugField(_("key"), max_length=60)
    labels = models.JSONField(_("name"), default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lookup")
        verbose_name_plural = _("lookups")
        constraints = unique_with_nullable(["office", "key"], ["office"], "lookup_key")
        ordering = ["key"]

    def __str__(self):
        return translated(self.labels, self.key)


class LookupValue(models.Model):
    lookup = models.ForeignKey(Lookup, on_delete=models.CASCADE, related_name="values")
    code = models.SlugField(_("code"), max_length=60)
    labels = models.JSONField(_("label"), default=dict)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("offered"),
        default=True,
        help_text=_("A value no longer offered still shows on the records that chose it."),
    )

    class Meta:
        verbose_name = _("lookup value")
        verbose_name_plural = _("lookup values")
        constraints = [
            models.UniqueConstraint(fields=["lookup", "code"], name="lookup_value_code_unique")
        ]
        ordering = ["order", "code"]

    def __str__(self):
        return translated(self.labels, self.code)


class FormDefinition(models.Model):
    """A form for one stage's task: global (office empty) or one office's own."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.SlugField(_("key"), max_length=60)
    labels = models.JSONField(_("name"), default=dict)
    stage = models.CharField(_("stage"), max_length=20, choices=FormStage.choices)
    is_draft_template = models.BooleanField(
        _("draft for the office to check"),
        default=False,
        help_text=_("Seeded from a statutory form's main parts: check it before using it."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("form definition")
        verbose_name_plural = _("form definitions")
        constraints = unique_with_nullable(["office", "key"], ["office"], "form_key")
        ordering = ["stage", "key"]

    def __str__(self):
        return translated(self.labels, self.key)


class FormVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class FormVersion(models.Model):
    """One numbered version of a definition. A draft can be edited; a published version never
    changes (records keep pointing at it). The newest published version is the one in use."""

    definition = models.ForeignKey(
        FormDefinition, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=FormVersionStatus.choices, default="draft"
    )
    content = models.JSONField(_("sections and fields"), default=dict)
    # The lookups' values as they were at publication, so a record always shows its choices.
    lookups = models.JSONField(default=dict, blank=True)
    json_schema = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="form_version_number"),
            models.UniqueConstraint(
                fields=["definition"],
                condition=Q(status="draft"),
                name="one_draft_per_form",
            ),
        ]
        ordering = ["definition", "-number"]

    def __str__(self):
        return f"{self.definition} v{self.number}"


class CaseTypeForm(models.Model):
    """Which form a stage uses, for a case type (a category, or any) in an office (or all).
    The most specific row wins: office+category, office, category, then the global default."""

    office = models.ForeignKey(
        "accounts.Office", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        "case_flows.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=FormStage.choices)
    definition = models.ForeignKey(
        FormDefinition, on_delete=models.PROTECT, related_name="assignments"
    )

    class Meta:
        verbose_name = _("form used by a case type")
        verbose_name_plural = _("forms used by case types")
        constraints = unique_with_nullable(
            ["office", "category", "stage"], ["office", "category"], "case_type_form"
        )

    def __str__(self):
        return f"{self.get_stage_display()}: {self.definition}"
