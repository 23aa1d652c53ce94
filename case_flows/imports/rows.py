"""One source record read into our terms, or a clear reason why it cannot be."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Office, Team, User

from ..models import Category, Relationship, Risk, Safety, Sex, Stage
from ..models.choices import IntakeSource
from ..text import fold
from .mapping import Mapping, pick, translate


class RowError(ValueError):
    """This row cannot be imported; the message says why (in the reader's language)."""


@dataclass
class RelativeRow:
    given_name: str
    family_name: str
    relationship: str
    sex: str = Sex.UNKNOWN
    date_of_birth: datetime.date | None = None
    phone: str = ""
    is_caregiver: bool = False
    lives_with: bool = True  # lives with the client: a member of the client's household


@dataclass
class ImportRow:
    external_ref: str
    person: dict
    person_ref: str
    category: Category
    risk: str
    stage: str
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    caseworker: User | None
    team: Team | None
    source: str
    presenting_concerns: str
    immediate_safety: str
    consent_to_share: bool
    relatives: list[RelativeRow] = field(default_factory=list)


class Lookups:
    """What rows refer to, read once per import: categories, the office's staff and teams."""

    def __init__(self, office: Office):
        self.office = office
        self.categories: dict[str, Category] = {}
        for category in Category.offered_to(office):
            for key in (category.code, category.name, category.name_pl):
                if key:
                    self.categories.setdefault(fold(key), category)
        self.users = {
            fold(u.username): u
            for u in User.objects.filter(home_office=office, is_active=True).prefetch_related(
                "teams", "groups"
            )
        }
        self.teams = {
            fold(t.name): t
            for t in Team.objects.filter(office=office).select_related("supervisor", "office")
        }
        # who registers a case with no caseworker or team: a supervisor of the office
        self.registrar = next(
            (t.supervisor for t in self.teams.values() if t.supervisor and t.supervisor.is_active),
            None,
        )


def split_name(full: str) -> tuple[str, str]:
    """'Ama Serwaa Mensah' -> ('Ama Serwaa', 'Mensah'): the family name is the last word."""
    words = full.split()
    if len(words) < 2:
        return full.strip(), ""
    return " ".join(words[:-1]), words[-1]


def parse_date(raw, formats: list[str], what: str) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise RowError(
            _("%(what)s: “%(value)s” is not a date we can read.") % {"what": what, "value": text}
        ) from None


def _at_noon(day: datetime.date | None, office: Office) -> datetime.datetime | None:
    if day is None:
        return None
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=office.tzinfo)


def _dob(raw_dob, raw_age, formats) -> tuple[datetime.date | None, bool]:
    dob = parse_date(raw_dob, formats, _("Date of birth"))
    if dob or raw_age in (None, ""):
        return dob, False
    try:
        age = int(float(str(raw_age)))
    except ValueError:
        raise RowError(_("Age: “%(value)s” is not a number.") % {"value": raw_age}) from None
    today = timezone.localdate()
    return today.replace(year=today.year - age, month=1, day=1), True


def _yes(raw) -> bool:
    return raw is True or str(raw).strip().lower() in {"true", "yes", "y", "1", "tak", "t"}


def _lives_with(raw) -> bool:
    """No column or no value: yes (a source that does not say lists the household)."""
    if raw is None or str(raw).strip() == "":
        return True
    return _yes(raw)


def _relatives(record: dict, mapping: Mapping) -> list[RelativeRow]:
    if not mapping.relative_fields:
        return []
    items = record.get(mapping.relatives_list) if mapping.relatives_list else [record]
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        cols = mapping.relative_fields
        given = str(pick(item, cols.get("given_name", ())) or "")
        family = str(pick(item, cols.get("family_name", ())) or "")
        if not given:
            given, family = split_name(str(pick(item, cols.get("name", ())) or ""))
        if not given:
            continue
        raw_rel = pick(item, cols.get("relationship", ()))
        relationship = translate(mapping.relative_values.get("relationship"), raw_rel)
        if relationship not in Relationship.values:
            relationship = Relationship.OTHER
        dob, _estimated = _dob(
            pick(item, cols.get("date_of_birth", ())),
            pick(item, cols.get("age", ())),
            mapping.date_formats,
        )
        sex = translate({"female": "female", "male": "male"}, pick(item, cols.get("sex", ())))
        found.append(
            RelativeRow(
                given_name=given,
                family_name=family or _("(unknown)"),
                relationship=relationship,
                sex=sex or Sex.UNKNOWN,
                date_of_birth=dob,
                phone=str(pick(item, cols.get("phone", ())) or "")[:32],
                is_caregiver=_yes(pick(item, cols.get("is_caregiver", ()))),
                lives_with=_lives_with(pick(item, cols.get("lives_with", ()))),
            )
        )
    return found


