"""Subject access: one action on the case page produces everything held on the client (JSON
and a readable document), for supervisors and managers who see the case, logged twice (an
access row and a timeline row), in a bounded number of queries."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows import timeline
from case_flows.models import (
    AccessAction,
    AccessEvent,
    Assessment,
    CaseEvent,
    EventKind,
    Intake,
    ServiceProvider,
)
from case_flows.privacy.subject_access import labelled, person_subject_access
from case_flows.referrals import services as referrals
from notifications.models import Notification
from workflows.sla.seed import seed_sla_policies

from ...factories import category, make_user
from ..referrals.steps import open_case, to_referral_stage


@pytest.fixture(scope="module")
def module_client_file(
    module_office, module_team, module_supervisor, module_caseworker, django_db_blocker
):
    """Kwame Mensah: two cases (the first with a referral), a relative, notifications about
    his cases, and access rows; built once for the module (in `module_db`), each test's
    writes rolled back by its savepoint."""
    office, supervisor, caseworker = module_office, module_supervisor, module_caseworker
    with django_db_blocker.unblock():
        seed_sla_policies()
        first = to_referral_stage(open_case(office, caseworker), supervisor, caseworker)
        shelter = ServiceProvider.objects.create(name="Hope Shelter", services="Shelter")
        referrals.referral_send(
            case=first, actor=caseworker, provider=shelter, service_type="Shelter"
        )
        case_services.case_add_relative(
            case=first,
            actor=caseworker,
            given_name="Efua",
            family_name="Mensah",
            relationship="parent",
            date_of_birth=datetime.date(1980, 5, 1),
            is_primary_caregiver=True,
        )
        second = case_services.case_open(
            actor=caseworker,
            person=first.person,
            office=office,
            category=category(),
            risk="low",
            source="walk_in",
            presenting_concerns="School fees",
        )
        AccessEvent.objects.create(
            user=caseworker, action=AccessAction.VIEW_CASE, case=first, person=first.person
        )
        assert Notification.objects.filter(case_reference=first.reference).exists()
        return first, second


@pytest.fixture
def client_file(module_client_file, module_copy):
    return module_copy(module_client_file)


# The function-scoped fixtures of tests/conftest.py, overridden here: the objects the client's
# file was built with (copies for this test).


@pytest.fixture
def office(module_office, module_copy):
    return module_copy(module_office)


@pytest.fixture
def other_office(module_other_office, module_copy):
    return module_copy(module_other_office)


@pytest.fixture
def supervisor(module_supervisor, module_copy):
    return module_copy(module_supervisor)


@pytest.fixture
def team(module_team, module_copy):
    return module_copy(module_team)


@pytest.fixture
def caseworker(module_caseworker, module_copy):
    return module_copy(module_caseworker)


@pytest.fixture
def manager(module_manager, module_copy):
    return module_copy(module_manager)


def download(client, user, case, file_format):
    client.force_login(user)
    return client.post(reverse("subject_access", args=[case.pk, file_format]))


def test_json_holds_every_section(client, client_file, supervisor):
    first, second = client_file
    response = download(client, supervisor, first, "json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment;" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["given_name"] == "Kwame" and data["person"]["phone"]
    assert "search_name" not in data["person"]
    assert [r["person"]["given_name"] for r in data["relatives"]] == ["Efua"]
    assert data["relatives"][0]["relationship"] == "parent"
    assert [c["reference"] for c in data["cases"]] == [first.reference, second.reference]
    one = data["cases"][0]
    assert one["intake"]["presenting_concerns"] == "Child out of school"
    assert len(one["assessments"]) == 1 and one["plans"][0]["goals"]
    assert [r["provider"] for r in one["referrals"]] == ["Hope Shelter"]
    assert one["referrals"][0]["created_by"] == "Akosua"
    titles = [event["title"] for event in one["timeline"]]
    assert "Case opened" in titles and "Referral sent" in titles
    datetime.datetime.fromisoformat(one["timeline"][0]["at"])  # ISO 8601
    assert {n["case_reference"] for n in data["notifications"]} >= {first.reference}
    assert any(a["action"] == "view_case" for a in data["access_log"])
    # Logged: one access row and one timeline row on the case it was produced from.
    row = AccessEvent.objects.get(action=AccessAction.SUBJECT_ACCESS)
    assert (row.user, row.case, row.person, row.target) == (
        supervisor,
        first,
        first.person,
        "json",
    )
    event = CaseEvent.objects.get(case=first, kind=EventKind.SUBJECT_ACCESS)
    assert event.actor == supervisor and event.data == {"format": "json"}


def test_readable_document_in_the_users_language(client, client_file, manager):
    first, _second = client_file
    manager.preferred_language = "pl"
    manager.save(update_fields=["preferred_language"])
    response = download(client, manager, first, "html")
    assert response.status_code == 200
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Kwame Mensah" in body and "Efua Mensah" in body and "Hope Shelter" in body
    assert 'lang="pl"' in body and "Otwarto sprawę" in body and "Przyjęcie" in body
    assert "<style>" in body and "http" not in body.split("<body>")[0]  # self-contained
    assert AccessEvent.objects.filter(action=AccessAction.SUBJECT_ACCESS, target="html").exists()


def test_caseworker_is_refused_and_nothing_is_logged(client, client_file, caseworker):
    first, _second = client_file
    page = (client.force_login(caseworker), client.get(reverse("case_detail", args=[first.pk])))
    assert "Subject access file" not in page[1].content.decode()
    assert download(client, caseworker, first, "json").status_code == 403
    assert not AccessEvent.objects.filter(action=AccessAction.SUBJECT_ACCESS).exists()
    assert not CaseEvent.objects.filter(kind=EventKind.SUBJECT_ACCESS).exists()


def test_manager_of_another_office_gets_404(client, client_file, other_office):
    first, _second = client_file
    stranger = make_user(Role.MANAGER, other_office, username="mgr-pl")
    assert download(client, stranger, first, "html").status_code == 404
    assert not AccessEvent.objects.filter(action=AccessAction.SUBJECT_ACCESS).exists()


def test_queries_do_not_grow_with_events_or_cases(client_file, supervisor, caseworker, office):
    first, second = client_file
    person_subject_access(
        first.person, viewer=supervisor
    )  # caches warmed (content types, the user's office)
    with CaptureQueriesContext(connection) as before:
        person_subject_access(first.person, viewer=supervisor)
    for _ in range(5):
        timeline.subject_access_produced(second, actor=supervisor, file_format="json")
    case_services.case_open(
        actor=caseworker,
        person=first.person,
        office=office,
        category=category(),
        risk="low",
        source="walk_in",
        presenting_concerns="Third time",
    )
    with CaptureQueriesContext(connection) as after:
        data = person_subject_access(first.person, viewer=supervisor)
    assert len(data["cases"]) == 3
    assert len(after) == len(before) <= 20, [q["sql"] for q in after.captured_queries]


def test_cases_the_producer_may_not_read_are_left_out(client_file, supervisor, office):
    """A restricted case of the same client, outside the producer's access list, is not in
    the file: neither its reference nor its access rows; the file says what it covers."""
    from case_flows.cases import access as access_services

    first, second = client_file
    nobody = make_user(Role.MANAGER, office, username="manager-not-on-list")
    access_services.case_restrict(case=second, actor=supervisor, reason="Violence at home")
    second.refresh_from_db()
    assert second.is_restricted
    data = person_subject_access(first.person, viewer=supervisor)
    assert {c["reference"] for c in data["cases"]} == {first.reference, second.reference}
    data = person_subject_access(first.person, viewer=nobody)
    assert [c["reference"] for c in data["cases"]] == [first.reference]
    assert second.reference not in json.dumps(data)
    assert "restricted cases" in data["scope"]


def test_a_relative_file_names_only_clients_the_producer_may_read(client_file, supervisor, office):
    """Efua is recorded as Kwame's parent: her file names Kwame as the person whose relative
    she is, unless all his cases are restricted outside the producer's list."""
    from case_flows.cases import access as access_services
    from case_flows.models import PersonRelation

    first, second = client_file
    efua = PersonRelation.objects.get(person=first.person).relative
    manager = make_user(Role.MANAGER, office, username="manager-relatives")
    named = person_subject_access(efua, viewer=manager)["relative_of"]
    assert [r["person"]["family_name"] for r in named] == ["Mensah"]
    for case in (first, second):
        access_services.case_restrict(case=case, actor=supervisor, reason="Violence at home")
    assert person_subject_access(efua, viewer=manager)["relative_of"] == []
    assert len(person_subject_access(efua, viewer=supervisor)["relative_of"]) == 1


