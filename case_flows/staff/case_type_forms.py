"""Forms of the Case types pages: a category's approval rules and need domains in an office,
and a need domain's code, names, order and country."""

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction
from workflows.approvals.models import ApprovalKind

AS_OFFICE, REQUIRED, NOT_REQUIRED = "", "required", "not_required"
RULE_VALUE = {AS_OFFICE: None, REQUIRED: True, NOT_REQUIRED: False}
STEP_HELP = {
    ApprovalKind.ASSESSMENT: _("Approval of the assessment"),
    ApprovalKind.PLAN: _("Approval of the case plan"),
    ApprovalKind.CLOSURE: _("Approval of the closure"),
    ApprovalKind.DECISION: _("Approval of an administrative decision"),
}


class CaseTypeForm(forms.Form):
    """One choice per approval step, then the need domains (checkboxes)."""

    domains = forms.MultipleChoiceField(
        label=_("Need domains the assessment asks"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the domains chosen for every office, else every domain in use."),
    )

    def __init__(self, *args, category, domains, **kwargs):
        initial = {
            f"approval_{kind}": {None: AS_OFFICE, True: REQUIRED, False: NOT_REQUIRED}[required]
            for kind, required in category.approvals.items()
        }
        initial["domains"] = [str(pk) for pk in category.office_domain_ids]
        super().__init__(*args, initial=initial, **kwargs)
        self.domain_rows = {str(d.pk): d for d in domains}
        self.fields["domains"].choices = [(str(d.pk), d.label) for d in domains]
        steps = {}
        for kind in ApprovalKind.values:
            office_rule = _("required") if category.office_rules[kind] else _("not required")
            steps[f"approval_{kind}"] = forms.ChoiceField(
                label=STEP_HELP[kind],
                choices=[
                    (AS_OFFICE, _("As the office's rule (%(rule)s)") % {"rule": office_rule}),
                    (REQUIRED, _("Required")),
                    (NOT_REQUIRED, _("Not required")),
                ],
                required=False,
                widget=forms.RadioSelect,
            )
        self.fields = {**steps, **self.fields}

    def approval_fields(self):
        return [self[f"approval_{kind}"] for kind in ApprovalKind.values]

    def approvals(self) -> dict[str, bool | None]:
        return {
            kind: RULE_VALUE[self.cleaned_data[f"approval_{kind}"] or AS_OFFICE]
            for kind in ApprovalKind.values
        }

    def chosen_domains(self):
        return [self.domain_rows[pk] for pk in self.cleaned_data["domains"]]


class NeedDomainForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores; it cannot change later."),
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$",
                _("Use lower-case letters, digits and underscores, starting with a letter."),
            )
        ],
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
    jurisdiction = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, domain=None, countries, **kwargs):
        if domain is not None:
            kwargs.setdefault(
                "initial",
                {
                    **{
                        f"label_{lang}": domain.labels.get(lang, "")
                        for lang, _n in settings.LANGUAGES
                    },
                    "order": domain.order,
                    "jurisdiction": domain.jurisdiction,
                },
            )
        super().__init__(*args, **kwargs)
        if domain is not None:
            del self.fields["code"]
        for lang, name in settings.LANGUAGES:
            self.fields[f"label_{lang}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": name},
                max_length=120,
                required=lang == settings.LANGUAGE_CODE,
            )
        # Labels after the code, before the order.
        order = [
            "code",
            *(f"label_{lang}" for lang, _n in settings.LANGUAGES),
            "order",
            "jurisdiction",
        ]
        self.fields = {name: self.fields[name] for name in order if name in self.fields}
        self.fields["jurisdiction"].choices = countries
        # Only a national administrator has "every country" (the empty value) to choose.
        self.fields["jurisdiction"].required = all(value for value, _label in countries)

    def labels(self) -> dict[str, str]:
        return {lang: self.cleaned_data[f"label_{lang}"] for lang, _n in settings.LANGUAGES}


def countries_for(every_office: bool, office) -> list[tuple[str, str]]:
    """Whom a new domain is for: a national administrator chooses; an office's administrator
    adds one for their own country only."""
    if every_office:
        return [("", _("Every country")), *Jurisdiction.choices]
    return [(office.jurisdiction, office.get_jurisdiction_display())]
