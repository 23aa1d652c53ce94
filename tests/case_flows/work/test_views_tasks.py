"""Task pages: the whole pipeline through the web pages, form errors, claims and scope."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from case_flows.models import (
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    Closure,
    FollowUp,
    Intake,
    Person,
    Referral,
    Stage,
)
from tests.factories import category, make_office, make_team, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def task_url(case, node) -> str:
    return reverse("task", args=[open_task(case, node).pk])


def register_data(**overrides) -> dict:
    data = {
        "given_name": "Kwabena",
        "family_name": "Żółkiewski",
        "sex": "male",
        "date_of_birth": "2015-04-02",
        "phone": "+233 20 555 0101",
        "address": "Bekwai, Zongo",
        "category": category().pk,
        "risk": "medium",
        "source": "walk_in",
        "presenting_concerns": "Child out of school",
        "immediate_safety": "at_risk",
        "consent_to_share": "yes",
    }
    data.update(overrides)
    return data


def plan_data(**overrides) -> dict:
    data = {
        "action": "submit",
        "summary": "Get him back to school",
        "goals": "Back in school\nSafe at home\n",
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-0-description": "Enrol at the district school",
        "actions-0-responsible": "Caseworker",
        "actions-0-target_date": "2027-01-15",
    }
    data.update(overrides)
    return data


def referral_data(**overrides) -> dict:
    data = {
        "referrals-TOTAL_FORMS": "3",
        "referrals-INITIAL_FORMS": "0",
        "referrals-0-service_type": "Education",
        "referrals-0-provider_name": "Bekwai JHS",
        "referrals-0-urgency": "routine",
        "referrals-0-consent_recorded": "on",
        "referrals-1-urgency": "routine",
        "referrals-2-urgency": "routine",
    }
    data.update(overrides)
    return data


def decide(client, case, node, decision="approve", comment=""):
    approval = open_task(case, node).approval
    return client.post(
        reverse("approval_detail", args=[approval.pk]),
        {"decision": decision, "comment": comment},
    )


def assert_redirects_to_inbox(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("inbox")


def assert_redirects_to_next(response, case, node):
    """Completing a task whose follower on the same case is the user's own opens that one."""
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == task_url(case, node)


def test_whole_pipeline_through_the_pages(office, team, caseworker, supervisor):
    cw, sup = client_for(caseworker), client_for(supervisor)

    # Register the client and open the case.
    response = cw.post(reverse("case_new"), register_data())
    case = Case.objects.get()
    assert response.status_code == 302
    # Not yet allocated, so not in the caseworker's scope: they may still read what they
    # registered, so they land on its page, marked as awaiting allocation.
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    page = cw.get(response["Location"]).content.decode()
    assert "a supervisor will allocate it" in page and "Awaiting allocation" in page
    assert case.person.family_name == "Żółkiewski" and case.stage == Stage.INTAKE

    # The supervisor finds the allocation in the team queue and allocates.
    queue = sup.get(reverse("inbox") + "?tab=queue").content.decode()
    assert case.reference in queue and "Allocate case" in queue
    page = sup.get(task_url(case, "allocate"))
    assert page.status_code == 200 and "Akosua" in page.content.decode()
    assert_redirects_to_inbox(
        sup.post(task_url(case, "allocate"), {"caseworker": caseworker.pk, "team": team.pk})
    )
    case.refresh_from_db()
    assert case.owner == caseworker and case.team == team

    # Intake.
    mine = cw.get(reverse("inbox")).content.decode()
    assert "Complete intake" in mine
    response = cw.post(
        task_url(case, "intake"),
        {
            "source": "school",
            "presenting_concerns": "Out of school for two months",
            "immediate_safety": "at_risk",
            "consent_to_share": "yes",
        },
    )
    assert_redirects_to_next(response, case, "assess")
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT
    assert case.intake.source == "school" and case.intake.consent_to_share is True

    # Assessment, then the supervisor approves it.
    assess = {f"need_{code}": "none" for code in ("health", "shelter", "income", "legal")}
    assess.update(
        need_safety="medium",
        need_education="high",
        need_psychosocial="low",
        strengths="Supportive grandmother",
        risk_decided="high",
    )
    assert_redirects_to_inbox(cw.post(task_url(case, "assess"), assess))
    assessment = Assessment.objects.get(case=case)
    assert assessment.needs["education"] == "high" and assessment.risk_decided == "high"
    approve_page = sup.get(task_url(case, "approve_assessment"))
    assert approve_page.status_code == 302
    approval_page = sup.get(approve_page["Location"]).content.decode()
    assert "Supportive grandmother" in approval_page and "Approve" in approval_page
    assert decide(sup, case, "approve_assessment").status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING and case.risk == "high"

    # Plan, approved.
    assert cw.get(task_url(case, "plan")).status_code == 200
    assert_redirects_to_inbox(cw.post(task_url(case, "plan"), plan_data()))
    plan = CasePlan.objects.get(case=case)
    assert [g.description for g in plan.goals.order_by("pk")] == ["Back in school", "Safe at home"]
    assert plan.actions.get().target_date == datetime.date(2027, 1, 15)
    assert decide(sup, case, "approve_plan").status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.REFERRAL

    # Referrals.
    response = cw.post(task_url(case, "arrange_referrals"), referral_data())
    assert_redirects_to_next(response, case, "follow_up")
    referral = Referral.objects.get(case=case)
    assert referral.provider_name == "Bekwai JHS" and referral.consent_recorded
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP

    # Two follow-ups: continue, then close with progress on the goals.
    today = timezone.localdate().isoformat()
    follow_up = {"date": today, "mode": "visit", "notes": "Attending", "next_step": "continue"}
    assert_redirects_to_next(cw.post(task_url(case, "follow_up"), follow_up), case, "follow_up")
    page = cw.get(task_url(case, "follow_up")).content.decode()
    assert "Back in school" in page  # the plan's goals, one select each
    goal = plan.goals.get(description="Back in school")
    follow_up = {
        "date": today,
        "mode": "phone",
        "notes": "Goals met",
        "next_step": "close",
        f"goal_{goal.pk}": "achieved",
    }
    response = cw.post(task_url(case, "follow_up"), follow_up)
    assert_redirects_to_next(response, case, "prepare_closure")
    latest = FollowUp.objects.filter(case=case).order_by("-pk").first()
    assert latest.progress == {str(goal.pk): "achieved"}

    # Closure, approved.
    assert_redirects_to_inbox(
        cw.post(task_url(case, "prepare_closure"), {"reason": "goals_met", "summary": "Done"})
    )
    case.refresh_from_db()
    assert case.stage == Stage.CLOSING
    assert decide(sup, case, "approve_closure").status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.closed_at is not None
    assert Closure.objects.get(case=case).summary == "Done"

    page = cw.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Goals met" in page and "Bekwai JHS" in page and "Supportive grandmother" in page


