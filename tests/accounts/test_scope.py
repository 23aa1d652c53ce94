from django.db.models import Q

from accounts.models import Role, Team
from accounts.scope import scope_for, scope_q, visible_offices, visible_teams
from tests.factories import make_team, make_user


def test_caseworker_sees_own_and_team_only(db, office, team, caseworker, other_office):
    other_team = make_team(office, name="Elder care")
    scope = scope_for(caseworker)
    assert not scope.all_offices
    assert scope.team_ids == {team.pk}
    assert scope.office_ids == frozenset()
    assert set(visible_teams(caseworker)) == {team}
    assert other_team not in set(visible_teams(caseworker))
    assert set(visible_offices(caseworker)) == {office}


def test_supervisor_sees_supervised_teams(db, office, team, supervisor):
    make_team(office, name="Not mine")
    assert set(visible_teams(supervisor)) == {team}


def test_office_manager_sees_own_office_only(db, office, other_office, manager):
    make_team(other_office, name="Polish team")
    assert set(visible_offices(manager)) == {office}
    assert all(t.office_id == office.pk for t in visible_teams(manager))


def test_national_manager_and_administrator_see_everything(db, office, other_office):
    national = make_user(Role.MANAGER, office, is_national=True)
    admin = make_user(Role.ADMINISTRATOR, None)
    national_admin = make_user(Role.ADMINISTRATOR, office, is_national=True)
    for user in (national, admin, national_admin):
        assert set(visible_offices(user)) == {office, other_office}
        assert scope_q(user) == Q()


def test_an_offices_administrator_sees_that_office_only(db, office, other_office):
    """As its manager does, and as the Staff pages scope them: not another office's cases."""
    office_admin = make_user(Role.ADMINISTRATOR, office)
    assert set(visible_offices(office_admin)) == {office}
    assert scope_for(office_admin).office_ids == frozenset({office.pk})
    assert not scope_for(office_admin).all_offices


def test_user_without_role_sees_nothing(db, office):
    nobody = make_user(role=None, office=office)
    assert scope_for(nobody).is_empty
    assert not visible_offices(nobody).exists()
    assert Team.objects.filter(scope_q(nobody, office="office", team="pk", owner=None)).count() == 0


def test_scope_q_filters_a_model_by_office_team_and_owner(
    db, office, other_office, team, caseworker
):
    # Teams stand in for "cases" here: filter teams whose pk is in the user's teams.
    make_team(other_office, name="Elsewhere")
    visible = Team.objects.filter(
        scope_q(caseworker, office="office", team="pk", owner="supervisor")
    )
    assert list(visible) == [team]


def test_multiple_roles_union(db, office, other_office, team):
    user = make_user(Role.CASEWORKER, other_office, team)
    user.groups.add(*user.groups.model.objects.filter(name=Role.MANAGER))
    user = type(user).objects.get(pk=user.pk)
    assert set(visible_offices(user)) == {office, other_office}
