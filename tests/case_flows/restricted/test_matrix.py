"""The restricted-case matrix: a restricted case and an ordinary one, and every kind of user,
on every page, list, search, export, digest and notification that can show a case.

The data is built once for the module (module_db); each test reads it.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

import case_flows.cases.access as access_services
import case_flows.cases.services as case_services
from accounts.models import Role, User
from case_flows import digest as case_digest
from case_flows.models import Case, CaseAccessGrant, CaseEvent, EventKind, GrantKind
from notifications.models import Event, Notification
from notifications.rendering import in_app_text
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import allocate, open_task
from workflows.queue import task_release

RESTRICTED_NAME = "Zofia Zastrzezona"
ORDINARY_NAME = "Ama Ordinary"


@dataclass
class World:
    restricted: Case
    ordinary: Case
    users: dict[str, User]


# who sees the restricted case and who sees the ordinary one
SEES_RESTRICTED = {"owner", "supervisor", "grantee", "glass"}
SEES_ORDINARY = {"owner", "supervisor", "mate", "manager", "national", "admin", "glass"}
EVERYONE = [
    "owner",
    "supervisor",
    "mate",
    "other_team_cw",
    "other_team_sup",
    "manager",
    "national",
    "admin",
    "other_office_sup",
    "other_office_cw",
    "grantee",
    "glass",
    "expired",
]


def _open(office, actor, name, code):
    given, family = name.split()
    person = make_person(office, given=given, family=family)
    return case_services.case_open(
        actor=actor,
        person=person,
        office=office,
        category=category(code),
        risk="high",
        source="walk_in",
        presenting_concerns="Concerns",
    )


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        office = make_office("RST", name="Restricted office")
        elsewhere = make_office("ELS", name="Elsewhere")
        sup = make_user(Role.SUPERVISOR, office, username="r_sup")
        team = make_team(office, supervisor=sup, name="Team A")
        sup_b = make_user(Role.SUPERVISOR, office, username="r_sup_b")
        team_b = make_team(office, supervisor=sup_b, name="Team B")
        users = {
            "owner": make_user(Role.CASEWORKER, office, team, username="r_owner"),
            "supervisor": sup,
            "mate": make_user(Role.CASEWORKER, office, team, username="r_mate"),
            "other_team_cw": make_user(Role.CASEWORKER, office, team_b, username="r_other"),
            "other_team_sup": sup_b,
            "manager": make_user(Role.MANAGER, office, username="r_mgr"),
            "national": make_user(Role.MANAGER, office, username="r_nat", is_national=True),
            "admin": make_user(Role.ADMINISTRATOR, office, username="r_admin"),
            "other_office_sup": make_user(Role.SUPERVISOR, elsewhere, username="r_els_sup"),
            "other_office_cw": make_user(Role.CASEWORKER, elsewhere, username="r_els_cw"),
            "grantee": make_user(Role.CASEWORKER, office, team_b, username="r_grantee"),
            "glass": make_user(Role.CASEWORKER, office, team, username="r_glass"),
            "expired": make_user(Role.CASEWORKER, office, team_b, username="r_expired"),
        }
        make_team(elsewhere, supervisor=users["other_office_sup"]).members.add(
            users["other_office_cw"]
        )
        restricted = _open(office, sup, RESTRICTED_NAME, "domestic_violence")
        ordinary = _open(office, sup, ORDINARY_NAME, "child_protection")
        for case in (restricted, ordinary):
            allocate(case, sup, users["owner"])
            # the intake goes back to the team queue: the queue shows it to the team
            task_release(task=open_task(case, "intake"), actor=users["owner"])
        restricted.refresh_from_db()
        ordinary.refresh_from_db()
        Case.objects.filter(pk__in=[restricted.pk, ordinary.pk]).update(is_overdue=True)
        access_services.case_access_grant(
            case=restricted, actor=sup, user=users["grantee"], reason="Covers the hearing"
        )
        access_services.emergency_access(
            actor=users["glass"], reference=restricted.reference, reason="Police at the door"
        )
        expired = access_services.emergency_access(
            actor=users["expired"], reference=restricted.reference, reason="Night call"
        )
        CaseAccessGrant.objects.filter(pk=expired.grant.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        return World(restricted=restricted, ordinary=ordinary, users=users)


@pytest.fixture(autouse=True)
def _each_test_in_a_savepoint(db):
    """Every test reads the module's data and rolls back what it writes."""


def _client(client, world, who):
    client.force_login(world.users[who])
    return client


