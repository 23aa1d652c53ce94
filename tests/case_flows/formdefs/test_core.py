"""The core of configured forms: what stops a definition being published, what a published
version accepts (the page's form and the JSON Schema agree), and how old answers show."""

import pytest
from django.utils import translation

from case_flows.formdefs.content import definition_problems, json_schema
from case_flows.formdefs.runtime import (
    ConfiguredForm,
    answers_shown,
    display_value,
    schema_errors,
)
from case_flows.formdefs.selectors import lookups_for
from case_flows.formdefs.services import (
    FormDefinitionError,
    form_definition_create,
    form_draft_open,
    form_draft_save,
    form_publish,
    lookup_save,
)
from case_flows.models import FormVersion

EN_PL = {"en": "Income source", "pl": "Źródło dochodu"}
LOOKUPS = {
    "sources": [{"code": "wage", "labels": {"en": "Wage"}}, {"code": "benefit", "labels": {}}]
}


def field(key, kind="text", **kw):
    return {"key": key, "type": kind, "label": {"en": key.title(), "pl": key.title()}, **kw}


def content(*fields, core=("reason", "summary")):
    core_fields = [{"key": k, "type": "core"} for k in core]
    return {
        "sections": [
            {
                "key": "main",
                "label": {"en": "Main", "pl": "Główne"},
                "fields": [*core_fields, *fields],
            }
        ]
    }


def problems(c, stage="closure", lookups=LOOKUPS):
    return definition_problems(c, stage=stage, lookups=lookups, languages=["en", "pl"])


def test_a_sound_definition_has_no_problems():
    c = content(
        field("source", "choice", lookup="sources", required=True),
        field("amount", "number", min=0, show_if={"field": "source", "equals": "benefit"}),
    )
    assert problems(c) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ([field("a"), field("a")], "Two fields have the key “a”."),
        ([field("a", show_if={"field": "nope", "equals": 1})], "condition on “nope”"),
        ([field("a", "choice", lookup="empty")], "has no values"),
        ([field("a", "choice", lookup="missing")], "needs a lookup that exists"),
        ([field("a", "number", min=5, max=1)], "minimum is above the maximum"),
        ([field("a", pattern="(")], "not a valid regular expression"),
        ([field("a", "group")], "has no fields"),
        ([{"key": "a", "type": "text", "label": {"en": "A"}}], "no label in pl"),
        (
            [
                field("a", "choice", lookup="sources"),
                field("b", show_if={"field": "a", "equals": "x"}),
            ],
            "does not offer: x",
        ),
    ],
)
def test_what_stops_publishing(fields, expected):
    found = problems(content(*fields), lookups={**LOOKUPS, "empty": []})
    assert any(expected in p for p in found), found


def test_a_built_in_field_cannot_be_dropped():
    found = problems(content(field("a"), core=("reason",)))
    assert any("“summary” is missing" in p for p in found)


@pytest.fixture
def admin_user(db, office):
    from accounts.models import Role
    from tests.factories import make_user

    return make_user(Role.ADMINISTRATOR, office, username="formadmin")


@pytest.fixture
def published(admin_user, office):
    lookup_save(
        actor=admin_user,
        office=None,
        key="sources",
        labels={"en": "Sources"},
        values=[
            {"code": "wage", "labels": {"en": "Wage", "pl": "Wynagrodzenie"}},
            {"code": "benefit", "labels": {"en": "Benefit", "pl": "Zasiłek"}},
        ],
    )
    definition = form_definition_create(
        actor=admin_user, office=None, key="closing", labels={"en": "Closing"}, stage="closure"
    )
    draft = form_draft_open(actor=admin_user, definition=definition)
    form_draft_save(
        actor=admin_user,
        version=draft,
        content=content(
            field("source", "choice", lookup="sources", required=True, label=EN_PL),
            field(
                "amount",
                "number",
                min=0,
                max=5000,
                show_if={"field": "source", "equals": "benefit"},
                required_if={"field": "source", "equals": "benefit"},
            ),
            field("ref", pattern=r"^[A-Z]{2}\d+$", pattern_message={"en": "Like AB123"}),
            field(
                "members", "group", fields=[field("name", required=True), field("age", "number")]
            ),
        ),
    )
    return form_publish(actor=admin_user, version=draft)


