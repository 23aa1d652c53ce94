"""seed_demo: the demo offices, users and cases, and running it again duplicates nothing.
The demo is loaded once for the module (`demo`, tests/conftest.py); a test running it again
does so in its own transaction, rolled back after it."""

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Count
from django.http import HttpRequest

from accounts.models import Office, Role, Team, User


def test_seed_demo_is_idempotent(db, demo):
    counts = (Office.objects.count(), Team.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Office.objects.count(), Team.objects.count(), User.objects.count()) == counts
    assert counts[0] == 2 and counts[1] == 2


def test_seed_demo_cases_spread_and_idempotent(db, demo, settings):
    from case_flows.models import Case

    per_office = dict(Case.objects.values_list("office__code").annotate(n=Count("pk")))
    assert per_office == {
        "BEK": settings.DEMO_CASES_PER_OFFICE,
        "SOC": settings.DEMO_CASES_PER_OFFICE,
    }
    assert Case.objects.values("stage").distinct().count() >= 4
    assert Case.objects.values("risk").distinct().count() == 3
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Case.objects.count() == 2 * settings.DEMO_CASES_PER_OFFICE
    # Plausible names for each country.
    assert Case.objects.filter(
        office__code="SOC", person__family_name__regex="[ąćęłńóśźżŁŻ]"
    ).exists()


def test_seed_demo_users_offices_and_roles(db, demo, client):
    bek = Office.objects.get(code="BEK")
    soc = Office.objects.get(code="SOC")
    assert bek.timezone == "Africa/Accra" and soc.timezone == "Europe/Warsaw"
    for name in ("caseworker", "caseworker2", "supervisor", "manager"):
        assert User.objects.get(username=name).home_office == bek
    for name in ("pracownik", "koordynator", "kierownik"):
        user = User.objects.get(username=name)
        assert user.home_office == soc and user.preferred_language == "pl"
    assert User.objects.get(username="koordynator").has_role(Role.SUPERVISOR)
    for name, office in (("dpo", bek), ("iod", soc)):
        officer = User.objects.get(username=name)
        assert officer.home_office == office and officer.has_perm("case_flows.view_accessevent")
        assert not officer.has_perm("case_flows.view_case")
    assert User.objects.get(username="admin").is_superuser
    # Axes checks every sign-in against its lockout, which needs the request.
    assert client.login(request=HttpRequest(), username="pracownik", password="demo")


def test_role_groups_exist_with_permissions(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"caseworker", "supervisor", "manager", "administrator"} <= names
    admin_perms = set(
        Group.objects.get(name="administrator").permissions.values_list("codename", flat=True)
    )
    assert {"change_office", "add_team"} <= admin_perms
