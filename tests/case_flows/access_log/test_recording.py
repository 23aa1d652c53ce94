"""Every read path writes its access row (who, what, which case, from where, the terms); a
refused read (403, 404, 400) writes none; the rows of a request are one INSERT."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import Role
from case_flows.access_log import access_record, access_rows_flush
from case_flows.models import AccessAction, AccessEvent
from tests.factories import make_team, make_user
from tests.steps import allocate, open_task

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def client_for(user) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(user)
    return client


@pytest.fixture
def stranger(other_office):
    """A caseworker of another office: every page of the case is a 404 to them."""
    return make_user(Role.CASEWORKER, other_office, make_team(other_office), username="kum")


def only_row(after: int = 0, **expected):
    """The one row written since row `after` (the log is append-only: nothing is cleared)."""
    rows = list(AccessEvent.objects.filter(pk__gt=after))
    assert len(rows) == 1, rows
    row = rows[0]
    for field, value in expected.items():
        assert getattr(row, field) == value, (field, getattr(row, field), value)
    assert row.ip_address == ADDRESS
    return row


def test_case_page(new_case, supervisor, caseworker, stranger, office):
    allocate(new_case, supervisor, caseworker)
    assert client_for(stranger).get(reverse("case_detail", args=[new_case.pk])).status_code == 404
    assert not AccessEvent.objects.exists()
    assert client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).status_code == 200
    only_row(
        user=caseworker,
        office=office,
        action=AccessAction.VIEW_CASE,
        case=new_case,
        person_id=new_case.person_id,
        query="",
    )


def test_task_page(new_case, supervisor, caseworker, stranger):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    assert client_for(stranger).get(reverse("task", args=[task.pk])).status_code == 404
    assert not AccessEvent.objects.exists()
    assert client_for(caseworker).get(reverse("task", args=[task.pk])).status_code == 200
    only_row(user=caseworker, action=AccessAction.VIEW_RECORD, case=new_case, target="intake")


def test_case_list_search_and_browsing(new_case, caseworker):
    client = client_for(caseworker)
    # The terms searched for, as the form cleaned them: never the address's query string
    # (whatever else it carries stays out of the log).
    url = reverse("case_list") + "?q=Mensah&page=1&pesel=44051401359"
    assert client.get(url).status_code == 200
    row = only_row(user=caseworker, action=AccessAction.SEARCH, query="Mensah", target="case list")
    assert "44051401359" not in " ".join(str(v) for v in row.__dict__.values())
    assert client.get(reverse("case_list")).status_code == 200
    only_row(row.pk, action=AccessAction.SEARCH, query="", case=None)


def test_inbox_search_but_not_the_plain_inbox(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    client = client_for(caseworker)
    assert client.get(reverse("inbox")).status_code == 200
    assert client.get(reverse("inbox") + "?sort=client").status_code == 200
    assert not AccessEvent.objects.exists()
    assert client.get(reverse("inbox") + "?q=Kwame&tab=queue").status_code == 200
    only_row(
        user=caseworker, action=AccessAction.SEARCH, target="inbox (queue)", query="search=Kwame"
    )


def test_dashboard_list_and_export(new_case, manager, caseworker):
    client = client_for(manager)
    query = "figure=open&risk=medium"
    assert client.get(f"{reverse('dashboard_cases')}?figure=nonsense").status_code == 400
    assert client_for(caseworker).get(f"{reverse('dashboard_cases')}?{query}").status_code == 403
    assert not AccessEvent.objects.exists()
    response = client.get(f"{reverse('dashboard_cases')}?{query}")
    assert response.status_code == 200 and new_case.reference in response.content.decode()
    row = only_row(user=manager, action=AccessAction.SEARCH, target="dashboard: open")
    assert row.query.startswith("risk=medium&date_from=")  # the filters, defaults included
    response = client.get(f"{reverse('dashboard_export')}?{query}&format=csv")
    assert response.status_code == 200
    assert new_case.reference in b"".join(response.streaming_content).decode()
    row = only_row(row.pk, action=AccessAction.EXPORT, target="dashboard: open (csv)")
    assert row.query.startswith("risk=medium&date_from=")


def test_approval_page(new_case, supervisor, caseworker):
    from tests.steps import complete_intake, submit_assessment

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    from workflows.approvals.models import Approval

    approval = Approval.objects.get(subject_id=new_case.pk, kind="assessment")
    response = client_for(supervisor).get(reverse("approval_detail", args=[approval.pk]))
    assert response.status_code == 200
    only_row(
        user=supervisor,
        action=AccessAction.VIEW_RECORD,
        case=new_case,
        target="approval: assessment",
    )


def test_a_requests_rows_are_one_insert(new_case, caseworker, django_assert_num_queries):
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS)
    request.user = caseworker
    for target in ("assessment", "plan", "closure"):
        access_record(request, AccessAction.VIEW_RECORD, case=new_case, target=target)
    with django_assert_num_queries(1):
        assert access_rows_flush(request) == 3
    assert set(AccessEvent.objects.values_list("target", flat=True)) == {
        "assessment",
        "plan",
        "closure",
    }
    assert access_rows_flush(request) == 0  # written once


def test_an_anonymous_request_records_nothing(new_case):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    access_record(request, AccessAction.VIEW_CASE, case=new_case)
    assert access_rows_flush(request) == 0
