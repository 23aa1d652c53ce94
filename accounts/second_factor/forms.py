"""The one-field forms of the two-step pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the authenticator app, or (where accepted) a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        error_messages={
            "required": _("Enter the code."),
            "max_length": _("That code is too long."),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, label=None, help_text="", numeric=False, autofocus=False, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if label is not None:
            field.label = label
        field.help_text = help_text
        if numeric:
            field.widget.attrs["inputmode"] = "numeric"
        if autofocus:
            field.widget.attrs["autofocus"] = True
