"""Approval rules per office and per case type (category): the most specific row wins."""

import pytest

from tests.factories import make_office
from workflows.approvals.models import ApprovalKind, ApprovalRule
from workflows.approvals.services import approval_required


@pytest.fixture
def office(db):
    return make_office()


def test_without_rules_assessment_plan_and_closure_need_approval(office):
    for kind in ApprovalKind.values:
        assert approval_required(office_id=office.pk, kind=kind, category="child_labour")


def test_category_rule_overrides_the_office_rule_for_that_category_only(office):
    ApprovalRule.objects.create(office=office, kind=ApprovalKind.PLAN, required=False)
    ApprovalRule.objects.create(
        office=office, kind=ApprovalKind.PLAN, category="child_labour", required=True
    )
    ApprovalRule.objects.create(
        office=office, kind=ApprovalKind.CLOSURE, category="child_labour", required=False
    )
    assert approval_required(office_id=office.pk, kind="plan", category="child_labour")
    assert not approval_required(office_id=office.pk, kind="plan", category="neglect")
    assert not approval_required(office_id=office.pk, kind="plan")
    assert not approval_required(office_id=office.pk, kind="closure", category="child_labour")
    # Another category and another office keep the default.
    assert approval_required(office_id=office.pk, kind="closure", category="neglect")
    assert approval_required(office_id=make_office().pk, kind="closure", category="child_labour")


def test_one_rule_per_office_step_and_category(office):
    from django.db import IntegrityError, transaction

    ApprovalRule.objects.create(office=office, kind="plan", category="neglect", required=False)
    ApprovalRule.objects.create(office=office, kind="plan", required=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRule.objects.create(office=office, kind="plan", category="neglect")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRule.objects.create(office=office, kind="plan", category="")
