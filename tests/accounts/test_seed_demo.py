from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import Office, Role, Team, User


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = (Office.objects.count(), Team.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Office.objects.count(), Team.objects.count(), User.objects.count()) == counts
    assert counts[0] == 2 and counts[1] == 2


def test_seed_demo_users_offices_and_roles(db, client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    bek = Office.objects.get(code="BEK")
    soc = Office.objects.get(code="SOC")
    assert bek.timezone == "Africa/Accra" and soc.timezone == "Europe/Warsaw"
    for name in ("caseworker", "caseworker2", "supervisor", "manager"):
        assert User.objects.get(username=name).home_office == bek
    for name in ("pracownik", "koordynator", "kierownik"):
        user = User.objects.get(username=name)
        assert user.home_office == soc and user.preferred_language == "pl"
    assert User.objects.get(username="koordynator").has_role(Role.SUPERVISOR)
    assert User.objects.get(username="admin").is_superuser
    assert client.login(username="pracownik", password="demo")


def test_role_groups_exist_with_permissions(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"caseworker", "supervisor", "manager", "administrator"} <= names
    admin_perms = set(
        Group.objects.get(name="administrator").permissions.values_list("codename", flat=True)
    )
    assert {"change_office", "add_team"} <= admin_perms
