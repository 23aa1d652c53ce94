"""The Case types pages of Staff: who may, office scoping, saving rules and domains, lists'
query counts."""

import pytest
from django.urls import reverse

from accounts.models import Role
from case_flows.models import CaseTypeNeedDomain, Category, NeedDomain
from tests.factories import category, make_office, make_user
from workflows.approvals.models import ApprovalRule
from workflows.approvals.services import approval_required

# Session, user with office, permissions (user, groups), role groups, then the categories, the
# office's approval rules, the selections with their domains, and the notification bell.
CASE_TYPES_QUERIES = 10
# The same first six, the domains, the notification bell.
NEED_DOMAINS_QUERIES = 8


@pytest.fixture
def admin(office):
    return make_user(Role.ADMINISTRATOR, office)


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.MANAGER])
def test_only_administrators_configure_case_types(client, office, role):
    c = _client(client, make_user(role, office))
    assert c.get(reverse("staff_case_types")).status_code == 403
    assert c.get(reverse("staff_need_domains")).status_code == 403


def test_an_office_administrator_cannot_reach_another_office(client, admin, other_office):
    c = _client(client, admin)
    assert c.get(reverse("staff_case_types") + f"?office={other_office.pk}").status_code == 404


@pytest.mark.parametrize("extra", [1, 6])
def test_case_types_list_shows_each_category_in_constant_queries(
    client, admin, office, extra, django_assert_num_queries
):
    for n in range(extra):
        cat = category(f"type_{n}")
        ApprovalRule.objects.create(office=office, kind="plan", category=cat.code, required=False)
        CaseTypeNeedDomain.objects.create(
            category=cat, office=office, domain=NeedDomain.objects.get(code="safety")
        )
    c = _client(client, admin)
    c.get(reverse("staff_case_types"))  # warm the session
    with django_assert_num_queries(CASE_TYPES_QUERIES):
        body = c.get(reverse("staff_case_types")).content.decode()
    assert body.count('href="/staff/case-types/') >= Category.offered_to(office).count()
    assert "type 0" in body and "this category" in body


def test_administrator_sets_a_categorys_approvals_and_domains(client, admin, office):
    cat = category("child_labour")
    ApprovalRule.objects.create(office=office, kind="assessment", required=False)
    url = reverse("staff_case_type", args=[cat.pk])
    c = _client(client, admin)
    page = c.get(url).content.decode()
    assert "As the office&#x27;s rule (not required)" in page
    safety, legal = NeedDomain.objects.get(code="safety"), NeedDomain.objects.get(code="legal")
    response = c.post(
        url,
        {
            "approval_assessment": "required",
            "approval_plan": "not_required",
            "approval_closure": "",
            "domains": [str(safety.pk), str(legal.pk)],
        },
    )
    assert response.status_code == 302
    assert approval_required(office_id=office.pk, kind="assessment", category=cat.code)
    assert not approval_required(office_id=office.pk, kind="plan", category=cat.code)
    assert not ApprovalRule.objects.filter(kind="closure").exists()
    chosen = CaseTypeNeedDomain.objects.filter(office=office, category=cat)
    assert {r.domain.code for r in chosen} == {"safety", "legal"}
    # Back to the office's rules and all domains.
    response = c.post(url, {"approval_assessment": "", "approval_plan": "", "approval_closure": ""})
    assert response.status_code == 302
    assert not approval_required(office_id=office.pk, kind="assessment", category=cat.code)
    assert not chosen.all().exists()


def test_a_category_of_another_country_is_404(client, admin):
    foreign = Category.objects.create(code="pl_only", name="Polish only", jurisdiction="PL")
    c = _client(client, admin)
    assert c.get(reverse("staff_case_type", args=[foreign.pk])).status_code == 404


def test_need_domains_list_in_constant_queries(client, admin, office, django_assert_num_queries):
    for n in range(5):
        NeedDomain.objects.create(code=f"extra_{n}", labels={"en": f"Extra {n}"})
    c = _client(client, admin)
    c.get(reverse("staff_need_domains"))
    with django_assert_num_queries(NEED_DOMAINS_QUERIES):
        body = c.get(reverse("staff_need_domains")).content.decode()
    assert "Extra 4" in body and "Psychosocial" in body


def test_office_administrator_adds_relabels_and_retires_a_country_domain(client, admin, office):
    c = _client(client, admin)
    response = c.post(
        reverse("staff_need_domains"),
        {
            "code": "family_ties",
            "label_en": "Family ties",
            "label_pl": "Więzi rodzinne",
            "order": "75",
            "jurisdiction": office.jurisdiction,
        },
    )
    assert response.status_code == 302
    domain = NeedDomain.objects.get(code="family_ties")
    assert domain.labels == {"en": "Family ties", "pl": "Więzi rodzinne"}
    assert domain.jurisdiction == office.jurisdiction
    page = c.get(reverse("staff_need_domain", args=[domain.pk])).content.decode()
    assert 'value="Więzi rodzinne"' in page and 'name="code"' not in page  # codes never change
    c.post(
        reverse("staff_need_domain", args=[domain.pk]),
        {"label_en": "Family", "label_pl": "", "order": "5", "jurisdiction": office.jurisdiction},
    )
    domain.refresh_from_db()
    assert domain.labels == {"en": "Family"} and domain.order == 5
    c.post(reverse("staff_need_domain_active", args=[domain.pk]), {"active": "0"})
    domain.refresh_from_db()
    assert not domain.is_active
    # A domain of every country is a national administrator's to change.
    safety = NeedDomain.objects.get(code="safety")
    assert c.get(reverse("staff_need_domain", args=[safety.pk])).status_code == 403
    assert c.post(reverse("staff_need_domain_active", args=[safety.pk])).status_code == 403
    safety.refresh_from_db()
    assert safety.is_active
    # Nor may they add one for every country.
    response = c.post(
        reverse("staff_need_domains"),
        {"code": "everywhere", "label_en": "Everywhere", "order": "1", "jurisdiction": ""},
    )
    assert response.status_code == 400 and not NeedDomain.objects.filter(code="everywhere").exists()


def test_national_administrator_retires_a_domain_for_every_country(client, office):
    national = make_user(Role.ADMINISTRATOR, office, is_national=True)
    c = _client(client, national)
    safety = NeedDomain.objects.get(code="safety")
    other = make_office()
    assert c.get(reverse("staff_case_types") + f"?office={other.pk}").status_code == 200
    c.post(reverse("staff_need_domain_active", args=[safety.pk]), {"active": "0"})
    safety.refresh_from_db()
    assert not safety.is_active
    response = c.post(
        reverse("staff_need_domains"),
        {"code": "safety", "label_en": "Again", "order": "1", "jurisdiction": ""},
    )
    assert response.status_code == 400
    assert "exists already" in response.content.decode()
