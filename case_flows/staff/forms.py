"""Forms of the staff pages. They check the shape of the input; who may grant which role,
which deputy or colleague is acceptable and what is unique are the services' rules, whose
messages the views put on the fields."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountAction, Office, Role, Team, User
from accounts.phones import validate_phone
from accounts.staff_rules import roles_grantable_by

from ..cases.forms import CHOOSE, DateInput
from . import selectors

QUEUE = "queue"
PHONE_HELP = _("Used for SMS notifications, e.g. +233 24 123 4567.")


class PersonField(forms.CharField):
    """A person picked from a list: the id is looked up among all accounts, so that someone
    not on the list (another office's, a deactivated one) gets the service's clear message
    rather than a generic "not one of the choices"."""

    def __init__(self, *, people, blank_label=CHOOSE, extra_choices=(), **kwargs):
        super().__init__(widget=forms.Select, **kwargs)
        self.widget.choices = [
            ("", blank_label),
            *extra_choices,
            *[(person.pk, _label(person)) for person in people],
        ]

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None, QUEUE):
            return None
        if not str(value).isdigit():
            raise forms.ValidationError(_("Choose a person from the list."))
        person = User.objects.filter(pk=int(value)).first()
        if person is None:
            raise forms.ValidationError(_("Choose a person from the list."))
        return person


def _label(person: User) -> str:
    return f"{person} ({person.username})"


def _roles_field(actor: User) -> forms.MultipleChoiceField:
    """Every role validates (so that a role the actor may not grant gets the service's
    message, naming it); only the grantable ones are offered."""
    field = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    grantable = roles_grantable_by(actor)
    field.widget.choices = [(value, label) for value, label in Role.choices if value in grantable]
    return field


def _teams_field(office_id: int | None) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.filter(office_id=office_id).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose teams of this office only.")},
    )


class _PersonDetails(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=32, required=False, validators=[validate_phone]
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The office's language"))] + list(settings.LANGUAGES),
        required=False,
    )

    def __init__(self, *args, actor: User, office_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = PHONE_HELP
        self.fields["roles"] = _roles_field(actor)
        self.fields["teams"] = _teams_field(office_id)


class InviteForm(_PersonDetails):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to use the part of the e-mail address before the @."),
    )
    field_order = ["first_name", "last_name", "email", "username", "roles", "teams"]

    def __init__(self, *args, actor: User, office: Office, **kwargs):
        super().__init__(*args, actor=actor, office_id=office.pk, **kwargs)
        self.fields["preferred_language"].initial = ""


class PersonForm(_PersonDetails):
    def __init__(self, *args, actor: User, person: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "phone": person.phone,
                "preferred_language": person.preferred_language,
                "roles": sorted(
                    person.groups.filter(name__in=Role.values).values_list("name", flat=True)
                ),
                "teams": list(person.teams.filter(office_id=person.home_office_id)),
            },
        )
        super().__init__(*args, actor=actor, office_id=person.home_office_id, **kwargs)
        if actor.pk == person.pk:
            self.fields["roles"].disabled = True
            self.fields["roles"].help_text = _("You cannot change your own roles.")


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label=_("First day away"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day away"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"] = PersonField(
            label=_("Deputy"),
            people=selectors.deputies_for(person),
            blank_label=_("No deputy: another supervisor or the manager"),
            required=False,
            help_text=_("A supervisor of this office who decides their approvals meanwhile."),
        )
        self.order_fields(["starts_on", "ends_on", "deputy", "note"])

    def clean(self):
        data = super().clean()
        for name in ("starts_on", "ends_on"):
            day = data.get(name)
            if day is not None and not (2000 <= day.year <= 2100):
                self.add_error(name, _("Enter a date between 2000 and 2100."))
        return data


class HandoverForm(forms.Form):
    """Where the person's open work goes: a colleague of the office, or the team queue."""

    reason = forms.CharField(
        label=_("Reason (shown on each case's timeline)"), max_length=300, required=False
    )

    def __init__(self, *args, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"] = PersonField(
            label=_("Hand their open work to"),
            people=selectors.colleagues_for_handover(person),
            extra_choices=[(QUEUE, _("Nobody: back to the team queue"))],
            help_text=_(
                "Tasks the colleague may not do (their role, their team, an approval they"
                " asked for) go back to the team queue."
            ),
        )
        self.order_fields(["to_user", "reason"])


AUDIT_ACTIONS = [("", _("All actions")), *AccountAction.choices]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=AUDIT_ACTIONS, required=False)
    date_from = forms.DateField(label=_("First day"), widget=DateInput(), required=False)
    date_to = forms.DateField(label=_("Last day"), widget=DateInput(), required=False)

    def __init__(self, *args, office: Office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = forms.ModelChoiceField(
            label=_("Person"),
            queryset=selectors.office_people(office),
            required=False,
            empty_label=_("Everyone"),
            error_messages={"invalid_choice": _("Choose a person of this office.")},
        )
        self.order_fields(["action", "person", "date_from", "date_to"])

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day is not None and not (
                datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31)
            ):
                self.add_error(name, _("Enter a date between 2000 and 2100."))
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