def test_readable_document_labels_every_column_and_tells_needs_in_words(db):
    with translation.override("en"):
        pairs = dict(
            labelled(
                Assessment,
                {"created_by": "Ama", "episode": 1, "needs": {"safety": "high"}},
            )
        )
        intake = dict(labelled(Intake, {"completed_by": "Ama"}))
    assert pairs["Created by"] == "Ama" and pairs["Episode"] == "1"
    assert pairs["Needs by domain"] == "Safety: High"  # not {"safety": "high"}
    assert intake["Completed by"] == "Ama"


def test_the_file_holds_the_household_and_the_clients_own_incomes(client_file, caseworker):
    """Household membership and incomes are the client's data too; anonymising the client
    removes the income notes and, once nobody named lives there, the address."""
    import datetime as dt
    from decimal import Decimal

    from case_flows.models import Household, HouseholdMember, Income
    from case_flows.privacy.services import _person_scrub

    first, _second = client_file
    home = Household.objects.create(
        office=first.office, address="12 Palm Street", created_by=caseworker
    )
    HouseholdMember.objects.create(
        household=home,
        person=first.person,
        relationship_to_head="head",
        from_date=dt.date(2024, 1, 1),
    )
    Income.objects.create(
        household=home,
        person=first.person,
        month=dt.date(2024, 5, 1),
        amount=Decimal("640.50"),
        source="employment",
        note="Market stall",
    )
    manager = make_user(Role.MANAGER, first.office, username="manager-household")
    data = person_subject_access(first.person, viewer=manager)
    [member] = data["households"]
    assert member["address"] == "12 Palm Street" and member["from"] == "2024-01-01"
    assert member["incomes"] == [
        {
            "month": "2024-05-01",
            "amount": "640.50",
            "source": "employment",
            "source_display": "Employment",
            "note": "Market stall",
        }
    ]
    _person_scrub(first.person, timezone.now())
    assert Income.objects.get(household=home).note == ""
    assert Household.objects.get(pk=home.pk).address == ""
