"""The demo data as a newcomer meets it: each office writes in its own language and both
provider logins find referrals waiting for them (issue #13). The demo is loaded once for the
module (`demo`, tests/conftest.py)."""

from accounts.models import User
from case_flows.models import Case, CaseEvent, PlanGoal, ReferralStatus
from case_flows.referrals import selectors as referrals


def test_demo_texts_are_in_each_offices_language_and_providers_have_work(db, demo):
    soc_goals = set(
        PlanGoal.objects.filter(plan__case__office__code="SOC").values_list(
            "description", flat=True
        )
    )
    bek_goals = set(
        PlanGoal.objects.filter(plan__case__office__code="BEK").values_list(
            "description", flat=True
        )
    )
    assert soc_goals and bek_goals
    assert "Bezpieczna i stabilna sytuacja w domu" in soc_goals
    assert "Safe and stable at home" not in soc_goals
    assert "Safe and stable at home" in bek_goals
    soc_concerns = set(
        Case.objects.filter(office__code="SOC").values_list(
            "intake__presenting_concerns", flat=True
        )
    )
    assert not any("Child out of school" in c for c in soc_concerns)
    # the automatic allocation note too
    notes = CaseEvent.objects.filter(case__office__code="SOC", kind="allocated")
    assert notes.exists() and all(n.comment.startswith("Przydzielono") for n in notes)
    # the Ghana office is never offered, nor given, the Polish Blue Card category
    assert not Case.objects.filter(office__code="BEK", category__code="domestic_violence").exists()
    for username in ("provider", "dostawca"):
        user = User.objects.get(username=username)
        waiting = referrals.referrals_to_provider_of(user).filter(status=ReferralStatus.SENT)
        assert waiting.exists(), f"{username} has no referral waiting"


def test_the_demos_past_is_on_record_but_not_emailed(db, demo):
    """Loading the demo writes its history's notifications (read) but sends no e-mail or
    SMS about events weeks old: the mailbox is not flooded."""
    from notifications.models import Delivery, Notification

    assert Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_demo_households_compare_incomes_with_the_criterion(db, demo, client):
    """Sochaczew's demo has households below and above the statutory criterion, Bekwai's
    households with incomes; the demo caseworker sees the comparison on the case page."""
    from django.urls import reverse

    from case_flows.households import selectors
    from case_flows.households.text import case_household_summary
    from case_flows.models import Household

    below = {"SOC": set(), "BEK": set()}
    for household in Household.objects.select_related("office"):
        month = selectors.last_full_month(selectors.timezone.localdate())
        result = selectors.household_income(household, month)
        assert result.total > 0 and result.members_counted >= 1
        below[household.office.code].add(result.below_threshold)
    assert below["SOC"] == {True, False}  # some below the criterion, some above
    assert below["BEK"] == {None}  # Ghana: no criterion recorded
    mine = Case.objects.filter(
        owner__username="pracownik", person__memberships__isnull=False
    ).first()
    assert mine is not None and case_household_summary(mine)["has_incomes"]
    client.force_login(User.objects.get(username="pracownik"))
    page = client.get(reverse("case_detail", args=[mine.pk])).content.decode()
    assert "kryterium" in page or "criterion" in page
    # Seeding again adds nothing.
    from case_flows.demo.households import seed_households

    count = Household.objects.count()
    assert seed_households() == "households created BEK: 0, SOC: 0"
    assert Household.objects.count() == count
