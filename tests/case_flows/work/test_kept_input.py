"""A submit refused because the task went elsewhere meanwhile (the supervisor gave it to a
colleague) still shows what the caseworker typed, read-only, with the reason."""

from accounts.models import Role
from case_flows.models import Assessment
from tests.case_flows.work.test_kept_input_data import assessment_post
from tests.factories import make_user
from tests.steps import allocate, complete_intake, open_task
from workflows.queue import task_reassign


def test_a_refused_submit_keeps_what_was_typed(client, new_case, team, supervisor, caseworker):
    colleague = make_user(Role.CASEWORKER, new_case.office, team, username="cw2")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    task = open_task(new_case, "assess")
    task_reassign(task=task, actor=supervisor, to_user=colleague)
    client.force_login(caseworker)
    response = client.post(f"/tasks/{task.pk}/", assessment_post("Grandmother helps daily"))
    assert response.status_code in (403, 409)
    page = response.content.decode()
    assert "What you entered (not saved)" in page
    assert "Grandmother helps daily" in page
    assert not Assessment.objects.filter(case=new_case).exists()