def _choice(mapping: Mapping, record: dict, name: str, allowed, label: str) -> str:
    raw = mapping.get(record, name)
    value = mapping.value(name, raw)
    if value is not None and name not in mapping.values:
        value = fold(value).replace(" ", "_").replace("-", "_")
    if value not in allowed:
        raise RowError(
            _("%(what)s: “%(value)s” is not one we know.") % {"what": label, "value": raw}
        )
    return value


def _person(record: dict, mapping: Mapping) -> dict:
    given = str(mapping.get(record, "person.given_name") or "")
    family = str(mapping.get(record, "person.family_name") or "")
    if not (given and family):
        full_given, full_family = split_name(str(mapping.get(record, "person.name") or ""))
        given, family = given or full_given, family or full_family
    if not (given and family):
        raise RowError(_("The client's given and family names are required."))
    dob, estimated = _dob(
        mapping.get(record, "person.date_of_birth"),
        mapping.get(record, "person.age"),
        mapping.date_formats,
    )
    return {
        "given_name": given[:120],
        "family_name": family[:120],
        "sex": _choice(mapping, record, "person.sex", Sex.values, _("Sex")),
        "date_of_birth": dob,
        "date_of_birth_estimated": estimated,
        "national_id": str(mapping.get(record, "person.national_id") or "")[:40],
        "phone": str(mapping.get(record, "person.phone") or "")[:32],
        "address": str(mapping.get(record, "person.address") or "")[:255],
    }


def _staff(record: dict, mapping: Mapping, lookups: Lookups) -> tuple[User | None, Team | None]:
    username = mapping.value("case.caseworker", mapping.get(record, "case.caseworker"))
    caseworker = None
    if username:
        caseworker = lookups.users.get(fold(username))
        if caseworker is None:
            raise RowError(
                _("Caseworker “%(name)s” is not an active member of this office's staff.")
                % {"name": username}
            )
    team_name = mapping.value("case.team", mapping.get(record, "case.team"))
    team = None
    if team_name:
        team = lookups.teams.get(fold(team_name))
        if team is None:
            raise RowError(_("Team “%(name)s” is not a team of this office.") % {"name": team_name})
    elif caseworker is not None:
        team = next((t for t in caseworker.teams.all() if t.office_id == lookups.office.pk), None)
        team = lookups.teams.get(fold(team.name)) if team else None
    return caseworker, team


def row_read(record: dict, mapping: Mapping, lookups: Lookups) -> ImportRow:
    """`record` in our terms; RowError with the first thing wrong with it."""
    person = _person(record, mapping)
    raw_category = mapping.get(record, "case.category")
    category_key = mapping.value("case.category", raw_category)
    category = lookups.categories.get(fold(category_key or ""))
    if category is None:
        raise RowError(
            _("Category “%(value)s” is not one this office uses.") % {"value": raw_category}
        )
    stage = _choice(mapping, record, "case.stage", Stage.values, _("Stage"))
    if mapping.value("case.status", mapping.get(record, "case.status")) == Stage.CLOSED:
        stage = Stage.CLOSED
    caseworker, team = _staff(record, mapping, lookups)
    formats = mapping.date_formats
    opened = parse_date(mapping.get(record, "case.opened_at"), formats, _("Opened"))
    closed = parse_date(mapping.get(record, "case.closed_at"), formats, _("Closed"))
    if opened and closed and closed < opened:
        raise RowError(_("The case closed before it opened."))
    if opened and opened > timezone.localdate():
        raise RowError(_("The case opens in the future."))
    source = mapping.value("case.source", mapping.get(record, "case.source"))
    safety = mapping.value("case.immediate_safety", mapping.get(record, "case.immediate_safety"))
    return ImportRow(
        external_ref=str(mapping.get(record, "case.external_ref") or "")[:80],
        person=person,
        person_ref=str(mapping.get(record, "person.external_ref") or "")[:80],
        category=category,
        risk=_choice(mapping, record, "case.risk", Risk.values, _("Risk level")),
        stage=stage,
        opened_at=_at_noon(opened, lookups.office),
        closed_at=_at_noon(closed, lookups.office),
        caseworker=caseworker,
        team=team,
        source=source if source in IntakeSource.values else IntakeSource.OTHER_OFFICE,
        presenting_concerns=str(mapping.get(record, "case.presenting_concerns") or ""),
        immediate_safety=safety if safety in Safety.values else Safety.AT_RISK,
        consent_to_share=_yes(mapping.get(record, "case.consent_to_share")),
        relatives=_relatives(record, mapping),
    )
