"""config.compiled: a queryset's SQL kept and run again with other values gives what the
queryset gives (issue #22: the task completion's hot reads)."""

import pytest
from django.db import connection
from django.db.models import Value, signals
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext

from accounts.models import AccountEvent, Jurisdiction, Office, Team, User
from config.compiled import CompiledQuery, field_values, insert, save_changed

pytestmark = pytest.mark.django_db


def _office(code):
    return Office.objects.create(
        code=code, name=f"Office {code}", jurisdiction=Jurisdiction.GHANA, timezone="UTC"
    )


TEAM_WITH_SUPERVISOR = CompiledQuery(
    lambda _variant, pk: Team.objects.select_related("office", "supervisor__home_office").filter(
        pk=pk
    )
)
USERNAMES_IN_OFFICE = CompiledQuery(
    lambda variant, office_id: (
        User.objects.filter(home_office_id=office_id, is_active=variant)
        .order_by("username")
        .values_list("username", flat=True)
    )
)


def test_instances_are_built_as_the_queryset_builds_them_with_their_related_objects():
    north, south = _office("N1"), _office("S1")
    teams = []
    for office, name in ((north, "ama"), (south, "kofi")):
        supervisor = User.objects.create_user(username=name, home_office=office)
        teams.append(Team.objects.create(office=office, name=f"Team {name}", supervisor=supervisor))

    for team in teams:  # compiled on the first, run again with the second's id
        with CaptureQueriesContext(connection) as queries:
            [found] = TEAM_WITH_SUPERVISOR.instances(team.pk)
        assert len(queries) == 1
        expected = Team.objects.select_related("office", "supervisor__home_office").get(pk=team.pk)
        assert found == expected and found.name == expected.name
        with CaptureQueriesContext(connection) as queries:  # loaded with it: no query
            assert found.office == team.office
            assert found.supervisor.username == team.supervisor.username
            assert found.supervisor.home_office.code == team.office.code
        assert len(queries) == 0
        assert found._state.db == "default" and not found._state.adding
    assert TEAM_WITH_SUPERVISOR.instances(max(t.pk for t in teams) + 1000) == []


def test_rows_take_the_new_values_and_the_variant_keeps_its_own_sql():
    north, south = _office("N2"), _office("S2")
    User.objects.create_user(username="abena", home_office=north)
    User.objects.create_user(username="yaw", home_office=north, is_active=False)
    User.objects.create_user(username="esi", home_office=south)

    assert USERNAMES_IN_OFFICE.rows(north.pk, variant=True) == [("abena",)]
    assert USERNAMES_IN_OFFICE.rows(south.pk, variant=True) == [("esi",)]
    assert USERNAMES_IN_OFFICE.rows(north.pk, variant=False) == [("yaw",)]
    sql, params = USERNAMES_IN_OFFICE.sql(south.pk, variant=True)
    assert south.pk in params


def test_an_argument_the_sql_does_not_carry_as_it_is_refused():
    # `contains` turns the value into a pattern: the SQL could not be run with another value
    compiled = CompiledQuery(lambda _variant, name: User.objects.filter(username__contains=name))
    with pytest.raises(ValueError):
        compiled.rows("ama")
    with pytest.raises(TypeError):
        USERNAMES_IN_OFFICE.rows(1.5, variant=True)


def test_save_changed_writes_only_the_fields_that_changed():
    office, other = _office("C1"), _office("C2")
    team = Team.objects.create(office=office, name="Before")
    before = field_values(team)
    team.name = "After"
    team.office = other
    # a column the instance did not change, written meanwhile: not overwritten
    Team.objects.filter(pk=team.pk).update(supervisor=User.objects.create_user(username="yaw"))
    with CaptureQueriesContext(connection) as queries:
        save_changed(team, before)
    [update] = [q["sql"] for q in queries.captured_queries]
    assert update.startswith('UPDATE "accounts_team" SET "office_id" = ')
    assert '"name" = ' in update and "supervisor" not in update
    row = Team.objects.values("name", "office_id", "supervisor__username").get(pk=team.pk)
    assert row == {"name": "After", "office_id": other.pk, "supervisor__username": "yaw"}
    with CaptureQueriesContext(connection) as queries:
        save_changed(team, field_values(team))
    assert queries.captured_queries == []  # nothing changed, nothing written


def test_save_changed_is_a_full_save_with_a_receiver_or_without_the_row():
    team = Team.objects.create(office=_office("C3"), name="Before")
    before = field_values(team)
    team.name = "After"
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.name)

    signals.pre_save.connect(receiver, sender=Team)
    try:
        save_changed(team, before)
    finally:
        signals.pre_save.disconnect(receiver, sender=Team)
    assert seen == ["After"]
    assert Team.objects.get(pk=team.pk).name == "After"
    pk = team.pk
    Team.objects.filter(pk=pk).delete()
    before = field_values(team)
    team.name = "Again"
    save_changed(team, before)  # no row updated: Model.save inserts it, as a full save would
    assert Team.objects.get(pk=pk).name == "Again"


def test_field_values_keep_a_copy_of_mutable_values():
    event = AccountEvent(details={"a": 1})
    before = field_values(event)
    event.details["a"] = 2
    assert before["details"] == {"a": 1}


def test_records_build_each_instance_when_asked_once_as_instances_builds_it():
    north = _office("R1")
    supervisor = User.objects.create_user(username="esi", home_office=north)
    team = Team.objects.create(office=north, name="Team esi", supervisor=supervisor)
    [record] = TEAM_WITH_SUPERVISOR.records(team.pk)
    [built] = TEAM_WITH_SUPERVISOR.instances(team.pk)
    assert (record["name"], record["office_id"], record["supervisor_id"]) == (
        "Team esi",
        north.pk,
        supervisor.pk,
    )
    instance = record.instance()
    assert instance is record.instance()  # built once
    assert (instance.pk, instance.name, instance.supervisor.username) == (
        built.pk,
        built.name,
        built.supervisor.username,
    )
    assert instance.supervisor.home_office.code == "R1"


def test_insert_writes_the_row_model_save_writes():
    office = _office("I1")
    supervisor = User.objects.create_user(username="abena", home_office=office)
    first, second = Team(office=office, name="One"), Team(office=office, name="Two")
    second.supervisor = supervisor
    with CaptureQueriesContext(connection) as queries:
        insert(first)
        insert(second)  # the SQL kept from the first, the new values
    assert [q["sql"].split(" (")[0] for q in queries.captured_queries] == [
        'INSERT INTO "accounts_team"'
    ] * 2
    assert first.pk and second.pk > first.pk
    assert not first._state.adding and second._state.db == "default"
    rows = Team.objects.filter(office=office).order_by("pk").values_list("name", "supervisor_id")
    assert list(rows) == [("One", None), ("Two", supervisor.pk)]


def test_insert_is_model_save_with_a_receiver_or_an_expression():
    office = _office("I2")
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.name, created))

    signals.post_save.connect(receiver, sender=Team)
    try:
        insert(Team(office=office, name="Signalled"))
    finally:
        signals.post_save.disconnect(receiver, sender=Team)
    assert seen == [("Signalled", True)]
    team = Team(office=office, name=Upper(Value("shouted")))
    insert(team)
    assert Team.objects.get(pk=team.pk).name == "SHOUTED"
