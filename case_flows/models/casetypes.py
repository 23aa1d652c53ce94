"""What a case type (a category, in an office or in all) configures beyond its forms: the
need domains its assessments score. Its approval rules are workflows' ApprovalRule rows with the
category's code; its deadlines are SLA policies with that code.

A stored assessment keeps the domains' codes (`Assessment.needs`), so a retired domain's score
still shows, with its label: domains are retired (`is_active`), never deleted by the pages.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction

from .formdefs import translated, unique_with_nullable


class NeedDomain(models.Model):
    """One area of a client's life an assessment scores (safety, health, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    labels = models.JSONField(_("labels"), default=dict, help_text=_("The name in each language."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("A retired domain is not asked any more; scores already given still show."),
    )
    jurisdiction = models.CharField(
        _("country"),
        max_length=2,
        choices=Jurisdiction.choices,
        blank=True,
        help_text=_("Empty: offered in every country. Otherwise only to offices of that country."),
    )

    class Meta:
        verbose_name = _("need domain")
        verbose_name_plural = _("need domains")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return translated(self.labels, self.code)


class CaseTypeNeedDomain(models.Model):
    """A need domain a case type's assessments score. The most specific selection wins: the
    office's rows for the category, then the category's rows for every office (office empty);
    with none, every active domain of the office's country applies."""

    category = models.ForeignKey(
        "case_flows.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every office."),
    )
    domain = models.ForeignKey(
        NeedDomain, verbose_name=_("need domain"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("need domain of a case type")
        verbose_name_plural = _("need domains of case types")
        constraints = unique_with_nullable(
            ["category", "office", "domain"], ["office"], "case_type_need_domain"
        )

    def __str__(self):
        return f"{self.category_id}/{self.office_id or '*'}: {self.domain_id}"
