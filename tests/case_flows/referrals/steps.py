"""A case driven to the referral stage through the services, as the pages do."""

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from case_flows.models import Stage
from tests.factories import category, make_person
from tests.steps import allocate, approve, open_task, submit_assessment, submit_plan


def to_referral_stage(case, supervisor, caseworker, *, consent=True):
    allocate(case, supervisor, caseworker)
    work_services.intake_complete(
        task=open_task(case, "intake"),
        actor=caseworker,
        source="walk_in",
        presenting_concerns="Child out of school",
        immediate_safety="at_risk",
        consent_to_share=consent,
    )
    submit_assessment(case, caseworker, risk="medium")
    approve(case, "approve_assessment", supervisor)
    submit_plan(case, caseworker)
    approve(case, "approve_plan", supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.REFERRAL
    return case


def open_case(office, caseworker, given="Kwame", family="Mensah"):
    """A case as `new_case` (tests/conftest.py) opens it."""
    return case_services.case_open(
        actor=caseworker,
        person=make_person(office, given, family, phone="+233 24 123 4567"),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Child out of school, signs of neglect",
    )
