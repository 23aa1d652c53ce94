"""The inbox (my tasks, team queue), landing pages per role and the Polish interface."""

import datetime

import pytest
from django.urls import reverse

import case_flows.cases.services as case_services
import case_flows.work.selectors as work_selectors
from accounts.models import Role
from case_flows.cases.selectors import PAGE_SIZE
from tests.factories import category, make_person, make_user
from tests.steps import allocate, open_task

from .test_views_tasks import client_for

# Queries per page, whatever the number of rows: session, user, office (time zone), user
# and group permissions, role groups, scope teams, both tab counts, page count, the rows,
# the rows' returned-for-revision decisions.
# A change here means a page started to query per row, or a fixed query was added: look
# before updating.
INBOX_MINE_QUERIES = 14
INBOX_QUEUE_QUERIES = 14
# A filtered inbox is a search: one more query, the access-log row.
SEARCH_ROW = 1


def filtered(query: str) -> bool:
    return any(part.split("=")[0] != "sort" for part in query.split("&"))


def open_cases(n, *, office, actor, risk="medium"):
    return [
        case_services.case_open(
            actor=actor,
            person=make_person(office, "Ama", f"Owusu{i}"),
            office=office,
            category=category(),
            risk=risk,
            source="walk_in",
            presenting_concerns="Concern",
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("rows", [3, 20])
def test_my_tasks_query_count_is_constant(
    rows, office, team, caseworker, supervisor, django_assert_num_queries
):
    for case in open_cases(rows, office=office, actor=caseworker):
        allocate(case, supervisor, caseworker)
    client = client_for(caseworker)
    with django_assert_num_queries(INBOX_MINE_QUERIES):
        response = client.get(reverse("inbox"))
    assert response.status_code == 200
    assert response.content.decode().count('data-label="Task">Complete intake') == rows


@pytest.mark.parametrize("rows", [3, 20])
def test_team_queue_query_count_is_constant(
    rows, office, team, caseworker, supervisor, django_assert_num_queries
):
    open_cases(rows, office=office, actor=caseworker)
    client = client_for(supervisor)
    with django_assert_num_queries(INBOX_QUEUE_QUERIES):
        response = client.get(reverse("inbox") + "?tab=queue")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-label="Task">Allocate case') == rows
    assert body.count(">Claim</button>") == rows


def test_tabs_show_counts_and_rows_link_to_the_case(office, team, caseworker, supervisor):
    cases = open_cases(2, office=office, actor=caseworker)
    allocate(cases[0], supervisor, caseworker)
    body = client_for(supervisor).get(reverse("inbox") + "?tab=queue").content.decode()
    assert 'Team queue <span class="count">1</span>' in body
    assert 'My tasks <span class="count">0</span>' in body
    assert reverse("case_detail", args=[cases[1].pk]) in body
    assert cases[1].person.family_name in body
    assert reverse("task_claim", args=[open_task(cases[1], "allocate").pk]) in body


def test_filters_by_risk(office, team, caseworker, supervisor):
    high = open_cases(1, office=office, actor=caseworker, risk="high")[0]
    low = open_cases(1, office=office, actor=caseworker, risk="low")[0]
    body = client_for(supervisor).get(reverse("inbox") + "?tab=queue&risk=high").content.decode()
    assert high.reference in body and low.reference not in body
    assert 'Team queue <span class="count">1</span>' in body


def test_inbox_paginates(office, team, caseworker, supervisor):
    open_cases(PAGE_SIZE + 2, office=office, actor=caseworker)
    client = client_for(supervisor)
    first = client.get(reverse("inbox") + "?tab=queue").content.decode()
    assert first.count(">Claim</button>") == PAGE_SIZE
    assert "Page 1 of 2" in first
    second = client.get(reverse("inbox") + "?tab=queue&page=2").content.decode()
    assert second.count(">Claim</button>") == 2


def test_empty_states(office, team, caseworker):
    client = client_for(caseworker)
    assert "You have no tasks right now." in client.get(reverse("inbox")).content.decode()
    queue = client.get(reverse("inbox") + "?tab=queue").content.decode()
    assert "The team queue is empty" in queue
    filtered = client.get(reverse("inbox") + "?risk=high").content.decode()
    assert "No tasks match these filters." in filtered


def test_inbox_has_a_due_column_for_deadlines(office, team, caseworker, supervisor):
    allocate(open_cases(1, office=office, actor=caseworker)[0], supervisor, caseworker)
    body = client_for(caseworker).get(reverse("inbox")).content.decode()
    assert 'class="due">' in body and "minute" in body


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.CASEWORKER, "inbox"),
        (Role.SUPERVISOR, "approvals"),
        (Role.MANAGER, "dashboard"),
        (Role.ADMINISTRATOR, "dashboard"),
    ],
)
def test_home_lands_by_role(role, landing, office):
    user = make_user(role, office)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)
    assert client_for(user).get(reverse(landing)).status_code == 200