def test_publishing_freezes_lookups_and_schema(published, admin_user):
    assert published.status == "published"
    assert [v["code"] for v in published.lookups["sources"]] == ["wage", "benefit"]
    with pytest.raises(FormDefinitionError):
        form_draft_save(actor=admin_user, version=published, content={"sections": []})
    # A later change to the lookup does not change what the published version offers.
    lookup_save(
        actor=admin_user,
        office=None,
        key="sources",
        labels={},
        values=[{"code": "pension", "labels": {"en": "Pension"}}],
    )
    published.refresh_from_db()
    assert [v["code"] for v in published.lookups["sources"]] == ["wage", "benefit"]
    assert {v["code"]: v["active"] for v in lookups_for(None)["sources"]} == {
        "wage": False,
        "benefit": False,
        "pension": True,
    }


def test_a_draft_with_problems_is_not_published(admin_user):
    definition = form_definition_create(
        actor=admin_user,
        office=None,
        key="bad",
        labels={"en": "Bad"},
        stage="closure",
        content=content(field("a"), field("a")),
    )
    with pytest.raises(FormDefinitionError) as err:
        form_publish(actor=admin_user, version=definition.versions.get())
    assert "Two fields have the key “a”." in err.value.problems
    assert definition.versions.get().status == "draft"


def test_the_page_form_applies_conditions_and_rules(published):
    form = ConfiguredForm({"cf_source": "benefit", "cf_ref": "x"}, version=published)
    assert not form.is_valid()
    assert form.errors["cf_amount"] == ["This field is required."]
    assert form.errors["cf_ref"] == ["Like AB123"]
    form = ConfiguredForm(
        {
            "cf_source": "wage",
            "cf_amount": "10",
            "cf_members__0__name": "Ama",
            "cf_members__0__age": "7",
            "cf_members__1__age": "3",
        },
        version=published,
    )
    assert not form.is_valid()  # the second row has an age and no name
    assert form.errors["cf_members__1__name"] == ["This field is required."]
    form = ConfiguredForm(
        {"cf_source": "wage", "cf_amount": "10", "cf_members__0__name": "Ama"}, version=published
    )
    assert form.is_valid(), form.errors
    # the amount is hidden when the source is a wage: it keeps no answer
    assert form.answers() == {"source": "wage", "members": [{"name": "Ama"}]}


def test_the_schema_rejects_what_the_page_would(published):
    assert schema_errors(published, {"source": "wage"}) == []
    assert schema_errors(published, {"source": "lottery"})
    assert schema_errors(published, {"source": "benefit"})  # amount required then
    assert schema_errors(published, {"source": "wage", "amount": 5})  # hidden: no answer
    assert schema_errors(published, {"source": "benefit", "amount": 9999})
    assert schema_errors(published, {"source": "wage", "unknown": 1})
    assert schema_errors(published, {})  # source is required


def test_old_answers_show_with_their_version(published, admin_user):
    answers = {"source": "benefit", "amount": 12.5, "members": [{"name": "Ama", "age": 7}]}
    draft = form_draft_open(actor=admin_user, definition=published.definition)
    new = dict(draft.content)
    new["sections"][0]["fields"].append(field("extra"))
    form_draft_save(actor=admin_user, version=draft, content=new)
    form_publish(actor=admin_user, version=draft)
    with translation.override("pl"):
        shown = answers_shown(published, answers)
    values = {a.key: a for a in shown[0].answers}
    assert "extra" not in values
    assert values["source"].label == "Źródło dochodu"
    assert values["source"].value == "Zasiłek"
    assert values["amount"].value == "12,5"
    assert values["members"].rows == [[("Name", "Ama"), ("Age", "7")]]


def test_json_schema_is_draft_2020_12():
    schema = json_schema(content(field("a", required=True)), {})
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["required"] == ["a"]


@pytest.mark.parametrize(
    ("language", "stored", "shown"),
    [
        ("en", 7.0, "7"),
        ("en", "7.0", "7"),
        ("pl", 7, "7"),
        ("pl", 12.5, "12,5"),
        ("pl", "12.50", "12,5"),
        ("en", 12.5, "12.5"),
        ("en", -3.0, "-3"),
        ("en", 0, "0"),
    ],
)
def test_a_number_answer_shows_whole_numbers_without_decimals(language, stored, shown):
    with translation.override(language):
        assert display_value(FormVersion(), {"type": "number"}, stored) == shown
