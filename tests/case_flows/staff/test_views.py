"""The staff pages (case_flows/staff): who may open each of them across the role x office
matrix, what bad input does (a clear message, nothing changed, never a 500), the list and
the audit at a fixed number of queries, and the CSV export."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
from accounts import staff
from accounts.audit import account_event_record
from accounts.models import AccountAction, AccountEvent, Role, StaffInvitation, User
from tests.factories import category, make_person, make_team, make_user
from tests.steps import allocate, complete_intake
from workflows.approvals.models import SupervisorAbsence
from workflows.handover import open_tasks_of
from workflows.sla.seed import seed_sla_policies

pytestmark = pytest.mark.django_db

ROLES = [
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.ADMINISTRATOR,
    Role.PROVIDER,
    Role.DATA_PROTECTION_OFFICER,
]
MANAGING = {Role.MANAGER, Role.ADMINISTRATOR}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(office, other_office, team, supervisor, caseworker):
    """The office's people around a caseworker (the `target`) whose page is opened."""
    colleague = make_user(
        Role.CASEWORKER, office, team, username="anna", first_name="Anna", last_name="Nowak"
    )
    elsewhere_team = make_team(other_office, name="Rodziny")
    return {
        "target": caseworker,
        "colleague": colleague,
        "supervisor": supervisor,
        "manager": make_user(Role.MANAGER, office, username="kofi", first_name="Kofi"),
        "elsewhere": make_user(Role.CASEWORKER, other_office, elsewhere_team, username="kum"),
        "elsewhere_supervisor": make_user(Role.SUPERVISOR, other_office, username="koord"),
        "inactive": make_user(Role.CASEWORKER, office, team, username="gone", is_active=False),
    }


def _views(people, office):
    """(name, method, url, data) for every staff page and action, aimed at the office and at
    the target's account."""
    target = people["target"]
    absence = SupervisorAbsence.objects.create(
        supervisor=target,
        starts_on=timezone.localdate() + datetime.timedelta(days=5),
        ends_on=timezone.localdate() + datetime.timedelta(days=9),
    )
    day = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    on = f"?office={office.pk}"
    person = lambda name, *extra: reverse(name, args=[target.pk, *extra])  # noqa: E731
    details = {
        "first_name": "Akosua",
        "last_name": "Mensah-Owusu",
        "email": "akosua@example.org",
        "phone": "",
        "preferred_language": "",
        "roles": ["caseworker"],
    }
    invitee = {
        "first_name": "Ewa",
        "last_name": "Lis",
        "email": "ewa.lis@example.org",
        "roles": ["caseworker"],
    }
    return {
        "list": ("get", reverse("staff_list") + on, None),
        "invite_page": ("get", reverse("staff_invite") + on, None),
        "invite": ("post", reverse("staff_invite") + on, invitee),
        "audit": ("get", reverse("staff_audit") + on, None),
        "export": ("get", reverse("staff_audit_export") + on, None),
        "person": ("get", person("staff_person"), None),
        "details": ("post", person("staff_person"), details),
        "absence": (
            "post",
            person("staff_absence"),
            {"absence-starts_on": day, "absence-ends_on": day},
        ),
        "absence_cancel": ("post", person("staff_absence_cancel", absence.pk), {}),
        "hand_over": ("post", person("staff_handover"), {"handover-to_user": "queue"}),
        "deactivate": ("post", person("staff_deactivate"), {"leave-to_user": "queue"}),
        "reactivate": ("post", person("staff_reactivate"), {}),
        "resend": ("post", person("staff_invitation_resend"), {}),
    }


VIEW_NAMES = [
    "list",
    "invite_page",
    "invite",
    "audit",
    "export",
    "person",
    "details",
    "absence",
    "absence_cancel",
    "hand_over",
    "deactivate",
    "reactivate",
    "resend",
]


