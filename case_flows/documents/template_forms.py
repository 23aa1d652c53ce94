"""Forms of generated documents: a template's editor, a new template, the letterhead, and the
case page's "Generate a document"."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .validation import ACCEPT

SAMPLE_CASE = ""


class TemplateEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    body = forms.CharField(
        label=_("Template"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}),
        help_text=_("HTML with {{ variables }} and the tags listed below."),
    )
    is_active = forms.BooleanField(label=_("Offered on the case page"), required=False)
    needs_referral = forms.BooleanField(
        label=_("Only for a case with a referral"),
        required=False,
        help_text=_("E.g. a referral letter: not offered, nor made, for a case with none."),
    )
    preview_case = forms.ChoiceField(label=_("Preview with"), required=False)
    free_text = forms.CharField(
        label=_("Free text for the preview"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, preview_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["preview_case"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (SAMPLE_CASE, _("A sample case (made-up data)")),
            *((str(c.pk), f"{c.reference} · {c.person}") for c in preview_cases),
        ]


class TemplateNewForm(TemplateEditForm):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("Lowercase letters, digits and hyphens, e.g. home-visit-letter."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    field_order = ["key", "language", "name", "body", "is_active", "needs_referral"]


class LetterheadForm(forms.Form):
    name = forms.CharField(label=_("Name on documents"), max_length=200)
    address = forms.CharField(
        label=_("Address lines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One line each: street, town, phone, e-mail."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG, JPEG or WebP picture; kept privately."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT.split(",application")[0]}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)


class GenerateForm(forms.Form):
    template = forms.ChoiceField(label=_("Document"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    referral = forms.ChoiceField(label=_("Referral (for a referral letter)"), required=False)
    free_text = forms.CharField(
        label=_("Text for the document"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a notice: the decision or the appointment (date, time, place)."),
    )

    def __init__(self, *args, templates=(), referrals=(), reader_language="en", **kwargs):
        super().__init__(*args, **kwargs)
        names: dict[str, str] = {}
        for template in templates:
            if template.needs_referral and not referrals:
                continue  # a referral letter for a case with no referral: not offered
            # One choice per key, named in the reader's language when there is such a version.
            if template.key not in names or template.language == reader_language:
                names[template.key] = template.name
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ChoiceField)
        template_field.choices = sorted(names.items(), key=lambda item: item[1])
        referral_field = self.fields["referral"]
        assert isinstance(referral_field, forms.ChoiceField)
        referral_field.choices = [
            ("", _("The latest referral")),
            *((str(r.pk), f"{r.service_type} · {r.provider_name}") for r in referrals),
        ]
