"""The inbox and reassignment, as people use them: a caseworker's day (find, filter, sort,
open), a supervisor giving open work to someone else from the case page, the inbox on a
phone. Each person in their own browser; axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Office, User
from case_flows.models import Case, Category

from .conftest import choose, wider_than_screen

pytestmark = pytest.mark.browser


def _case_for(caseworker: str, given: str, family: str, risk: str = "medium") -> Case:
    """A case of the Bekwai office allocated to `caseworker`: their intake is in the inbox."""
    office = Office.objects.get(code="BEK")
    worker = User.objects.get(username=caseworker)
    supervisor = User.objects.get(username="supervisor")
    person = case_services.person_create(
        actor=worker, office=office, given_name=given, family_name=family, sex="female"
    )
    case = case_services.case_open(
        actor=worker,
        person=person,
        office=office,
        category=Category.objects.filter(code="child_protection").first()
        or Category.objects.first(),
        risk=risk,
        source="walk_in",
        presenting_concerns="School absence reported by the head teacher.",
    )
    work_services.case_allocate(
        task=_open_task(case, "allocate"), actor=supervisor, caseworker=worker
    )
    case.refresh_from_db()
    return case


def _open_task(case: Case, node: str):
    from viewflow.workflow.models import Task

    from case_flows.flows import CaseFlow

    return Task.objects.get(
        process__caseprocess__case=case,
        flow_task=getattr(CaseFlow, node),
        status__in=["NEW", "ASSIGNED", "STARTED"],
    )


def _axe_settle(page, axe) -> None:
    """Let the load-time axe check of the current page finish, then make sure it ran: a
    check still running when the test ends is dropped with its context."""
    for _ in range(150):
        if not axe.running:
            break
        page.wait_for_timeout(100)
    if axe.last_checked.get(id(page)) != page.url:
        axe.check(page)


def _references(page) -> list[str]:
    return page.locator("table.inbox tbody tr td:first-child").all_inner_texts()


def test_caseworkers_day_search_filter_sort_and_open(person, axe):
    case = _case_for("caseworker", "Adjoa", "Quaye")
    _case_for("caseworker", "Yaa", "Quartey", risk="high")

    worker = person("caseworker")
    worker.goto("/inbox/")
    expect(worker.get_by_role("heading", name="Inbox")).to_be_visible()

    # Search by part of the client's name, then narrow to one kind of task.
    worker.get_by_label("Search").fill("quaye")
    worker.get_by_label(re.compile(r"^Task:?$")).select_option(label="Complete intake")
    worker.get_by_role("button", name="Filter").click()
    expect(worker.get_by_role("row").filter(has_text=case.reference)).to_be_visible()
    assert _references(worker) == [case.reference]
    assert "q=quaye" in worker.url and "task=intake" in worker.url  # a view to bookmark

    # Sort by due date from the column header, both ways; the filters stay.
    worker.get_by_role("link", name="Clear filters").click()
    worker.get_by_role("link", name="Due", exact=True).click()
    due_header = worker.get_by_role("columnheader", name="Due")
    expect(due_header).to_have_attribute("aria-sort", "descending")
    worker.get_by_role("link", name="Due", exact=True).click()
    expect(due_header).to_have_attribute("aria-sort", "ascending")
    worker.get_by_role("link", name="Client", exact=True).click()
    expect(worker.get_by_role("columnheader", name="Client")).to_have_attribute(
        "aria-sort", "ascending"
    )
    names = worker.locator("table.inbox tbody tr td:nth-child(2)").all_inner_texts()
    assert names == sorted(names, key=str.casefold)

    # Every duration in the largest unit: never hundreds of hours.
    for due in worker.locator("table.inbox td.due").all_inner_texts():
        count = re.search(r"(\d+) hours?", due)
        assert count is None or int(count.group(1)) < 24, due
        assert due.lower().count("overdue") <= 1, due

    # Open the task from its row.
    worker.get_by_label("Search").fill(case.reference)
    worker.get_by_role("button", name="Filter").click()
    worker.get_by_role("row").filter(has_text=case.reference).get_by_role(
        "link", name="Open"
    ).click()
    expect(worker.get_by_role("heading", name=re.compile("Complete intake"))).to_be_visible()
    _axe_settle(worker, axe)


def test_supervisor_reassigns_an_open_task_from_the_case_page(person, axe):
    case = _case_for("caseworker", "Esi", "Badu")

    supervisor = person("supervisor")
    supervisor.goto(f"/cases/{case.pk}/")
    row = supervisor.get_by_role("row").filter(has_text="Complete intake")
    expect(row).to_contain_text("Akosua Mensah")
    row.get_by_text("Reassign").click()
    give_to = row.get_by_label("Give the task to")
    options = give_to.locator("option").all_inner_texts()
    assert "Kwabena Owusu" in options
    assert not any("Shelter" in o or "Akosua" in o for o in options), options  # no provider
    choose(give_to, "Kwabena Owusu")
    row.get_by_role("button", name="Give the task").click()

    expect(supervisor.get_by_text("The task was given to Kwabena Owusu.")).to_be_visible()
    expect(supervisor).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    row = supervisor.get_by_role("row").filter(has_text="Complete intake")
    expect(row).to_contain_text("Kwabena Owusu")
    assert _open_task(case, "intake").owner.username == "caseworker2"
    _axe_settle(supervisor, axe)

    # The new person finds it in their inbox.
    colleague = person("caseworker2")
    colleague.goto("/inbox/")
    expect(colleague.get_by_role("row").filter(has_text=case.reference)).to_contain_text(
        "Complete intake"
    )
    _axe_settle(colleague, axe)


def test_inbox_at_phone_width(person, axe):
    case = _case_for("caseworker", "Abla", "Agyeman", risk="high")

    worker = person("caseworker", width=375)
    worker.goto("/inbox/")
    expect(worker.get_by_role("heading", name="Inbox")).to_be_visible()
    assert wider_than_screen(worker) == []
    # The filters beyond the search fold away on a phone; the header row is hidden there,
    # so the sort select does the sorting.
    expect(worker.get_by_label("Sort by")).to_be_hidden()
    worker.get_by_label("More filters and sort").check()
    worker.get_by_label("Sort by").select_option(label="Client name, A to Z")
    worker.get_by_label("Search").fill("agyeman")
    worker.get_by_role("button", name="Filter").click()
    assert "sort=client" in worker.url
    expect(worker.get_by_role("row").filter(has_text=case.reference)).to_be_visible()
    assert wider_than_screen(worker) == []
    worker.get_by_role("row").filter(has_text=case.reference).get_by_role(
        "link", name="Open"
    ).click()
    expect(worker.get_by_role("heading", name=re.compile("Complete intake"))).to_be_visible()
    _axe_settle(worker, axe)