def test_category_restricts_at_registration_and_is_recorded(db, world):
    assert world.restricted.is_restricted and not world.ordinary.is_restricted
    kinds = list(
        CaseEvent.objects.filter(
            case=world.restricted, kind__in=[EventKind.RESTRICTION, EventKind.ACCESS]
        )
        .order_by("pk")
        .values_list("transition", flat=True)
    )
    assert kinds == [
        "restricted_by_category",
        "access_granted",
        "access_emergency",
        "access_emergency",
    ]


@pytest.mark.parametrize("who", EVERYONE)
def test_case_page(client, world, who):
    c = _client(client, world, who)
    restricted = c.get(reverse("case_detail", args=[world.restricted.pk]))
    ordinary = c.get(reverse("case_detail", args=[world.ordinary.pk]))
    assert restricted.status_code == (200 if who in SEES_RESTRICTED else 404)
    assert ordinary.status_code == (200 if who in SEES_ORDINARY else 404)
    if who not in SEES_RESTRICTED:
        assert RESTRICTED_NAME.split()[0] not in restricted.content.decode()
    else:
        assert "Restricted" in restricted.content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_case_list_and_search(client, world, who):
    c = _client(client, world, who)
    queries = ["", "Zofia", world.restricted.reference, world.restricted.reference[:6]]
    for query in queries:
        body = c.get(reverse("case_list"), {"q": query}).content.decode()
        # (the page repeats the query: look for the row's link, not the reference)
        link = f'href="{reverse("case_detail", args=[world.restricted.pk])}"'
        assert (link in body) == (who in SEES_RESTRICTED), query
        assert (RESTRICTED_NAME in body) == (who in SEES_RESTRICTED), query
    body = c.get(reverse("case_list"), {"q": "Ama"}).content.decode()
    assert (ORDINARY_NAME in body) == (who in SEES_ORDINARY)


@pytest.mark.parametrize("who", EVERYONE)
def test_team_queue_and_task_page(client, world, who):
    c = _client(client, world, who)
    body = c.get(reverse("inbox"), {"tab": "queue"}).content.decode()
    assert RESTRICTED_NAME not in body or who in SEES_RESTRICTED
    task = open_task(world.restricted, "intake")
    page = c.get(reverse("task", args=[task.pk]))
    if who not in SEES_RESTRICTED:
        assert RESTRICTED_NAME not in body
        assert page.status_code == 404
        claim = c.post(reverse("task_claim", args=[task.pk]))
        assert claim.status_code == 404
        assert Task.objects.get(pk=task.pk).owner_id is None
    if who in {"owner", "supervisor", "glass"}:
        # the team's queue holds the restricted intake for the people on its list
        assert RESTRICTED_NAME in body


def test_queue_query_count_holds(client, world, django_assert_max_num_queries):
    c = _client(client, world, "mate")
    with django_assert_max_num_queries(25):
        response = c.get(reverse("inbox"), {"tab": "queue"})
    assert ORDINARY_NAME in response.content.decode()
    assert RESTRICTED_NAME not in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "national", "admin", "supervisor", "other_team_sup"])
def test_dashboard_drilldown_and_export(client, world, who):
    c = _client(client, world, who)
    query = {"figure": "open", "office": world.restricted.office_id}
    page = c.get(reverse("dashboard_cases"), query)
    body = page.content.decode()
    export = c.get(reverse("dashboard_export"), {**query, "format": "csv"})
    csv = b"".join(export.streaming_content).decode()
    assert page.status_code == 200 and export.status_code == 200
    sees = who in SEES_RESTRICTED
    assert (world.restricted.reference in body) == sees
    assert (world.restricted.reference in csv) == sees
    assert RESTRICTED_NAME.split()[0] not in csv or sees
    if who in SEES_ORDINARY:
        assert world.ordinary.reference in body and world.ordinary.reference in csv
    # a manager's figure counts it and the list says it is left out (they never disagree
    # silently); another team's supervisor's figure does not count it at all
    counted_not_listed = who in {"manager", "national", "admin"}
    assert ('data-testid="hidden-restricted"' in body) == counted_not_listed


@pytest.mark.parametrize("who", ["manager", "national", "supervisor", "other_team_sup"])
def test_digest_counts(db, world, who):
    user = User.objects.get(pk=world.users[who].pk)
    section = case_digest.overdue_section(user)
    expected = len(
        {n for n, sees in ((1, who in SEES_RESTRICTED), (2, who in SEES_ORDINARY)) if sees}
    )
    if expected == 0:
        assert section is None
    else:
        assert section.lines[0].startswith(f"{expected} open case")


