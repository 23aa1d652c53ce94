"""Subject access (RODO art. 15, Ghana's Data Protection Act 843 s. 32): everything held on
one person, as one dict that becomes a machine-readable JSON file or a readable document.

A fixed number of queries whatever the number of cases or events: each section is read for
all the person's cases at once (see docs/subject-rights.md for what is in and what is not).
"""

import datetime
import json
from collections import defaultdict

from django.db import models, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from notifications.models import Notification

from .. import timeline, timeline_text
from ..cases.selectors import cases_visible_to
from ..casetypes.selectors import need_domain_labels
from ..formdefs.runtime import answers_shown, flat_answers, people_answered
from ..models import (
    AccessEvent,
    Assessment,
    Attachment,
    Case,
    CaseEvent,
    CasePlan,
    CaseReview,
    CaseTransfer,
    Closure,
    FollowUp,
    HouseholdMember,
    Income,
    Intake,
    NeedLevel,
    Person,
    PersonRelation,
    Referral,
)
from ..models.records import ConfiguredAnswers

FORMAT_VERSION = 1
# Internal columns, not information about the person (search keys, counters).
# An attachment's stored keys are where its file is, not information (its name, kind, dates
# and size are listed; the files themselves are given on request from the case page).
SKIPPED = {
    "search_name",
    "phone_digits",
    "version",
    "case",
    "person",
    "write_batch",
    "file",
    "thumbnail",
}

# The records of a case, by the key they have in the file.
CASE_RECORDS: dict[str, type[models.Model]] = {
    "assessments": Assessment,
    "plans": CasePlan,
    "follow_ups": FollowUp,
    "closures": Closure,
    "referrals": Referral,
    "transfers": CaseTransfer,
    "reviews": CaseReview,
    "attachments": Attachment,
}


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED]


def _related(model: type[models.Model]) -> list[str]:
    """Its foreign keys but the case and the person, read in the same query."""
    return [f.name for f in _fields(model) if f.is_relation]


def configured_answers(obj: models.Model) -> list[dict]:
    """A stage record's configured answers with the labels of the version it was written
    with, by section: [{section, answers: [{key, label, value}]}] (a group's rows in `value`
    as one text, as in exports)."""
    version = getattr(obj, "form_version", None)
    if version is None:
        return []
    answers = obj.answers or {}  # type: ignore[attr-defined]
    people = {p.pk: p for p in Person.objects.filter(pk__in=people_answered(version, answers))}
    flat = flat_answers(version, answers, people)
    return [
        {
            "section": section.label,
            "answers": [
                {"key": a.key, "label": a.label, "value": flat.get(a.key, "")}
                for a in section.answers
            ],
        }
        for section in answers_shown(version, answers, people)
    ]


def row(obj: models.Model) -> dict:
    """Every column of the row, with stable keys: a choice also as `<name>_display`, a
    foreign key as what it names (the user's, office's or provider's name); a stage record's
    configured answers also labelled (`configured_answers`)."""
    out: dict = {}
    for field in _fields(type(obj)):
        if field.is_relation:
            related = getattr(obj, field.name)
            out[field.name] = str(related) if related is not None else None
            continue
        value = getattr(obj, field.attname)
        out[field.name] = _plain(value)
        if field.choices and value not in (None, ""):
            out[f"{field.name}_display"] = str(getattr(obj, f"get_{field.name}_display")())
    if isinstance(obj, ConfiguredAnswers):
        out["configured_answers"] = configured_answers(obj)
    return out


def _records(model, case_ids) -> dict[int, list]:
    by_case = defaultdict(list)
    qs = model.objects.filter(case_id__in=case_ids).select_related(*_related(model))
    if model is CasePlan:
        qs = qs.prefetch_related("goals", "actions")
    for obj in qs.order_by("pk"):
        item = row(obj)
        if model is CasePlan:
            item["goals"] = [goal.description for goal in obj.goals.all()]
            item["actions"] = [
                {
                    "description": a.description,
                    "responsible": a.responsible,
                    "target_date": _plain(a.target_date),
                }
                for a in obj.actions.all()
            ]
        by_case[obj.case_id].append(item)
    return by_case


def _timelines(case_ids) -> dict[int, list]:
    events = timeline_text.describe(
        list(
            CaseEvent.objects.filter(case_id__in=case_ids)
            .select_related("actor")
            .order_by("created_at", "pk")
        )
    )
    by_case = defaultdict(list)
    for event in events:
        by_case[event.case_id].append(
            {
                "at": _plain(event.created_at),
                "kind": event.kind,
                "kind_display": str(event.get_kind_display()),
                "title": event.what,  # type: ignore[attr-defined]
                "detail": event.detail,  # type: ignore[attr-defined]
                "actor": str(event.actor) if event.actor else None,
                "from_stage": event.from_stage,
                "to_stage": event.to_stage,
                "transition": event.transition,
                "comment": event.comment,
                "data": event.data,
            }
        )
    return by_case