def test_form_errors_change_nothing(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    cw = client_for(caseworker)
    before = (CaseEvent.objects.count(), Intake.objects.get(case=new_case).completed_at)
    response = cw.post(
        task_url(new_case, "intake"),
        {
            "source": "school",
            "presenting_concerns": "",
            "immediate_safety": "",
            "consent_to_share": "",
        },
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    new_case.refresh_from_db()
    assert new_case.stage == Stage.INTAKE
    assert (CaseEvent.objects.count(), Intake.objects.get(case=new_case).completed_at) == before

    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    from tests.steps import approve

    approve(new_case, "approve_assessment", supervisor)
    # A plan with no goals and a half-filled action row.
    response = cw.post(
        task_url(new_case, "plan"),
        plan_data(**{"goals": "  \n", "actions-0-target_date": ""}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "Each action needs a description, a responsible party and a target date." in body
    assert not CasePlan.objects.filter(case=new_case).exists()
    new_case.refresh_from_db()
    assert new_case.stage == Stage.PLANNING


def test_register_form_errors_create_nothing(office, team, caseworker):
    cw = client_for(caseworker)
    response = cw.post(reverse("case_new"), register_data(given_name="", presenting_concerns=""))
    assert response.status_code == 200
    assert not Person.objects.exists() and not Case.objects.exists()


def test_register_needs_permission(office, team):
    manager = make_user(Role.MANAGER, office)
    assert client_for(manager).get(reverse("case_new")).status_code == 403
    assert client_for(manager).post(reverse("case_new"), register_data()).status_code == 403
    assert not Case.objects.exists()


def test_referrals_need_one_or_none_needed(new_case, supervisor, caseworker):
    from tests.steps import approve, submit_plan

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor)
    submit_plan(new_case, caseworker)
    approve(new_case, "approve_plan", supervisor)
    cw = client_for(caseworker)
    empty = referral_data(**{"referrals-0-service_type": "", "referrals-0-provider_name": ""})
    response = cw.post(task_url(new_case, "arrange_referrals"), empty)
    assert response.status_code == 400
    assert "Record at least one referral, or confirm that none is needed." in (
        response.content.decode()
    )
    new_case.refresh_from_db()
    assert new_case.stage == Stage.REFERRAL
    empty["none_needed"] = "on"
    response = cw.post(task_url(new_case, "arrange_referrals"), empty)
    assert_redirects_to_next(response, new_case, "follow_up")
    new_case.refresh_from_db()
    assert new_case.stage == Stage.FOLLOW_UP


def test_plan_can_request_reassessment(new_case, supervisor, caseworker):
    from tests.steps import approve

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor)
    cw = client_for(caseworker)
    url = task_url(new_case, "plan")
    response = cw.post(url, {"action": "reassess", "reason": ""})
    assert response.status_code == 400
    new_case.refresh_from_db()
    assert new_case.stage == Stage.PLANNING
    response = cw.post(url, {"action": "reassess", "reason": "New facts"})
    assert_redirects_to_next(response, new_case, "assess")
    new_case.refresh_from_db()
    assert new_case.stage == Stage.ASSESSMENT


def test_queue_task_offers_claim_and_someone_elses_task_says_so(
    new_case, office, team, supervisor, caseworker
):
    other_supervisor = make_user(Role.SUPERVISOR, office, team)
    url = task_url(new_case, "allocate")
    page = client_for(supervisor).get(url).content.decode()
    assert reverse("task_claim", args=[open_task(new_case, "allocate").pk]) in page

    response = client_for(supervisor).post(
        reverse("task_claim", args=[open_task(new_case, "allocate").pk])
    )
    assert response.status_code == 302
    assert open_task(new_case, "allocate").owner == supervisor

    page = client_for(other_supervisor).get(url)
    assert page.status_code == 200
    assert "This task is assigned to" in page.content.decode()
    # Claiming it now is a conflict, shown on the page with 409.
    response = client_for(other_supervisor).post(
        reverse("task_claim", args=[open_task(new_case, "allocate").pk])
    )
    assert response.status_code == 409
    assert "has already claimed this task" in response.content.decode()
    # Submitting its form is refused with 403; nothing changes.
    response = client_for(other_supervisor).post(url, {"caseworker": caseworker.pk})
    assert response.status_code == 403
    new_case.refresh_from_db()
    assert new_case.owner is None

    # Release puts it back in the queue.
    response = client_for(supervisor).post(
        reverse("task_release", args=[open_task(new_case, "allocate").pk])
    )
    assert response.status_code == 302
    assert open_task(new_case, "allocate").owner is None


def test_reassign_by_supervisor(new_case, office, team, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    colleague = make_user(Role.CASEWORKER, office, team)
    task = open_task(new_case, "intake")
    response = client_for(supervisor).post(
        reverse("task_reassign", args=[task.pk]), {"to_user": colleague.pk}
    )
    assert response.status_code == 302
    assert open_task(new_case, "intake").owner == colleague
    # A caseworker cannot reassign: 403 on the page.
    response = client_for(caseworker).post(
        reverse("task_reassign", args=[task.pk]), {"to_user": caseworker.pk}
    )
    assert response.status_code == 403
    assert open_task(new_case, "intake").owner == colleague


def test_finished_task_is_a_409_on_post(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    complete_intake(new_case, caseworker)
    cw = client_for(caseworker)
    page = cw.get(reverse("task", args=[task.pk]))
    assert page.status_code == 200
    assert "This task is finished" in page.content.decode()
    response = cw.post(
        reverse("task", args=[task.pk]),
        {
            "source": "school",
            "presenting_concerns": "Again",
            "immediate_safety": "safe",
            "consent_to_share": "no",
        },
    )
    assert response.status_code == 409
    assert "already completed" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_task_outside_scope_is_404(new_case, method):
    far_office = make_office("FAR")
    far_team = make_team(far_office)
    outsider = make_user(Role.CASEWORKER, far_office, far_team)
    url = task_url(new_case, "allocate")
    assert getattr(client_for(outsider), method)(url).status_code == 404
    claim = reverse("task_claim", args=[open_task(new_case, "allocate").pk])
    assert client_for(outsider).post(claim).status_code == 404


def test_claim_release_reassign_are_post_only(new_case, supervisor):
    task = open_task(new_case, "allocate")
    sup = client_for(supervisor)
    for name in ("task_claim", "task_release", "task_reassign"):
        assert sup.get(reverse(name, args=[task.pk])).status_code == 405


def test_safety_not_known_at_registration_is_decided_at_intake_never_defaulted(
    office, team, caseworker, supervisor
):
    from tests.html_tree import parse

    cw, sup = client_for(caseworker), client_for(supervisor)
    cw.post(reverse("case_new"), register_data(immediate_safety=""))
    case = Case.objects.get()
    assert case.intake.immediate_safety == ""
    sup.post(task_url(case, "allocate"), {"caseworker": caseworker.pk, "team": team.pk})

    page = parse(cw.get(task_url(case, "intake")).content.decode())
    select = page.find("select", name="immediate_safety")
    options = select.find_all("option")
    # nothing chosen for them: the empty "Choose…" option, first, is the one shown
    assert options[0].get("value") == "" and options[0].text == "Choose…"
    assert [o.get("value") for o in options if "selected" in o.attrs] in ([], [""])

    intake = {
        "source": "school",
        "presenting_concerns": "Bruises",
        "immediate_safety": "",
        "consent_to_share": "yes",
    }
    response = cw.post(task_url(case, "intake"), intake)
    assert response.status_code == 400
    assert "Record the client&#x27;s immediate safety." in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE and case.intake.immediate_safety == ""

    assert_redirects_to_next(
        cw.post(task_url(case, "intake"), {**intake, "immediate_safety": "at_risk"}),
        case,
        "assess",
    )
    case.refresh_from_db()
    assert case.intake.immediate_safety == "at_risk"
