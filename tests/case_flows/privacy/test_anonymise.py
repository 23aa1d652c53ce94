"""The anonymiser: personal data and free text go, through the timeline's one redaction
path; the statistical skeleton and the dashboard's history stay exactly as they were."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from case_flows.models import (
    Assessment,
    Case,
    CaseEvent,
    Closure,
    EventKind,
    FollowUp,
    Intake,
    Person,
    PersonRelation,
    Stage,
)
from case_flows.monitoring.selectors import dashboard_figures
from case_flows.privacy.services import case_anonymise
from workflows.approvals.models import Approval

R = "[redacted]"


def _history(user):
    filters = {"date_from": datetime.date(2014, 1, 1), "date_to": datetime.date(2026, 11, 2)}
    figures = dashboard_figures(user, filters)
    return figures["sla"], figures["stage_time"], figures["open_cases"]


def _skeleton(case):
    events = CaseEvent.objects.filter(case=case).order_by("pk")
    return [
        (e.pk, e.kind, e.from_stage, e.to_stage, e.transition, e.created_at, e.stage_entered_at)
        for e in events
    ]


def test_anonymise_removes_personal_data_and_keeps_the_skeleton(world):
    case = world.old
    person = case.person
    relative = PersonRelation.objects.get(person=person).relative
    skeleton = _skeleton(case)
    before = _history(world.manager)
    assert CaseEvent.objects.filter(case=case).exclude(comment="").exists()

    assert case_anonymise(case_pk=case.pk) is True

    person.refresh_from_db()
    assert (person.given_name, person.family_name) == ("Anonymised", f"#{person.pk}")
    assert (person.search_name, person.national_id, person.phone, person.phone_digits) == (
        "",
        "",
        "",
        "",
    )
    assert (person.address, person.disability_notes) == ("", "")
    # the year of birth and the yes/no facts stay, for the statistics
    assert person.date_of_birth == datetime.date(2010, 1, 1)
    assert person.disability is True and person.anonymised_at is not None
    relative.refresh_from_db()
    assert relative.given_name == "Anonymised" and relative.phone == ""

    assert Intake.objects.get(case=case).presenting_concerns == R
    assert Assessment.objects.get(case=case).strengths == R
    assert FollowUp.objects.get(case=case).notes == R
    assert Closure.objects.get(case=case).summary == R
    comments = set(Approval.objects.filter(subject_id=case.pk).values_list("comment", flat=True))
    assert comments == {R}
    texts = " ".join(CaseEvent.objects.filter(case=case).values_list("comment", flat=True))
    assert "Kwame" not in texts and "Abena" not in texts

    # every row kept its kind, stages, times; one more row records the redaction
    assert _skeleton(case)[: len(skeleton)] == skeleton
    redaction = CaseEvent.objects.filter(case=case).order_by("-pk").first()
    assert redaction.kind == EventKind.REDACTED
    assert redaction.data["cause"] == "retention"
    assert redaction.data["counts"]["timeline"] > 0 and redaction.data["counts"]["people"] == 2
    assert "Kwame" not in str(redaction.data) and redaction.comment == ""

    case.refresh_from_db()
    assert case.anonymised_at is not None and case.stage == Stage.CLOSED
    assert _history(world.manager) == before


def test_anonymise_is_idempotent_and_skips_open_cases(world, django_assert_max_num_queries):
    # a fixed number of statements per case (one UPDATE per kind of record), whatever the
    # length of its timeline: 36 measured (two of them per person scrubbed: their merges'
    # snapshots and the records merged into them, case_flows.registry.merge)
    with django_assert_max_num_queries(39):
        assert case_anonymise(case_pk=world.old.pk) is True
    rows = CaseEvent.objects.filter(case=world.old).count()
    assert case_anonymise(case_pk=world.old.pk) is False
    assert CaseEvent.objects.filter(case=world.old).count() == rows
    assert case_anonymise(case_pk=world.yaw_open.pk) is False
    assert Case.objects.get(pk=world.yaw_open.pk).anonymised_at is None


def test_a_person_with_an_open_case_keeps_their_identity(world):
    assert case_anonymise(case_pk=world.yaw_old.pk) is True
    person = Person.objects.get(pk=world.yaw_old.person_id)
    assert person.given_name == "Yaw" and person.anonymised_at is None
    assert Intake.objects.get(case=world.yaw_old).presenting_concerns == R
    assert Intake.objects.get(case=world.yaw_open).presenting_concerns == "Yaw is back"


def _event(world):
    return CaseEvent.objects.filter(case=world.recent).exclude(comment="").first() or (
        CaseEvent.objects.filter(case=world.recent).first()
    )


def test_timeline_update_outside_the_path_is_refused(world):
    event = _event(world)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    event.refresh_from_db()
    assert event.comment != "rewritten"


def test_inside_the_path_only_comment_and_data_may_change(world):
    event = _event(world)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL caseflow.redaction = 'on'")
        CaseEvent.objects.filter(pk=event.pk).update(comment=R, data={})
        for change in (
            {"kind": EventKind.NOTE},
            {"created_at": event.created_at.replace(year=2000)},
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                CaseEvent.objects.filter(pk=event.pk).update(**change)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            CaseEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.comment == R and event.kind != EventKind.NOTE
