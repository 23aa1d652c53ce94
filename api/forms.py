"""Forms of the API credential pages. They check the shape of the input; the rules (which
lifetimes, which roles, whose account) are the services', whose messages the views put on the
fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Office, Role, User

from .clients import service_account_candidates, service_account_roles
from .scopes import FAMILIES, scope_choices
from .tokens import default_lifetime, lifetime_choices

NEW_ACCOUNT = "new"
EXISTING_ACCOUNT = "existing"


class ScopesFormMixin:
    """The scopes as checkboxes, grouped by resource family (read / change) on the page."""

    def scope_groups(self) -> list[dict]:
        bound = self["scopes"]  # type: ignore[index]
        widgets = {widget.data["value"]: widget for widget in bound}
        return [
            {
                "family": family,
                "label": what,
                "widgets": [
                    widgets[f"{family}:{mode}"]
                    for mode in ("read", "write")
                    if f"{family}:{mode}" in widgets  # a read-only family offers no write
                ],
            }
            for family, what in FAMILIES.items()
        ]


def _scopes_field(help_text) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=list(scope_choices().items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={"required": _("Choose at least one scope.")},
    )


class PersonalTokenForm(ScopesFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Monthly report script”."),
    )
    scopes = _scopes_field(
        _(
            "What the token may do. It never reaches more than you can: the cases and people "
            "your role lets you see."
        )
    )
    days = forms.TypedChoiceField(label=_("Expires after"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days_field = self.fields["days"]
        assert isinstance(days_field, forms.TypedChoiceField)
        days_field.choices = [
            (days, ngettext("%(days)s day", "%(days)s days", days) % {"days": days})
            for days in lifetime_choices()
        ]
        days_field.initial = default_lifetime()


class ApiClientForm(ScopesFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("The system that calls, e.g. “Payments”.")
    )
    scopes = _scopes_field(_("What the client may ask for; its tokens carry no other scope."))
    account = forms.ChoiceField(
        label=_("Service account"),
        widget=forms.RadioSelect,
        choices=[
            (NEW_ACCOUNT, _("Create a service account")),
            (EXISTING_ACCOUNT, _("Use an existing account of the office")),
        ],
        initial=NEW_ACCOUNT,
        help_text=_(
            "The client reads and writes as this account: its role decides which cases and "
            "people the client reaches."
        ),
    )
    role = forms.ChoiceField(label=_("Role of the new account"), required=False, choices=())
    username = forms.CharField(
        label=_("Username of the new account"),
        required=False,
        max_length=150,
        help_text=_("Leave empty for “api-” and the client's name."),
    )
    service_account = forms.ChoiceField(label=_("Existing account"), required=False, choices=())

    def __init__(self, *args, actor: User, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        roles = service_account_roles(actor)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [("", _("Choose a role")), *[(r, Role(r).label) for r in roles]]
        self.candidates = {
            str(person.pk): person for person in service_account_candidates(actor, office)
        }
        account_field = self.fields["service_account"]
        assert isinstance(account_field, forms.ChoiceField)
        account_field.choices = [
            ("", _("Choose an account")),
            *[(pk, f"{person} ({person.username})") for pk, person in self.candidates.items()],
        ]

    def clean(self):
        data = super().clean()
        if data.get("account") == EXISTING_ACCOUNT:
            if not data.get("service_account"):
                self.add_error("service_account", _("Choose the account the client acts as."))
        elif data.get("account") == NEW_ACCOUNT and not data.get("role"):
            self.add_error("role", _("Choose the role of the new service account."))
        return data

    def chosen_account(self) -> User | None:
        if self.cleaned_data.get("account") != EXISTING_ACCOUNT:
            return None
        return self.candidates.get(self.cleaned_data.get("service_account") or "")