def test_user_without_role_sees_the_home_page(office):
    user = make_user(None, office)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    assert "No role assigned" in response.content.decode()


def test_nav_links_follow_permissions(office, team, caseworker, supervisor):
    body = client_for(caseworker).get(reverse("inbox")).content.decode()
    assert f'href="{reverse("case_new")}"' in body
    assert f'href="{reverse("approvals")}"' not in body
    body = client_for(supervisor).get(reverse("inbox")).content.decode()
    assert f'href="{reverse("approvals")}"' in body
    manager = make_user(Role.MANAGER, office)
    body = client_for(manager).get(reverse("case_list")).content.decode()
    assert f'href="{reverse("approvals")}"' in body
    assert f'href="{reverse("case_new")}"' not in body


def test_inbox_in_polish(office, team):
    user = make_user(Role.CASEWORKER, office, team, preferred_language="pl")
    response = client_for(user).get(reverse("inbox"))
    assert response.status_code == 200
    assert 'lang="pl"' in response.content.decode()


def test_inbox_requires_login(client, db):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_huge_queue_count_stops_at_the_cap(monkeypatch, office, team, caseworker, supervisor):

    monkeypatch.setattr(work_selectors, "QUEUE_COUNT_CAP", 2)
    open_cases(3, office=office, actor=caseworker)
    counts = work_selectors.inbox_counts(supervisor)
    assert counts == {"mine": 0, "queue": 2, "queue_more": True}
    body = client_for(supervisor).get(reverse("inbox") + "?tab=queue").content.decode()
    assert '<span class="count">2+</span>' in body
    # Paging stops at the cap too (narrow with the filters to see the rest).
    assert body.count('data-label="Task">Allocate case') == 2


def test_queue_holds_only_the_users_scope(office, other_office, team, caseworker, supervisor):
    from accounts.models import Role
    from tests.factories import make_team, make_user

    polish_team = make_team(other_office, name="Zespół")
    polish_supervisor = make_user(Role.SUPERVISOR, other_office, username="koord")
    polish_team.supervisor = polish_supervisor
    polish_team.save()
    polish_worker = make_user(Role.CASEWORKER, other_office, polish_team, username="prac")
    open_cases(2, office=office, actor=caseworker)
    open_cases(1, office=other_office, actor=polish_worker)
    assert work_selectors.inbox_counts(supervisor)["queue"] == 2
    assert work_selectors.inbox_counts(polish_supervisor)["queue"] == 1
    assert work_selectors.inbox_counts(caseworker)["queue"] == 0  # allocation is supervisors' work


# --- sorting, task-type filter, search (issue #13, item 6) --------------------------------


def queue_rows(body: str) -> list[str]:
    """Case references in the order the rows show them."""
    import re

    return re.findall(r'data-label="Case"><a href="[^"]+">([^<]+)</a>', body)


def named_cases(office, actor, names_and_risks):
    from case_flows.cases.services import case_open

    return [
        case_open(
            actor=actor,
            person=make_person(office, given, family),
            office=office,
            category=category(),
            risk=risk,
            source="walk_in",
            presenting_concerns="Concern",
        )
        for given, family, risk in names_and_risks
    ]


@pytest.fixture
def three_cases(office, team, caseworker):
    return named_cases(
        office,
        caseworker,
        [("Zofia", "Łąka", "low"), ("Ama", "Owusu", "high"), ("Kofi", "Mensah", "medium")],
    )


