"""An office brings its caseload in: the manager opens Staff -> Import cases, uploads the CSV
template, reads the dry run (a broken row explained, nothing saved), imports, and the good
rows are cases in the right stage. On a phone the report fits the screen; axe-core checks
every page."""

import re

import pytest
from playwright.sync_api import expect

from case_flows.models import Case, Stage

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser

CSV = (
    "case_id,given_name,family_name,sex,date_of_birth,national_id,category,risk,stage,"
    "opened_at,caseworker,relative_name,relative_relationship\n"
    "OLD-1,Akua,Serwaa,f,2012-03-14,,child_protection,high,assessment,2024-02-01,caseworker,,\n"
    "OLD-2,Kojo,,m,2010-01-01,,child_protection,medium,intake,2024-02-01,,,\n"
)


def test_manager_imports_a_caseload_after_a_dry_run(site, person, tmp_path):
    upload = tmp_path / "caseload.csv"
    upload.write_text(CSV, encoding="utf-8")
    manager = person("manager", width=375)
    manager.goto(f"{site.url}/")
    manager.get_by_label(re.compile("Menu")).check()  # the phone's menu
    manager.get_by_role("link", name="Staff").first.click()
    manager.get_by_role("link", name="Import cases").click()
    manager.get_by_label(re.compile("^File:?$")).set_input_files(str(upload))
    manager.get_by_label(re.compile("^Format:?$")).select_option("csv")
    manager.get_by_role("button", name="Dry run").click()
    expect(manager.get_by_role("heading", name="Dry run: nothing was saved")).to_be_visible()
    expect(manager.get_by_text("Akua Serwaa").first).to_be_visible()
    assert not Case.objects.filter(external_ref="OLD-1").exists()
    assert wider_than_screen(manager) == []
    manager.get_by_role("button", name="Import", exact=True).click()
    expect(manager.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    case = Case.objects.get(external_ref="OLD-1")
    assert case.stage == Stage.ASSESSMENT and case.owner.username == "caseworker"
    assert not Case.objects.filter(external_ref="OLD-2").exists()  # no family name: refused
