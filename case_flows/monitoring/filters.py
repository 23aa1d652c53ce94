"""The dashboard's filters and scope: the filter form, the filters it builds, and the access
scope with those filters as conditions on cases and deadline clocks (every figure starts here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, Team, User
from accounts.scope import scope_for, scope_q, visible_offices, visible_teams
from workflows.sla.calendar import add_months

from ..cases.selectors import cases_visible_to
from ..models import OPEN_STAGES, Case, Category, Risk, Stage

DEFAULT_MONTHS = 6

MAX_RANGE_DAYS = 731
STAGE_LABELS = dict(Stage.choices)

# The stages a case can spend time in before leaving them (closed is left only by reopening).
TIMED_STAGES = [s for s in OPEN_STAGES]
FILTER_KEYS = ("office", "team", "risk", "category", "date_from", "date_to")
# The dashboard reads no history before this (and a year 9999 is a typing error).
EARLIEST_DATE = date(2000, 1, 1)


class FigureError(ValueError):
    """A figure name or value that the case list cannot show; the message is safe to show."""


@dataclass(frozen=True)
class DashboardFilters:
    office_id: int | None = None
    team_id: int | None = None
    risk: str | None = None
    category_id: int | None = None
    # The category's code: SLA clocks carry the code, not the id.
    category_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def coerce(cls, filters) -> DashboardFilters:
        if filters is None:
            filters = cls()
        elif isinstance(filters, dict):
            filters = cls(**filters)
        return filters.with_defaults()

    def with_defaults(self) -> DashboardFilters:
        if self.date_from and self.date_to:
            return self
        date_from, date_to = default_date_range()
        return replace(self, date_from=self.date_from or date_from, date_to=self.date_to or date_to)

    @property
    def first_day(self) -> date:
        """date_from, always set on filters from coerce() (every figure reads those)."""
        if self.date_from is None:
            raise ValueError("Dashboard filters without a date range: coerce() them first.")
        return self.date_from

    @property
    def last_day(self) -> date:
        """date_to, always set on filters from coerce() (every figure reads those)."""
        if self.date_to is None:
            raise ValueError("Dashboard filters without a date range: coerce() them first.")
        return self.date_to

    @property
    def start(self) -> datetime:
        return day_start(self.first_day)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after date_to."""
        return day_start(self.last_day + timedelta(days=1))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat() if self.date_from else None
        data["date_to"] = self.date_to.isoformat() if self.date_to else None
        return data

    def as_query(self) -> dict[str, str]:
        """The GET parameters that reproduce these filters (for links)."""
        query = {}
        if self.office_id:
            query["office"] = str(self.office_id)
        if self.team_id:
            query["team"] = str(self.team_id)
        if self.risk:
            query["risk"] = self.risk
        if self.category_id:
            query["category"] = str(self.category_id)
        if self.date_from:
            query["date_from"] = self.date_from.isoformat()
        if self.date_to:
            query["date_to"] = self.date_to.isoformat()
        return query


def default_date_range(today: date | None = None) -> tuple[date, date]:
    """This month and the five before it, to today."""
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -(DEFAULT_MONTHS - 1)), today


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


# --- scope --------------------------------------------------------------------------------


def case_scope_q(user: User, filters: DashboardFilters, prefix: str = "") -> Q:
    """The user's access scope and the dashboard filters, on the case reached by `prefix`."""
    p = prefix
    condition = scope_q(user, office=f"{p}office", team=f"{p}team", owner=f"{p}owner")
    if filters.office_id:
        condition &= Q(**{f"{p}office_id": filters.office_id})
    if filters.team_id:
        condition &= Q(**{f"{p}team_id": filters.team_id})
    if filters.risk:
        condition &= Q(**{f"{p}risk": filters.risk})
    if filters.category_id:
        condition &= Q(**{f"{p}category_id": filters.category_id})
    return condition


def clock_scope_q(user: User, filters: DashboardFilters) -> Q:
    """The scope on an SLA clock's own office and team (copied from its case).

    By office and team only: a case a supervisor owns outside their teams is not counted
    here (an OR on the owner would make PostgreSQL scan every met clock). The redundant
    office condition lets it read the (office, stopped_at) index, office by office.
    """
    scope = scope_for(user)
    condition = Q()
    if not scope.all_offices:
        condition = scope_q(user, office="office", team="team", owner=None)
        condition &= Q(office_id__in=visible_offices(user).values("pk"))
    if filters.office_id:
        condition &= Q(office_id=filters.office_id)
    if filters.team_id:
        condition &= Q(team_id=filters.team_id)
    if filters.risk:
        condition &= Q(risk=filters.risk)
    if filters.category_code:
        condition &= Q(category=filters.category_code)
    return condition