@pytest.mark.parametrize(
    ("sort", "order", "aria_column", "aria"),
    [
        ("client", [1, 2, 0], "Client", "ascending"),  # Ama, Kofi, Zofia
        ("-client", [0, 2, 1], "Client", "descending"),
        ("-risk", [1, 2, 0], "Risk", "descending"),  # high first
        ("risk", [0, 2, 1], "Risk", "ascending"),
        ("case", [0, 1, 2], "Case", "ascending"),  # references in opening order
        ("-case", [2, 1, 0], "Case", "descending"),
    ],
)
def test_sorts_by_column_with_aria_sort(sort, order, aria_column, aria, three_cases, supervisor):
    body = client_for(supervisor).get(f"{reverse('inbox')}?tab=queue&sort={sort}").content.decode()
    assert queue_rows(body) == [three_cases[i].reference for i in order]
    assert f'<th aria-sort="{aria}"><a class="sort"' in body
    assert body.count("aria-sort=") == 1
    header = body.split(f'aria-sort="{aria}"')[1].split("</th>")[0]
    assert f">{aria_column}</a>" in header
    # The header link turns the order round and keeps the tab.
    flipped = sort[1:] if sort.startswith("-") else f"-{sort}"
    assert f"sort={flipped}" in header and "tab=queue" in header


def test_header_links_keep_filters_and_drop_the_page(three_cases, supervisor):
    body = (
        client_for(supervisor)
        .get(f"{reverse('inbox')}?tab=queue&risk=high&q=ama&page=1")
        .content.decode()
    )
    header = body.split('class="sort"')[1]  # the Case column
    href = header.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert "risk=high" in href and "q=ama" in href and "sort=case" in href
    assert "page=" not in href


def test_unknown_sort_falls_back_to_due(three_cases, supervisor):
    response = client_for(supervisor).get(f"{reverse('inbox')}?tab=queue&sort=owner__password")
    assert response.status_code == 200
    assert len(queue_rows(response.content.decode())) == 3
    assert '<th aria-sort="ascending"><a class="sort" href="?tab=queue&amp;sort=-due">' in (
        response.content.decode()
    )


def test_search_by_client_name_accents_or_reference(three_cases, supervisor):
    client = client_for(supervisor)
    base = f"{reverse('inbox')}?tab=queue"
    body = client.get(f"{base}&q=laka").content.decode()  # Łąka, typed without accents
    assert queue_rows(body) == [three_cases[0].reference]
    assert 'Team queue <span class="count">1</span>' in body
    body = client.get(f"{base}&q=kofi mensah").content.decode()
    assert queue_rows(body) == [three_cases[2].reference]
    body = client.get(f"{base}&q={three_cases[1].reference.lower()}").content.decode()
    assert queue_rows(body) == [three_cases[1].reference]
    assert "No tasks match these filters." in client.get(f"{base}&q=nobody").content.decode()


def test_filter_by_task_type_in_a_mixed_queue(three_cases, supervisor, caseworker):
    from tests.steps import complete_intake, submit_assessment

    allocate(three_cases[0], supervisor, caseworker)
    complete_intake(three_cases[0], caseworker)
    submit_assessment(three_cases[0], caseworker)
    client = client_for(supervisor)
    base = f"{reverse('inbox')}?tab=queue"
    body = client.get(base).content.decode()
    assert "Approve assessment" in body and "Allocate case" in body
    assert '<option value="approve_assessment">Approve assessment</option>' in body
    body = client.get(f"{base}&task=approve_assessment").content.decode()
    assert queue_rows(body) == [three_cases[0].reference]
    assert 'Team queue <span class="count">1</span>' in body
    body = client.get(f"{base}&task=allocate").content.decode()
    assert queue_rows(body) == [three_cases[2].reference, three_cases[1].reference] or set(
        queue_rows(body)
    ) == {three_cases[1].reference, three_cases[2].reference}
    assert "Approve assessment</td>" not in body


def test_filters_and_sort_survive_pagination(office, team, caseworker, supervisor):
    open_cases(PAGE_SIZE + 2, office=office, actor=caseworker, risk="high")
    body = (
        client_for(supervisor)
        .get(f"{reverse('inbox')}?tab=queue&risk=high&task=allocate&q=ama&sort=-client")
        .content.decode()
    )
    assert "Page 1 of 2" in body
    next_link = body.split('class="pagination"')[1].split('href="')[1].split('"')[0]
    next_link = next_link.replace("&amp;", "&")
    for part in ("tab=queue", "risk=high", "task=allocate", "q=ama", "sort=-client", "page=2"):
        assert part in next_link
    second = client_for(supervisor).get(reverse("inbox") + next_link).content.decode()
    assert second.count(">Claim</button>") == 2
    # The sort select shows the chosen order (it sorts on a phone, where headers hide).
    assert '<option value="-client" selected>' in second


