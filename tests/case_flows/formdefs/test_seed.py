"""The seeded form definitions: the five built-in task forms are published and used by every
case type, so task pages stay as they were; the Polish statutory drafts are publishable but
left for the office to check; seeding again changes nothing."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from case_flows.formdefs.content import CORE_FIELDS, configured_fields, iter_fields
from case_flows.formdefs.runtime import ConfiguredForm
from case_flows.formdefs.seed import seed_form_definitions
from case_flows.formdefs.selectors import form_version_for
from case_flows.formdefs.services import form_publish, version_problems
from case_flows.models import (
    CaseTypeForm,
    FormDefinition,
    FormStage,
    FormVersion,
    Lookup,
    LookupValue,
)

DRAFTS = ("pl_community_interview", "pl_niebieska_karta_a")


@pytest.fixture
def seeded(db):
    # The migration seeds the test database; a transactional test run earlier flushes it.
    seed_form_definitions()


def counts():
    return [
        m.objects.count() for m in (Lookup, LookupValue, FormDefinition, FormVersion, CaseTypeForm)
    ]


def test_seeding_again_creates_nothing_and_keeps_an_offices_edits(seeded):
    draft = FormVersion.objects.get(definition__key="pl_community_interview")
    draft.content = {"sections": []}  # an administrator emptied the draft
    draft.save(update_fields=["content"])
    before = counts()

    assert seed_form_definitions() == {"lookups": 0, "published": 0, "drafts": 0}

    assert counts() == before
    draft.refresh_from_db()
    assert draft.content == {"sections": []}


@pytest.mark.parametrize("stage", FormStage.values)
def test_each_built_in_is_published_as_the_default_and_shows_the_stage_as_today(seeded, stage):
    definition = FormDefinition.objects.get(office=None, key=stage)
    (version,) = definition.versions.all()
    assert (version.number, version.status) == (1, "published")
    assert version.json_schema["properties"] == {}
    assert version_problems(version) == []
    default = CaseTypeForm.objects.get(office=None, category=None, stage=stage)
    assert default.definition == definition
    # Every typed field, in the page's order, and nothing configured: the page is unchanged.
    shown = [f["key"] for _s, f, _g in iter_fields(version.content)]
    assert sorted(shown) == sorted(CORE_FIELDS[stage])
    assert configured_fields(version.content) == []
    assert not definition.is_draft_template


def test_a_case_uses_the_built_in_version_1_at_every_stage(seeded, new_case):
    for stage in FormStage.values:
        version = form_version_for(new_case, stage)
        assert (version.definition.key, version.number) == (stage, 1)


@pytest.mark.parametrize("key", DRAFTS)
def test_the_polish_drafts_are_publishable_but_left_for_the_office_to_check(seeded, key):
    definition = FormDefinition.objects.get(office=None, key=key)
    (version,) = definition.versions.all()
    assert definition.is_draft_template
    assert version.status == "draft"
    assert not CaseTypeForm.objects.filter(definition=definition).exists()
    assert set(definition.labels) == {"en", "pl"}
    assert set(version.content["note"]) == {"en", "pl"}  # where it comes from, what to check
    assert version_problems(version) == []
    assert form_publish(actor=None, version=version).status == "published"


def test_the_interview_lists_the_reasons_of_article_7(seeded):
    reasons = Lookup.objects.get(office=None, key="pl_assistance_reasons")
    labels = [v.labels["pl"] for v in reasons.values.all()]
    assert len(labels) == 15  # points 1-15 of art. 7, point 7a included, point 10 repealed
    assert "Przemoc domowa" in labels  # the wording since 22 June 2023


def test_the_blue_card_draft_asks_which_other_form_only_when_other_is_chosen(seeded):
    version = FormVersion.objects.get(definition__key="pl_niebieska_karta_a")
    version = form_publish(actor=None, version=version)
    data = {
        "cf_persons_experiencing__0__name": "Anna Nowak",
        "cf_persons_using__0__name": "Jan Nowak",
        "cf_persons_using__0__relation": "spouse_partner",
        "cf_violence_forms": ["psychological", "other"],
        "cf_threat_to_life": "no",
    }

    form = ConfiguredForm(data, version=version)
    assert not form.is_valid()
    assert "cf_violence_other" in form.errors

    form = ConfiguredForm({**data, "cf_violence_other": "Stalking"}, version=version)
    assert form.is_valid(), form.errors
    assert form.answers()["violence_forms"] == ["psychological", "other"]
    assert form.answers()["persons_using"] == [{"name": "Jan Nowak", "relation": "spouse_partner"}]


def test_the_migration_seeds_an_empty_database_with_its_own_models(db):
    CaseTypeForm.objects.all().delete()
    FormDefinition.objects.all().delete()
    Lookup.objects.all().delete()
    state = MigrationExecutor(connection).loader.project_state(
        ("case_flows", "0028_seed_form_definitions")
    )

    assert seed_form_definitions(state.apps) == {"lookups": 8, "published": 5, "drafts": 2}
    assert CaseTypeForm.objects.filter(office=None, category=None).count() == 5
