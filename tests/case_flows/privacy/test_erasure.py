"""Erasure requests: recorded on the case, decided by another supervisor (maker-checker),
refused by the system while the law requires keeping the records, 409 once decided."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from case_flows.models import CaseEvent, ErasureRequest, ErasureStatus, EventKind, Person
from case_flows.privacy import erasure
from notifications.models import Event, Notification
from tests.case_flows.cases.test_person_edit import form_data
from workflows.errors import Conflict, NotPermitted, WorkflowError


def _request(world, case=None, actor=None):
    return erasure.erasure_request(
        case=case or world.recent,
        actor=actor or world.cw,
        grounds="consent_withdrawn",
        details="Asked in person on Monday",
    )


def test_request_waits_for_a_supervisor_who_is_told(world):
    made = _request(world)
    assert made.status == ErasureStatus.PENDING
    event = CaseEvent.objects.filter(case=world.recent, kind=EventKind.ERASURE).get()
    assert event.transition == "erasure_requested" and "Monday" not in str(event.data)
    told = set(
        Notification.objects.filter(
            event=Event.APPROVAL_REQUESTED, params__task="Erasure request"
        ).values_list("recipient__username", flat=True)
    )
    assert told == {"sup", "sup2"}


def test_approval_anonymises_the_person_and_tells_the_requester(world):
    made = _request(world)
    decided = erasure.erasure_decide(request=made, actor=world.sup, approve=True, reason="")
    assert decided.status == ErasureStatus.DONE and decided.decided_by == world.sup
    person = Person.objects.get(pk=world.recent.person_id)
    assert person.given_name == "Anonymised" and person.anonymised_at is not None
    world.recent.refresh_from_db()
    assert world.recent.anonymised_at is not None
    transitions = list(
        CaseEvent.objects.filter(
            case=world.recent, kind__in=[EventKind.ERASURE, EventKind.REDACTED]
        )
        .order_by("pk")
        .values_list("transition", flat=True)
    )
    assert transitions == ["erasure_requested", "erasure_approved", "redacted_erasure"]
    note = Notification.objects.get(
        recipient=world.cw, event=Event.APPROVAL_DECIDED, params__kind="erasure"
    )
    assert note.params["decision"] == "approved" and note.params["kind"] == "erasure"
    assert ErasureRequest.objects.get(pk=made.pk).details == "[redacted]"


def test_refusal_needs_a_reason_and_is_recorded(world):
    made = _request(world)
    with pytest.raises(WorkflowError):
        erasure.erasure_decide(request=made, actor=world.sup, approve=False, reason=" ")
    decided = erasure.erasure_decide(
        request=made, actor=world.sup, approve=False, reason="Court proceedings pending"
    )
    assert decided.status == ErasureStatus.REFUSED
    assert Person.objects.get(pk=world.recent.person_id).given_name == "Esi"
    note = Notification.objects.get(
        recipient=world.cw, event=Event.APPROVAL_DECIDED, params__kind="erasure"
    )
    assert note.params["decision"] == "rejected"
    with pytest.raises(Conflict):
        erasure.erasure_decide(request=made, actor=world.sup2, approve=True, reason="")


def test_the_requester_may_not_decide(world):
    made = _request(world, actor=world.sup)
    with pytest.raises(NotPermitted, match="another supervisor"):
        erasure.erasure_decide(request=made, actor=world.sup, approve=True, reason="")
    assert ErasureRequest.objects.get(pk=made.pk).status == ErasureStatus.PENDING


def test_the_law_keeps_statutory_records(world):
    made = _request(world, case=world.polish, actor=world.pl_cw)
    assert made.status == ErasureStatus.REFUSED and made.decided_by is None
    assert (
        "Niebieskie Karty" in made.decision_reason
        and world.polish.reference in made.decision_reason
    )
    refused = CaseEvent.objects.get(case=world.polish, transition="erasure_refused")
    assert refused.actor is None


def test_open_cases_must_be_closed_first(world):
    with pytest.raises(WorkflowError, match="closed"):
        _request(world, case=world.yaw_old)
    assert not ErasureRequest.objects.exists()


def test_one_pending_request_per_person(world):
    _request(world)
    with pytest.raises(Conflict):
        _request(world)


# --- pages ----------------------------------------------------------------------------------


def test_case_page_form_records_a_request(client, world):
    client.force_login(world.cw)
    page = client.get(reverse("case_erasure", args=[world.recent.pk]))
    assert page.status_code == 200 and b"Request erasure" in page.content
    response = client.post(
        reverse("case_erasure", args=[world.recent.pk]),
        {"grounds": "objection", "details": "By letter"},
    )
    assert response.status_code == 302
    assert ErasureRequest.objects.get().grounds == "objection"
    detail = client.get(reverse("case_detail", args=[world.recent.pk]))
    assert reverse("case_erasure", args=[world.recent.pk]).encode() in detail.content


def test_case_page_says_open_cases_come_first(client, world):
    client.force_login(world.cw)
    page = client.get(reverse("case_erasure", args=[world.yaw_old.pk]))
    assert b"must be closed" in page.content and b'name="grounds"' not in page.content


def test_supervisor_decides_from_the_approvals_page(client, world, django_assert_max_num_queries):
    made = _request(world)
    client.force_login(world.sup)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("approvals"))
    assert page.status_code == 200
    link = reverse("erasure_decide", args=[made.pk])
    assert link.encode() in page.content
    assert client.get(link).status_code == 200
    response = client.post(link, {"decision": "refuse", "reason": ""})
    assert response.status_code == 400
    assert ErasureRequest.objects.get(pk=made.pk).status == ErasureStatus.PENDING
    # approving without ticking that it cannot be undone: refused, nothing erased
    response = client.post(link, {"decision": "approve", "reason": ""})
    assert response.status_code == 400
    assert "Tick the box to confirm that the erasure cannot be undone." in response.content.decode()
    assert ErasureRequest.objects.get(pk=made.pk).status == ErasureStatus.PENDING
    assert Person.objects.get(pk=made.person_id).anonymised_at is None
    response = client.post(link, {"decision": "approve", "reason": "", "irreversible": "on"})
    assert response.status_code == 302
    assert ErasureRequest.objects.get(pk=made.pk).status == ErasureStatus.DONE
    again = client.post(link, {"decision": "approve", "reason": "", "irreversible": "on"})
    assert again.status_code == 409


def test_own_request_is_refused_with_a_message(client, world):
    made = _request(world, actor=world.sup)
    client.force_login(world.sup)
    link = reverse("erasure_decide", args=[made.pk])
    assert link.encode() not in client.get(reverse("approvals")).content
    response = client.post(link, {"decision": "approve", "reason": "", "irreversible": "on"})
    assert response.status_code == 403
    assert b"another supervisor" in response.content


def test_decision_page_shows_the_request_not_template_internals(client, world):
    made = _request(world)
    client.force_login(world.sup)
    page = client.get(reverse("erasure_decide", args=[made.pk]))
    assert page.status_code == 200
    # a context variable named "block" once printed Django's own BlockNode here
    assert b"Block Node" not in page.content and b"TextNode" not in page.content
    assert b"Asked in person on Monday" in page.content
    # the decider can open the case from here (the reference is a link)
    assert reverse("case_detail", args=[made.case_id]).encode() in page.content


def test_the_legal_refusal_gives_the_date_in_the_users_format(world):
    with translation.override("pl"):
        made = _request(world, case=world.polish, actor=world.pl_cw)
    assert made.status == ErasureStatus.REFUSED
    assert re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", made.decision_reason), made.decision_reason
    assert not re.search(r"\d{4}-\d{2}-\d{2}", made.decision_reason)


def test_no_ground_is_chosen_for_the_user(client, world):
    client.force_login(world.cw)
    link = reverse("case_erasure", args=[world.recent.pk])
    assert b'<option value="" selected>' in client.get(link).content
    response = client.post(link, {"grounds": "", "details": "By letter"})
    assert response.status_code == 400 and b"This field is required." in response.content
    assert not ErasureRequest.objects.exists()


def test_an_anonymised_person_can_no_longer_be_edited(client, world):
    made = _request(world)
    erasure.erasure_decide(request=made, actor=world.sup, approve=True, reason="")
    client.force_login(world.cw)
    detail = client.get(reverse("case_detail", args=[world.recent.pk]))
    assert reverse("person_edit", args=[world.recent.pk]).encode() not in detail.content
    assert b"Erasure requests" in detail.content
    person = Person.objects.get(pk=world.recent.person_id)
    response = client.post(
        reverse("person_edit", args=[world.recent.pk]),
        form_data(person, given_name="Esi", family_name="Owusu"),
    )
    assert response.status_code == 409
    assert Person.objects.get(pk=person.pk).given_name == "Anonymised"
