"""Forms of the registry: the search before registering, and the identifier fields of a
person form (kind + number, checked and normalised by case_flows.registry.identifiers)."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import Office

from ..models import IdentifierKind, Person
from .identifiers import IdentifierError, identifier_decode, identifier_normalise
from .selectors import Search

if TYPE_CHECKING:
    _FormMixinBase = forms.Form
else:
    _FormMixinBase = object

SEX_NAMES = {"female": _("female"), "male": _("male")}


class IdentifierKindField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


def identifier_kind_field() -> IdentifierKindField:
    return IdentifierKindField(
        label=_("Kind of national ID"),
        queryset=IdentifierKind.objects.filter(active=True),
        required=False,
        empty_label=_("Other or none"),
    )


class IdentifierFields(_FormMixinBase):
    """`national_id_kind` + `national_id`: the kind defaults to the office's country's first;
    a wrong number is an error at the field; `self.filled_from_id` names the fields filled
    in from the number (PESEL: date of birth and sex)."""

    filled_from_id: list[str]

    def _setup_identifier(self, office: Office | None) -> None:
        self.filled_from_id = []
        kinds = IdentifierKind.objects.filter(active=True)
        if office is not None:
            default = kinds.filter(jurisdiction=office.jurisdiction).first()
            if default is not None:
                self.fields["national_id_kind"].initial = default.pk

    def _check_identifier(self, data: dict, *, fill: bool) -> None:
        kind, number = data.get("national_id_kind"), data.get("national_id") or ""
        try:
            data["national_id"] = identifier_normalise(kind, number)
        except IdentifierError as exc:
            self.add_error("national_id", exc.message)
            return
        decoded = identifier_decode(kind, data["national_id"])
        if not fill:
            return
        if decoded.date_of_birth:
            typed = data.get("date_of_birth")
            if typed and typed != decoded.date_of_birth:
                self.add_error(
                    "date_of_birth",
                    _("The PESEL number says the date of birth is %(date)s.")
                    % {"date": decoded.date_of_birth.isoformat()},
                )
            elif not typed and "date_of_birth" not in self.errors:
                data["date_of_birth"] = decoded.date_of_birth
                self.filled_from_id.append("date_of_birth")
        if decoded.sex and "sex" in self.fields:
            typed_sex = data.get("sex") or "unknown"
            if typed_sex in ("", "unknown"):
                data["sex"] = decoded.sex
                self.filled_from_id.append("sex")
            elif typed_sex != decoded.sex:
                self.add_error(
                    "sex",
                    _("The PESEL number says the sex is %(sex)s.")
                    % {"sex": SEX_NAMES.get(decoded.sex, decoded.sex)},
                )


class PersonSearchForm(IdentifierFields, forms.Form):
    """Step 1 of registering: find the person before creating them."""

    given_name = forms.CharField(label=_("Given name"), max_length=120, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=120, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    age = forms.IntegerField(label=_("Or age"), min_value=0, max_value=130, required=False)
    national_id_kind = identifier_kind_field()
    national_id = forms.CharField(label=_("National ID"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    def __init__(self, *args, office: Office | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_identifier(office)

    def clean(self):
        data = super().clean()
        self._check_identifier(data, fill=False)
        if not any(data.get(n) for n in ("given_name", "family_name", "national_id", "phone")):
            raise forms.ValidationError(_("Type a name, a national ID or a phone number."))
        return data

    def search(self) -> Search:
        data = self.cleaned_data
        return Search(
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            age=data["age"],
            national_id=data["national_id"],
            national_id_kind=data["national_id_kind"],
            phone=data["phone"],
        )


# --- merging two records ------------------------------------------------------------------


def _shown(person, name: str) -> str:
    """A field's value as the merge page shows it."""
    value = getattr(person, name)
    if name == "national_id" and value and person.national_id_kind_id:
        return f"{value} ({person.national_id_kind})"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if name == "sex":
        return str(person.get_sex_display())
    if value in (None, ""):
        return "—"
    return str(value)


KEPT = _("%(value)s (kept record)")
MERGED = _("%(value)s (merged record)")


class PersonMergeForm(forms.Form):
    """A radio per field the two records disagree on (the kept value), and a confirmation.
    The default: the value that is filled in, or the newer record's when both are."""

    confirm = forms.BooleanField(
        label=_("I have checked that these two records are the same person."), required=True
    )

    def __init__(self, *args, source, target, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        newer = "source" if source.created_at >= target.created_at else "target"
        for name in fields:
            ours, theirs = getattr(target, name), getattr(source, name)
            if name == "national_id":
                same = (ours, target.national_id_kind_id) == (theirs, source.national_id_kind_id)
            else:
                same = ours == theirs
            label = capfirst(Person._meta.get_field(name).verbose_name)
            if same:
                self.rows.append((label, _shown(target, name), None))
                continue
            if theirs in (None, "") or ours in (None, ""):
                initial = "target" if theirs in (None, "") else "source"
            else:
                initial = newer
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=[
                    ("target", KEPT % {"value": _shown(target, name)}),
                    ("source", MERGED % {"value": _shown(source, name)}),
                ],
                widget=forms.RadioSelect,
                initial=initial,
                required=False,  # not sent: the kept record's value stays
            )
            self.rows.append((label, None, self[name]))
        self.order_fields([name for name in fields if name in self.fields] + ["confirm"])

    def choices(self) -> dict:
        """{field: "source" | "target"} for the fields answered (the service's `choices`)."""
        return {
            name: value for name, value in self.cleaned_data.items() if name != "confirm" and value
        }