@pytest.mark.parametrize(
    "query",
    [
        "sort=client",
        "sort=-risk",
        "sort=case",
        "sort=-due",
        "task=intake",
        "q=owusu",
        "q=BEK",
        "risk=high&stage=intake&task=intake&q=ama&sort=-client",
    ],
)
@pytest.mark.parametrize("rows", [3, 20])
def test_sorted_filtered_searched_inbox_query_count_is_constant(
    query, rows, office, team, caseworker, supervisor, django_assert_num_queries
):
    for case in open_cases(rows, office=office, actor=caseworker, risk="high"):
        allocate(case, supervisor, caseworker)
    client = client_for(caseworker)
    with django_assert_num_queries(INBOX_MINE_QUERIES + SEARCH_ROW * filtered(query)):
        response = client.get(f"{reverse('inbox')}?{query}")
    assert response.status_code == 200
    assert response.content.decode().count('data-label="Task">Complete intake') == rows


@pytest.mark.parametrize("query", ["sort=client", "task=allocate", "q=owusu", "sort=-risk&q=a"])
def test_sorted_filtered_queue_query_count_is_constant(
    query, office, team, caseworker, supervisor, django_assert_num_queries
):
    open_cases(5, office=office, actor=caseworker)
    client = client_for(supervisor)
    with django_assert_num_queries(INBOX_QUEUE_QUERIES + SEARCH_ROW * filtered(query)):
        response = client.get(f"{reverse('inbox')}?tab=queue&{query}")
    assert response.content.decode().count(">Claim</button>") == 5


# --- durations and "Overdue" once per row ---------------------------------------------------


def first_row(client, query: str) -> str:
    body = client.get(reverse("inbox") + query).content.decode()
    return body.split("<tbody>")[1].split("</tr>")[0]


def visible_text(html: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_overdue_is_said_once_per_row_in_the_largest_unit(
    time_machine, office, team, caseworker, supervisor
):
    from django.utils import timezone

    from workflows.sla.models import SlaClock
    from workflows.sla.seed import seed_sla_policies
    from workflows.sla.sweep import sla_sweep

    seed_sla_policies()
    time_machine.move_to(timezone.now(), tick=False)
    # A high-risk allocation has a 24-hour first-response target (Ghana draft policy).
    case = named_cases(office, caseworker, [("Ama", "Owusu", "high")])[0]
    time_machine.move_to(timezone.now() + datetime.timedelta(days=57, hours=2), tick=False)
    sla_sweep()
    case.refresh_from_db()
    assert case.is_overdue
    first_due = (
        SlaClock.objects.filter(subject_id=case.pk, status="running").order_by("due_at").first()
    )
    late_days = (timezone.now() - first_due.due_at).days
    assert late_days >= 56  # more than 1,341 hours
    row = visible_text(first_row(client_for(supervisor), "?tab=queue"))
    assert f"overdue by {late_days} days" in row
    assert "hour" not in row
    assert row.lower().count("overdue") == 1


def test_case_overdue_on_another_deadline_is_named_once(office, team, caseworker, supervisor):
    from case_flows.models import Case

    case = named_cases(office, caseworker, [("Ama", "Owusu", "high")])[0]
    Case.objects.filter(pk=case.pk).update(is_overdue=True)  # a stage deadline was breached
    row = visible_text(first_row(client_for(supervisor), "?tab=queue"))
    assert row.count("Case overdue") == 1
    assert row.lower().count("overdue") == 1


def test_waiting_time_in_the_largest_unit(time_machine, office, team, caseworker, supervisor):
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    named_cases(office, caseworker, [("Ama", "Owusu", "high")])  # no policies: no deadline
    time_machine.move_to(timezone.now() + datetime.timedelta(days=56, hours=5), tick=False)
    body = client_for(supervisor).get(f"{reverse('inbox')}?tab=queue").content.decode()
    assert "waiting 56 days" in body
    assert "month" not in body.split("<tbody>")[1]


def test_durations_in_polish_use_the_right_plural():
    from django.utils import translation

    from workflows.sla.selectors import format_duration

    with translation.override("pl"):
        assert format_duration(datetime.timedelta(days=1)) == "1 dzień"
        assert format_duration(datetime.timedelta(days=56)) == "56 dni"
        assert format_duration(datetime.timedelta(hours=3)) == "3 godziny"
        assert format_duration(datetime.timedelta(hours=5)) == "5 godzin"
        assert format_duration(datetime.timedelta(minutes=22)) == "22 minuty"
        assert format_duration(datetime.timedelta(minutes=1)) == "1 minuta"