def scoped_cases(user: User, filters: DashboardFilters) -> QuerySet[Case]:
    """Cases in the user's scope that match the filters (the base of every case list)."""
    qs = cases_visible_to(user)
    if filters.office_id:
        qs = qs.filter(office_id=filters.office_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.risk:
        qs = qs.filter(risk=filters.risk)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    return qs


def exclude_closed(qs: QuerySet[Case]) -> QuerySet[Case]:
    # exclude() (NOT stage = 'closed') matches the partial indexes' predicate.
    return qs.exclude(stage=Stage.CLOSED)


def shows_rollup(user: User, filters: DashboardFilters) -> bool:
    """National managers and administrators see every office as a roll-up table."""
    return scope_for(user).all_offices and not filters.office_id


def office_choices(user: User) -> QuerySet[Office]:
    return visible_offices(user).order_by("name")


# --- the form -----------------------------------------------------------------------------


class DashboardFilterForm(forms.Form):
    """The dashboard's GET filters; choices are limited to what the user may see."""

    office: forms.ModelChoiceField[Office] = forms.ModelChoiceField(
        label=_("Office"), queryset=None, required=False, empty_label=_("All offices")
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )
    risk = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any risk")), *Risk.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("order", "name"),
        required=False,
        empty_label=_("All categories"),
    )
    date_from = forms.DateField(
        label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Date to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["office"].queryset = visible_offices(user).order_by("name")
        teams = visible_teams(user)
        office = (data or {}).get("office") or ""
        if office.isdigit():
            teams = teams.filter(office_id=int(office))
        elif scope_for(user).all_offices:
            # Hundreds of offices: list teams once an office is chosen.
            teams = teams.none()
            self.fields["team"].help_text = _("Choose an office first.")
        self.fields["team"].queryset = teams.order_by("name")
        # Categories of the user's country (a Ghana office has no Niebieska Karta); a
        # national user sees every country's.
        home = None if scope_for(user).all_offices else user.home_office
        self.fields["category"].queryset = Category.offered_to(home).order_by("order", "name")

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        earliest, latest = EARLIEST_DATE, timezone.localdate() + timedelta(days=366)
        for name, day in (("date_from", date_from), ("date_to", date_to)):
            if day and not earliest <= day <= latest:
                self.add_error(
                    name,
                    _("Choose a date between %(earliest)s and %(latest)s.")
                    % {
                        "earliest": date_format(earliest, "SHORT_DATE_FORMAT"),
                        "latest": date_format(latest, "SHORT_DATE_FORMAT"),
                    },
                )
                return data
        if date_from and date_to:
            if date_from > date_to:
                raise forms.ValidationError(_("The start date is after the end date."))
            if (date_to - date_from).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(_("Choose a date range of at most two years."))
        team, office = data.get("team"), data.get("office")
        if team and office and team.office_id != office.pk:
            self.add_error("team", _("This team belongs to another office."))
        return data

    def filters(self):
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        category = data.get("category")
        team = data.get("team")
        return DashboardFilters(
            office_id=data["office"].pk if data.get("office") else None,
            team_id=team.pk if team else None,
            risk=data.get("risk") or None,
            category_id=category.pk if category else None,
            category_code=category.code if category else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        ).with_defaults()

    def error_text(self) -> str:
        parts = []
        for field, errors in self.errors.items():
            label = self.fields[field].label if field in self.fields else ""
            for error in errors:
                parts.append(f"{label}: {error}" if label else str(error))
        return " ".join(parts)


def request_filters(request):
    """The validated filters; bad input is reported and the defaults are used instead."""
    data = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key, "") != ""}
    if not data:
        return DashboardFilterForm(user=request.user), DashboardFilters.coerce(None)
    form = DashboardFilterForm(data, user=request.user)
    if form.is_valid():
        return form, form.filters()
    messages.error(
        request,
        gettext("Some filters could not be used, so the defaults are shown. %(errors)s")
        % {"errors": form.error_text()},
    )
    return DashboardFilterForm(user=request.user), DashboardFilters.coerce(None)