def test_notifications_never_name_a_restricted_case(db, world):
    about = Notification.objects.filter(link__contains=f"/cases/{world.restricted.pk}/")
    emergency = about.filter(event=Event.EMERGENCY_ACCESS)
    # the owner and the supervisor heard of each emergency access at once
    assert {n.recipient_id for n in emergency} == {
        world.users["owner"].pk,
        world.users["supervisor"].pk,
    }
    restricted_task = Notification.objects.filter(
        link__in=[
            reverse("task", args=[t.pk])
            for t in Task.objects.filter(process__caseprocess__case=world.restricted)
        ]
    )
    for notification in [*about, *restricted_task]:
        assert notification.case_reference == ""
        text = in_app_text(notification)
        assert world.restricted.reference not in text and "Zofia" not in text
        assert "restricted case" in text
    assert emergency.exists()


def test_named_grant_reads_but_does_not_write(client, world):
    c = _client(client, world, "grantee")
    page = c.get(reverse("case_detail", args=[world.restricted.pk])).content.decode()
    assert "access list: you can read it" in page
    response = c.post(
        reverse("case_risk", args=[world.restricted.pk]), {"risk": "low", "comment": "x"}
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=world.restricted.pk).risk == "high"


def test_break_the_glass_reveals_nothing_across_offices(client, world):
    c = _client(client, world, "other_office_cw")
    response = c.post(
        reverse("emergency_access"),
        {"reference": world.restricted.reference, "reason": "curious"},
    )
    assert response.status_code == 404
    assert "no restricted case with that reference" in response.content.decode()
    assert not CaseAccessGrant.objects.filter(user=world.users["other_office_cw"]).exists()
    # and an ordinary case of one's own office is no restricted case either
    c = _client(client, world, "other_team_cw")
    response = c.post(
        reverse("emergency_access"), {"reference": world.ordinary.reference, "reason": "x"}
    )
    assert response.status_code == 404


def test_break_the_glass_needs_a_reason(client, world):
    c = _client(client, world, "mate")
    response = c.post(reverse("emergency_access"), {"reference": world.restricted.reference})
    assert response.status_code == 400
    assert not CaseAccessGrant.objects.filter(user=world.users["mate"]).exists()


def test_break_the_glass_grants_and_logs(client, world):
    from case_flows.models import AccessAction, AccessEvent

    c = _client(client, world, "mate")
    response = c.post(
        reverse("emergency_access"),
        {"reference": world.restricted.reference.lower(), "reason": "Child missing"},
    )
    assert response.status_code == 302
    assert response.url == reverse("case_detail", args=[world.restricted.pk])
    grant = CaseAccessGrant.objects.get(user=world.users["mate"])
    assert grant.kind == GrantKind.EMERGENCY and grant.expires_at > timezone.now()
    assert AccessEvent.objects.filter(
        user=world.users["mate"], action=AccessAction.EMERGENCY, case=world.restricted
    ).exists()
    assert c.get(response.url).status_code == 200


def test_transfer_to_another_office_hides_the_name_until_accepted(client, world):
    from case_flows.models import CaseTransfer
    from case_flows.transfers import services as transfer_services

    restricted = Case.objects.get(pk=world.restricted.pk)
    transfer = transfer_services.transfer_request(
        case=restricted,
        actor=world.users["supervisor"],
        to_office=world.users["other_office_sup"].home_office,
        reason="The family moved",
    )
    c = _client(client, world, "other_office_sup")
    listing = c.get(reverse("transfers_incoming")).content.decode()
    decide = c.get(reverse("transfer_decide", args=[transfer.pk])).content.decode()
    for body in (listing, decide):
        assert "Restricted case" in body
        assert restricted.reference not in body and "Zofia" not in body
    told = Notification.objects.filter(
        recipient=world.users["other_office_sup"], event=Event.TRANSFER_REQUESTED
    ).get()
    assert told.case_reference == ""
    transfer_services.transfer_accept(
        transfer=CaseTransfer.objects.get(pk=transfer.pk),
        actor=world.users["other_office_sup"],
        caseworker=world.users["other_office_cw"],
    )
    # the receiving caseworker and their supervisor are now its list; the old team is not
    assert c.get(reverse("case_detail", args=[restricted.pk])).status_code == 200
    c = _client(client, world, "other_office_cw")
    assert c.get(reverse("case_detail", args=[restricted.pk])).status_code == 200
    c = _client(client, world, "owner")
    assert c.get(reverse("case_detail", args=[restricted.pk])).status_code == 404


