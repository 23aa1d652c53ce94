"""The form builder's pages: who may, each edit of a draft, bad input changing nothing,
publishing (its problems shown, its message), copies of a global form, the preview, the case
types grid, and the lists' query counts."""

import pytest

from accounts.models import Role
from case_flows.formdefs.services import (
    form_definition_create,
    form_draft_open,
    form_draft_save,
    form_publish,
    lookup_save,
)
from case_flows.models import CaseTypeForm, FormDefinition, FormVersion, Lookup
from tests.factories import category, make_user

CORE_CLOSURE = [{"key": "reason", "type": "core"}, {"key": "summary", "type": "core"}]


@pytest.fixture
def admin(office):
    return make_user(Role.ADMINISTRATOR, office, username="formadmin")


@pytest.fixture
def national(office):
    return make_user(Role.ADMINISTRATOR, None, username="national", is_national=True)


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


def sources(actor, office):
    return lookup_save(
        actor=actor,
        office=office,
        key="sources",
        labels={"en": "Sources"},
        values=[
            {"code": "wage", "labels": {"en": "Wage"}},
            {"code": "benefit", "labels": {"en": "Benefit"}},
        ],
    )


def closing(actor, office, key="closing"):
    return form_definition_create(
        actor=actor,
        office=office,
        key=key,
        labels={"en": "Closing"},
        stage="closure",
        content={
            "sections": [{"key": "main", "label": {"en": "Main"}, "fields": list(CORE_CLOSURE)}]
        },
    )


def draft_content(definition):
    return FormVersion.objects.get(definition=definition, status="draft").content


def url(definition, tail=""):
    return f"/form-builder/{definition.pk}/{tail}"


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER, Role.SUPERVISOR])
def test_only_administrators_build_forms(client, office, role):
    client.force_login(make_user(role, office, username=f"u-{role}"))
    for path in ("/form-builder/", "/form-builder/lookups/", "/form-builder/case-types/"):
        assert client.get(path).status_code == 403


def test_another_offices_form_and_lookup_are_not_found(signed_in, other_office):
    other_admin = make_user(Role.ADMINISTRATOR, other_office, username="soc-admin")
    theirs = closing(other_admin, other_office)
    lookup = sources(other_admin, other_office)
    assert signed_in.get(url(theirs)).status_code == 404
    assert signed_in.post(url(theirs, "publish/")).status_code == 404
    assert signed_in.get(f"/form-builder/lookups/{lookup.pk}/").status_code == 404
    assert signed_in.get(f"/form-builder/?office={other_office.pk}").status_code == 404


def test_a_global_form_is_read_only_for_an_office_admin_who_may_copy_it(
    signed_in, admin, national, office
):
    shared = closing(national, None)
    page = signed_in.get(url(shared))
    assert page.status_code == 200
    assert "Copy to my office" in page.content.decode()
    before = draft_content(shared)
    response = signed_in.post(
        url(shared, "sections/add/"),
        {"new-section-key": "extra", "new-section-label_en": "Extra"},
    )
    assert response.status_code == 403
    assert draft_content(shared) == before

    response = signed_in.post(url(shared, "copy/"))
    copy = FormDefinition.objects.get(office=office, key="closing")
    assert response.status_code == 302 and response["Location"] == url(copy)
    assert draft_content(copy) == before  # the copy's draft v1 is the original's content


def test_a_national_administrator_edits_a_global_form(client, national, office):
    shared = closing(national, None)
    client.force_login(national)
    response = client.post(
        url(shared, f"sections/add/?office={office.pk}"),
        {"new-section-key": "extra", "new-section-label_en": "Extra"},
    )
    assert response.status_code == 302
    assert [s["key"] for s in draft_content(shared)["sections"]] == ["main", "extra"]


# --- lookups -------------------------------------------------------------------------------------


def lookup_post(**values):
    data = {
        "key": "income",
        "name_en": "Income",
        "name_pl": "Dochód",
        "values-TOTAL_FORMS": "3",
        "values-INITIAL_FORMS": "0",
    }
    data.update(values)
    return data


