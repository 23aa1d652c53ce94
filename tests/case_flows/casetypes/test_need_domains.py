"""Need domains as data: seeded as before, chosen per case type, retired without losing scores."""

import pytest
from django.urls import reverse
from django.utils import translation

from case_flows.casetypes.selectors import need_domains_for, needs_shown
from case_flows.models import NEED_DOMAINS, CaseTypeNeedDomain, NeedDomain
from case_flows.work.services import assessment_submit
from tests.case_flows.work.test_views_tasks import client_for
from tests.factories import category, make_office
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.errors import WorkflowError


def _codes(domains):
    return [d.code for d in domains]


def test_the_migration_seeds_todays_domains_with_their_labels(db):
    domains = list(NeedDomain.objects.all())
    assert [(d.code, d.labels["en"]) for d in domains] == [
        (code, str(label)) for code, label in NEED_DOMAINS
    ]
    with translation.override("pl"):
        assert [d.label for d in domains][:2] == ["Bezpieczeństwo", "Zdrowie"]
    assert all(d.is_active and d.jurisdiction == "" for d in domains)


def test_most_specific_selection_wins_and_none_means_all(
    new_case, office, django_assert_num_queries
):
    labour = category("child_labour")
    by_code = {d.code: d for d in NeedDomain.objects.all()}
    with django_assert_num_queries(1):
        assert _codes(need_domains_for(new_case)) == [c for c, _l in NEED_DOMAINS]
    # Chosen for the category in every office, then for this office.
    for code in ("safety", "health"):
        CaseTypeNeedDomain.objects.create(category=new_case.category, domain=by_code[code])
    CaseTypeNeedDomain.objects.create(category=labour, domain=by_code["income"])
    new_case._need_domains = None
    assert _codes(need_domains_for(new_case)) == ["safety", "health"]
    CaseTypeNeedDomain.objects.create(
        category=new_case.category, office=office, domain=by_code["education"]
    )
    new_case._need_domains = None
    with django_assert_num_queries(1):
        assert _codes(need_domains_for(new_case)) == ["education"]
    # Another office keeps the category-wide choice.
    other = make_office()
    new_case.office_id, new_case._need_domains = other.pk, None
    assert _codes(need_domains_for(new_case)) == ["safety", "health"]


def test_a_country_domain_is_asked_only_in_that_country(new_case, office):
    NeedDomain.objects.create(
        code="benefits", labels={"en": "Benefits"}, order=1, jurisdiction="PL"
    )
    NeedDomain.objects.create(
        code="family", labels={"en": "Family"}, order=1, jurisdiction=office.jurisdiction
    )
    codes = _codes(need_domains_for(new_case))
    assert "family" in codes and "benefits" not in codes


def test_assessment_asks_the_case_types_domains_and_refuses_others(
    new_case, office, supervisor, caseworker
):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    by_code = {d.code: d for d in NeedDomain.objects.all()}
    for code in ("safety", "education"):
        CaseTypeNeedDomain.objects.create(
            category=new_case.category, office=office, domain=by_code[code]
        )
    task = open_task(new_case, "assess")
    body = client_for(caseworker).get(reverse("task", args=[task.pk])).content.decode()
    assert 'name="need_safety"' in body and 'name="need_education"' in body
    assert 'name="need_health"' not in body
    with pytest.raises(WorkflowError, match="Unknown need domain"):
        assessment_submit(
            task=task,
            actor=caseworker,
            needs={"health": "high"},
            strengths="Kind aunt",
            risk_decided="low",
        )


def test_a_retired_domains_score_still_shows_with_its_label(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)  # education: high, safety: medium
    NeedDomain.objects.filter(code="education").update(is_active=False)
    new_case._need_domains = None
    assert "education" not in _codes(need_domains_for(new_case))
    body = client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert "Education" in body and "Safety" in body
    # A code whose row is gone shows as itself, never an error.
    assert needs_shown({"gone": "low"}) == [("gone", "low", "Low")]
