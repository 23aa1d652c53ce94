"""Forms of periodic case reviews: the supervisor's review of a case."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ReviewOutcome


class CaseReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome of the review"), choices=ReviewOutcome.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))
