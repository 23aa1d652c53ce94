"""A hostile tester's leaks of restricted cases, each with its regression test: erasure
notifications and refusals naming a restricted case, the admin's erasure requests, a reader
on the list by a grant alone reopening the case.

One client with two closed cases (a restricted one and an ordinary one), built once for the
module (module_db); each test rolls back what it writes.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.access as access_services
import case_flows.cases.services as case_services
from accounts.models import Role, User
from case_flows.models import Case, ErasureRequest, ErasureStatus, RetentionPolicy, Stage
from case_flows.privacy import erasure
from notifications.models import Event, Notification
from notifications.rendering import in_app_text
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import close_case


@dataclass
class World:
    restricted: Case
    ordinary: Case
    users: dict[str, User]


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        office = make_office("ATK", name="Attacked office")
        sup = make_user(Role.SUPERVISOR, office, username="a_sup")
        team = make_team(office, supervisor=sup, name="Team A")
        sup_b = make_user(Role.SUPERVISOR, office, username="a_sup_b")
        make_team(office, supervisor=sup_b, name="Team B")
        users = {
            "owner": make_user(Role.CASEWORKER, office, team, username="a_owner"),
            "mate": make_user(Role.CASEWORKER, office, team, username="a_mate"),
            "supervisor": sup,
            "other_team_sup": sup_b,
        }
        person = make_person(office, given="Zofia", family="Zastrzezona")
        cases = {}
        for code in ("domestic_violence", "child_protection"):
            case = case_services.case_open(
                actor=sup,
                person=person,
                office=office,
                category=category(code),
                risk="high",
                source="walk_in",
                presenting_concerns="Concerns",
            )
            cases[code] = close_case(case, sup, users["owner"])
        restricted, ordinary = cases["domestic_violence"], cases["child_protection"]
        # a colleague of another team added to the list: reads, does not work on it
        access_services.case_access_grant(
            case=restricted, actor=sup, user=sup_b, reason="Covers the hearing"
        )
        return World(restricted=restricted, ordinary=ordinary, users=users)


@pytest.fixture(autouse=True)
def _each_test_in_a_savepoint(db):
    """Every test reads the module's data and rolls back what it writes."""


def _request(case, actor):
    return erasure.erasure_request(
        case=case, actor=actor, grounds="consent_withdrawn", details="Asked on Monday"
    )


def test_erasure_notifications_never_name_a_restricted_case(world):
    assert world.restricted.is_restricted and not world.ordinary.is_restricted
    RetentionPolicy.objects.all().delete()  # nothing blocks the erasure here
    made = _request(world.restricted, world.users["owner"])
    assert made.status == ErasureStatus.PENDING
    erasure.erasure_decide(
        request=made, actor=world.users["supervisor"], approve=False, reason="Not yet"
    )
    sent = Notification.objects.filter(
        event__in=[Event.APPROVAL_REQUESTED, Event.APPROVAL_DECIDED], params__task__isnull=False
    ).filter(params__task="Erasure request")
    assert {n.recipient for n in sent} >= {world.users["supervisor"], world.users["owner"]}
    for notification in sent:
        assert notification.case_reference == ""
        text = in_app_text(notification)
        assert world.restricted.reference not in text and "restricted case" in text


def test_erasure_refusal_does_not_name_a_restricted_case(client, world):
    RetentionPolicy.objects.all().delete()
    RetentionPolicy.objects.create(
        jurisdiction=world.restricted.office.jurisdiction,
        category=world.restricted.category,
        years_after_closure=10,
        legal_basis="Act on family violence",
        erasure_blocked_during_retention=True,
    )
    # A team-mate, not on the restricted case's list, records erasure on the ordinary case.
    made = _request(world.ordinary, world.users["mate"])
    assert made.status == ErasureStatus.REFUSED
    assert "Act on family violence" in made.decision_reason
    assert world.restricted.reference not in made.decision_reason
    client.force_login(world.users["mate"])
    page = client.get(reverse("case_erasure", args=[world.ordinary.pk]))
    assert page.status_code == 200
    assert world.restricted.reference not in page.content.decode()


def test_django_admin_hides_erasure_requests_of_restricted_cases(client, world):
    ErasureRequest.objects.create(
        person=world.restricted.person,
        case=world.restricted,
        office=world.restricted.office,
        requested_by=world.users["owner"],
        grounds="consent_withdrawn",
    )
    ErasureRequest.objects.create(
        person=world.ordinary.person,
        case=world.ordinary,
        office=world.ordinary.office,
        requested_by=world.users["owner"],
        grounds="consent_withdrawn",
        status=ErasureStatus.REFUSED,  # one pending request per person
        decided_at=timezone.now(),
    )
    root = make_user(role=None, username="a_root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get(reverse("admin:case_flows_erasurerequest_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert world.ordinary.reference in body and world.restricted.reference not in body


def test_a_grant_alone_does_not_reopen_a_restricted_case(client, world):
    client.force_login(world.users["other_team_sup"])
    url = reverse("case_reopen", args=[world.restricted.pk])
    response = client.post(url, {"comment": "New incident"})
    assert response.status_code == 403
    assert Case.objects.get(pk=world.restricted.pk).stage == Stage.CLOSED
    # the case's own supervisor still reopens it
    client.force_login(world.users["supervisor"])
    response = client.post(url, {"comment": "New incident"})
    assert response.status_code == 302
    assert Case.objects.get(pk=world.restricted.pk).stage != Stage.CLOSED