def _relatives(person: Person, viewer: User) -> dict:
    def who(other: Person) -> dict:
        return {
            "id": other.pk,
            "given_name": other.given_name,
            "family_name": other.family_name,
            "sex": other.sex,
            "date_of_birth": _plain(other.date_of_birth),
            "phone": other.phone,
        }

    def relation(rel: PersonRelation, other: Person) -> dict:
        return {
            "relationship": rel.relationship,
            "relationship_display": str(rel.get_relationship_display()),
            "is_primary_caregiver": rel.is_primary_caregiver,
            "same_household": rel.same_household,
            "person": who(other),
        }

    rels = list(
        PersonRelation.objects.filter(Q(person=person) | Q(relative=person))
        .select_related("person", "relative")
        .order_by("pk")
    )
    # The people who named the client as a relative are other clients: only those with a case
    # the viewer may read are named (a restricted case's client stays out, uncounted).
    others = {rel.person_id for rel in rels if rel.person_id != person.pk}
    readable = set(
        cases_visible_to(viewer).filter(person_id__in=others).values_list("person_id", flat=True)
        if others
        else ()
    )
    out: dict[str, list] = {"relatives": [], "relative_of": []}
    for rel in rels:
        if rel.person_id == person.pk:  # rel.relative is the relationship of the client
            out["relatives"].append(relation(rel, rel.relative))
        elif rel.person_id in readable:  # the client is the relationship of rel.person
            out["relative_of"].append(relation(rel, rel.person))
    return out


def _households(person: Person) -> list[dict]:
    """The person's household memberships (current and past), each with the household's
    address and the person's own incomes in it; other members' incomes are theirs, not
    the client's."""
    members = HouseholdMember.objects.filter(person=person).select_related("household")
    incomes: dict[int, list[dict]] = defaultdict(list)
    for income in Income.objects.filter(person=person).order_by("month", "source", "pk"):
        incomes[income.household_id].append(
            {
                "month": _plain(income.month),
                "amount": str(income.amount),
                "source": income.source,
                "source_display": str(income.get_source_display()),
                "note": income.note,
            }
        )
    return [
        {
            "household": member.household_id,
            "address": member.household.address,
            "relationship_to_head": member.relationship_to_head,
            "relationship_display": str(member.get_relationship_to_head_display()),
            "lives_here": member.lives_here,
            "from": _plain(member.from_date),
            "to": _plain(member.to_date),
            "incomes": incomes.get(member.household_id, []),
        }
        for member in members.order_by("from_date", "pk")
    ]


def _notifications(references: list[str]) -> list[dict]:
    rows = (
        Notification.objects.filter(case_reference__in=references)
        .select_related("recipient")
        .order_by("created_at", "pk")
    )
    return [
        {
            "case_reference": n.case_reference,
            "event": n.event,
            "event_display": str(n.get_event_display()),
            "recipient": str(n.recipient),
            "created_at": _plain(n.created_at),
            "read_at": _plain(n.read_at),
            "params": n.params,
        }
        for n in rows
    ]


def _access_rows(person: Person, case_ids) -> list[dict]:
    """Who read the person's data (in the cases of the file, or not tied to a case). The
    readers' network addresses are their own personal data, not the client's: left out."""
    rows = (
        AccessEvent.objects.filter(Q(person=person, case__isnull=True) | Q(case_id__in=case_ids))
        .select_related("user", "office", "case")
        .order_by("at", "pk")
    )
    return [
        {
            "at": _plain(a.at),
            "user": str(a.user),
            "office": str(a.office) if a.office else None,
            "action": a.action,
            "action_display": str(a.get_action_display()),
            "case_reference": a.case.reference if a.case else None,
            "target": a.target,
            "query": a.query,
            "reason": a.reason,
        }
        for a in rows
    ]


SCOPE_NOTE = gettext_lazy(
    "The cases that the person who produced this file may read. Cases held by another office,"
    " and restricted cases outside their access list, are not in it: that office, or someone"
    " on the case's access list, produces them."
)


def person_subject_access(person: Person, *, viewer: User) -> dict:
    """Everything held on the person that `viewer` may read: their details, relatives, every
    case the viewer sees (its details, records, timeline in words, referrals, transfers,
    reviews), the notifications sent about those cases and the access log. Cases of another
    office (another controller) and restricted cases the viewer is not on the access list of
    are left out, unnamed and uncounted: their office, or someone on their list, produces that
    part. Texts are in the active language; dates in ISO 8601."""
    cases = list(
        cases_visible_to(viewer)
        .filter(person=person)
        .select_related(*_related(Case))
        .order_by("opened_at", "pk")
    )
    case_ids = [c.pk for c in cases]
    intakes = {
        i.case_id: row(i)
        for i in Intake.objects.filter(case_id__in=case_ids).select_related(*_related(Intake))
    }
    records = {key: _records(model, case_ids) for key, model in CASE_RECORDS.items()}
    timelines = _timelines(case_ids)
    return {
        "format_version": FORMAT_VERSION,
        "scope": str(SCOPE_NOTE),
        "generated_at": _plain(timezone.now()),
        "person": {"id": person.pk, **row(person)},
        **_relatives(person, viewer),
        "households": _households(person),
        "cases": [
            {
                "id": case.pk,
                **row(case),
                "intake": intakes.get(case.pk),
                **{key: records[key].get(case.pk, []) for key in CASE_RECORDS},
                "timeline": timelines.get(case.pk, []),
            }
            for case in cases
        ],
        "notifications": _notifications([c.reference for c in cases]),
        "access_log": _access_rows(person, case_ids),
    }


