"""Forms as a person meets them: registering a case (a failed submit first: the error summary
takes the focus, each field shows its error, nothing is saved; then the case is found in the
list, awaiting allocation), and the assessment's needs grid, measured in the browser: each
domain's label and its own select share one grid cell at phone, laptop and wide widths."""

import datetime
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CLIENT = ("Abena", "Przeglądarkowa")
DATE_OF_BIRTH = re.compile(r"^Date of birth")  # not "The date of birth is estimated"


def test_caseworker_registers_a_case_and_finds_it_awaiting_allocation(person):
    from case_flows.models import Case, Person

    page = person("caseworker")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New case").click()
    expect(page.get_by_role("heading", level=1, name="New case")).to_be_visible()
    # The registry first (one person, one record): nobody matches, so a new person.
    page.get_by_label("Given name").fill(CLIENT[0])
    page.get_by_role("button", name="Find the person").click()
    page.get_by_role("link", name="None of these: register a new person").click()

    # A first try with a family name missing, no risk level and a birth date in the future.
    page.get_by_label("Given name").fill(CLIENT[0])
    born = page.get_by_label(DATE_OF_BIRTH)
    today = born.get_attribute("max")
    assert today == datetime.date.today().isoformat()  # BEK is on UTC
    born.fill("2099-05-01")
    page.get_by_label("Category").select_option(index=1)
    page.get_by_label("How the case came to us").select_option(label="Walk-in")
    page.get_by_label("Presenting concerns").fill("Child out of school since September")
    expect(page.get_by_label("Risk level")).to_have_value("")  # no risk chosen for them
    page.get_by_role("button", name="Open the case").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The form has 3 errors; nothing was saved")
    expect(summary.get_by_role("link", name="Family name: This field is required.")).to_be_visible()
    expect(summary.get_by_role("link", name="Risk level: This field is required.")).to_be_visible()
    expect(
        summary.get_by_role(
            "link", name="Date of birth: The date of birth cannot be in the future."
        )
    ).to_be_visible()
    # Each error is also at its field, all at once.
    expect(page.get_by_label(DATE_OF_BIRTH)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Family name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Risk level")).to_have_accessible_description(
        "This field is required."
    )
    assert not Person.objects.filter(given_name=CLIENT[0]).exists()  # nothing saved

    # The summary's link takes them to the field.
    summary.get_by_role("link", name="Family name: This field is required.").click()
    expect(page.get_by_label("Family name")).to_be_focused()
    page.get_by_label("Family name").fill(CLIENT[1])
    page.get_by_label(DATE_OF_BIRTH).fill("2016-02-29")
    page.get_by_label("Risk level").select_option(label="Medium")
    page.get_by_role("button", name="Open the case").click()

    # Their case opens for them to read, marked as waiting for a supervisor.
    expect(page.get_by_text("a supervisor will allocate it")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=" ".join(CLIENT))).to_be_visible()
    expect(page.get_by_text("Awaiting allocation").first).to_be_visible()
    case = Case.objects.get(person__given_name=CLIENT[0], person__family_name=CLIENT[1])
    assert case.owner is None and case.risk == "medium"

    # And they find it in the case list, by the client's name.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    page.get_by_label("Search cases").fill(CLIENT[1])
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=case.reference))
    expect(row).to_contain_text("Awaiting allocation")
    expect(row).to_contain_text(" ".join(CLIENT))


# For each need select: its label, the grid cell (child of the grid) holding each, and the
# select a sighted person pairs with the label: the nearest one below it, overlapping it.
MEASURE_GRID = """
(group) => {
  const selects = [...group.querySelectorAll("select")];
  const box = (el) => el.getBoundingClientRect();
  const cellOf = (el) => {
    let node = el;
    while (node.parentElement && getComputedStyle(node.parentElement).display !== "grid") {
      node = node.parentElement;
    }
    return node.parentElement ? node : null;
  };
  return selects.map((select) => {
    const label = select.labels[0];
    const l = box(label);
    const below = selects
      .map((other) => ({ other, r: box(other) }))
      .filter(({ r }) => r.top >= l.bottom - 1
        && Math.min(r.right, l.right) - Math.max(r.left, l.left) > 0.5 * l.width)
      .sort((a, b) => a.r.top - b.r.top)[0];
    const cell = cellOf(select);
    return {
      label: label.textContent.trim(),
      name: select.name,
      sameCell: cell !== null && cell === cellOf(label),
      cell: cell && [box(cell).left, box(cell).top, box(cell).right, box(cell).bottom],
      labelBox: [l.left, l.top, l.right, l.bottom],
      selectBox: [box(select).left, box(select).top, box(select).right, box(select).bottom],
      pairedWith: below ? below.other.name : null,
    };
  });
}
"""


@pytest.fixture(scope="module")
def assessment_task(site, django_db_blocker):
    """An assessment task of the demo caseworker, made through the services."""
    with django_db_blocker.unblock():
        return _assessment_task()


def _assessment_task():
    import case_flows.cases.services as case_services
    from accounts.models import User
    from case_flows.models import Category
    from tests.steps import allocate, complete_intake, open_task

    caseworker = User.objects.get(username="caseworker")
    supervisor = User.objects.get(username="supervisor")
    person = case_services.person_create(
        actor=caseworker, office=caseworker.home_office, given_name="Kojo", family_name="Grid"
    )
    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=caseworker.home_office,
        category=Category.objects.filter(is_active=True).first(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Needs to be assessed",
    )
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    return open_task(case, "assess")


@pytest.mark.parametrize("width", [375, 1280, 1920])
def test_needs_grid_pairs_each_label_with_its_own_select(person, assessment_task, width):
    from case_flows.models import NEED_DOMAINS

    page = person("caseworker", width=width)
    page.goto(f"/tasks/{assessment_task.pk}/")
    needs = page.get_by_role("group", name="Needs by domain")
    expect(needs).to_be_visible()
    measured = needs.evaluate(MEASURE_GRID)
    assert [m["name"] for m in measured] == [f"need_{code}" for code, _ in NEED_DOMAINS]
    cells = []
    for m in measured:
        assert m["sameCell"], f"{m['label']} and {m['name']} are in different cells at {width}px"
        left, top, right, bottom = m["cell"]
        for x0, y0, x1, y1 in (m["labelBox"], m["selectBox"]):
            assert left - 1 <= x0 and x1 <= right + 1 and top - 1 <= y0 and y1 <= bottom + 1
        assert m["pairedWith"] == m["name"], f"at {width}px the select under {m['label']}"
        cells.append(m["cell"])
    # No two cells overlap.
    for i, a in enumerate(cells):
        for b in cells[i + 1 :]:
            assert a[2] <= b[0] + 1 or b[2] <= a[0] + 1 or a[3] <= b[1] + 1 or b[3] <= a[1] + 1
    if width >= 1280:  # wide enough for several domains in a row
        assert len({round(c[1]) for c in cells}) < len(cells)
