"""The assessment's "Needs by domain" grid: each domain's label and its select share one
wrapper (one grid cell), so no width can pair a label with another domain's select."""

from django.urls import reverse

from case_flows.models import NEED_DOMAINS
from tests.html_tree import parse
from tests.steps import allocate, complete_intake, open_task

from .test_views_tasks import client_for


def assessment_page(case, supervisor, caseworker, data=None):
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    url = reverse("task", args=[open_task(case, "assess").pk])
    client = client_for(caseworker)
    return client.post(url, data) if data is not None else client.get(url)


def needs_grid(html):
    page = parse(html)
    legend = next(e for e in page.find_all("legend") if e.text == "Needs by domain")
    grids = [e for e in legend.parent.iter() if "field-grid" in e.classes]
    assert len(grids) == 1
    return grids[0]


def test_each_need_label_shares_one_cell_with_its_own_select(new_case, supervisor, caseworker):
    response = assessment_page(new_case, supervisor, caseworker)
    assert response.status_code == 200
    grid = needs_grid(response.content.decode())
    # The grid's cells are its children: one per domain, each a label with its own select.
    cells = grid.children
    assert len(cells) == len(NEED_DOMAINS)
    for cell, (code, label) in zip(cells, NEED_DOMAINS, strict=True):
        labels, selects = cell.find_all("label"), cell.find_all("select")
        assert len(labels) == 1 and len(selects) == 1, cell
        assert labels[0].text.rstrip(":") == str(label)
        assert selects[0].get("name") == f"need_{code}"
        assert labels[0].get("for") == selects[0].get("id")


def test_need_fields_stay_in_their_cells_with_errors(new_case, supervisor, caseworker):
    # An invalid need level: the error sits in the same cell as its label and select.
    response = assessment_page(
        new_case, supervisor, caseworker, {"need_safety": "bogus", "strengths": ""}
    )
    assert response.status_code == 400
    grid = needs_grid(response.content.decode())
    safety = grid.children[0]
    assert safety.find("select").get("name") == "need_safety"
    assert safety.find("ul", class_="errorlist") is not None
    assert len(grid.children) == len(NEED_DOMAINS)


def test_task_form_errors_are_summarised_at_the_top(new_case, supervisor, caseworker):
    response = assessment_page(
        new_case, supervisor, caseworker, {"need_safety": "bogus", "strengths": ""}
    )
    summary = parse(response.content.decode()).find("div", id="error-summary")
    assert summary is not None and summary.get("role") == "alert"
    links = [a.get("href") for a in summary.find_all("a")]
    assert "#id_need_safety" in links and "#id_strengths" in links