@transaction.atomic
def subject_access_file(*, case: Case, actor: User, file_format: str) -> dict:
    """Produce the file on the case's client from this case: the contents, and a timeline row
    on the case saying who produced it and in which form (the view writes the access row)."""
    timeline.subject_access_produced(case, actor=actor, file_format=file_format)
    return person_subject_access(case.person, viewer=actor)


# --- the readable document -------------------------------------------------------------------


# Columns declared without a label (their name would show in English): the document's words.
FIELD_LABELS = {
    "id": gettext_lazy("Number"),
    "created_at": gettext_lazy("Created at"),
    "created_by": gettext_lazy("Created by"),
    "episode": gettext_lazy("Episode"),
    "completed_at": gettext_lazy("Completed at"),
    "completed_by": gettext_lazy("Completed by"),
    "reviewed_by": gettext_lazy("Reviewed by"),
    "decided_by": gettext_lazy("Decided by"),
    "requested_by": gettext_lazy("Requested by"),
    "closed_by": gettext_lazy("Closed by"),
    "responded_by": gettext_lazy("Responded by"),
    "from_owner": gettext_lazy("From caseworker"),
    "from_team": gettext_lazy("From team"),
    "to_owner": gettext_lazy("To caseworker"),
    "to_team": gettext_lazy("To team"),
}


def _label(field: models.Field) -> str:
    if isinstance(field.verbose_name, Promise):  # declared, translatable
        return str(capfirst(field.verbose_name))
    return str(FIELD_LABELS.get(field.name, capfirst(field.verbose_name)))


def _needs_text(value: dict) -> str:
    """{"safety": "high"} as "Safety: High" in the reader's language."""
    domains, levels = need_domain_labels(value), dict(NeedLevel.choices)
    return "; ".join(
        f"{domains.get(domain, domain)}: {levels.get(level, level)}"
        for domain, level in value.items()
    )


def _text(field: models.Field | None, value) -> str:
    if value in (None, ""):
        return "—"
    if field is not None and field.name == "needs" and isinstance(value, dict):
        return _needs_text(value) or "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(field, models.DateTimeField):
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


PLAN_PARTS = {"goals": gettext_lazy("Goals"), "actions": gettext_lazy("Actions")}


def labelled(model: type[models.Model], item: dict | None) -> list[tuple[str, str]]:
    """(label, text) pairs of one row for the readable document, in the reader's language."""
    if not item:
        return []
    pairs: list[tuple[str, str]] = []
    for field in _fields(model):
        if field.name not in item or (field.name == "answers" and "configured_answers" in item):
            continue  # configured answers: labelled below
        value = item.get(f"{field.name}_display", item[field.name])
        pairs.append((_label(field), _text(field, value)))
    for extra, label in PLAN_PARTS.items():
        if extra in item:
            values = [a["description"] if isinstance(a, dict) else a for a in item[extra]]
            pairs.append((str(label), "; ".join(values) or "—"))
    for section in item.get("configured_answers") or []:
        for answer in section["answers"]:
            pairs.append((answer["label"], answer["value"] or "—"))
    return pairs


def readable(data: dict) -> dict:
    """The same contents arranged for the HTML template: labelled rows per section."""
    titles = {key: capfirst(model._meta.verbose_name_plural) for key, model in CASE_RECORDS.items()}
    cases = []
    for case in data["cases"]:
        cases.append(
            {
                "reference": case["reference"],
                "details": labelled(Case, case),
                "intake": labelled(Intake, case["intake"]),
                "records": [
                    (titles[key], [labelled(model, item) for item in case[key]])
                    for key, model in CASE_RECORDS.items()
                ],
                "timeline": [
                    {
                        **event,
                        "at_text": _text(CaseEvent._meta.get_field("created_at"), event["at"]),
                    }
                    for event in case["timeline"]
                ],
            }
        )
    when = CaseEvent._meta.get_field("created_at")
    return {
        "person": labelled(Person, data["person"]),
        "relatives": data["relatives"],
        "relative_of": data["relative_of"],
        "households": data["households"],
        "cases": cases,
        "notifications": [
            {**n, "at_text": _text(when, n["created_at"])} for n in data["notifications"]
        ],
        "access_log": [{**a, "at_text": _text(when, a["at"])} for a in data["access_log"]],
        "generated_at": _text(when, data["generated_at"]),
    }
