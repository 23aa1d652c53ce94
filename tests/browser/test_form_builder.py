"""An office administrator builds a form in the browser: a lookup with two values, a form
for the closure stage with a choice field using it and a text field, published as version 1,
then previewed as the caseworker will see it, at full and at phone width; the editor and the
preview again on a phone, in Polish. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def _office_administrator(username: str):
    from accounts.models import Office, Role, User
    from accounts.roles import ensure_role_groups

    user = User.objects.create_user(
        username=username,
        password="demo",
        first_name="Ama",
        last_name="Forms",
        home_office=Office.objects.get(code="BEK"),
    )
    user.groups.add(ensure_role_groups()[Role.ADMINISTRATOR])
    return user


def test_administrator_builds_publishes_and_previews_a_form(person):
    from case_flows.models import FormDefinition, Lookup

    _office_administrator("formbuilder")
    page = person("formbuilder")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Forms").click()
    expect(page.get_by_role("heading", level=1, name="Forms")).to_be_visible()

    # A lookup with two values.
    page.get_by_role("link", name="Lookups").click()
    page.get_by_role("link", name="New lookup").click()
    page.get_by_label("Key").fill("income_sources")
    page.get_by_label("Name (English)").fill("Income sources")
    page.get_by_label("Name (Polish)").fill("Źródła dochodu")
    for n, (code, label) in enumerate([("wage", "Wage"), ("benefit", "Benefit")], start=1):
        row = page.get_by_role("group", name=f"Value {n}")
        row.get_by_label("Code").fill(code)
        row.get_by_label("Label (English)").fill(label)
    page.get_by_role("button", name="Save the lookup").click()
    expect(page.get_by_text("The lookup “Income sources” is saved.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Income sources"))).to_contain_text("2 of 2")
    assert Lookup.objects.get(key="income_sources").values.count() == 2

    # A form for the closure stage: it starts with the stage's built-in fields.
    page.get_by_role("link", name="Forms", exact=True).last.click()
    page.get_by_role("link", name="New form").click()
    page.get_by_label("Key").fill("closing_interview")
    page.get_by_label("Name (English)").fill("Closing interview")
    page.get_by_label("Stage").select_option(label="Closure")
    page.get_by_role("button", name="Create the form").click()
    expect(page.get_by_role("heading", level=1, name="Closing interview")).to_be_visible()
    expect(page.get_by_text("Built-in: Reason")).to_be_visible()

    def add_field(key, kind, label, lookup=None):
        adding = page.locator("details").filter(has=page.get_by_text("Add a field to “Main part”"))
        adding.get_by_text("Add a field to “Main part”").click()
        adding.get_by_label("Key").fill(key)
        adding.get_by_label("Type").select_option(label=kind)
        adding.get_by_label("Label (English)").fill(label)
        if lookup:
            adding.get_by_label("Lookup (for a choice)").select_option(value=lookup)
        adding.get_by_role("button", name="Add the field").click()
        expect(page.get_by_text("The draft is saved.")).to_be_visible()

    add_field("income_source", "One choice from a lookup", "Income source", "income_sources")
    add_field("remarks", "Short text", "Remarks")
    fields = page.get_by_role("table").first
    expect(fields.get_by_role("row", name=re.compile("Income source"))).to_contain_text(
        "income_sources"
    )

    # The office's language is English: nothing stops publishing.
    expect(page.get_by_role("heading", name="Ready to publish")).to_be_visible()
    page.get_by_role("button", name="Publish version 1").click()
    expect(
        page.get_by_text("Version 1 is published: new records will use version 1")
    ).to_be_visible()
    expect(page.get_by_role("button", name="New draft")).to_be_visible()
    definition = FormDefinition.objects.get(key="closing_interview")
    assert definition.versions.get().status == "published"

    # The preview: as the caseworker will see it.
    page.get_by_role("link", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Preview: Closing interview")).to_be_visible()
    expect(page.get_by_label("Income source")).to_contain_text("Benefit")
    expect(page.get_by_label("Remarks")).to_be_visible()
    expect(page.get_by_text("Built-in: Summary")).to_be_visible()
    page.get_by_role("link", name="Show at phone width").click()
    frame = page.frame_locator("iframe")
    expect(frame.get_by_label("Income source")).to_be_visible()
    assert page.locator("iframe").bounding_box()["width"] <= 380

    # On a phone, in Polish: the editor and the preview fit the screen.
    phone = person("formbuilder", width=375, language="pl")
    phone.goto(f"/form-builder/{definition.pk}/")
    expect(phone.get_by_role("heading", level=1, name="Closing interview")).to_be_visible()
    phone.goto(f"/form-builder/{definition.pk}/preview/")
    expect(phone.get_by_label("Income source")).to_be_visible()
    expect(phone.get_by_text(re.compile("(Built-in|Wbudowane): (Reason|Powód)"))).to_be_visible()
    assert wider_than_screen(phone) == []

    # A 300-character name without a space wraps: the editor, the preview and the phone
    # preview keep their width.
    FormDefinition.objects.filter(pk=definition.pk).update(labels={"en": "N" * 300})
    for path in ("", "preview/", "preview/?phone=1"):
        phone.goto(f"/form-builder/{definition.pk}/{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
    page.goto(f"/form-builder/{definition.pk}/preview/?phone=1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    # The seeded Polish draft (long keys and lookup names in its rows) fits a phone too.
    seeded = FormDefinition.objects.get(key="pl_community_interview", office__isnull=True)
    phone.goto(f"/form-builder/{seeded.pk}/")
    expect(phone.get_by_text("Powody przyznania pomocy").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert wider_than_screen(phone) == []
