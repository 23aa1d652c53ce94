"""A Polish caseworker records the answer an external provider gave on a referral, on a
phone: the answer form sits in the referral's row without widening the page (it once ran
off a 375 px screen). axe-core checks every page."""

import pytest
from playwright.sync_api import expect

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def test_a_polish_caseworker_records_an_external_providers_answer_on_a_phone(
    person, django_db_blocker
):
    from django.db import transaction

    from accounts.models import User
    from case_flows.models import Case, Stage
    from case_flows.referrals.services import referral_create

    with django_db_blocker.unblock(), transaction.atomic():
        worker = User.objects.get(username="pracownik")
        case = (
            Case.objects.filter(owner=worker, office=worker.home_office)
            .exclude(stage=Stage.CLOSED)
            .order_by("pk")
            .first()
        )
        referral = referral_create(
            case=case,
            actor=worker,
            service_type="Poradnictwo rodzinne",
            provider_name="Poradnia Rodzinna w Sochaczewie (spoza katalogu usługodawców)",
            consent_recorded=True,
        )
    page = person("pracownik", width=375, language="pl")
    page.goto(f"/cases/{case.pk}/referrals/")
    row = page.get_by_role("row").filter(has_text="Poradnictwo rodzinne")
    expect(row.get_by_role("button", name="Zapisz")).to_be_visible()
    assert wider_than_screen(page) == []
    row.get_by_label("Odpowiedź").select_option("accept")
    row.get_by_role("button", name="Zapisz").click()
    page.wait_for_load_state("load")
    with django_db_blocker.unblock():
        referral.refresh_from_db()
        assert referral.status == "accepted"
    assert wider_than_screen(page) == []
