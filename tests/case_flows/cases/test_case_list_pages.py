"""The case list pages through everything the user may find, newest first, with a count."""

import pytest
from django.urls import reverse

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.cases import selectors
from tests.factories import category, make_office, make_person, make_team, make_user

pytestmark = pytest.mark.django_db


def test_the_list_pages_through_every_case(client, django_assert_max_num_queries):
    office = make_office("PGS", name="Paging office")
    sup = make_user(Role.SUPERVISOR, office, username="pg_sup")
    make_team(office, supervisor=sup, name="Team P")
    manager = make_user(Role.MANAGER, office, username="pg_mgr")
    for n in range(selectors.PAGE_SIZE + 3):
        case_services.case_open(
            actor=sup,
            person=make_person(office, given="Ama", family=f"Paged{n:02d}"),
            office=office,
            category=category(),
            risk="low",
            source="walk_in",
            presenting_concerns="Concerns",
        )
    client.force_login(manager)
    first = client.get(reverse("case_list"))
    body = first.content.decode()
    assert f"{selectors.PAGE_SIZE + 3} cases, newest first" in body
    assert "Paged27" in body and "Paged02" not in body  # newest first
    assert "Page 1 of 2" in body
    with django_assert_max_num_queries(14):
        second = client.get(reverse("case_list") + "?page=2")
    body = second.content.decode()
    assert "Paged02" in body and "Paged00" in body and "Paged27" not in body
    found = client.get(reverse("case_list") + "?q=paged2")
    assert "8 cases found" in found.content.decode()  # Paged20..Paged27
    # A search too long for the form: its error, and no case listed as if it were a result.
    body = client.get(reverse("case_list"), {"q": "x" * 3000}).content.decode()
    assert "at most 120 characters" in body and "The search was not run" in body
    assert "Paged" not in body


def test_a_supervisor_finds_the_possible_duplicates_from_the_list(client):
    office = make_office("DUP", name="Duplicates office")
    sup = make_user(Role.SUPERVISOR, office, username="dup_sup")
    worker = make_user(Role.CASEWORKER, office, username="dup_cw")
    client.force_login(sup)
    assert reverse("people_duplicates") in client.get(reverse("case_list")).content.decode()
    client.force_login(worker)
    assert reverse("people_duplicates") not in client.get(reverse("case_list")).content.decode()
