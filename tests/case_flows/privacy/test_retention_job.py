"""The daily retention job and the policy it reads: closed cases past their period are
anonymised, cases within it and open cases are untouched, a second run does nothing."""

import datetime

from case_flows.models import Case, Category, Person, RetentionPolicy
from case_flows.privacy.selectors import cases_past_retention, policy_for, policy_table
from case_flows.tasks import anonymise_past_retention


def test_the_seeded_policies_resolve_most_specific_first(world):
    table = policy_table()
    child = Category.objects.get(code="child_protection")
    violence = Category.objects.get(code="domestic_violence")
    poverty = Category.objects.get(code="poverty")
    gh_child = policy_for(table, jurisdiction="GH", category_id=child.pk)
    assert "Act 843" in gh_child.legal_basis and not gh_child.confirmed
    assert not gh_child.erasure_blocked_during_retention
    pl_violence = policy_for(table, jurisdiction="PL", category_id=violence.pk)
    assert pl_violence.category_id == violence.pk and pl_violence.erasure_blocked_during_retention
    # no category rule: the country's, else the default
    assert policy_for(table, jurisdiction="PL", category_id=poverty.pk).category_id is None
    assert policy_for(table, jurisdiction="PL", category_id=poverty.pk).jurisdiction == "PL"
    default = policy_for(table, jurisdiction="KE", category_id=poverty.pk)
    assert (default.jurisdiction, default.category_id) == ("", None)
    assert "To be confirmed" in default.legal_basis
    # a category rule for every country beats the country's own default
    RetentionPolicy.objects.create(category=poverty, years_after_closure=3, legal_basis="x")
    table = policy_table()
    assert policy_for(table, jurisdiction="PL", category_id=poverty.pk).years_after_closure == 3


def test_job_anonymises_cases_past_retention_only(world, django_assert_max_num_queries):
    due = set(cases_past_retention(datetime.date(2026, 11, 2)).values_list("pk", flat=True))
    assert due == {world.old.pk, world.yaw_old.pk}

    counts = anonymise_past_retention()

    assert counts == {"anonymised": 2, "skipped": 0, "failed": 0}
    anonymised = set(Case.objects.exclude(anonymised_at=None).values_list("pk", flat=True))
    assert anonymised == {world.old.pk, world.yaw_old.pk}
    # within retention, and the open case: untouched; Yaw keeps his name (open case)
    assert Person.objects.get(pk=world.recent.person_id).given_name == "Esi"
    assert Person.objects.get(pk=world.yaw_open.person_id).given_name == "Yaw"
    assert Person.objects.get(pk=world.old.person_id).given_name == "Anonymised"
    # a second run finds nothing to do, in a handful of queries
    with django_assert_max_num_queries(6):
        assert anonymise_past_retention() == {"anonymised": 0, "skipped": 0, "failed": 0}


def test_a_shorter_policy_brings_a_case_into_the_job(world):
    RetentionPolicy.objects.filter(jurisdiction="GH", category__code="child_protection").update(
        years_after_closure=1
    )
    counts = anonymise_past_retention()
    assert counts["anonymised"] == 3  # old, yaw_old and recent (closed 2025-06-10)
    assert Case.objects.get(pk=world.recent.pk).anonymised_at is not None
    assert Case.objects.get(pk=world.polish.pk).anonymised_at is None  # Poland: 10 years