def test_a_lookup_is_created_with_its_values_in_order(signed_in, office):
    response = signed_in.post(
        "/form-builder/lookups/new/",
        lookup_post(
            **{
                "values-0-code": "wage",
                "values-0-label_en": "Wage",
                "values-0-offered": "on",
                "values-0-order": "2",
                "values-1-code": "benefit",
                "values-1-label_en": "Benefit",
                "values-1-label_pl": "Zasiłek",
                "values-1-offered": "on",
                "values-1-order": "1",
            }
        ),
    )
    assert response.status_code == 302
    lookup = Lookup.objects.get(office=office, key="income")
    assert lookup.labels == {"en": "Income", "pl": "Dochód"}
    assert [(v.code, v.is_active) for v in lookup.values.all()] == [
        ("benefit", True),
        ("wage", True),
    ]


def test_unticking_offered_hides_a_value_never_deletes_it(signed_in, admin, office):
    lookup = sources(admin, office)
    response = signed_in.post(
        f"/form-builder/lookups/{lookup.pk}/",
        {
            "name_en": "Sources",
            "values-TOTAL_FORMS": "2",
            "values-INITIAL_FORMS": "2",
            "values-0-label_en": "Wage",
            "values-0-offered": "on",
            "values-1-label_en": "Benefit",
        },
    )
    assert response.status_code == 302
    assert {v.code: v.is_active for v in lookup.values.all()} == {"wage": True, "benefit": False}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"values-0-label_en": "No code"}, "Value 1 needs a code."),
        (
            {"values-0-code": "a", "values-0-label_en": "A", "values-1-code": "bee"},
            "Value 2 (code “bee”) needs a label.",
        ),
        (
            {
                "values-0-code": "a",
                "values-0-label_en": "A",
                "values-1-code": "a",
                "values-1-label_en": "B",
            },
            "Two values have the same code.",
        ),
        ({"values-0-code": "a", "values-0-label_en": "A"}, "at least one value offered"),
    ],
)
def test_a_bad_lookup_saves_nothing_and_says_why(signed_in, values, message):
    response = signed_in.post("/form-builder/lookups/new/", lookup_post(**values))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="No code"' in response.content.decode() or "values-0" in response.content.decode()
    assert not Lookup.objects.filter(key="income").exists()


# --- the editor ----------------------------------------------------------------------------------


@pytest.fixture
def definition(admin, office):
    sources(admin, office)
    return closing(admin, office)


def test_creating_a_form_starts_a_draft_with_the_built_in_fields(signed_in, office):
    response = signed_in.post(
        "/form-builder/new/", {"key": "exit", "name_en": "Exit", "stage": "closure"}
    )
    definition = FormDefinition.objects.get(office=office, key="exit")
    assert response.status_code == 302
    fields = draft_content(definition)["sections"][0]["fields"]
    assert fields == CORE_CLOSURE


def test_sections_are_added_renamed_moved_and_deleted(signed_in, definition):
    post = signed_in.post
    assert (
        post(
            url(definition, "sections/add/"),
            {"new-section-key": "extra", "new-section-label_en": "Extra"},
        ).status_code
        == 302
    )
    post(
        url(definition, "sections/extra/rename/"),
        {"rename-extra-label_en": "More", "rename-extra-label_pl": "Więcej"},
    )
    post(url(definition, "sections/extra/move/"), {"direction": "up"})
    sections = draft_content(definition)["sections"]
    assert [(s["key"], s["label"]) for s in sections] == [
        ("extra", {"en": "More", "pl": "Więcej"}),
        ("main", {"en": "Main"}),
    ]
    # A section with fields is not deleted; an empty one is.
    response = post(url(definition, "sections/main/delete/"))
    assert response.status_code == 400
    assert "Only an empty section can be deleted" in response.content.decode()
    assert post(url(definition, "sections/extra/delete/")).status_code == 302
    assert [s["key"] for s in draft_content(definition)["sections"]] == ["main"]


