"""An office runs its own staff, in Polish: the manager `kierownik` invites a person, who
accepts through the link in the e-mail (read in the development mailbox), sets a password and
is signed in; the manager deactivates a caseworker, handing their open work to a colleague,
who finds it in their inbox, while the caseworker's open session ends. At desktop and phone
widths; axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import AccountAction, AccountEvent, Office, Role, Team, User
from accounts.roles import ensure_role_groups
from case_flows.models import Case, Category

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser

PASSWORD = "Wiosna-nad-Bzura-2026"


def _text(english: str, polish: str):
    """Either language: the Polish catalogue of this change is merged by the lead."""
    return re.compile(f"{re.escape(english)}|{re.escape(polish)}")


def _label(page, english: str, polish: str):
    """A field by its whole label (Django adds a colon), in either language."""
    return page.get_by_label(re.compile(f"^({re.escape(english)}|{re.escape(polish)}):?$"))


def _button(scope, english: str, polish: str):
    return scope.get_by_role("button", name=_text(english, polish))


def _staff_member(username: str, first: str, last: str) -> User:
    """A caseworker of the Sochaczew office's team who signs in with the demo password."""
    office = Office.objects.get(code="SOC")
    user = User.objects.create_user(
        username=username,
        password="demo",
        first_name=first,
        last_name=last,
        email=f"{username}@example.org",
        home_office=office,
        preferred_language="pl",
    )
    user.groups.add(ensure_role_groups()[Role.CASEWORKER])
    Team.objects.get(office=office).members.add(user)
    return user


def _cases_held_by(user: User, n: int) -> list[Case]:
    """n new cases allocated to the user by the office's coordinator (their intake waits)."""
    office = user.home_office
    supervisor = User.objects.get(username="koordynator")
    category = Category.offered_to(office).order_by("pk").first()
    cases = []
    for i in range(n):
        person = case_services.person_create(
            actor=user, office=office, given_name="Jan", family_name=f"Kowalski {user.pk}-{i}"
        )
        case = case_services.case_open(
            actor=user,
            person=person,
            office=office,
            category=category,
            risk="medium",
            source="walk_in",
            presenting_concerns="Rodzina bez dochodu.",
        )
        from viewflow.workflow.models import Task

        allocate = Task.objects.get(
            process__caseprocess__case=case, flow_task_type="HUMAN", status="NEW"
        )
        work_services.case_allocate(task=allocate, actor=supervisor, caseworker=user)
        cases.append(case)
    return cases


@pytest.mark.parametrize("width", [1280, 375])
def test_a_polish_manager_invites_a_person_who_joins(person, browser, site, axe, settings, width):
    settings.EMAIL_BACKEND = settings.MAILBOX_EMAIL_BACKEND
    settings.SITE_URL = site.url
    address = f"ewa.lis.{width}@example.org"

    manager = person("kierownik", width=width, language="pl")
    manager.goto("/")
    if width < 700:
        manager.locator("label.nav-toggle-label").click()
    manager.get_by_role("link", name=_text("Staff", "Pracownicy")).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(_text("Staff", "Pracownicy"))
    assert wider_than_screen(manager) == []
    manager.get_by_role("link", name=_text("Invite a person", "Zaproś osobę")).click()
    _label(manager, "First name", "Imię").fill("Ewa")
    _label(manager, "Last name", "Nazwisko").fill(f"Lis {width}")
    _label(manager, "E-mail", "E-mail").fill(address)
    manager.get_by_label("Pracownik socjalny").check()
    manager.get_by_label("Zespół pracy socjalnej").check()
    _button(manager, "Send the invitation", "Wyślij zaproszenie").click()
    expect(manager.get_by_role("status")).to_contain_text(address)
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"Ewa Lis {width}")
    assert wider_than_screen(manager) == []
    invited = User.objects.get(email=address)
    assert not invited.is_active and invited.home_office.code == "SOC"

    # The e-mail, as the invitee got it, in the development mailbox.
    User.objects.filter(username="itadmin").exists() or User.objects.create_user(
        username="itadmin", password="demo", is_staff=True, first_name="IT", last_name="Admin"
    )
    admin = person("itadmin")
    admin.goto("/dev/mailbox/")
    admin.get_by_role("row").filter(has_text=address).first.get_by_role("link").click()
    link = admin.locator(".mail-body a").first.get_attribute("href")
    assert link.startswith(site.url + "/accounts/invitation/")

    # The invitee opens the link in a browser of their own, not signed in.
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="pl-PL", base_url=site.url
    )
    try:
        invitee = context.new_page()
        axe.watch(invitee)
        invitee.goto(link)
        _label(invitee, "New password", "Nowe hasło").fill(PASSWORD)
        _label(invitee, "New password confirmation", "Nowe hasło (powtórz)").fill(PASSWORD)
        _button(invitee, "Set the password and sign in", "Ustaw hasło i zaloguj się").click()
        expect(invitee.locator(".usermenu")).to_contain_text(f"Ewa Lis {width}")
        assert "/accounts/" not in invitee.url
        invited.refresh_from_db()
        assert invited.is_active and invited.check_password(PASSWORD)

        # The link worked once.
        invitee.goto(link)
        expect(invitee.get_by_role("heading", level=1)).to_have_text(
            _text("This invitation cannot be used", "Tego zaproszenia nie można użyć")
        )
        axe.check(invitee)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_manager_deactivates_a_caseworker_and_a_colleague_gets_the_work(person, width):
    leaver = _staff_member(f"odchodzi{width}", "Barbara", f"Nowicka {width}")
    colleague = _staff_member(f"przejmuje{width}", "Piotr", f"Zieliński {width}")
    cases = _cases_held_by(leaver, 3)
    leaver_page = person(leaver.username, width=width, language="pl")
    leaver_page.goto("/inbox/")
    for case in cases:
        expect(leaver_page.get_by_text(case.reference).first).to_be_visible()

    manager = person("kierownik", width=width, language="pl")
    manager.goto("/staff/")
    manager.get_by_role("link", name=re.compile(f"Barbara Nowicka {width}")).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(f"Barbara Nowicka {width}")
    assert wider_than_screen(manager) == []
    section = manager.locator("section").filter(
        has=manager.get_by_role("heading", name=_text("Deactivate", "Dezaktywacja"))
    )
    _label(section, "Hand their open work to", "Przekaż otwartą pracę").select_option(
        str(colleague.pk)
    )
    _button(section, "Deactivate the account", "Dezaktywuj konto").click()
    status = manager.get_by_role("status")
    expect(status).to_contain_text(_text("can no longer sign in", "nie może się już zalogować"))
    # "3 open tasks went to Piotr …" / "Piotr … przejmuje 3 otwarte zadania."
    expect(status).to_contain_text(f"Piotr Zieliński {width}")
    expect(status).to_contain_text(re.compile(r"\b3\b"))
    assert wider_than_screen(manager) == []

    # Their open session ends at the next click.
    leaver_page.goto("/inbox/")
    assert "/accounts/login/" in leaver_page.url

    # The colleague finds the work in their inbox.
    receiver = person(colleague.username, width=width, language="pl")
    receiver.goto("/inbox/")
    for case in cases:
        expect(receiver.get_by_text(case.reference).first).to_be_visible()
    assert wider_than_screen(receiver) == []
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("owner", flat=True)
    ) == {colleague.pk}
    assert AccountEvent.objects.filter(
        action=AccountAction.TASKS_HANDED_OVER, subject=leaver
    ).exists()
