"""A restricted case, as people use it (issue 17): the supervisor adds a colleague to its access
list with a reason, the colleague then finds it; a team-mate who is not on the list gets "not
found" and breaks the glass, with a reason, and the caseworker and supervisor are told."""

import re

import pytest
from playwright.sync_api import expect

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Office, User
from case_flows.models import Case, CaseAccessGrant, Category, GrantKind
from notifications.models import Event, Notification

pytestmark = pytest.mark.browser


def _restricted_case() -> Case:
    from viewflow.workflow.models import Task

    from case_flows.flows import CaseFlow

    office = Office.objects.get(code="BEK")
    worker = User.objects.get(username="caseworker")
    person = case_services.person_create(
        actor=worker, office=office, given_name="Efua", family_name="Quaye", sex="female"
    )
    case = case_services.case_open(
        actor=worker,
        person=person,
        office=office,
        category=Category.objects.get(code="domestic_violence"),
        risk="high",
        source="walk_in",
        presenting_concerns="Injuries; afraid to go home.",
    )
    work_services.case_allocate(
        task=Task.objects.get(
            process__caseprocess__case=case, flow_task=CaseFlow.allocate, status="NEW"
        ),
        actor=User.objects.get(username="supervisor"),
        caseworker=worker,
    )
    return case


def test_supervisor_adds_a_colleague_and_a_team_mate_breaks_the_glass(person):
    case = _restricted_case()
    assert case.is_restricted
    case_path = f"/cases/{case.pk}/"

    manager = person("manager")
    manager.goto(case_path)
    expect(manager.get_by_role("heading", name="Page not found")).to_be_visible()

    supervisor = person("supervisor")
    supervisor.goto(case_path)
    expect(supervisor.get_by_role("heading", name=re.compile("Access"))).to_be_visible()
    supervisor.get_by_label("Staff member").select_option(label="Kofi Boateng")
    supervisor.get_by_label("Why do they need access?").fill("Chairs the case conference.")
    supervisor.get_by_role("button", name="Add to the access list").click()
    expect(supervisor.get_by_text("Added to the access list.")).to_be_visible()
    access = supervisor.get_by_role("region", name=re.compile("Access"))
    expect(access.get_by_role("row").filter(has_text="Kofi Boateng")).to_contain_text(
        "Chairs the case conference."
    )

    manager.goto(case_path)
    expect(manager.get_by_role("heading", name="Efua Quaye")).to_be_visible()

    mate = person("caseworker2")
    mate.goto("/cases/?q=Quaye")
    expect(mate.get_by_role("link", name=case.reference)).to_have_count(0)
    mate.goto(case_path)
    expect(mate.get_by_role("heading", name="Page not found")).to_be_visible()
    mate.get_by_role("link", name="Emergency access").click()
    mate.get_by_label("Case reference").fill(case.reference)
    mate.get_by_label("Why do you need to read it now?").fill("Police call; she is missing.")
    mate.get_by_role("button", name="Open the case").click()
    expect(mate.get_by_role("heading", name="Efua Quaye")).to_be_visible()
    expect(mate.get_by_text(re.compile("Emergency access until"))).to_be_visible()

    grant = CaseAccessGrant.objects.get(case=case, user__username="caseworker2")
    assert grant.kind == GrantKind.EMERGENCY
    told = set(
        Notification.objects.filter(event=Event.EMERGENCY_ACCESS).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"caseworker", "supervisor"}