def add_field(client, definition, key, kind="text", section="main", **extra):
    data = {
        f"add-{section}-key": key,
        f"add-{section}-type": kind,
        f"add-{section}-label_en": key.title(),
    }
    data.update({f"add-{section}-{k}": v for k, v in extra.items()})
    return client.post(url(definition, f"sections/{section}/fields/add/"), data)


def test_fields_are_added_edited_moved_and_deleted(signed_in, definition):
    assert add_field(signed_in, definition, "source", "choice", lookup="sources").status_code == 302
    assert add_field(signed_in, definition, "amount", "number").status_code == 302
    response = signed_in.post(
        url(definition, "fields/amount/"),
        {
            "label_en": "Amount",
            "label_pl": "Kwota",
            "help_en": "In cedis",
            "required": "on",
            "searchable": "on",
            "min": "0",
            "max": "5000",
            "integer": "on",
            "show_if_field": "source",
            "show_if_op": "equals",
            "show_if_value": "benefit",
        },
    )
    assert response.status_code == 302
    amount = draft_content(definition)["sections"][0]["fields"][-1]
    assert amount == {
        "key": "amount",
        "type": "number",
        "label": {"en": "Amount", "pl": "Kwota"},
        "help": {"en": "In cedis"},
        "required": True,
        "searchable": True,
        "min": 0,
        "max": 5000,
        "integer": True,
        "show_if": {"field": "source", "equals": "benefit"},
    }
    signed_in.post(url(definition, "fields/amount/move/"), {"direction": "up"})
    keys = [f["key"] for f in draft_content(definition)["sections"][0]["fields"]]
    assert keys == ["reason", "summary", "amount", "source"]
    # The choice named by amount's condition cannot go; amount can.
    assert signed_in.post(url(definition, "fields/source/delete/")).status_code == 400
    assert signed_in.post(url(definition, "fields/amount/delete/")).status_code == 302
    assert "amount" not in [f["key"] for f in draft_content(definition)["sections"][0]["fields"]]


def test_a_built_in_field_is_moved_never_deleted(signed_in, definition):
    response = signed_in.post(url(definition, "fields/reason/delete/"))
    assert response.status_code == 400
    assert "A built-in field cannot be deleted" in response.content.decode()
    signed_in.post(url(definition, "fields/reason/move/"), {"direction": "down"})
    assert [f["key"] for f in draft_content(definition)["sections"][0]["fields"]] == [
        "summary",
        "reason",
    ]