def test_lifting_needs_a_supervisor_on_the_list_and_a_reason(client, world):
    restricted = Case.objects.get(pk=world.restricted.pk)
    c = _client(client, world, "owner")
    response = c.post(reverse("case_restriction_lift", args=[restricted.pk]), {"reason": "x"})
    assert response.status_code == 403
    c = _client(client, world, "supervisor")
    response = c.post(reverse("case_restriction_lift", args=[restricted.pk]), {"reason": ""})
    assert response.status_code == 400
    assert Case.objects.get(pk=restricted.pk).is_restricted
    response = c.post(
        reverse("case_restriction_lift", args=[restricted.pk]), {"reason": "Court order ended"}
    )
    assert response.status_code == 302
    assert not Case.objects.get(pk=restricted.pk).is_restricted
    event = CaseEvent.objects.filter(case=restricted, kind=EventKind.RESTRICTION).latest("pk")
    assert event.transition == "lifted" and event.comment == "Court order ended"
    # lifted: the ordinary scope again (the manager finds it)
    c = _client(client, world, "manager")
    assert c.get(reverse("case_detail", args=[restricted.pk])).status_code == 200


def test_owner_restricts_an_ordinary_case(client, world):
    c = _client(client, world, "owner")
    response = c.post(reverse("case_restrict", args=[world.ordinary.pk]), {"reason": "Threats"})
    assert response.status_code == 302
    c = _client(client, world, "manager")
    assert c.get(reverse("case_detail", args=[world.ordinary.pk])).status_code == 404
    c = _client(client, world, "mate")
    response = c.post(reverse("case_restrict", args=[world.ordinary.pk]), {"reason": "x"})
    assert response.status_code == 404  # no longer theirs to see


def test_revoke_takes_someone_off_the_list(client, world):
    grant = CaseAccessGrant.objects.get(user=world.users["grantee"])
    c = _client(client, world, "grantee")
    assert (
        c.post(reverse("case_access_revoke", args=[world.restricted.pk, grant.pk])).status_code
        == 403
    )
    c = _client(client, world, "supervisor")
    response = c.post(reverse("case_access_revoke", args=[world.restricted.pk, grant.pk]))
    assert response.status_code == 302
    c = _client(client, world, "grantee")
    assert c.get(reverse("case_detail", args=[world.restricted.pk])).status_code == 404


def test_grant_only_to_staff_of_the_same_office(client, world):
    c = _client(client, world, "supervisor")
    response = c.post(
        reverse("case_access", args=[world.restricted.pk]),
        {"user": world.users["other_office_cw"].pk, "reason": "help"},
    )
    assert response.status_code == 400  # not offered by the form
    assert not CaseAccessGrant.objects.filter(user=world.users["other_office_cw"]).exists()


def test_case_list_query_count_with_grants(client, world, django_assert_max_num_queries):
    c = _client(client, world, "grantee")
    with django_assert_max_num_queries(12):
        body = c.get(reverse("case_list")).content.decode()
    assert world.restricted.reference in body


def test_django_admin_lists_no_restricted_case(client, world):
    root = make_user(role=None, username="r_root", is_staff=True, is_superuser=True)
    client.force_login(root)
    cases = client.get("/admin/case_flows/case/").content.decode()
    people = client.get("/admin/case_flows/person/").content.decode()
    events = client.get("/admin/case_flows/caseevent/").content.decode()
    assert world.ordinary.reference in cases and world.restricted.reference not in cases
    assert "Ordinary" in people and "Zastrzezona" not in people
    assert world.restricted.reference not in events


def test_a_restricted_case_task_goes_only_to_someone_on_its_list(db, world):
    from workflows.errors import NotPermitted
    from workflows.queue import task_reassign

    task = open_task(world.restricted, "intake")
    with pytest.raises(NotPermitted):
        task_reassign(task=task, actor=world.users["supervisor"], to_user=world.users["mate"])
    task_reassign(task=task, actor=world.users["supervisor"], to_user=world.users["glass"])
    assert Task.objects.get(pk=task.pk).owner_id == world.users["glass"].pk


def test_add_form_offers_only_people_not_on_the_list(client, world):
    c = _client(client, world, "supervisor")
    page = c.get(reverse("case_detail", args=[world.restricted.pk]))
    form = page.context["grant_form"]
    offered = set(form.fields["user"].queryset.values_list("username", flat=True))
    # the owner, the supervisor and the live grantees are already on it; a colleague is not
    assert not offered & {"r_owner", "r_sup", "r_grantee", "r_glass"}
    assert {"r_mate", "r_other", "r_expired"} <= offered


def test_a_blank_reason_opens_the_form_again_with_its_error(client, world):
    c = _client(client, world, "owner")
    response = c.post(reverse("case_restrict", args=[world.ordinary.pk]), {"reason": "   "})
    assert response.status_code == 400
    assert not Case.objects.get(pk=world.ordinary.pk).is_restricted
    content = response.content.decode()
    # the error is inside the "Restrict this case" block: that block is shown open
    assert "<details open>" in content and "This field is required." in content
    c = _client(client, world, "supervisor")
    response = c.post(reverse("case_restriction_lift", args=[world.restricted.pk]), {"reason": " "})
    assert response.status_code == 400
    assert "<details open>" in response.content.decode()
