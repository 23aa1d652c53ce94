"""Digest sections for supervisors, and the admin cannot bypass the stage machine."""

from django.urls import reverse

from case_flows.models import Case, Category, Stage
from notifications.digest import digest_sections_for
from tests.factories import make_user
from tests.steps import allocate, complete_intake, submit_assessment


def test_supervisor_digest_lists_queue_and_approvals(new_case, supervisor, caseworker):
    sections = {s["title"]: s for s in digest_sections_for(supervisor)}
    # The new intake waits in the supervisor's queue for allocation.
    assert sections["Team queue"]["lines"] == ["1 task waits unclaimed in your queue."]
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    sections = {s["title"]: s for s in digest_sections_for(supervisor)}
    assert sections["Approvals"]["lines"] == ["1 approval waits for you; the oldest for 0 days."]
    assert sections["Approvals"]["link"] == reverse("approvals")
    Case.objects.filter(pk=new_case.pk).update(is_overdue=True)
    sections = {s["title"]: s for s in digest_sections_for(supervisor)}
    assert sections["Overdue"]["lines"] == ["1 open case has missed a deadline."]


def test_caseworkers_get_no_lead_sections(new_case, caseworker):
    titles = {s["title"] for s in digest_sections_for(caseworker)}
    assert not titles & {"Team queue", "Overdue", "Approvals"}


def test_admin_cannot_move_a_case_stage(client, new_case):
    admin = make_user(role=None, username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:case_flows_case_change", args=[new_case.pk])
    assert client.get(url).status_code == 200  # view only
    response = client.post(url, {"stage": "closed", "risk": "low"})
    assert response.status_code == 403
    new_case.refresh_from_db()
    assert new_case.stage == Stage.INTAKE


def test_admin_edits_categories(client, db):
    admin = make_user(role=None, username="root2", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:case_flows_category_add"),
        {
            "code": "housing",
            "name": "Housing",
            "name_pl": "Mieszkalnictwo",
            "is_active": "on",
            "order": 9,
        },
    )
    assert response.status_code == 302
    assert Category.objects.get(code="housing").name_pl == "Mieszkalnictwo"
