"""Staff management services (accounts.staff) and the invitation page: who may manage whom,
inviting a person and their one-time link, details, roles and teams, deactivation and
reactivation, and the audit row each of them writes."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts import staff, staff_rules
from accounts.models import AccountAction, AccountEvent, Role, StaffInvitation, User
from tests.factories import make_office, make_team, make_user

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "Wiosna-nad-Bzura-2026"


@pytest.fixture
def kierownik(office):
    return make_user(Role.MANAGER, office, username="kierownik", first_name="Małgorzata")


@pytest.fixture
def administrator(office):
    return make_user(Role.ADMINISTRATOR, office, username="itadmin")


def invite(actor, office, team=None, **overrides):
    values = {
        "actor": actor,
        "office": office,
        "email": "anna.nowak@example.org",
        "first_name": "Anna",
        "last_name": "Nowak",
        "roles": [Role.CASEWORKER],
        "teams": [team] if team else [],
    }
    values.update(overrides)
    return staff.staff_invite(**values)


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


# --- who manages whom --------------------------------------------------------------------------


def test_who_manages_which_office(office, other_office, kierownik, administrator, supervisor):
    assert staff_rules.staff_offices(kierownik).get() == office
    assert staff_rules.staff_offices(administrator).get() == office
    national = make_user(Role.ADMINISTRATOR, office, username="national", is_national=True)
    root = make_user(None, None, username="root", is_superuser=True)
    assert set(staff_rules.staff_offices(national)) == {office, other_office}
    assert set(staff_rules.staff_offices(root)) == {office, other_office}
    for nobody in (
        supervisor,
        make_user(Role.CASEWORKER, office),
        make_user(Role.PROVIDER, office),
    ):
        assert not staff_rules.may_manage_staff(nobody)
        assert not staff_rules.staff_offices(nobody).exists()
    national_manager = make_user(Role.MANAGER, office, username="nm", is_national=True)
    assert staff_rules.staff_offices(national_manager).get() == office  # their office's staff only


def test_a_manager_never_touches_an_administrators_account(office, kierownik, administrator):
    assert staff_rules.staff_may_view(kierownik, administrator)
    assert not staff_rules.staff_may_manage(kierownik, administrator)
    assert staff_rules.staff_may_manage(administrator, kierownik)
    elsewhere = make_user(Role.CASEWORKER, make_office("KUM"), username="kum")
    assert not staff_rules.staff_may_view(kierownik, elsewhere)
    assert Role.ADMINISTRATOR not in staff_rules.roles_grantable_by(kierownik)
    assert Role.ADMINISTRATOR in staff_rules.roles_grantable_by(administrator)
    # The data protection officer watches the managers' reads too: an administrator appoints.
    assert Role.DATA_PROTECTION_OFFICER not in staff_rules.roles_grantable_by(kierownik)
    assert Role.DATA_PROTECTION_OFFICER in staff_rules.roles_grantable_by(administrator)
    officer = make_user(Role.DATA_PROTECTION_OFFICER, office, username="iod")
    assert staff_rules.staff_may_view(kierownik, officer)
    assert not staff_rules.staff_may_manage(kierownik, officer)
    assert staff_rules.staff_may_manage(administrator, officer)


def test_an_account_that_opens_the_administration_is_an_administrators_to_change(
    office, kierownik, administrator
):
    """A manager who could change its e-mail could take it over by a password reset."""
    clerk = make_user(None, office, username="clerk", is_staff=True)
    assert staff_rules.staff_may_view(kierownik, clerk)
    assert not staff_rules.staff_may_manage(kierownik, clerk)
    assert staff_rules.staff_may_manage(administrator, clerk)
    root = make_user(None, office, username="root", is_superuser=True, is_staff=True)
    assert not staff_rules.staff_may_manage(administrator, root)


# --- invitations ----------------------------------------------------------------------------


def test_an_invitation_creates_an_inactive_account_and_emails_a_one_time_link(
    office, team, kierownik, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(kierownik, office, team, username="", language="pl")
    person = invitation.user
    assert person.username == "anna.nowak"  # from the e-mail address
    assert not person.is_active and not person.has_usable_password()
    assert person.home_office == office and set(person.role_names) == {Role.CASEWORKER}
    assert list(person.teams.all()) == [team]
    (message,) = mail.outbox
    assert message.to == ["anna.nowak@example.org"]
    assert "anna.nowak" in message.body and link_in(message)
    assert message.extra_headers["Content-Language"] == "pl"
    # Written in her language (Polish: the link's expiry in the Polish date format).
    expires = timezone.localtime(invitation.expires_at, office.tzinfo)
    assert expires.strftime("%d.%m.%Y") in message.body
    invitation.refresh_from_db()
    assert invitation.emailed_at is not None
    event = AccountEvent.objects.get(action=AccountAction.INVITED)
    assert (event.actor, event.subject, event.office) == (kierownik, person, office)
    assert event.details["roles"] == ["caseworker"]


def test_accepting_sets_the_password_signs_in_and_uses_the_link_up(
    client, office, kierownik, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(kierownik, office)
    url = path_of(link_in(mail.outbox[0]))

    page = client.get(url)
    assert page.status_code == 200 and b"anna.nowak" in page.content
    response = client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    person = User.objects.get(username="anna.nowak")
    assert person.is_active and person.check_password(GOOD_PASSWORD)
    assert client.session[SESSION_KEY] == str(person.pk)  # signed in
    assert AccountEvent.objects.filter(
        action=AccountAction.INVITATION_ACCEPTED, subject=person
    ).exists()

    # Replayed: a clear page, nothing changed.
    client.logout()
    again = client.post(
        url, {"new_password1": "Another-One-2026!", "new_password2": "Another-One-2026!"}
    )
    assert again.status_code == 410 and "already used" in again.content.decode()
    person.refresh_from_db()
    assert person.check_password(GOOD_PASSWORD)


@pytest.mark.parametrize("password", ["short", "password1234", "Anna.Nowak2026", "12345678901234"])
def test_a_weak_password_is_refused_and_nothing_changes(
    password, client, office, kierownik, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(kierownik, office)
    url = path_of(link_in(mail.outbox[0]))
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    person = User.objects.get(username="anna.nowak")
    assert not person.is_active and not person.has_usable_password()
    assert StaffInvitation.objects.get().accepted_at is None


def test_an_expired_link_is_a_clear_page(client, office, kierownik, settings):
    settings.STAFF_INVITATION_DAYS = 7
    with time_machine.travel(timezone.now() - datetime.timedelta(days=8)):
        invitation = invite(kierownik, office)
        url = reverse("staff_invitation_accept", args=[staff.invitation_token(invitation)])
    response = client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.get(username="anna.nowak").is_active


def test_a_link_still_works_on_its_last_day(client, office, kierownik, settings):
    settings.STAFF_INVITATION_DAYS = 7
    with time_machine.travel(timezone.now() - datetime.timedelta(days=6, hours=23)):
        invitation = invite(kierownik, office)
        url = reverse("staff_invitation_accept", args=[staff.invitation_token(invitation)])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "eyJpIjoxfQ:1tAmpered:xyz", "a" * 300, "%00"])
def test_a_malformed_link_is_a_clear_page(token, client, office, kierownik):
    invite(kierownik, office)
    response = client.get(f"/accounts/invitation/{token}/")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "not valid" in response.content.decode()


def test_a_token_of_another_invitation_row_is_refused(client, office, kierownik):
    invitation = invite(kierownik, office)
    from django.core import signing

    forged = signing.dumps({"i": invitation.pk, "n": "0" * 32}, salt="wrong-salt")
    assert client.get(reverse("staff_invitation_accept", args=[forged])).status_code == 400


def test_resending_replaces_the_link(office, kierownik, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(kierownik, office)
    with django_capture_on_commit_callbacks(execute=True):
        second = staff.staff_invitation_resend(actor=kierownik, person=first.user)
    assert len(mail.outbox) == 2 and link_in(mail.outbox[0]) != link_in(mail.outbox[1])
    with pytest.raises(staff.InvitationError) as old:
        staff.invitation_from_token(staff.invitation_token(first))
    assert old.value.kind == "revoked"
    assert staff.invitation_from_token(staff.invitation_token(second)) == second
    assert AccountEvent.objects.filter(action=AccountAction.INVITED).count() == 2


def test_someone_who_joined_is_not_invited_again(office, kierownik, caseworker):
    with pytest.raises(staff.StaffError):
        staff.staff_invitation_resend(actor=kierownik, person=caseworker)


def test_deactivating_an_invited_person_withdraws_the_link(client, office, kierownik):
    invitation = invite(kierownik, office)
    staff.staff_deactivate(actor=kierownik, person=invitation.user)
    response = client.get(
        reverse("staff_invitation_accept", args=[staff.invitation_token(invitation)])
    )
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_an_email_that_cannot_be_sent_is_kept_on_the_invitation(
    office, kierownik, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(kierownik, office)
    invitation.refresh_from_db()
    assert invitation.emailed_at is None and invitation.email_error


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"roles": [Role.ADMINISTRATOR]}, "roles"),
        ({"roles": []}, "roles"),
        ({"roles": ["superhero"]}, "roles"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "CW@example.org"}, "email"),  # someone already has it
        ({"username": "cw"}, "username"),  # taken
        ({"username": "CW"}, "username"),  # taken, whatever the case
        ({"username": "anna nowak"}, "username"),
        ({"first_name": "  "}, "first_name"),
        ({"language": "xx"}, "preferred_language"),
    ],
)
def test_bad_invitations_say_what_is_wrong_and_change_nothing(
    overrides, field, office, kierownik, caseworker
):
    caseworker.email = "cw@example.org"
    caseworker.save(update_fields=["email"])
    users = User.objects.count()
    with pytest.raises(staff.StaffError) as refused:
        invite(kierownik, office, **overrides)
    assert refused.value.field == field and refused.value.message
    assert User.objects.count() == users
    assert not AccountEvent.objects.filter(action=AccountAction.INVITED).exists()


def test_a_team_of_another_office_is_refused(office, kierownik):
    elsewhere = make_team(make_office("KUM"))
    with pytest.raises(staff.StaffError) as refused:
        invite(kierownik, office, teams=[elsewhere])
    assert refused.value.field == "teams"


def test_a_manager_may_not_invite_into_another_office(office, kierownik):
    with pytest.raises(PermissionError):
        invite(kierownik, make_office("KUM"))


def test_usernames_from_polish_addresses():
    assert staff_rules.username_from_email("Łucja.Wiśniewska@mops.pl") == "lucja.wisniewska"
    assert staff_rules.username_from_email("żółć+1@x.pl") == "zolc1"


# --- details, roles, teams ---------------------------------------------------------------------


def _update(actor, person, **changes):
    values = {
        "first_name": person.first_name or "Akosua",
        "last_name": person.last_name or "Mensah",
        "email": person.email or "akosua@example.org",
        "phone": person.phone,
        "language": person.preferred_language,
        "roles": list(person.role_names),
        "teams": list(person.teams.all()),
    }
    values.update(changes)
    return staff.staff_update(actor=actor, person=person, **values)


def test_each_kind_of_change_writes_its_own_audit_row(office, team, kierownik, caseworker):
    second = make_team(office, name="Seniors")
    changed = _update(
        kierownik,
        caseworker,
        phone="+233 24 000 0000",
        roles=[Role.CASEWORKER, Role.SUPERVISOR],
        teams=[team, second],
    )
    assert changed == ["details", "roles", "teams"]
    caseworker.refresh_from_db()
    assert caseworker.phone == "+233 24 000 0000"
    assert set(caseworker.groups.values_list("name", flat=True)) == {"caseworker", "supervisor"}
    roles = AccountEvent.objects.get(action=AccountAction.ROLES_CHANGED)
    assert roles.details == {"before": ["caseworker"], "after": ["caseworker", "supervisor"]}
    teams = AccountEvent.objects.get(action=AccountAction.TEAMS_CHANGED)
    assert teams.details["after"] == ["Child welfare", "Seniors"]
    details = AccountEvent.objects.get(action=AccountAction.DETAILS_CHANGED)
    assert details.details["changed"]["phone"] == ["", "+233 24 000 0000"]
    fresh = User.objects.get(pk=caseworker.pk)
    assert _update(kierownik, fresh) == []  # nothing changed: no row
    assert AccountEvent.objects.count() == 3


def test_a_manager_may_not_grant_administrator(office, kierownik, caseworker):
    with pytest.raises(staff.StaffError) as refused:
        _update(kierownik, caseworker, roles=[Role.ADMINISTRATOR])
    assert "Administrator" in str(refused.value.message)
    assert set(caseworker.groups.values_list("name", flat=True)) == {"caseworker"}
    assert not AccountEvent.objects.exists()


def test_nobody_changes_their_own_roles(office, kierownik):
    with pytest.raises(staff.StaffError):
        _update(kierownik, kierownik, roles=[Role.MANAGER, Role.SUPERVISOR])
    assert set(kierownik.groups.values_list("name", flat=True)) == {"manager"}


def test_a_manager_may_not_change_an_administrator(office, kierownik, administrator):
    with pytest.raises(PermissionError):
        _update(kierownik, administrator, first_name="Changed")


# --- deactivation, reactivation ------------------------------------------------------------------


def test_a_deactivated_person_is_signed_out_everywhere_and_can_come_back(
    client, office, kierownik, caseworker
):
    client.force_login(caseworker)
    assert client.get(reverse("home")).status_code == 302  # signed in: to their inbox
    assert client.get(reverse("inbox")).status_code == 200

    staff.staff_deactivate(actor=kierownik, person=caseworker)

    # The very next request of their open session is anonymous: Django's authentication
    # refuses an inactive user's session.
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and reverse("login") in response.url
    assert not client.login(request=HttpRequest(), username="cw", password="pass-Word-123")
    assert AccountEvent.objects.filter(
        action=AccountAction.DEACTIVATED, subject=caseworker
    ).exists()

    staff.staff_reactivate(actor=kierownik, person=caseworker)
    assert client.login(request=HttpRequest(), username="cw", password="pass-Word-123")
    assert AccountEvent.objects.filter(action=AccountAction.REACTIVATED).count() == 1


def test_nobody_deactivates_themselves(office, kierownik):
    with pytest.raises(staff.StaffError):
        staff.staff_deactivate(actor=kierownik, person=kierownik)
    kierownik.refresh_from_db()
    assert kierownik.is_active


def test_twice_is_a_clear_message(office, kierownik, caseworker):
    staff.staff_deactivate(actor=kierownik, person=caseworker)
    with pytest.raises(staff.StaffError, match="already deactivated"):
        staff.staff_deactivate(actor=kierownik, person=caseworker)
    staff.staff_reactivate(actor=kierownik, person=caseworker)
    with pytest.raises(staff.StaffError, match="already active"):
        staff.staff_reactivate(actor=kierownik, person=caseworker)


def test_someone_who_never_joined_is_invited_again_not_reactivated(office, kierownik):
    invitation = invite(kierownik, office)
    staff.staff_deactivate(actor=kierownik, person=invitation.user)
    with pytest.raises(staff.StaffError, match="new invitation"):
        staff.staff_reactivate(actor=kierownik, person=invitation.user)
    assert staff.staff_invitation_resend(actor=kierownik, person=invitation.user).is_open


def test_a_phone_for_sms_that_is_not_a_phone_number_is_refused_and_changes_nothing(
    office, team, kierownik, caseworker
):
    with pytest.raises(staff_rules.StaffError, match="6 to 15 digits") as refused:
        _update(kierownik, caseworker, phone="hello")
    assert refused.value.field == "phone"
    caseworker.refresh_from_db()
    assert caseworker.phone == ""
    assert not AccountEvent.objects.filter(action=AccountAction.DETAILS_CHANGED).exists()
    with pytest.raises(staff_rules.StaffError, match="6 to 15 digits"):
        invite(kierownik, office, team, phone="call me")
    assert not User.objects.filter(email="anna.nowak@example.org").exists()