def _state(target) -> tuple:
    """What any of the actions would change."""
    fresh = User.objects.get(pk=target.pk)
    return (
        fresh.is_active,
        fresh.last_name,
        tuple(sorted(fresh.groups.values_list("name", flat=True))),
        SupervisorAbsence.objects.filter(supervisor=target).count(),
        StaffInvitation.objects.count(),
        User.objects.count(),
        AccountEvent.objects.exclude(action=AccountAction.AUDIT_EXPORTED).count(),
    )


@pytest.mark.parametrize("where", ["same office", "other office"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEW_NAMES)
def test_role_by_office_matrix(view, role, where, office, other_office, people):
    actor_office = office if where == "same office" else other_office
    actor = make_user(role, actor_office, username=f"actor-{role}")
    method, url, data = _views(people, office)[view]
    before = _state(people["target"])

    response = getattr(client_for(actor), method)(url, data)

    if role not in MANAGING:
        assert response.status_code == 403, (view, role, where)
    elif where == "other office":
        assert response.status_code == 404, (view, role, where)
    else:
        # Allowed: a page or a redirect after the change. The target is active and has a
        # password, so reactivating or inviting them again is a clear refusal (400).
        expected = (400,) if view in ("reactivate", "resend") else (200, 302)
        assert response.status_code in expected, (view, role, response.status_code)
        return
    assert _state(people["target"]) == before  # refused: nothing changed


def test_every_view_is_in_the_matrix():
    from case_flows.staff.urls import urlpatterns

    names = {pattern.name for pattern in urlpatterns}
    covered = {
        "staff_list",
        "staff_invite",
        "staff_audit",
        "staff_audit_export",
        "staff_person",
        "staff_absence",
        "staff_absence_cancel",
        "staff_handover",
        "staff_deactivate",
        "staff_reactivate",
        "staff_invitation_resend",
    }
    assert names == covered


def test_a_manager_can_read_but_not_change_an_administrators_account(office, people):
    administrator = make_user(Role.ADMINISTRATOR, office, username="itadmin", last_name="Admin")
    client = client_for(people["manager"])
    page = client.get(reverse("staff_person", args=[administrator.pk]))
    assert page.status_code == 200
    assert "Only an administrator may change this account" in page.content.decode()
    response = client.post(
        reverse("staff_deactivate", args=[administrator.pk]), {"leave-to_user": "queue"}
    )
    assert response.status_code == 403
    administrator.refresh_from_db()
    assert administrator.is_active


def test_a_superuser_chooses_any_office(office, other_office, people):
    root = make_user(None, None, username="root", is_superuser=True)
    client = client_for(root)
    page = client.get(reverse("staff_list") + f"?office={other_office.pk}").content.decode()
    assert "kum" in page and "anna" not in page
    assert f'<option value="{other_office.pk}" selected>' in page  # the office chooser
    assert client.get(reverse("staff_person", args=[people["elsewhere"].pk])).status_code == 200
    assert client.get(reverse("staff_list") + "?office=999999").status_code == 404
    assert client.get(reverse("staff_list") + "?office=abc").status_code == 404


def test_the_menu_shows_staff_to_managers_only(office, people):
    assert ">Staff</a>" in client_for(people["manager"]).get(reverse("staff_list")).content.decode()
    page = client_for(people["colleague"]).get(reverse("case_list")).content.decode()
    assert reverse("staff_list") not in page


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_roles_teams_status_tasks_and_absence(office, team, people):
    seed_sla_policies()
    for n in range(2):
        case = case_services.case_open(
            actor=people["target"],
            person=make_person(office, "Kwame", f"Mensah {n}"),
            office=office,
            category=category(),
            risk="medium",
            source="walk_in",
            presenting_concerns="Child out of school",
        )
        allocate(case, people["supervisor"], people["target"])
    SupervisorAbsence.objects.create(
        supervisor=people["supervisor"],
        starts_on=timezone.localdate() - datetime.timedelta(days=1),
        ends_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    staff.staff_invite(
        actor=people["manager"],
        office=office,
        email="ewa@example.org",
        first_name="Ewa",
        last_name="Lis",
        roles=[Role.SUPERVISOR],
    )
    client = client_for(people["manager"])
    page = client.get(reverse("staff_list")).content.decode()
    row = _row(page, "Akosua")
    assert "Caseworker" in row and "Child welfare" in row and "Active" in row
    assert ">2<" in row  # open tasks
    assert "Away until" in _row(page, "sup")
    assert "Invited" in _row(page, "Ewa Lis")
    assert "Deactivated" in _row(page, "gone")
    assert "kum" not in page  # another office's

    invited = client.get(reverse("staff_list") + "?status=invited").content.decode()
    assert "Ewa Lis" in invited and "Akosua" not in invited
    supervisors = client.get(reverse("staff_list") + "?role=supervisor").content.decode()
    assert "sup" in supervisors and "Anna Nowak" not in supervisors
    found = client.get(reverse("staff_list") + "?q=anna+now").content.decode()
    assert "Anna Nowak" in found and "Akosua" not in found


def _row(page: str, text: str) -> str:
    for row in page.split("<tr>")[1:]:
        if text in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row with {text!r}")


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("staff_list")).status_code == 200
    return len(queries)


def test_the_list_has_a_fixed_number_of_queries(office, team, people):
    client = client_for(people["manager"])
    few = _list_queries(client)
    for n in range(20):
        person = make_user(Role.CASEWORKER, office, team, username=f"extra{n}")
        person.groups.add(*people["supervisor"].groups.all())
        SupervisorAbsence.objects.create(
            supervisor=person,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + datetime.timedelta(days=2),
        )
    many = _list_queries(client)
    assert few == many, f"{few} queries for 7 people, {many} for 27"


# --- bad input: a clear message, nothing changed ------------------------------------------------


def test_inviting_with_a_role_the_manager_may_not_grant(office, people):
    response = client_for(people["manager"]).post(
        reverse("staff_invite"),
        {
            "first_name": "Ewa",
            "last_name": "Lis",
            "email": "ewa@example.org",
            "roles": ["administrator"],
        },
    )
    assert response.status_code == 400
    assert "You may not grant the role Administrator" in response.content.decode()
    assert not User.objects.filter(email="ewa@example.org").exists()


def test_inviting_an_administrator_is_offered_to_administrators_only(office, people):
    manager_page = client_for(people["manager"]).get(reverse("staff_invite")).content.decode()
    assert 'value="administrator"' not in manager_page
    administrator = make_user(Role.ADMINISTRATOR, office, username="itadmin")
    admin_page = client_for(administrator).get(reverse("staff_invite")).content.decode()
    assert 'value="administrator"' in admin_page


def test_inviting_with_a_taken_username_says_so(office, people):
    response = client_for(people["manager"]).post(
        reverse("staff_invite"),
        {
            "first_name": "Anna",
            "last_name": "Nowak",
            "email": "anna.nowak@example.org",
            "username": "anna",
            "roles": ["caseworker"],
        },
    )
    assert response.status_code == 400
    assert "The username anna is taken" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_successful_invitation_goes_to_the_persons_page(office, team, people, mailoutbox):
    response = client_for(people["manager"]).post(
        reverse("staff_invite"),
        {
            "first_name": "Ewa",
            "last_name": "Lis",
            "email": "ewa.lis@example.org",
            "roles": ["caseworker"],
            "teams": [team.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "the link was e-mailed to ewa.lis@example.org" in body and "Invited" in body
    assert len(mailoutbox) == 1


def test_a_deputy_from_another_office_is_refused(office, people):
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client_for(people["manager"]).post(
        reverse("staff_absence", args=[people["supervisor"].pk]),
        {
            "absence-starts_on": day,
            "absence-ends_on": day,
            "absence-deputy": people["elsewhere_supervisor"].pk,
        },
    )
    assert response.status_code == 400
    assert "works in another office" in response.content.decode()
    assert not SupervisorAbsence.objects.exists()


@pytest.mark.parametrize(
    "deputy, message",
    [
        ("colleague", "is not a supervisor"),
        ("inactive", "is deactivated"),
        ("supervisor", "cannot be their own deputy"),
        ("nonsense", "Choose a person from the list"),
    ],
)
def test_other_bad_deputies(deputy, message, office, people):
    day = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    value = people[deputy].pk if deputy in people else "x1"
    response = client_for(people["manager"]).post(
        reverse("staff_absence", args=[people["supervisor"].pk]),
        {"absence-starts_on": day, "absence-ends_on": day, "absence-deputy": value},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not SupervisorAbsence.objects.exists()


@pytest.mark.parametrize(
    "starts, ends, message",
    [
        (5, 2, "cannot end before it starts"),
        (-9, -5, "already ended"),
        ("9999-01-01", "9999-01-02", "between 2000 and 2100"),
        ("soon", "later", "Enter a valid date"),
    ],
)
def test_bad_absence_dates(starts, ends, message, office, people):
    def day(value):
        if isinstance(value, int):
            return (timezone.localdate() + datetime.timedelta(days=value)).isoformat()
        return value

    response = client_for(people["manager"]).post(
        reverse("staff_absence", args=[people["supervisor"].pk]),
        {"absence-starts_on": day(starts), "absence-ends_on": day(ends)},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not SupervisorAbsence.objects.exists()


def test_an_absence_with_a_deputy_routes_approvals_to_them(office, team, people):
    deputy = make_user(Role.SUPERVISOR, office, username="deputy", first_name="Ewa")
    today = timezone.localdate()
    response = client_for(people["manager"]).post(
        reverse("staff_absence", args=[people["supervisor"].pk]),
        {
            "absence-starts_on": today.isoformat(),
            "absence-ends_on": (today + datetime.timedelta(days=4)).isoformat(),
            "absence-deputy": deputy.pk,
        },
    )
    assert response.status_code == 302
    from workflows.approvals.services import approval_route

    assert approval_route(office=office, team=team, requested_by=people["target"]) == deputy
    event = AccountEvent.objects.get(action=AccountAction.ABSENCE_SET)
    assert event.details["deputy"] == "deputy"


def _give_tasks(people, office, n=2):
    seed_sla_policies()
    for i in range(n):
        case = case_services.case_open(
            actor=people["target"],
            person=make_person(office, "Kwame", f"Mensah {i}"),
            office=office,
            category=category(),
            risk="medium",
            source="walk_in",
            presenting_concerns="Child out of school",
        )
        allocate(case, people["supervisor"], people["target"])
        complete_intake(case, people["target"])


@pytest.mark.parametrize("who", ["inactive", "elsewhere"])
@pytest.mark.parametrize(
    "action, prefix", [("staff_handover", "handover"), ("staff_deactivate", "leave")]
)
def test_handing_over_to_someone_who_cannot_take_it(who, action, prefix, office, people):
    _give_tasks(people, office)
    before = list(open_tasks_of(people["target"]).values_list("pk", flat=True))
    response = client_for(people["manager"]).post(
        reverse(action, args=[people["target"].pk]), {f"{prefix}-to_user": people[who].pk}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert ("is deactivated" if who == "inactive" else "works in another office") in body
    assert list(open_tasks_of(people["target"]).values_list("pk", flat=True)) == before
    people["target"].refresh_from_db()
    assert people["target"].is_active  # deactivation did not happen either


def test_hand_over_from_the_persons_page(office, people):
    _give_tasks(people, office, n=3)
    response = client_for(people["manager"]).post(
        reverse("staff_handover", args=[people["target"].pk]),
        {"handover-to_user": people["colleague"].pk, "handover-reason": "Maternity leave"},
        follow=True,
    )
    body = response.content.decode()
    assert "3 open tasks went to Anna Nowak." in body
    assert open_tasks_of(people["colleague"]).count() == 3
    people["target"].refresh_from_db()
    assert people["target"].is_active


def test_deactivation_hands_over_and_signs_out(office, people):
    _give_tasks(people, office, n=2)
    target_client = client_for(people["target"])
    response = client_for(people["manager"]).post(
        reverse("staff_deactivate", args=[people["target"].pk]),
        {"leave-to_user": people["colleague"].pk},
        follow=True,
    )
    body = response.content.decode()
    assert "can no longer sign in" in body and "2 open tasks went to Anna Nowak." in body
    assert not open_tasks_of(people["target"]).exists()
    assert target_client.get(reverse("inbox")).status_code == 302  # signed out
    assert AccountEvent.objects.filter(action=AccountAction.DEACTIVATED).count() == 1
    assert AccountEvent.objects.filter(action=AccountAction.TASKS_HANDED_OVER).count() == 1


def test_a_manager_cannot_deactivate_themselves_from_the_page(office, people):
    manager = people["manager"]
    response = client_for(manager).post(
        reverse("staff_deactivate", args=[manager.pk]), {"leave-to_user": "queue"}
    )
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in response.content.decode()
    manager.refresh_from_db()
    assert manager.is_active


def test_a_team_of_another_office_in_the_details_form(office, other_office, people):
    elsewhere_team = make_team(other_office, name="Obca")
    response = client_for(people["manager"]).post(
        reverse("staff_person", args=[people["target"].pk]),
        {
            "first_name": "Akosua",
            "last_name": "Mensah",
            "email": "a@example.org",
            "roles": ["caseworker"],
            "teams": [elsewhere_team.pk],
        },
    )
    assert response.status_code == 400
    assert "Choose teams of this office only" in response.content.decode()
    assert not people["target"].teams.filter(pk=elsewhere_team.pk).exists()


# --- the audit -----------------------------------------------------------------------------


def _audit_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_audit_lists_the_offices_events_filtered_and_paged(office, people):
    manager = people["manager"]
    staff.staff_deactivate(actor=manager, person=people["colleague"])
    staff.staff_reactivate(actor=manager, person=people["colleague"])
    account_event_record(action=AccountAction.DEACTIVATED, actor=None, subject=people["elsewhere"])
    client = client_for(manager)
    page = client.get(reverse("staff_audit")).content.decode()
    assert "Deactivated" in page and "Reactivated" in page and "kum" not in page
    only = client.get(reverse("staff_audit") + "?action=reactivated").content.decode()
    assert "Reactivated" in only and '<td data-label="Action">Deactivated' not in only
    person = client.get(reverse("staff_audit") + f"?person={people['target'].pk}").content.decode()
    assert "No account event matches these filters" in person
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = client.get(reverse("staff_audit") + f"?date_from={tomorrow}").content.decode()
    assert "No account event matches these filters" in future

    few = _audit_queries(client, reverse("staff_audit"))
    for _n in range(60):
        account_event_record(
            action=AccountAction.ROLES_CHANGED,
            actor=manager,
            subject=people["target"],
            details={"before": ["caseworker"], "after": ["supervisor"]},
        )
    many = _audit_queries(client, reverse("staff_audit"))
    assert few == many
    second = client.get(reverse("staff_audit") + "?page=2").content.decode()
    assert "Page 2 of 2" in second


@pytest.mark.parametrize(
    "query, message",
    [
        ("date_from=2026-05-10&date_to=2026-05-01", "The end date is before the start date"),
        ("date_from=9999-01-01", "between 2000 and 2100"),
        ("date_from=yesterday", "Enter a valid date"),
        ("action=explode", "Select a valid choice"),
        ("person=999999", "Choose a person of this office"),
    ],
)
def test_bad_audit_filters(query, message, office, people):
    response = client_for(people["manager"]).get(reverse("staff_audit") + "?" + query)
    assert response.status_code == 400 and message in response.content.decode()
    export = client_for(people["manager"]).get(reverse("staff_audit_export") + "?" + query)
    assert export.status_code == 302
    assert not AccountEvent.objects.filter(action=AccountAction.AUDIT_EXPORTED).exists()


def test_the_export_is_csv_and_is_recorded(office, people):
    manager = people["manager"]
    people["colleague"].first_name = "=HYPERLINK(1)"
    people["colleague"].save(update_fields=["first_name"])
    staff.staff_deactivate(actor=manager, person=people["colleague"])
    response = client_for(manager).get(reverse("staff_audit_export") + "?action=deactivated")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Time,Action,Account,By")
    assert len(lines) == 2 and "Deactivated" in lines[1]
    assert "'=HYPERLINK(1)" in lines[1]  # never a formula in a spreadsheet
    export = AccountEvent.objects.get(action=AccountAction.AUDIT_EXPORTED)
    assert (export.actor, export.office) == (manager, office)
    assert export.details["rows"] == 1 and export.details["action"] == "deactivated"
    page = client_for(manager).get(reverse("staff_audit")).content.decode()
    assert "Account audit exported" in page  # the export is on the office's list too


@pytest.mark.django_db(transaction=True)
def test_a_case_locked_by_someone_else_is_a_409_and_nothing_moves(office, people, settings):
    """Someone holds a case's flow lock longer than WORKFLOW_LOCK_TIMEOUT_MS: the page says
    so (409) and no task moved, the account stays active."""
    import psycopg
    from django.db import connection as db

    _give_tasks(people, office, n=2)
    process_id = open_tasks_of(people["target"]).values_list("process_id", flat=True)[0]
    settings.WORKFLOW_LOCK_TIMEOUT_MS = 300
    params = db.get_connection_params()
    holder = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    try:
        holder.execute("SELECT 1 FROM viewflow_process WHERE id = %s FOR UPDATE", [process_id])
        response = client_for(people["manager"]).post(
            reverse("staff_deactivate", args=[people["target"].pk]),
            {"leave-to_user": people["colleague"].pk},
        )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 409
    assert "Someone else is working on this case right now" in response.content.decode()
    assert open_tasks_of(people["target"]).count() == 2
    people["target"].refresh_from_db()
    assert people["target"].is_active


def test_the_persons_page_unlocks_a_locked_account_and_resets_two_step_sign_in(office, people):
    """The sign-in section of a person's page: a locked-out caseworker is unlocked from it, and
    a supervisor's lost phone is reset from it; both come back to the page, both recorded."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import AccountAction, AccountEvent

    target, manager, supervisor = people["target"], people["manager"], people["supervisor"]
    stranger = Client()
    for _ in range(5):
        stranger.post(
            reverse("login"),
            {"username": target.username, "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.9",
        )
    TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    client = client_for(manager)

    page = client.get(reverse("staff_person", args=[target.pk])).content.decode()
    assert "Locked out" in page and "Unlock the account" in page
    response = client.post(
        reverse("account_unlock", args=[target.pk]),
        {"next": reverse("staff_person", args=[target.pk])},
        follow=True,
    )
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("staff_person", args=[target.pk])
    assert "can sign in again" in body and "Not locked out." in body
    assert AccountEvent.objects.filter(
        action=AccountAction.UNLOCKED, subject=target, actor=manager
    ).exists()

    page = client.get(reverse("staff_person", args=[supervisor.pk])).content.decode()
    assert "Two-step sign-in is on" in page and "Reset two-step sign-in" in page
    response = client.post(
        reverse("second_factor_reset", args=[supervisor.pk]),
        {"next": reverse("staff_person", args=[supervisor.pk])},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("staff_person", args=[supervisor.pk])
    assert "Two-step sign-in is not set up." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor).exists()

    # Nobody is offered these on their own page, nor a caseworker on anyone's.
    own = client.get(reverse("staff_person", args=[manager.pk])).content.decode()
    assert "Unlock the account" not in own and "Reset two-step sign-in" not in own