def test_a_group_gets_fields_of_its_own(signed_in, definition):
    add_field(signed_in, definition, "members", "group")
    response = signed_in.post(
        url(definition, "sections/main/fields/add/"),
        {
            "group": "members",
            "add-members-sub-key": "name",
            "add-members-sub-type": "text",
            "add-members-sub-label_en": "Name",
        },
    )
    assert response.status_code == 302
    group = draft_content(definition)["sections"][0]["fields"][-1]
    assert group["fields"] == [{"key": "name", "type": "text", "label": {"en": "Name"}}]
    assert signed_in.get(url(definition, "fields/members.name/")).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "Bad Key"}, "Use lowercase letters"),
        ({"key": "reason"}, "The key “reason” is used already"),
        ({"key": "pick", "type": "choice"}, "A choice field needs a lookup."),
    ],
)
def test_a_bad_new_field_changes_nothing_and_keeps_what_was_typed(
    signed_in, definition, data, message
):
    before = draft_content(definition)
    response = add_field(signed_in, definition, data["key"], data.get("type", "text"))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'value="{data["key"]}"' in body  # the form shows what was typed
    assert draft_content(definition) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pattern": "("}, "not a valid regular expression"),
        ({"min_length": "5", "max_length": "2"}, "The highest is below the lowest."),
        ({"show_if_field": "summary_note"}, "Select a valid choice"),
        ({"show_if_op": "equals"}, "Choose both the field and the rule"),
    ],
)
def test_a_bad_field_setting_changes_nothing(signed_in, definition, data, message):
    add_field(signed_in, definition, "note")
    before = draft_content(definition)
    response = signed_in.post(url(definition, "fields/note/"), {"label_en": "Note", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft_content(definition) == before


def test_the_editor_lists_what_stops_publishing_and_publish_shows_it(signed_in, definition):
    form_draft_save(
        actor=definition.versions.first().created_by,
        version=definition.versions.get(status="draft"),
        content={
            "sections": [{"key": "main", "label": {"en": "Main"}, "fields": CORE_CLOSURE[:1]}]
        },
    )
    page = signed_in.get(url(definition)).content.decode()
    assert "Fix these before publishing" in page
    assert "The built-in field “summary” is missing" in page
    response = signed_in.post(url(definition, "publish/"))
    assert response.status_code == 400
    assert "The draft was not published: fix these first." in response.content.decode()
    assert not FormVersion.objects.filter(definition=definition, status="published").exists()


def test_publishing_says_new_records_use_it_and_a_new_draft_follows(signed_in, definition):
    add_field(signed_in, definition, "note")
    response = signed_in.post(url(definition, "publish/"), follow=True)
    assert "Version 1 is published: new records will use version 1" in response.content.decode()
    assert definition.versions.get(number=1).status == "published"
    # Edits now need a new draft.
    assert add_field(signed_in, definition, "other").status_code == 400
    signed_in.post(url(definition, "draft/"))
    assert definition.versions.get(number=2).status == "draft"
    page = signed_in.get(url(definition)).content.decode()
    assert "by formadmin" in page or "formadmin" in page  # the history names who published


# --- preview ------------------------------------------------------------------------------------


def test_the_preview_shows_the_draft_as_the_caseworker_will(signed_in, definition):
    add_field(signed_in, definition, "source", "choice", lookup="sources")
    signed_in.post(
        url(definition, "fields/source/"),
        {
            "label_en": "Source",
            "help_en": "Where it comes from",
            "required": "on",
            "lookup": "sources",
        },
    )
    page = signed_in.get(url(definition, "preview/")).content.decode()
    assert "Built-in: Reason" in page
    assert 'aria-describedby="id_cf_source_helptext"' in page
    assert ">Wage<" in page and ">Benefit<" in page
    # Tried with no answer: the error is shown at the field, nothing is stored.
    tried = signed_in.post(url(definition, "preview/"), {}).content.decode()
    assert "This field is required." in tried
    phone = signed_in.get(url(definition, "preview/?phone=1")).content.decode()
    assert 'width="375"' in phone
    bare = signed_in.get(url(definition, "preview/bare/?version=1"))
    assert bare.status_code == 200
    assert bare["X-Frame-Options"] == "SAMEORIGIN"


def test_a_broken_draft_preview_is_a_message_not_an_error(signed_in, admin, definition):
    form_draft_save(
        actor=admin,
        version=definition.versions.get(status="draft"),
        content={"sections": [{"key": "main", "fields": [{"type": "text"}]}]},
    )
    response = signed_in.get(url(definition, "preview/"))
    assert response.status_code == 200
    assert "The preview cannot be shown" in response.content.decode()


# --- case types ---------------------------------------------------------------------------------


def test_the_case_types_page_sets_the_form_of_a_stage(signed_in, admin, office, definition):
    cat = category("child_protection")
    draft = form_draft_open(actor=admin, definition=definition)
    form_draft_save(
        actor=admin,
        version=draft,
        content={
            "sections": [
                {
                    "key": "main",
                    "label": {"en": "Main"},
                    "fields": [*CORE_CLOSURE, {"key": "n", "type": "text", "label": {"en": "N"}}],
                }
            ]
        },
    )
    form_publish(actor=admin, version=draft)
    response = signed_in.post(
        "/form-builder/case-types/", {"category": cat.pk, "closure": definition.pk}
    )
    assert response.status_code == 302
    row = CaseTypeForm.objects.get(office=office)
    assert (row.office, row.category, row.stage, row.definition) == (
        office,
        cat,
        "closure",
        definition,
    )
    page = signed_in.get("/form-builder/case-types/").content.decode()
    assert "this office, this category" in page
    assert "Approvals" in page and "Deadlines" in page
    # Approvals are changed on the Staff → Case types pages: linked, not "the administration".
    assert 'href="/staff/case-types/"' in page and f'href="/staff/case-types/{cat.pk}/"' in page
    # A form of another stage is not offered: refused, nothing changes.
    response = signed_in.post(
        "/form-builder/case-types/", {"category": cat.pk, "intake": definition.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert CaseTypeForm.objects.get(office=office).stage == "closure"


# --- the lists' queries -------------------------------------------------------------------------


def test_the_lists_take_the_same_queries_for_more_rows(
    signed_in, admin, office, django_assert_max_num_queries
):
    for n in range(2):
        closing(admin, office, key=f"form{n}")
        lookup_save(
            actor=admin,
            office=office,
            key=f"l{n}",
            labels={"en": "L"},
            values=[{"code": "a", "labels": {"en": "A"}}],
        )
    with django_assert_max_num_queries(12) as few:
        signed_in.get("/form-builder/")
    with django_assert_max_num_queries(12) as few_lookups:
        signed_in.get("/form-builder/lookups/")
    for n in range(2, 8):
        closing(admin, office, key=f"form{n}")
        lookup_save(
            actor=admin,
            office=office,
            key=f"l{n}",
            labels={"en": "L"},
            values=[{"code": "a", "labels": {"en": "A"}}],
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as more:
        signed_in.get("/form-builder/")
    assert len(more) == len(few)
    with CaptureQueriesContext(connection) as more_lookups:
        signed_in.get("/form-builder/lookups/")
    assert len(more_lookups) == len(few_lookups)


def test_tampered_ids_are_a_clear_refusal_never_an_error(signed_in, definition):
    """Ids that are not numbers (or not there) in a builder request: 400/404, never a 500."""
    bad = ("abc", "1.5", "-1", "99999999999999999999", "")
    for value in bad:
        for method, path, data in (
            ("post", "/form-builder/case-types/", {"category": value}),
            ("post", "/form-builder/case-types/", {"category": "", "closure": value}),
            ("get", "/form-builder/", {"office": value}),
            ("get", "/form-builder/lookups/", {"office": value}),
            ("get", "/form-builder/case-types/", {"office": value}),
            ("get", url(definition, "preview/"), {"version": value}),
            ("get", url(definition), {"office": value}),
            ("post", url(definition, "sections/main/fields/add/"), {"group": value}),
            ("post", url(definition, "sections/main/built-in/"), {"key": value}),
            ("post", url(definition, "fields/reason/move/"), {"direction": value}),
        ):
            response = getattr(signed_in, method)(path, data)
            assert response.status_code in (200, 302, 400, 404), (path, data)
    response = signed_in.post("/form-builder/case-types/", {"category": "abc"})
    assert response.status_code == 404
    assert "No such category" in response.content.decode()


def test_a_form_is_renamed_per_language_and_a_long_name_wraps(signed_in, definition):
    long_name = "N" * 300
    response = signed_in.post(
        url(definition, "rename/"), {"rename-form-name_en": long_name, "rename-form-name_pl": "Z"}
    )
    assert response.status_code == 302
    definition.refresh_from_db()
    assert definition.labels == {"en": long_name, "pl": "Z"}
    page = signed_in.get(url(definition)).content.decode()
    assert f"<h1>{long_name}</h1>" in page and "Rename the form" in page
    # The English name is required: nothing changes, the error is shown.
    response = signed_in.post(url(definition, "rename/"), {"rename-form-name_pl": "Tylko"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    definition.refresh_from_db()
    assert definition.labels["en"] == long_name


def test_a_global_form_is_not_renamed_by_an_office_administrator(signed_in, national):
    shared = form_definition_create(
        actor=national, office=None, key="shared", labels={"en": "Shared"}, stage="closure"
    )
    response = signed_in.post(url(shared, "rename/"), {"rename-form-name_en": "Mine"})
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.labels == {"en": "Shared"}
    assert "Rename the form" not in signed_in.get(url(shared)).content.decode()
