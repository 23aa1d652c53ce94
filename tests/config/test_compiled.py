"""config.compiled: a queryset's SQL kept and run again with other values gives what the
queryset gives (issue #22: the task completion's hot reads)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Jurisdiction, Office, Team, User
from config.compiled import CompiledQuery

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
