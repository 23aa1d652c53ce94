"""Who is told what as a case moves: assignments, returns, approval requests and decisions."""

from notifications.models import Notification
from tests.steps import allocate, approve, complete_intake, submit_assessment


def told(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("event", flat=True))


def test_people_are_told_only_what_others_did(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    assert told(caseworker) == ["task_assigned"]  # the supervisor gave them the intake
    complete_intake(new_case, caseworker)
    assert told(caseworker) == ["task_assigned"]  # their own next step: no message
    submit_assessment(new_case, caseworker)
    assert told(supervisor) == ["approval_requested"]
    approve(new_case, "approve_assessment", supervisor, approve=False, comment="More detail")
    # One message for the return: the revision task's, naming who returned it.
    assert told(caseworker) == ["task_assigned", "task_returned"]
    returned = Notification.objects.get(recipient=caseworker, event="task_returned")
    assert returned.case_reference == new_case.reference
    assert returned.link.startswith("/tasks/")
