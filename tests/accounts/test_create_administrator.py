"""`caseflow create_administrator`: the first national administrator of a new installation."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.lockout import is_administrator
from accounts.models import Role, User
from tests.factories import make_office

pytestmark = pytest.mark.django_db
STRONG = "Kwiecien-w-Accrze-2026!"


def _create(monkeypatch, password, **options):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command(
        "create_administrator",
        username=options.pop("username", "itadmin"),
        email=options.pop("email", "it@example.org"),
        password_stdin=True,
        stdout=out,
        **options,
    )
    return out.getvalue()


def test_creates_a_national_administrator_who_can_sign_in(monkeypatch, client):
    out = _create(monkeypatch, STRONG, first_name="Ama", last_name="Owusu")
    assert "National administrator 'itadmin' created" in out
    user = User.objects.get(username="itadmin")
    assert user.is_national and user.is_staff and user.is_superuser
    assert user.has_role(Role.ADMINISTRATOR) and is_administrator(user)
    assert user.check_password(STRONG) and user.get_full_name() == "Ama Owusu"
    signed_in = client.post(reverse("login"), {"username": "itadmin", "password": STRONG})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("password", "options", "message"),
    [
        ("short", {}, "too short"),
        (STRONG, {"email": "not-an-address"}, "is not an e-mail address"),
    ],
)
def test_bad_input_is_refused_and_creates_nobody(monkeypatch, password, options, message):
    with pytest.raises(CommandError, match=message):
        _create(monkeypatch, password, **options)
    assert not User.objects.filter(username="itadmin").exists()


def test_an_existing_username_is_refused_and_left_alone(monkeypatch):
    _create(monkeypatch, STRONG)
    with pytest.raises(CommandError, match="exists already"):
        _create(monkeypatch, "Another-Strong-Password-1", username="ITADMIN")
    assert User.objects.get(username="itadmin").check_password(STRONG)


def test_the_first_administrator_is_shown_how_to_add_the_first_office(monkeypatch, client):
    """A new installation has no office: the Staff page says what to do, no "not found"."""
    _create(monkeypatch, STRONG)
    client.post(reverse("login"), {"username": "itadmin", "password": STRONG})
    page = client.get(reverse("staff_list"))
    html = page.content.decode()
    assert page.status_code == 200 and "No office yet" in html
    assert reverse("admin:accounts_office_add") in html and reverse("system_status") in html
    assert client.get(reverse("admin:accounts_office_add")).status_code == 200

    make_office("BEK")
    html = client.get(reverse("staff_list")).content.decode()
    assert "No office yet" not in html and "Invite a person" in html
