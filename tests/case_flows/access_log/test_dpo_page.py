"""The data protection officer's access log: their office's rows only (every office's for a
national officer), the filters, bad input as a message, the CSV export (itself recorded)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from case_flows.dpo.targets import target_text
from case_flows.models import AccessAction, AccessEvent
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db

# Session, user, office (time zone), permissions (user, groups), role groups, the staff
# select, the count, the page of rows (with who and which case), which of their cases the
# reader may open (a reference links to the case only then).
PAGE_QUERIES = 11


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officers(office, other_office):
    return {
        "local": make_user(Role.DATA_PROTECTION_OFFICER, office, username="iod"),
        "elsewhere": make_user(Role.DATA_PROTECTION_OFFICER, other_office, username="iod-pl"),
        "national": make_user(
            Role.DATA_PROTECTION_OFFICER, other_office, username="iod-n", is_national=True
        ),
    }


@pytest.fixture
def rows(new_case, caseworker, manager, other_office):
    """Reads in the office (the caseworker's case view, the manager's search) and one by a
    reader of the other office."""
    outsider = make_user(Role.CASEWORKER, other_office, username="kum")
    now = timezone.now()
    made = AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                at=now - datetime.timedelta(hours=2),
                user=caseworker,
                office=caseworker.home_office,
                action=AccessAction.VIEW_CASE,
                case=new_case,
                person_id=new_case.person_id,
                ip_address="198.51.100.1",
            ),
            AccessEvent(
                at=now - datetime.timedelta(hours=1),
                user=manager,
                office=manager.home_office,
                action=AccessAction.SEARCH,
                target="case list",
                query="Mensah",
            ),
            AccessEvent(
                at=now,
                user=outsider,
                office=other_office,
                action=AccessAction.SEARCH,
                target="case list",
                query="Nowak",
            ),
        ]
    )
    return {"case_view": made[0], "search": made[1], "outsider": made[2]}


def shown(response) -> set[int]:
    return {row.pk for row in response.context["page"].object_list}


def test_only_officers_open_it(caseworker, manager, officers):
    for person in (caseworker, manager):
        assert client_for(person).get(reverse("access_log")).status_code == 403
        assert client_for(person).get(reverse("access_log_export")).status_code == 403
    response = client_for(officers["local"]).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("access_log")
    page = client_for(officers["local"]).get(reverse("access_log")).content.decode()
    assert f'href="{reverse("access_log")}"' in page  # in the menu


def test_each_officer_sees_their_office_and_a_national_one_every_office(
    officers, rows, django_assert_num_queries
):
    local = client_for(officers["local"])
    local.get(reverse("access_log"))  # warm the session
    with django_assert_num_queries(PAGE_QUERIES):
        response = local.get(reverse("access_log"))
    assert shown(response) == {rows["case_view"].pk, rows["search"].pk}
    case = rows["case_view"].case
    html = response.content.decode()
    assert case.reference in html  # named, but no link to a case the officer may not open
    assert f'href="{reverse("case_detail", args=[case.pk])}"' not in html
    elsewhere = client_for(officers["elsewhere"]).get(reverse("access_log"))
    assert shown(elsewhere) == {rows["outsider"].pk}
    national = client_for(officers["national"]).get(reverse("access_log"))
    assert shown(national) == {row.pk for row in rows.values()}


def test_a_row_about_the_offices_case_read_from_elsewhere_is_the_offices_too(
    officers, new_case, other_office
):
    visitor = make_user(Role.MANAGER, other_office, username="visitor", is_national=True)
    row = AccessEvent.objects.create(
        user=visitor, office=other_office, action=AccessAction.VIEW_CASE, case=new_case
    )
    assert row.pk in shown(client_for(officers["local"]).get(reverse("access_log")))


def test_filters(officers, rows, caseworker, new_case):
    client = client_for(officers["local"])

    def find(**params):
        response = client.get(reverse("access_log"), params)
        assert response.status_code == 200
        return shown(response)

    assert find(user=caseworker.pk) == {rows["case_view"].pk}
    assert find(action=AccessAction.SEARCH) == {rows["search"].pk}
    assert find(case=new_case.reference.lower()) == {rows["case_view"].pk}
    assert find(client="mensah") == {rows["case_view"].pk}  # the client's name, folded

    def local(minutes_ago):
        moment = timezone.localtime(timezone.now() - datetime.timedelta(minutes=minutes_ago))
        return moment.strftime("%Y-%m-%dT%H:%M")

    assert find(date_from=local(90), date_to=local(30)) == {rows["search"].pk}
    # The officer's own search by a client's name is in the log too.
    assert AccessEvent.objects.filter(
        user=officers["local"], action=AccessAction.SEARCH, query__contains="client=mensah"
    ).exists()


def test_bad_filters_are_a_message_not_an_error(officers, rows, other_office):
    client = client_for(officers["local"])
    elsewhere = make_user(Role.CASEWORKER, other_office, username="abroad")
    for params in (
        {"user": "abc"},
        {"user": elsewhere.pk},  # not of the officer's office
        {"action": "delete"},
        {"date_from": "yesterday"},
        {"date_from": "2026-05-02T10:00", "date_to": "2026-05-01T10:00"},
    ):
        response = client.get(reverse("access_log"), params)
        assert response.status_code == 200, params
        assert response.context["page"] is None
        assert "error-summary" in response.content.decode(), params
    assert client.get(reverse("access_log_export"), {"date_from": "x"}).status_code == 400


def test_csv_export_of_the_filtered_rows_is_recorded(officers, rows, caseworker, new_case):
    client = client_for(officers["local"])
    response = client.get(reverse("access_log_export"), {"user": caseworker.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2  # the header and the caseworker's one row
    assert lines[0].startswith("Time,Username,Person,Action,Case")
    assert "cw" in lines[1] and new_case.reference in lines[1] and "198.51.100.1" in lines[1]
    own = AccessEvent.objects.get(user=officers["local"], action=AccessAction.EXPORT)
    assert own.target == "access log" and own.query == "user=cw"


def test_client_filter_matches_no_other_office(officers, rows, other_office):
    person = make_person(other_office, "Anna", "Mensah")
    AccessEvent.objects.create(
        user=make_user(Role.CASEWORKER, other_office, username="kum2"),
        office=other_office,
        action=AccessAction.VIEW_PERSON,
        person=person,
    )
    response = client_for(officers["local"]).get(reverse("access_log"), {"client": "Mensah"})
    assert shown(response) == {rows["case_view"].pk}


def test_the_admin_lists_the_log_read_only(rows):
    root = make_user(None, None, username="root", is_superuser=True, is_staff=True)
    client = client_for(root)
    response = client.get(reverse("admin:case_flows_accessevent_changelist"))
    assert response.status_code == 200 and "198.51.100.1" in response.content.decode()
    assert client.get(reverse("admin:case_flows_accessevent_add")).status_code == 403
    row = rows["search"]
    delete = reverse("admin:case_flows_accessevent_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessEvent.objects.filter(pk=row.pk).exists()


def test_what_was_read_is_told_in_words(officers, rows, manager):
    """The rows keep short English codes; the page and the CSV say them in words."""
    assert target_text("approval: plan") == "approval: Case plan"
    assert target_text("assess").startswith("task: ")
    assert target_text("dashboard: open (csv)") == "dashboard list open (CSV)"
    assert target_text("something new") == "something new"
    AccessEvent.objects.create(
        user=manager, office=manager.home_office, action=AccessAction.SEARCH, target="inbox (mine)"
    )
    client = client_for(officers["local"])
    page = client.get(reverse("access_log")).content.decode()
    assert "inbox: my tasks" in page and "inbox (mine)" not in page
    response = client.get(reverse("access_log_export"))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert any(",inbox: my tasks," in line for line in lines), lines


def test_the_date_range_is_not_from_where(officers):
    officer = officers["local"]
    officer.preferred_language = "pl"
    officer.save(update_fields=["preferred_language"])
    page = client_for(officer).get(reverse("access_log")).content.decode()
    # "From" of a date range was translated as "Skąd" (from where)
    assert 'lang="pl"' in page and "Skąd" not in page
