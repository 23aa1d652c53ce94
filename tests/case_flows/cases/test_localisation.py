"""What a person reads follows their language and their office's country (issue #13, "Polish:
fix"): target units with the right plural, seeded deadline names, date formats, the
allocation note, case categories and providers of the office's country, and a provider
offered only the answers the referral allows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.cases.forms import CaseRegisterForm
from case_flows.models import (
    CaseEvent,
    Category,
    EventKind,
    FollowUpSchedulePolicy,
    ProviderKind,
    ReferralStatus,
    ServiceProvider,
)
from case_flows.referrals import selectors as referrals
from case_flows.referrals.forms import ReferralAnswerForm
from tests.case_flows.referrals.test_referrals import send, to_referral_stage
from tests.factories import make_office, make_person, make_team, make_user
from tests.steps import open_task
from workflows.sla.models import SlaPolicy
from workflows.sla.seed import seed_sla_policies
from workflows.sla.units import TargetUnit, policy_display_name, target_text


def polish(msgid: str) -> str:
    """The Polish of a new msgid, or skip until the lead has merged it into the catalogue."""
    with translation.override("pl"):
        text = translation.gettext(msgid)
    if text == msgid:
        pytest.skip(f"not in the Polish catalogue yet: {msgid!r}")
    return text


# --- plurals and seeded names -----------------------------------------------------------------


def test_target_units_take_the_plural_of_their_number():
    with translation.override("en"):
        assert target_text(1, TargetUnit.MONTHS) == "1 month"
        assert target_text(6, TargetUnit.MONTHS) == "6 months"
        assert target_text(1, TargetUnit.WORKING_DAYS) == "1 working day"
        assert target_text(24, TargetUnit.HOURS) == "24 hours"
        assert target_text(14, TargetUnit.CALENDAR_DAYS) == "14 calendar days"
    polish("%(count)d month")
    with translation.override("pl"):
        # was "1 miesiące": the plural "months" glued to any number
        assert target_text(1, TargetUnit.MONTHS) == "1 miesiąc"
        assert target_text(3, TargetUnit.MONTHS) == "3 miesiące"
        assert target_text(6, TargetUnit.MONTHS) == "6 miesięcy"


def test_follow_up_schedule_names_its_interval_with_the_plural(db):
    schedule = FollowUpSchedulePolicy(risk="low", interval=1, unit="months")
    with translation.override("en"):
        assert str(schedule) == "Low: 1 month"


def test_seeded_policy_names_are_shown_in_the_readers_language(db):
    seed_sla_policies()
    policy = SlaPolicy.objects.get(key="follow-up-high")
    assert policy.name == "Follow-up, high risk: weekly (draft)"  # stored: the msgid
    with translation.override("en"):
        assert policy.display_name == policy.name
    expected = polish(policy.name)
    with translation.override("pl"):
        assert policy.display_name == expected
    # the Polish statutory policies are msgids too, their Polish the statute's wording
    kpa = SlaPolicy.objects.get(key="pl-kpa-decyzja")
    assert kpa.name == "Administrative decision (1 month, KPA)"
    # a name an administrator wrote is shown as written
    assert policy_display_name("Wizyta w ciągu 3 dni") == "Wizyta w ciągu 3 dni"


def test_deadline_card_shows_the_translated_name_and_target(db):
    from django.template.loader import render_to_string

    seed_sla_policies()
    policy = SlaPolicy.objects.get(key="pl-kpa-decyzja")

    class Clock:  # what the card reads of a clock
        status, breached, pk = "met", False, 1
        due_at = datetime.datetime(2026, 11, 30, 14, 5, tzinfo=datetime.UTC)
        pauses = escalations = type("Empty", (), {"all": staticmethod(list)})()

        def get_status_display(self):
            return "Met"

    clock = Clock()
    clock.policy = policy
    clock.office = make_office(timezone="UTC")
    with translation.override("en"):
        html = render_to_string("workflows/sla/_clock_item.html", {"clock": clock})
    assert "Administrative decision (1 month, KPA)" in html
    assert "Target: 1 month" in html
    assert "30 Nov 2026, 14:05" in html


# --- dates --------------------------------------------------------------------------------------


def test_dates_are_day_first_in_each_language():
    day = datetime.date(2026, 11, 30)
    moment = datetime.datetime(2026, 11, 30, 14, 5)
    with translation.override("en"):
        assert date_format(day, "SHORT_DATE_FORMAT") == "30 Nov 2026"
        assert date_format(day, "DATE_FORMAT") == "30 Nov 2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "30 Nov 2026, 14:05"
        assert date_format(moment, "DATETIME_FORMAT") == "30 Nov 2026, 14:05"
    with translation.override("pl"):
        assert date_format(day, "SHORT_DATE_FORMAT") == "30.11.2026"
        assert date_format(day, "DATE_FORMAT") == "30.11.2026"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "30.11.2026, 14:05"


def test_date_inputs_keep_iso_values_in_polish():
    from case_flows.monitoring.filters import DashboardFilterForm

    with translation.override("pl"):
        form = DashboardFilterForm.base_fields["date_from"]
        assert form.widget.format_value(datetime.date(2026, 11, 30)) == "2026-11-30"
        assert form.clean("2026-11-30") == datetime.date(2026, 11, 30)


# --- the allocation note ------------------------------------------------------------------------


def test_allocation_note_is_written_in_the_offices_language(db):
    office = make_office("SOC", jurisdiction="PL", timezone="Europe/Warsaw", default_language="pl")
    supervisor = make_user(Role.SUPERVISOR, office, username="koord", preferred_language="en")
    team = make_team(office, supervisor=supervisor, name="Zespół")
    caseworker = make_user(Role.CASEWORKER, office, team, username="prac", first_name="Agnieszka")
    case = case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Jan", "Nowak"),
        office=office,
        category=Category.objects.get(code="poverty"),
        risk="medium",
        source="walk_in",
        presenting_concerns="Brak dochodu",
        team=team,
    )
    with translation.override("en"):  # the supervisor works in English
        work_services.case_allocate(
            task=open_task(case, "allocate"), actor=supervisor, caseworker=caseworker
        )
    event = CaseEvent.objects.get(case=case, kind=EventKind.ALLOCATED)
    assert event.comment.startswith("Przydzielono: Agnieszka")


# --- reference data of the office's country ------------------------------------------------------


def test_a_ghana_office_is_not_offered_the_blue_card(db, office, other_office):
    ghana = {c.code for c in CaseRegisterForm(office=office).fields["category"].queryset}
    poland = {c.code for c in CaseRegisterForm(office=other_office).fields["category"].queryset}
    assert "domestic_violence" not in ghana and "child_protection" in ghana
    assert "domestic_violence" in poland and "child_protection" in poland


def test_new_case_page_of_a_ghana_office_has_no_blue_card(client, caseworker):
    client.force_login(caseworker)
    body = client.get(reverse("case_new") + "?new=1").content.decode()
    assert "Niebieska Karta" not in body and "Child protection" in body


def test_directory_shows_the_providers_of_the_users_country(client, office, other_office):
    ServiceProvider.objects.create(name="Bekwai Clinic", services="Health", office=office)
    ServiceProvider.objects.create(name="Kumasi Shelter", services="Shelter", office=None)
    ServiceProvider.objects.create(name="PIK Sochaczew", services="Wsparcie", office=other_office)
    ghana_worker = make_user(Role.CASEWORKER, office, username="gh")
    client.force_login(ghana_worker)
    body = client.get(reverse("provider_directory")).content.decode()
    assert "Bekwai Clinic" in body and "Kumasi Shelter" in body
    assert "PIK Sochaczew" not in body
    national = make_user(Role.MANAGER, office, username="nat", is_national=True)
    names = {p.name for p in referrals.providers_directory(user=national)}
    assert names == {"Bekwai Clinic", "Kumasi Shelter", "PIK Sochaczew"}


def test_referral_lists_offer_only_the_providers_of_the_case_office(
    db, new_case, office, other_office
):
    from case_flows.referrals.forms import ReferralFormSet

    ServiceProvider.objects.create(name="Bekwai Clinic", services="Health", office=office)
    ServiceProvider.objects.create(name="PIK Sochaczew", services="Wsparcie", office=other_office)
    formset = ReferralFormSet(
        prefix="referrals", form_kwargs={"providers": referrals.providers_for_case(new_case)}
    )
    offered = {p.name for p in formset.forms[0].fields["provider"].queryset}
    assert offered == {"Bekwai Clinic"}


# --- the provider's answers -----------------------------------------------------------------------


@pytest.fixture
def clinic_and_nurse(office):
    clinic = ServiceProvider.objects.create(
        name="District Health Directorate",
        kind=ProviderKind.INTERNAL,
        services="Counselling",
        office=office,
    )
    nurse = make_user(Role.PROVIDER, None, username="nurse")
    clinic.members.add(nurse)
    return clinic, nurse


def test_provider_is_offered_only_answers_the_referral_allows(
    client, new_case, supervisor, caseworker, clinic_and_nurse
):
    seed_sla_policies()
    clinic, nurse = clinic_and_nurse
    case = to_referral_stage(new_case, supervisor, caseworker)
    referral = send(case, caseworker, clinic)
    client.force_login(nurse)
    url = reverse("provider_referral", args=[referral.pk])
    form = client.get(url).context["form"]
    assert [value for value, _label in form.fields["action"].choices] == ["accept", "decline"]
    # what is not offered is refused as a bad choice, not attempted
    response = client.post(url, {"action": "complete", "comment": "Done"})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert client.post(url, {"action": "accept"}).status_code == 302
    form = client.get(url).context["form"]
    assert [value for value, _label in form.fields["action"].choices] == ["complete"]


def test_case_staff_may_also_withdraw(db, new_case, supervisor, caseworker):
    seed_sla_policies()
    case = to_referral_stage(new_case, supervisor, caseworker)
    referral = send(case, caseworker, None, provider_name="Hope Shelter")
    form = ReferralAnswerForm(referral=referral)
    assert [v for v, _label in form.fields["action"].choices] == ["accept", "decline", "withdraw"]
