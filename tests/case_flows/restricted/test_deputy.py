"""While a supervisor is away, their deputy takes their approvals: the deputy is on the access
list of the team's restricted cases for the absence, and off it before and after."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.cases.selectors import cases_visible_to
from case_flows.permissions import on_access_list
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import allocate
from workflows.approvals.models import SupervisorAbsence

pytestmark = pytest.mark.django_db


def test_the_deputy_of_an_absent_supervisor_is_on_the_list(client):
    office = make_office("DPT", name="Deputy office")
    sup = make_user(Role.SUPERVISOR, office, username="d_sup")
    team = make_team(office, supervisor=sup, name="Team D")
    owner = make_user(Role.CASEWORKER, office, team, username="d_owner")
    deputy_sup = make_user(Role.SUPERVISOR, office, username="d_deputy")
    make_team(office, supervisor=deputy_sup, name="Team E")
    case = case_services.case_open(
        actor=owner,
        person=make_person(office, given="Ewa", family="Ukryta"),
        office=office,
        category=category("domestic_violence"),
        risk="high",
        source="walk_in",
        presenting_concerns="Concerns",
    )
    allocate(case, sup, owner)
    case.refresh_from_db()
    case.is_restricted = True
    case.save(update_fields=["is_restricted"])

    def sees() -> tuple[bool, bool, int]:
        deputy = type(deputy_sup).objects.get(pk=deputy_sup.pk)  # no per-request caches
        client.force_login(deputy)
        page = client.get(reverse("case_detail", args=[case.pk])).status_code
        return (
            on_access_list(deputy, case),
            cases_visible_to(deputy).filter(pk=case.pk).exists(),
            page,
        )

    assert sees() == (False, False, 404)
    today = timezone.localdate()
    absence = SupervisorAbsence.objects.create(
        supervisor=sup,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        deputy=deputy_sup,
    )
    assert sees() == (True, True, 200)
    absence.starts_on = absence.ends_on = today - datetime.timedelta(days=1)
    absence.save()
    assert sees() == (False, False, 404)
